using System.Runtime.InteropServices;

namespace AllocGen.Pools;

/// <summary>
/// The header at the start of every pool. A pool serves blocks of one size class: recycled blocks come from a
/// singly linked free list threaded through the blocks themselves, never-used blocks are carved lazily by bumping
/// <see cref="NextOffset"/>, so no page of a pool is touched before it is needed.
/// </summary>
/// <remarks>
/// Invariant: a pool in its class's used list always has a non-null <see cref="FreeList"/>; a full pool has a null
/// one and is in no list; an empty pool (<see cref="Count"/> 0) sits in its arena's free-pool list and keeps its
/// class, so reusing it for the same class needs no re-initialisation.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct PoolHeader
{
    /// <summary>Head of the free-block list; null when the pool is full.</summary>
    public byte* FreeList;

    /// <summary>Next pool of the same class (used list), or next empty pool of the arena (free-pool list).</summary>
    public PoolHeader* NextPool;

    /// <summary>Previous pool in the used list.</summary>
    public PoolHeader* PrevPool;

    /// <summary>The arena the pool was carved from.</summary>
    public ArenaObject* Arena;

    /// <summary>The heap that owns the pool (reserved for per-thread heaps and cross-thread frees).</summary>
    public void* Owner;

    /// <summary>Blocks freed by other threads, waiting to be merged by the owner (reserved for thread policies).</summary>
    public byte* RemoteFreeList;

    /// <summary>Blocks currently allocated from the pool.</summary>
    public uint Count;

    /// <summary>Index of the size class, or <see cref="NoClass"/> for a pool never initialised.</summary>
    public uint SizeClass;

    /// <summary>Byte offset of the first never-used block.</summary>
    public uint NextOffset;

    /// <summary>Largest valid <see cref="NextOffset"/>: pool size minus block size.</summary>
    public uint MaxNextOffset;

    /// <summary>Block size of the pool's class, in bytes.</summary>
    public uint BlockSize;

    /// <summary>Reserved; keeps the header a multiple of 16 bytes.</summary>
    public uint Reserved;

    /// <summary>Marks a pool that has never served a class.</summary>
    public const uint NoClass = uint.MaxValue;
}
