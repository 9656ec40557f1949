using System.Diagnostics.CodeAnalysis;

namespace AllocGen;

/// <summary>Cold throw sites, kept out of line so the fast paths stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ObjectDisposed(string? owner) =>
        throw new ObjectDisposedException(owner ?? "allocator", "The allocator has been disposed.");

    [DoesNotReturn]
    public static unsafe void ForeignPointer(void* pointer) =>
        throw new ArgumentException(
            $"Pointer 0x{(nuint)pointer:X} was not allocated by this allocator, or was already freed.", "pointer");

    [DoesNotReturn]
    public static unsafe void InvalidBlock(void* pointer, string why) =>
        throw new ArgumentException($"Pointer 0x{(nuint)pointer:X} is not a live block of this allocator: {why}.", "pointer");

    [DoesNotReturn]
    public static void SizeOverflow() =>
        throw new OverflowException("The requested size does not fit in a native integer.");
}
