using System.Collections.Generic;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Model;

namespace AllocGen.Generators.Validation;

/// <summary>
/// The medium tier's rules and geometry (docs/medium-tier.md): its threshold, its classes on the grid of four sizes per
/// power of two, and the pools per span of each class. Pure, like <see cref="PoolConfigValidator"/>, which calls it.
/// </summary>
internal static class MediumTier
{
    /// <summary>
    /// The largest default threshold: 64 KiB (a smaller arena lowers it to a sixteenth of the arena). Spans of up to a
    /// quarter arena fragmented the arenas on the mixed workload (docs/medium-tier.md, "Why the default stops at 64 KiB").
    /// </summary>
    public const int MaxDefaultThreshold = 64 << 10;

    /// <summary>The default threshold is at most this fraction (1/16) of the arena.</summary>
    private const int DefaultArenaDivisor = 16;

    /// <summary>A span should leave at most this fraction (1/8) of its bytes over.</summary>
    private const int LeftoverDivisor = 8;

    /// <summary>A small medium block gets a span of about this many blocks, a larger one at most this many pools.</summary>
    private const int TargetBlocksPerSpan = 4;

    /// <summary>The threshold when none is given: the smaller of 64 KiB and ArenaSize / 16, or 0 (no tier) when that is not above the small threshold.</summary>
    public static int DefaultThreshold(int arenaSize, int smallRequestThreshold)
    {
        int threshold = System.Math.Min(MaxDefaultThreshold, arenaSize / DefaultArenaDivisor);
        return threshold > smallRequestThreshold ? threshold : 0;
    }

    /// <summary>The grid index of a size of at least 5: 4·floor(log2(s - 1)) plus which quarter of its power of two s - 1 falls in.</summary>
    public static int GridIndex(long size)
    {
        long x = size - 1;
        int k = Log2(x);
        int j = (int)((x >> (k - 2)) & 3);
        return (4 * k) + j;
    }

    /// <summary>The size of a grid index: (5 + j) &lt;&lt; (k - 2), the largest size with that index.</summary>
    public static long GridSize(int index) => (5L + (index & 3)) << ((index >> 2) - 2);

    /// <summary>Whether <paramref name="size"/> is a grid size (a power of two, or 5/4, 6/4 or 7/4 of one) that is a multiple of <paramref name="alignment"/>.</summary>
    public static bool IsClassSize(long size, int alignment) => size >= 5 && GridSize(GridIndex(size)) == size && size % alignment == 0;

    /// <summary>The nearest sizes below and above <paramref name="size"/> that <see cref="IsClassSize"/> accepts (below is 0 when there is none).</summary>
    public static (long Below, long Above) NearestClassSizes(long size, int alignment)
    {
        // GridSize(from) is the least grid size not below size; index 8 is the first grid size, 5.
        int from = GridIndex(System.Math.Max(size, 5));
        long below = 0;
        for (int index = from; index >= 8 && below == 0; index--)
        {
            below = GridSize(index) < size && IsClassSize(GridSize(index), alignment) ? GridSize(index) : 0;
        }

        int above = from;
        while (GridSize(above) <= size || !IsClassSize(GridSize(above), alignment))
        {
            above++;
        }

        return (below, GridSize(above));
    }

    /// <summary>
    /// Checks an explicit threshold (AG0100..AG0102) against a configuration whose arena, pools, alignment and small
    /// threshold are valid. 0 (no tier) is always valid.
    /// </summary>
    public static void Validate(int threshold, int arenaSize, int alignment, int smallRequestThreshold, List<ConfigProblem> problems)
    {
        if (threshold == 0)
        {
            return;
        }

        if (threshold <= smallRequestThreshold)
        {
            problems.Add(new(DiagnosticDescriptors.MediumThresholdNotAboveSmall, "MediumRequestThreshold", -1, new object[] { threshold, smallRequestThreshold }));
            return;
        }

        if (!IsClassSize(threshold, alignment))
        {
            (long below, long above) = NearestClassSizes(threshold, alignment);
            problems.Add(new(DiagnosticDescriptors.MediumThresholdNotOnGrid, "MediumRequestThreshold", -1, new object[] { threshold, alignment, below, above }));
        }

        if (threshold > arenaSize / 4)
        {
            problems.Add(new(DiagnosticDescriptors.MediumThresholdTooLarge, "MediumRequestThreshold", -1, new object[] { threshold, arenaSize / 4, arenaSize }));
        }
    }

    /// <summary>
    /// The classes of a valid tier, ascending: grid(smallRequestThreshold + 1) to grid(threshold), each block size its
    /// grid size rounded up to the alignment, with its pools per span. None when <paramref name="threshold"/> is 0.
    /// </summary>
    public static MediumClass[] Classes(int threshold, int smallRequestThreshold, int alignment, int poolSize, int poolsPerArena)
    {
        if (threshold == 0)
        {
            return System.Array.Empty<MediumClass>();
        }

        int first = GridIndex(smallRequestThreshold + 1L);
        var classes = new MediumClass[GridIndex(threshold) - first + 1];
        for (int i = 0; i < classes.Length; i++)
        {
            long gridSize = GridSize(first + i);
            int blockSize = (int)((gridSize + alignment - 1) / alignment * alignment);
            classes[i] = new MediumClass(blockSize, SpanPools(blockSize, poolSize, poolsPerArena));
        }

        return classes;
    }

    /// <summary>
    /// Pools per span of blocks of <paramref name="blockSize"/> bytes: from max(Lmin, min(ceil(target / PoolSize),
    /// PoolsPerArena)) up, the first count whose leftover is at most an eighth of the span, else the count with the
    /// least leftover fraction (the smaller on a tie). Lmin = ceil(B / PoolSize); target = max(B, min(4·B, 4·PoolSize)).
    /// </summary>
    public static int SpanPools(int blockSize, int poolSize, int poolsPerArena)
    {
        long block = blockSize;
        long pool = poolSize;
        long least = CeilingDivide(block, pool);
        long target = System.Math.Max(block, System.Math.Min(TargetBlocksPerSpan * block, TargetBlocksPerSpan * pool));
        long from = System.Math.Max(least, System.Math.Min(CeilingDivide(target, pool), poolsPerArena));

        long best = from;
        for (long pools = from; pools <= poolsPerArena; pools++)
        {
            long span = pools * pool;
            long leftover = span % block;
            if (leftover * LeftoverDivisor <= span)
            {
                return (int)pools;
            }

            // leftover / span < bestLeftover / bestSpan, without division.
            long bestSpan = best * pool;
            if (leftover * bestSpan < (bestSpan % block) * span)
            {
                best = pools;
            }
        }

        return (int)best;
    }

    private static long CeilingDivide(long value, long divisor) => (value + divisor - 1) / divisor;

    private static int Log2(long value)
    {
        int log = 0;
        while ((value >>= 1) != 0)
        {
            log++;
        }

        return log;
    }
}
