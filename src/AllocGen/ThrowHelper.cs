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

    /// <summary>
    /// <paramref name="count"/> × <paramref name="size"/>, the byte size of a zeroed request (calloc's product).
    /// </summary>
    /// <exception cref="OverflowException">The product does not fit in a <see cref="nuint"/>.</exception>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static nuint ZeroedRequestSize(nuint count, nuint size)
    {
        if (size != 0 && count > nuint.MaxValue / size)
        {
            SizeOverflow();
        }

        return count * size;
    }

    /// <summary>The alignment check of <see cref="IAllocator.AllocateAligned"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    public static void ThrowIfNotPowerOfTwo(nuint alignment, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(alignment))] string? name = null)
    {
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new ArgumentException($"Alignment {alignment} is not a power of two.", name);
        }
    }
}
