using System.Buffers;

namespace AllocGen.Safe;

/// <summary>
/// A block of a heap as <see cref="Memory{T}"/>: the <see cref="IMemoryOwner{T}"/> a generated heap's
/// <c>Rent&lt;T&gt;</c> returns, for buffers that live across an <c>await</c> or on the managed heap.
/// </summary>
/// <remarks>
/// <para>
/// <b>Never a read of freed memory through the owner.</b> A <see cref="Memory{T}"/> made from a manager refers to
/// the manager itself and asks it for the span on every <c>.Span</c>, <c>Pin</c> and <c>CopyTo</c>, so after Dispose
/// every such use, through this owner or any <see cref="Memory{T}"/> or slice taken from it before, throws
/// <see cref="ObjectDisposedException"/>. That holds only because a manager is never reused for another block: a
/// pooled manager would hand a new block to the stale <see cref="Memory{T}"/> values of its last rental, which carry
/// no version of their own to compare. So each rental costs one managed object (measured in the tests).
/// </para>
/// <para>
/// <b>The caller's duty.</b> A <see cref="Span{T}"/> or pinned pointer obtained before Dispose is not invalidated by it,
/// and a Dispose racing with a use on another thread is a race: obtain spans where they are used, do not keep them.
/// </para>
/// </remarks>
internal sealed unsafe class HeapMemoryManager<T> : MemoryManager<T>
    where T : unmanaged
{
    private readonly IAllocator _allocator;
    private readonly int _length;

    // The block's address; 0 once disposed. Exchanged to 0 so that concurrent Disposes free it once.
    private nint _block;

    public HeapMemoryManager(IAllocator allocator, void* block, int length)
    {
        _allocator = allocator;
        _block = (nint)block;
        _length = length;
    }

    public override Span<T> GetSpan() => new(LiveBlock(), _length);

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elementIndex"/> lies outside the block.</exception>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        T* block = (T*)LiveBlock();
        if ((uint)elementIndex > (uint)_length)
        {
            throw new ArgumentOutOfRangeException(nameof(elementIndex), elementIndex, $"The block holds {_length} elements.");
        }

        // Native memory never moves: pinning is a pointer, and unpinning has nothing to undo.
        return new MemoryHandle(block + elementIndex, default, this);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        nint block = Interlocked.Exchange(ref _block, 0);
        if (block != 0)
        {
            _allocator.Free((void*)block);
        }
    }

    private void* LiveBlock()
    {
        nint block = Volatile.Read(ref _block);
        if (block == 0)
        {
            SafeThrow.OwnerDisposed(nameof(IMemoryOwner<T>));
        }

        return (void*)block;
    }
}
