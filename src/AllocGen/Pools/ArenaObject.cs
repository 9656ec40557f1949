using System.Runtime.InteropServices;

namespace AllocGen.Pools;

/// <summary>
/// Descriptor of one arena (kept outside the arena, in native memory). Arenas are aligned to their size, so the
/// arena and pool of any block are found by masking its address.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ArenaObject
{
    /// <summary>Base address of the arena.</summary>
    public byte* Address;

    /// <summary>
    /// The state of the heap (or thread heap) that owns the arena. Read by any thread that frees a block (through the
    /// process-wide <see cref="Memory.ArenaMap{TGeometry}"/>); written before the arena is published in the map, and
    /// when a live thread adopts the arena from a thread that has exited.
    /// </summary>
    public HeapState* Owner;

    /// <summary>Header of the next never-carved pool (high-water mark), in the table at the start of the arena.</summary>
    public PoolHeader* FreshPools;

    /// <summary>Neighbours in the heap's usable-arena list of the arena's kind (<see cref="ServesLongSpans"/>), kept in ascending order of <see cref="FreePoolCount"/>.</summary>
    public ArenaObject* NextUsable, PrevUsable;

    /// <summary>Neighbours in the list of every arena of the heap (statistics, disposal).</summary>
    public ArenaObject* NextAll, PrevAll;

    /// <summary>Pools available: empty ones plus never-carved ones (of <c>PoolsPerArena</c>, the same for every arena).</summary>
    public uint FreePoolCount;

    /// <summary>Pools of this arena kept as the only pool of their class (see <see cref="PoolHeader.Retained"/>).</summary>
    public uint RetainedPoolCount;

    /// <summary>
    /// 1 while the arena's never-carved pools are known to be zero (a fresh mapping, or a kept range whose pages went
    /// back with <see cref="Memory.OsPages.Release"/> where that zeroes them): a pool carved from them starts with
    /// <see cref="PoolHeader.ZeroFrontier"/> set.
    /// </summary>
    public uint FreshPoolsZero;

    /// <summary>
    /// No run of free pools in the arena is longer than this (an upper bound, exact after a span search failed in the
    /// arena), so a span that needs more skips the arena without reading its headers. Reset to the arena's pool count
    /// whenever a pool comes back.
    /// </summary>
    public uint FreeRunBound;

    /// <summary>
    /// 1 while the arena serves long spans only (see <c>PoolHeap.LongSpanPools</c>): pools and short spans are taken
    /// from other arenas, so that the runs long spans leave when they go are not cut up by blocks that stay. It picks
    /// the arena's usable list. An arena with every pool free changes kind when the other kind has no arena to offer.
    /// An idle arena keeps its kind: the one-idle-arena rule bounds what that keeps.
    /// </summary>
    public uint ServesLongSpans;

    /// <summary>For a released arena whose address range is kept: when it was released (ms), or -1 once its pages went back to the OS.</summary>
    public long ReleasedAt;
}
