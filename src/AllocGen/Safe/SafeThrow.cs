using System.Diagnostics.CodeAnalysis;

namespace AllocGen.Safe;

/// <summary>The safe surface's cold throw sites, out of line so the span accessors stay small.</summary>
internal static class SafeThrow
{
    [DoesNotReturn]
    public static void OwnerDisposed(string owner) =>
        throw new ObjectDisposedException(owner, "The owner was disposed: its block went back to the heap.");

    [DoesNotReturn]
    public static void NegativeLength(int length) =>
        throw new ArgumentOutOfRangeException(nameof(length), length, "The length must not be negative.");

    [DoesNotReturn]
    public static void SizeOverflow(int length, nuint elementSize) =>
        throw new ArgumentOutOfRangeException(
            nameof(length), length, $"{length} elements of {elementSize} bytes do not fit in a native integer.");
}
