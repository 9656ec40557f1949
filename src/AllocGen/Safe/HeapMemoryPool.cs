using System.Buffers;

namespace AllocGen.Safe;

/// <summary>
/// A heap as a <see cref="MemoryPool{T}"/> of bytes, what a generated heap's <c>AsMemoryPool()</c> returns, for
/// <c>System.IO.Pipelines</c> (<c>new PipeOptions(pool: heap.AsMemoryPool())</c>) and other code that rents buffers
/// from a pool. Each rental is a <c>Rent&lt;byte&gt;</c> owner of the heap: freed when disposed, unusable after.
/// </summary>
/// <remarks>
/// A pipe rents on the writer's thread and returns on the reader's, so only a heap safe from any thread
/// (<c>ThreadPolicy.Locked</c> or <c>PerThread</c>) is accepted. Disposing the pool does nothing: the heap belongs to
/// whoever created it, and outstanding rentals stay valid until they are disposed.
/// </remarks>
internal sealed unsafe class HeapMemoryPool : MemoryPool<byte>
{
    /// <summary>The size of a rental that asks for none (-1), as <see cref="MemoryPool{T}.Shared"/> gives.</summary>
    internal const int DefaultBufferSize = 4096;

    private readonly IAllocator _heap;

    private HeapMemoryPool(IAllocator heap) => _heap = heap;

    /// <summary>
    /// Any size a span can hold: blocks above the heap's small-request threshold come from the system allocator, so
    /// the heap sets no lower limit, and a pipe rents every segment here instead of falling back to its array pool.
    /// </summary>
    public override int MaxBufferSize => int.MaxValue;

    /// <exception cref="InvalidOperationException">The heap is not safe from any thread.</exception>
    public static HeapMemoryPool Over(IAllocator heap)
    {
        if (!heap.IsThreadSafe)
        {
            throw new InvalidOperationException(
                $"{heap.GetType().Name} is not thread-safe, and a memory pool's buffers are rented and returned on different " +
                $"threads (System.IO.Pipelines does so). Declare it with [PoolAllocator(Threading = ThreadPolicy.Locked)] " +
                $"or ThreadPolicy.PerThread to use AsMemoryPool().");
        }

        return new HeapMemoryPool(heap);
    }

    /// <summary>Rents exactly <paramref name="minBufferSize"/> bytes (uninitialized), or <see cref="DefaultBufferSize"/> for -1.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> is below -1.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize == -1)
        {
            minBufferSize = DefaultBufferSize;
        }
        else if (minBufferSize < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(minBufferSize), minBufferSize, "The size must be -1 (the default size) or not negative.");
        }

        return new HeapMemoryManager<byte>(_heap, _heap.Allocate((nuint)minBufferSize), minBufferSize);
    }

    protected override void Dispose(bool disposing)
    {
    }
}
