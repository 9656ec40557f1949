using System.Runtime.InteropServices;
using AllocGen.Memory;

namespace AllocGen.Pools;

/// <summary>
/// The mutable state of one pool heap, in native memory. It is followed by four arrays whose lengths are
/// constants of the heap's geometry, in this order: the root of the arena map, the used-pool heads per class, the
/// used-pool tails per class, and the last arena per free-pool count (see <see cref="PoolHeap{TGeometry}"/> for the
/// offsets).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HeapState
{
    /// <summary>Arenas with at least one free pool, in ascending order of free pools (fullest first).</summary>
    public ArenaObject* UsableArenas;

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
