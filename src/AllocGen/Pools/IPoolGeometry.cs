using System.ComponentModel;

namespace AllocGen.Pools;

/// <summary>
/// For generated code only: the constants of one pool allocator configuration. The generator implements this on a
/// private struct of each allocator, so that <see cref="PoolHeap{TGeometry}"/>, instantiated over it, is compiled by
/// the JIT with every shift, mask and size folded in.
/// </summary>
/// <remarks>
/// Declare a <c>[PoolAllocator]</c> class rather than implementing this by hand. A hand-written geometry is checked
/// once, when its first heap is created: <see cref="PoolHeap{TGeometry}.Create"/> throws
/// <see cref="InvalidOperationException"/> naming the type and the rule it breaks (the generator's rules, and
/// <see cref="ClassOf"/> giving the smallest class that holds each size).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IPoolGeometry
{
    /// <summary>log2 of the arena size.</summary>
    static abstract int ArenaShift { get; }

    /// <summary>log2 of the pool size.</summary>
    static abstract int PoolShift { get; }

    /// <summary>Block alignment in bytes (a power of two).</summary>
    static abstract int Alignment { get; }

    /// <summary>Largest request served from pools.</summary>
    static abstract int SmallRequestThreshold { get; }

    /// <summary>Number of size classes.</summary>
    static abstract int ClassCount { get; }

    /// <summary>Block size of a class.</summary>
    static abstract int BlockSize(int sizeClass);

    /// <summary>Class serving a request of <paramref name="size"/> bytes, for 0 ≤ size ≤ threshold.</summary>
    static abstract int ClassOf(nuint size);

    // The medium tier (docs/medium-tier.md): requests above SmallRequestThreshold up to MediumRequestThreshold come from
    // spans, runs of whole pools of the heap's own arenas, one medium class per span. A geometry without these members
    // (MediumClassCount 0) has no medium tier: every request above SmallRequestThreshold goes to the system.

    /// <summary>Largest request served by the medium tier (a block size of its last class); 0 when there is none.</summary>
    static virtual int MediumRequestThreshold => 0;

    /// <summary>Number of medium classes (0: no medium tier).</summary>
    static virtual int MediumClassCount => 0;

    /// <summary>Block size of a medium class: non-decreasing in the class, a multiple of Alignment, the last one MediumRequestThreshold.</summary>
    static virtual int MediumBlockSize(int mediumClass) => throw new ArgumentOutOfRangeException(nameof(mediumClass));

    /// <summary>Pools per span of a medium class: at least MediumBlockSize / PoolSize rounded up, at most the pools of an arena.</summary>
    static virtual int MediumSpanPools(int mediumClass) => throw new ArgumentOutOfRangeException(nameof(mediumClass));

    /// <summary>
    /// Medium class serving a request of <paramref name="size"/> bytes, for SmallRequestThreshold &lt; size ≤
    /// MediumRequestThreshold: one with the least block size that holds it, computed without a data-dependent branch.
    /// </summary>
    static virtual int MediumClassOf(nuint size) => throw new ArgumentOutOfRangeException(nameof(size));
}
