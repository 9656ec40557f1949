using System.Numerics;

namespace AllocGen.Tests.Pools;

/// <summary>
/// The medium tier's classes and spans as docs/medium-tier.md defines them, computed by the tests from the spec's
/// formulas: the hand-written geometries (MediumGeometries.cs) are built from it, the models of the generated heaps
/// with a medium tier take their class of a size from it, and the generator's tests (which compile this file too)
/// check the generated tables of random configurations against it.
/// </summary>
internal static class MediumTierSpec
{
    /// <summary>The grid index of a size (s ≥ 5): four classes per power of two.</summary>
    public static int Grid(nuint size)
    {
        nuint x = size - 1;
        int k = BitOperations.Log2(x);
        int j = (int)((x >> (k - 2)) & 3);
        return (4 * k) + j;
    }

    /// <summary>The size of grid class <paramref name="grid"/>: (5 + j) · 2^(k-2).</summary>
    public static long GridSize(int grid) => (long)(5 + (grid & 3)) << ((grid >> 2) - 2);

    /// <summary>The medium class of a request above the small threshold: branch-free, as the generated MediumClassOf.</summary>
    public static int ClassOf(nuint size, int smallThreshold) => Grid(size) - Grid((nuint)smallThreshold + 1);

    /// <summary>The requests of medium class <paramref name="mediumClass"/>: one past the previous grid size (or the small threshold) up to its own grid size.</summary>
    public static (long Low, long High) ClassRange(int mediumClass, int smallThreshold)
    {
        int grid = Grid((nuint)smallThreshold + 1) + mediumClass;
        return (mediumClass == 0 ? smallThreshold + 1 : GridSize(grid - 1) + 1, GridSize(grid));
    }

    /// <summary>The block sizes of the medium classes: the grid sizes from the first above the small threshold up to the medium threshold, rounded up to the alignment.</summary>
    public static int[] BlockSizes(int smallThreshold, int mediumThreshold, int alignment)
    {
        int first = Grid((nuint)smallThreshold + 1);
        int last = Grid((nuint)mediumThreshold);
        if (GridSize(last) != mediumThreshold)
        {
            throw new ArgumentOutOfRangeException(nameof(mediumThreshold), mediumThreshold, "not a grid size");
        }

        var sizes = new int[last - first + 1];
        for (int i = 0; i < sizes.Length; i++)
        {
            long size = GridSize(first + i);
            sizes[i] = (int)((size + alignment - 1) / alignment * alignment);
        }

        return sizes;
    }

    /// <summary>Pools per arena that serve blocks: the slots of an arena less those its header table (64 bytes a pool) takes.</summary>
    public static int PoolsPerArena(int arenaShift, int poolShift)
    {
        int slots = 1 << (arenaShift - poolShift);
        int headerPools = ((slots * 64) + (1 << poolShift) - 1) >> poolShift;
        return slots - headerPools;
    }

    /// <summary>
    /// The default threshold when none is given: the smaller of 64 KiB and a sixteenth of the arena, or 0 (no tier)
    /// when that is not above the small threshold.
    /// </summary>
    public static int DefaultThreshold(int arenaSize, int smallThreshold) =>
        Math.Min(64 << 10, arenaSize / 16) is var threshold && threshold > smallThreshold ? threshold : 0;

    /// <summary>
    /// The span rule: a target of max(B, min(4·B, 4·PoolSize)) bytes (about four blocks, at most four pools unless
    /// the block is larger), then from max(ceil(B / PoolSize), min(ceil(target / PoolSize), PoolsPerArena)) up the
    /// first count of pools whose leftover is at most an eighth of the span, else the least leftover fraction (the
    /// smaller count on a tie).
    /// </summary>
    public static int SpanPools(int blockSize, int poolSize, int poolsPerArena)
    {
        long b = blockSize, p = poolSize;
        int minimum = (int)((b + p - 1) / p);
        long target = Math.Max(b, Math.Min(4 * b, 4 * p));
        int from = Math.Max(minimum, Math.Min((int)((target + p - 1) / p), poolsPerArena));
        int best = from;
        for (int pools = from; pools <= poolsPerArena; pools++)
        {
            long span = pools * p;
            long leftover = span % b;
            if (8 * leftover <= span)
            {
                return pools;
            }

            // leftover / span < best's leftover / best's span, compared exactly.
            long bestSpan = best * p;
            if (leftover * bestSpan < (bestSpan % b) * span)
            {
                best = pools;
            }
        }

        return best;
    }

    public static int[] SpanPools(int[] blockSizes, int poolSize, int poolsPerArena) =>
        [.. blockSizes.Select(b => SpanPools(b, poolSize, poolsPerArena))];
}
