using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AllocGen.Threading;

/// <summary>
/// Blocks freed by other threads, waiting for their owner, in single-producer lanes: the first
/// <see cref="LaneCount"/> thread heaps that free into an owner each claim a lane of their own, once, and from then on
/// hand it blocks with two plain stores (the slot, then the lane's tail), where the shared
/// <see cref="RemoteFreeRing"/> needs a compare-and-swap per block. A locked instruction waits for every store before
/// it, and a freeing thread has just written the blocks it allocated, so that swap was the costliest step of a
/// cross-thread free. Threads beyond the lanes, and a lane that is full, use the ring.
/// </summary>
/// <remarks>
/// A lane is named by its producer's state, which lives as long as the instance and serves one thread at a time (a
/// state is reused only after its thread exited and its heap was adopted), so one lane never has two writers. Only
/// the owner takes from the lanes (or, for an adopted state, the thread that forwards what reached it late).
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = SlotsOffset + (LaneCount * Capacity * 8))]
internal unsafe struct RemoteFreeLanes
{
    /// <summary>Producers that get a lane of their own per owner; more use the ring.</summary>
    public const int LaneCount = 4;

    /// <summary>Slots per lane (a power of two): 32 KiB, whose pages are touched only as slots are used.</summary>
    public const int Capacity = 4096;

    // The producers' names on the second line (read-mostly: written once per lane, when it is claimed), the first
    // left empty so that no other field's writes share it. Then each lane's indices: the owner's read index on a line
    // of its own, the producer's write index and its copy of the read index on the next. All of them lie together, on
    // one page, so that looking whether the lanes are empty touches one page; the slots follow, lane after lane.
    private const int ProducersOffset = 64;
    private const int IndicesOffset = 128;
    private const int IndicesSize = 128;
    private const int TailOffset = 64;
    private const int SlotsOffset = IndicesOffset + (LaneCount * IndicesSize);

    [FieldOffset(ProducersOffset)]
    private fixed long _producers[LaneCount];

    [FieldOffset(IndicesOffset)]
    private byte _indices;

    /// <summary>Whether no lane holds a block (plain reads: an append that races with it is seen next time).</summary>
    public readonly bool IsEmpty
    {
        get
        {
            for (int i = 0; i < LaneCount; i++)
            {
                Lane* lane = LaneAt(i);
                if (Volatile.Read(ref lane->Tail) != Volatile.Read(ref lane->Head))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Appends a block to <paramref name="producer"/>'s lane, claiming one if it has none yet. False when every lane
    /// belongs to other producers or the producer's lane is full. Only the thread that owns <paramref name="producer"/> may call it.
    /// </summary>
    public bool TryPush(void* producer, void* block)
    {
        int index = LaneOf((long)(nint)producer);
        if (index < 0)
        {
            return false;
        }

        Lane* lane = LaneAt(index);
        long tail = lane->Tail;
        if (tail - lane->HeadSeen >= Capacity)
        {
            lane->HeadSeen = Volatile.Read(ref lane->Head);
            if (tail - lane->HeadSeen >= Capacity)
            {
                return false;
            }
        }

        SlotsOf(index)[(int)(tail & (Capacity - 1))] = (long)(nint)block;
        Volatile.Write(ref lane->Tail, tail + 1);
        return true;
    }

    /// <summary>Takes up to <paramref name="max"/> waiting blocks into <paramref name="blocks"/>, lane by lane; the count taken. Owner only.</summary>
    public int Take(void** blocks, int max)
    {
        int taken = 0;
        for (int i = 0; i < LaneCount && taken < max; i++)
        {
            Lane* lane = LaneAt(i);
            long head = lane->Head;
            long tail = Volatile.Read(ref lane->Tail);
            if (head == tail)
            {
                continue;
            }

            while (head < tail && taken < max)
            {
                blocks[taken++] = (void*)(nint)SlotsOf(i)[(int)(head & (Capacity - 1))];
                head++;
            }

            Volatile.Write(ref lane->Head, head);
        }

        return taken;
    }

    /// <summary>Calls <paramref name="visit"/> with every block waiting, without taking any (statistics): exact only while no thread appends or takes.</summary>
    public readonly void ForEachWaiting<TVisitor>(ref TVisitor visit)
        where TVisitor : struct, IBlockVisitor
    {
        for (int i = 0; i < LaneCount; i++)
        {
            Lane* lane = LaneAt(i);
            long* slots = SlotsOf(i);
            long head = Volatile.Read(ref lane->Head);
            long tail = Volatile.Read(ref lane->Tail);
            for (long k = head; k < tail && k < head + Capacity; k++)
            {
                visit.Visit((void*)(nint)Volatile.Read(ref slots[(int)(k & (Capacity - 1))]));
            }
        }
    }

    /// <summary>Drops everything waiting (Dispose: the blocks' memory is going back to the OS).</summary>
    public void Clear()
    {
        for (int i = 0; i < LaneCount; i++)
        {
            Lane* lane = LaneAt(i);
            Volatile.Write(ref lane->Head, Volatile.Read(ref lane->Tail));
        }
    }

    /// <summary>The index of the producer's lane: the one it claimed before, else a free one it claims now, else -1.</summary>
    private int LaneOf(long producer)
    {
        for (int i = 0; i < LaneCount; i++)
        {
            long named = Volatile.Read(ref _producers[i]);
            if (named == producer)
            {
                return i;
            }

            if (named == 0)
            {
                // Lanes are claimed in order, so no later one is this producer's: claim this one, or the next free one.
                for (int k = i; k < LaneCount; k++)
                {
                    long seen = Interlocked.CompareExchange(ref _producers[k], producer, 0);
                    if (seen == 0)
                    {
                        return k;
                    }
                }

                return -1;
            }
        }

        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly Lane* LaneAt(int i) => (Lane*)((byte*)Unsafe.AsPointer(ref Unsafe.AsRef(in _indices)) + (i * IndicesSize));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly long* SlotsOf(int i) => (long*)((byte*)Unsafe.AsPointer(ref Unsafe.AsRef(in _indices)) - IndicesOffset + SlotsOffset + (i * Capacity * 8));

    [StructLayout(LayoutKind.Explicit, Size = IndicesSize)]
    private struct Lane
    {
        /// <summary>The owner's read index.</summary>
        [FieldOffset(0)]
        public long Head;

        /// <summary>The producer's write index.</summary>
        [FieldOffset(TailOffset)]
        public long Tail;

        /// <summary>The producer's last reading of <see cref="Head"/>, so it reads the owner's line only when the lane looks full.</summary>
        [FieldOffset(TailOffset + 8)]
        public long HeadSeen;
    }
}
