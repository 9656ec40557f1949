using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AllocGen.Threading;

/// <summary>
/// Blocks freed by other threads, waiting for their owner, as an array of pointers: a bounded ring that any thread
/// appends to (one compare-and-swap to reserve a slot, then a store) and only the owner takes from. The owner reads
/// the pointers of a whole batch before it touches any block, so the cache misses on the blocks, which other cores
/// freed, overlap; taking back a linked chain (<see cref="RemoteFreeStack"/>) waits for one miss per block, each
/// before the next block is known. When the ring is full, blocks go onto the stack instead. The freeing thread does
/// not write into the block either.
/// </summary>
/// <remarks>
/// A slot is zero when free. The owner zeroes every slot it takes before it publishes its new read index, so a
/// thread that reserves a slot below read index + <see cref="Capacity"/> finds it zero. A slot reserved but not yet
/// written stops the owner's take at that slot; the block is taken next time.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = SlotsOffset + Capacity * 8)]
internal unsafe struct RemoteFreeRing
{
    /// <summary>
    /// Slots in the ring (a power of two): 32 KiB per thread heap, whose pages are touched only as slots are used.
    /// The owner takes back only when a class runs out of blocks, by when thousands may be waiting: with 256 slots
    /// most of a producer/consumer workload's frees overflowed onto the stack.
    /// </summary>
    public const int Capacity = 4096;

    private const int SlotsOffset = 256;

    /// <summary>The owner's read index (written by the owner only), on a line of its own.</summary>
    [FieldOffset(64)]
    private long _head;

    /// <summary>The next index to reserve (compare-and-swap by any thread), on a line of its own.</summary>
    [FieldOffset(192)]
    private long _tail;

    [FieldOffset(SlotsOffset)]
    private fixed long _slots[Capacity];

    /// <summary>Whether nothing is waiting (a plain read: an append that races with it is seen next time).</summary>
    public readonly bool IsEmpty => Volatile.Read(ref Unsafe.AsRef(in _tail)) == Volatile.Read(ref Unsafe.AsRef(in _head));

    /// <summary>Appends a block (any thread); false when the ring is full.</summary>
    public bool TryPush(void* block)
    {
        if (!TryReserve(out long index))
        {
            return false;
        }

        Publish(index, block);
        return true;
    }

    /// <summary>The first half of <see cref="TryPush"/>: reserves the next slot, unless the ring is full.</summary>
    internal bool TryReserve(out long index)
    {
        long tail = Volatile.Read(ref _tail);
        while (true)
        {
            if (tail - Volatile.Read(ref _head) >= Capacity)
            {
                index = 0;
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _tail, tail + 1, tail);
            if (seen == tail)
            {
                index = tail;
                return true;
            }

            tail = seen;
        }
    }

    /// <summary>The second half of <see cref="TryPush"/>: stores the block into the slot reserved.</summary>
    internal void Publish(long index, void* block) => Volatile.Write(ref Slot(index), (long)(nint)block);

    /// <summary>
    /// Takes up to <paramref name="max"/> waiting blocks into <paramref name="blocks"/>, oldest first; the count taken.
    /// Only the owner takes (or, for a heap without one, whoever holds its registry's lock).
    /// </summary>
    public int Take(void** blocks, int max)
    {
        long head = _head;
        long tail = Volatile.Read(ref _tail);
        int taken = 0;
        while (head < tail && taken < max)
        {
            ref long slot = ref Slot(head);
            long block = Volatile.Read(ref slot);
            if (block == 0)
            {
                break;
            }

            blocks[taken++] = (void*)(nint)block;
            slot = 0;
            head++;
        }

        Volatile.Write(ref _head, head);
        return taken;
    }

    /// <summary>
    /// Calls <paramref name="visit"/> with every block waiting, without taking any (statistics): exact only while no
    /// thread appends or takes.
    /// </summary>
    public readonly void ForEachWaiting<TVisitor>(ref TVisitor visit)
        where TVisitor : struct, IBlockVisitor
    {
        long head = Volatile.Read(ref Unsafe.AsRef(in _head));
        long tail = Volatile.Read(ref Unsafe.AsRef(in _tail));
        for (long i = head; i < tail && i < head + Capacity; i++)
        {
            long block = Volatile.Read(ref Unsafe.AsRef(in _slots[(int)(i & (Capacity - 1))]));
            if (block != 0)
            {
                visit.Visit((void*)(nint)block);
            }
        }
    }

    /// <summary>Drops everything waiting (Dispose: the blocks' memory is going back to the OS).</summary>
    public void Clear()
    {
        for (int i = 0; i < Capacity; i++)
        {
            _slots[i] = 0;
        }

        Volatile.Write(ref _head, Volatile.Read(ref _tail));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref long Slot(long index) => ref _slots[(int)(index & (Capacity - 1))];
}

/// <summary>What <see cref="RemoteFreeRing.ForEachWaiting{TVisitor}"/> calls per block.</summary>
internal unsafe interface IBlockVisitor
{
    void Visit(void* block);
}
