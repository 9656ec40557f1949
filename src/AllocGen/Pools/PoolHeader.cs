using System.Runtime.InteropServices;

namespace AllocGen.Pools;

/// <summary>
/// The header of one pool, kept in the table at the start of its arena (one 64-byte slot per pool, see
/// <c>PoolHeap.HeaderOf</c>), so the pool itself holds blocks only. A pool serves blocks of one size class: recycled blocks come from a
/// singly linked free list threaded through the blocks themselves, never-used blocks are handed out by bumping
/// <see cref="NextOffset"/>; the list ends at that first never-used block (the frontier), and neither it nor any block
/// after it is written by the heap, so no page of a pool is touched before the program touches it.
/// </summary>
/// <remarks>
/// Invariant: a pool in its class's used list always has a non-null <see cref="FreeList"/>; a full pool has a null
/// one and is in no list; an empty pool (<see cref="Count"/> 0) is free in its arena's <see cref="FreePoolMap"/> and
/// keeps its class, so reusing it for the same class needs no re-initialisation.
/// <para>
/// The header is one 64-byte cache line, padded (the generator relies on that size, a test checks it): only the
/// fields the fast paths and their slow halves use live here, so that state touched from elsewhere (such as frees
/// from other threads) belongs off this line.
/// </para>
/// </remarks>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal unsafe struct PoolHeader
{
    /// <summary>Head of the free-block list; null when the pool is full.</summary>
    public byte* FreeList;

    /// <summary>Next pool of the same class (used list); free pools are in no list (see <see cref="FreePoolMap"/>).</summary>
    public PoolHeader* NextPool;

    /// <summary>Previous pool in the used list.</summary>
    public PoolHeader* PrevPool;

    /// <summary>
    /// ceil(2^64 / <see cref="BlockSize"/>): an offset n into the pool is a whole number of blocks exactly when
    /// n × BlockMagic (mod 2^64) is below BlockMagic (Lemire's divisibility test), so <c>Free</c> rejects interior
    /// pointers with one multiply. (The pool's arena is found by masking, so it needs no field.)
    /// </summary>
    public ulong BlockMagic;

    /// <summary>
    /// The heap (or thread heap) whose pool it is, the same as its arena's <see cref="ArenaObject.Owner"/>: kept here,
    /// on the line <c>Free</c> reads anyway, so telling its own block from another heap's costs no extra load.
    /// </summary>
    public HeapState* Owner;

    /// <summary>Blocks currently allocated from the pool.</summary>
    public uint Count;

    /// <summary>Index of the size class, or <see cref="NoClass"/> for a pool never initialised.</summary>
    public ushort SizeClass;

    /// <summary>
    /// 1 while the pool is kept, empty or not, as the only pool of its class instead of going back to its arena,
    /// so a class that drains and refills (allocate, free, allocate...) does not re-take a pool every time.
    /// </summary>
    public ushort Retained;

    /// <summary>
    /// Byte offset, from the start of the pool, of the first never-used block (the frontier, the free list's last
    /// element while it fits in the pool); blocks at and above it have never been handed out.
    /// </summary>
    public uint NextOffset;

    /// <summary>Block size of the pool's class, in bytes.</summary>
    public uint BlockSize;

    /// <summary>
    /// 1 while the pool's memory at and above <see cref="NextOffset"/> is known to be zero (fresh from the OS, or
    /// given back with a call that zeroes it, see <see cref="Memory.OsPages.ReleaseZeroes"/>), so
    /// <c>AllocateZeroed</c> hands out the frontier block without writing it. 0 when unknown.
    /// </summary>
    public uint ZeroFrontier;

    /// <summary>
    /// For the first pool of a span (the medium tier, see <c>PoolHeap.Medium.cs</c>): byte offset from the span's
    /// start of its first never-used block. Its <see cref="NextOffset"/> stays 0, so the small tier's <c>Free</c>
    /// fast path, which finds every offset at or past it, leaves each medium block to the slow path.
    /// </summary>
    public uint SpanFrontier;

    /// <summary>Marks a pool that has never served a class.</summary>
    public const ushort NoClass = ushort.MaxValue;

    /// <summary>
    /// Marks a free pool that served in a span: it has no class (it is laid out afresh when it serves again), but
    /// unlike <see cref="NoClass"/> its pages may be dirty, so <c>Trim</c> gives them back and the statistics count
    /// them as committed.
    /// </summary>
    public const ushort FormerSpanPool = ushort.MaxValue - 1;

    /// <summary>Marks a pool inside a span other than its first: <see cref="NextPool"/> points at the span's first pool.</summary>
    public const ushort SpanInterior = ushort.MaxValue - 2;

    /// <summary>Set in <see cref="SizeClass"/> of a span's first pool, whose low bits hold the medium class.</summary>
    public const ushort SpanFlag = 0x8000;

    /// <summary>Whether the pool is part of a span (its first pool or another).</summary>
    public readonly bool IsSpan => (SizeClass & SpanFlag) != 0 && SizeClass <= SpanInterior;
}
