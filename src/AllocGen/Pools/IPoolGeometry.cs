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
}
