using System.ComponentModel;

namespace AllocGen.Pools;

/// <summary>Which size class can serve an over-aligned request. For generated code only.</summary>
/// <remarks>
/// A pool, and a span (its first pool), starts at a multiple of the pool size, and its blocks lie at multiples of their
/// size from there. So every block of a class is aligned to <c>alignment</c> when the block size is a multiple of it
/// and the alignment is at most the pool size (which no small block size exceeds).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AlignedClasses
{
    /// <summary>
    /// The smallest class whose blocks hold <paramref name="size"/> bytes and are a multiple of
    /// <paramref name="alignment"/> (blocks lie at multiples of their size from a pool-aligned base, so such blocks are
    /// aligned); -1 when none is, and the request goes to the medium tier or the system allocator.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    public static int Find(ReadOnlySpan<int> sizeClasses, nuint size, nuint alignment)
    {
        ThrowHelper.ThrowIfNotPowerOfTwo(alignment);

        for (int i = 0; i < sizeClasses.Length; i++)
        {
            if (Serves(sizeClasses[i], size, alignment))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary><see cref="Find(ReadOnlySpan{int}, nuint, nuint)"/> over the small classes of a geometry.</summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    public static int FindSmall<TGeometry>(nuint size, nuint alignment)
        where TGeometry : struct, IPoolGeometry
    {
        ThrowHelper.ThrowIfNotPowerOfTwo(alignment);

        for (int i = 0; i < TGeometry.ClassCount; i++)
        {
            if (Serves(TGeometry.BlockSize(i), size, alignment))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The medium class of the least block size that holds <paramref name="size"/> bytes and is a multiple of
    /// <paramref name="alignment"/>, for an alignment of at most the pool size (a span starts at a multiple of the pool
    /// size only) and a request above the small threshold or aligned above it; -1 otherwise, and the request goes to
    /// the system allocator. Where neighbouring classes share that block size, it is the class <c>MediumClassOf</c>
    /// gives the block size, the one <c>Allocate</c> uses for it: so a Reallocate to the block's usable size keeps it
    /// in place, aligned.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    public static int FindMedium<TGeometry>(nuint size, nuint alignment)
        where TGeometry : struct, IPoolGeometry
    {
        ThrowHelper.ThrowIfNotPowerOfTwo(alignment);
        nuint small = (nuint)TGeometry.SmallRequestThreshold;
        if (alignment > (nuint)1 << TGeometry.PoolShift || (size <= small && alignment <= small))
        {
            // A small request that no small class aligns (a class set without a multiple of its alignment) costs the
            // system about its size and alignment, less than a medium block.
            return -1;
        }

        for (int i = 0; i < TGeometry.MediumClassCount; i++)
        {
            int blockSize = TGeometry.MediumBlockSize(i);
            if (Serves(blockSize, size, alignment))
            {
                return TGeometry.MediumClassOf((nuint)blockSize);
            }
        }

        return -1;
    }

    /// <summary>Whether every block of <paramref name="blockSize"/>, at a multiple of it from a pool-aligned base, holds the request aligned.</summary>
    private static bool Serves(int blockSize, nuint size, nuint alignment) =>
        (nuint)blockSize >= size && (nuint)blockSize % alignment == 0;
}
