using System.Buffers;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AllocGen.Safe;

/// <summary>What a generated heap's safe members share: the size check and the owners' construction. For generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class SafeRent
{
    /// <summary>The bytes of <paramref name="length"/> elements of <typeparamref name="T"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative, or the size does not fit in a <see cref="nuint"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint ByteSize<T>(int length)
        where T : unmanaged => ByteSize(length, (nuint)sizeof(T));

    /// <summary>
    /// The bytes of <paramref name="length"/> elements of <paramref name="elementSize"/> bytes. In a 64-bit process an
    /// <see cref="int"/> count of any struct fits; the overflow check is for 32-bit ones (and tested with a huge size).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nuint ByteSize(int length, nuint elementSize)
    {
        if (length < 0)
        {
            SafeThrow.NegativeLength(length);
        }

        if (elementSize != 0 && (nuint)length > nuint.MaxValue / elementSize)
        {
            SafeThrow.SizeOverflow(length, elementSize);
        }

        return (nuint)length * elementSize;
    }

    /// <summary>An owner of <paramref name="length"/> elements at <paramref name="block"/>, a block of <paramref name="allocator"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SpanOwner<T> SpanOwner<T>(IAllocator allocator, void* block, int length)
        where T : unmanaged => new(allocator, block, length);

    /// <summary>A <see cref="MemoryManager{T}"/> owning <paramref name="length"/> elements at <paramref name="block"/>, a block of <paramref name="allocator"/>.</summary>
    public static IMemoryOwner<T> MemoryOwner<T>(IAllocator allocator, void* block, int length)
        where T : unmanaged => new HeapMemoryManager<T>(allocator, block, length);

    /// <summary>A <see cref="MemoryPool{T}"/> of bytes over <paramref name="heap"/>.</summary>
    /// <exception cref="InvalidOperationException">The heap is not safe from any thread.</exception>
    public static MemoryPool<byte> MemoryPool(IAllocator heap) => HeapMemoryPool.Over(heap);
}
