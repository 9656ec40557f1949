using System.Runtime.InteropServices;
using AllocGen.Memory;
using AllocGen.Threading;

namespace AllocGen.Pools;

/// <summary>
/// The mutable state of one pool heap (or of one thread's heap of a <c>PerThread</c> allocator), in native memory.
/// It is followed by five arrays whose lengths are constants of the heap's geometry, in this order: the used-pool
/// heads per class, the used-pool tails per class, the last arena per free-pool count, and the used-span heads and
/// tails per medium class (see <see cref="PoolHeap{TGeometry}"/> for the offsets).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HeapState
{
    /// <summary>
    /// The thread that owns this thread heap, proved by its stack (<see cref="ThreadToken.Nobody"/> for a heap of its
    /// own, a heap without an owner thread, or where tokens are unsupported). First: every PerThread call reads it
    /// to find the calling thread's heap.
    /// </summary>
    public ThreadToken* Token;

    /// <summary>
    /// The instance a thread heap belongs to (its thread heaps free into each other and share the large blocks), or
    /// null for a heap of its own (SingleThreaded, Locked).
    /// </summary>
    public ThreadGroup* Group;

    /// <summary>Arenas that serve pools and short spans with at least one free pool, in ascending order of free pools (fullest first).</summary>
    public ArenaObject* UsableArenas;

    /// <summary>The same for the arenas that serve long spans (see <c>PoolHeap.LongSpanPools</c>).</summary>
    public ArenaObject* LongSpanArenas;

    /// <summary>Every arena of the heap.</summary>
    public ArenaObject* AllArenas;

    /// <summary>Blocks above the threshold, served by the system allocator.</summary>
    public LargeBlockTable Large;

    public nuint ArenasCurrent;
    public nuint ArenasAllocated;
    public nuint ArenasReleased;
    public nuint ArenasHighWater;

    /// <summary>
    /// The one arena allowed to hold no live block (its pools all free, or retained empty). When another arena
    /// becomes idle while this one still is, this one goes back to the OS.
    /// </summary>
    public ArenaObject* IdleArena;

    /// <summary>Released arenas whose address range is kept for reuse (their pages go back to the OS after a short decay).</summary>
    public ArenaObject* CachedArenas;

    public nuint CachedArenaCount;

    /// <summary>Where a pool that gets a block back rejoins its class's list.</summary>
    public PoolReusePolicy ReusePolicy;

    public int Disposed;

    /// <summary>In a Debug build of the runtime, the managed id of the thread inside a call on the heap, or 0 (see ConcurrentUseGuard).</summary>
    public int BusyThread;

    /// <summary>
    /// Held by a thread heap while it changes its list of arenas (maps, releases, adopts one), so that another
    /// thread reading its statistics never walks an arena that is being unmapped. Pool-level paths never take it.
    /// </summary>
    public HeapLock ArenaLock;

    /// <summary>The group's trim request this thread heap has honoured last (see <see cref="ThreadGroup.TrimEpoch"/>).</summary>
    public long SeenTrimEpoch;

    /// <summary>Blocks other threads freed that turned out not to be live when the owner took them back (not freed again).</summary>
    public long InvalidRemoteFrees;

    /// <summary>Blocks of this heap's pools freed by other threads when <see cref="RemoteLanes"/> and <see cref="RemoteRing"/> were full, waiting to be taken back (on a line of its own).</summary>
    public RemoteFreeStack Remote;

    /// <summary>
    /// Blocks of this heap's pools freed by other threads, as an array the owner takes in batches (see
    /// <see cref="RemoteFreeRing"/>); <see cref="Remote"/> takes what does not fit.
    /// </summary>
    public RemoteFreeRing RemoteRing;

    /// <summary>
    /// Blocks of this heap's pools freed by the first few other thread heaps, one lane each, without a locked
    /// instruction (see <see cref="RemoteFreeLanes"/>); <see cref="RemoteRing"/> takes the rest.
    /// </summary>
    public RemoteFreeLanes RemoteLanes;
}

/// <summary>The shared stand-in for "no pool": its free list is null, so an allocation from it takes the slow path.</summary>
internal static unsafe class EmptyPool
{
    public static readonly PoolHeader* Instance = CreateInstance();

    private static PoolHeader* CreateInstance()
    {
        var pool = (PoolHeader*)NativeMemory.AllocZeroed((nuint)sizeof(PoolHeader));
        pool->SizeClass = PoolHeader.NoClass;
        return pool;
    }
}
