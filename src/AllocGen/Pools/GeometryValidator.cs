using System.Numerics;
using System.Runtime.CompilerServices;

namespace AllocGen.Pools;

/// <summary>
/// Checks the invariants <see cref="PoolHeap{TGeometry}"/> relies on, once per geometry type (its result is a static
/// field of the heap, consulted by <c>Create</c> only). Geometries the generator emits always pass; the check is for a
/// hand-written <see cref="IPoolGeometry"/>, which would otherwise corrupt memory silently.
/// </summary>
/// <remarks>
/// The rules are the generator's for a [PoolAllocator] declaration (see docs/diagnostics.md), plus the one it
/// guarantees by construction:
/// <c>ClassOf</c> must name, for every size up to the threshold, the smallest class whose block holds it.
/// </remarks>
internal static class GeometryValidator
{
    /// <summary>log2 of the smallest pool: 4 KiB.</summary>
    public const int MinPoolShift = 12;

    /// <summary>log2 of the smallest arena: two of the smallest pools.</summary>
    public const int MinArenaShift = MinPoolShift + 1;

    /// <summary>log2 of the largest arena: 1 GiB.</summary>
    public const int MaxArenaShift = 30;

    public const int MinAlignment = 8;
    public const int MaxAlignment = 4096;

    /// <summary>The most classes: indices are stored in the generator's byte table and the pool header's class field.</summary>
    public const int MaxClassCount = 255;

    /// <summary>The most medium classes: the class is stored under <see cref="PoolHeader.SpanFlag"/> in the pool header's class field.</summary>
    public const int MaxMediumClassCount = 0x4000;

    /// <summary>The first rule <typeparamref name="TGeometry"/> breaks, as a sentence naming the type, or null when it has none.</summary>
    public static string? FindError<TGeometry>()
        where TGeometry : struct, IPoolGeometry
    {
        string? broken;
        try
        {
            broken = FindBrokenRule<TGeometry>();
        }
        catch (Exception e)
        {
            broken = $"one of its members threw {e.GetType().Name}: {e.Message}";
        }

        return broken is null ? null : $"The pool geometry {typeof(TGeometry).FullName} is invalid: {broken}.";
    }

    private static string? FindBrokenRule<TGeometry>()
        where TGeometry : struct, IPoolGeometry
    {
        int arenaShift = TGeometry.ArenaShift;
        if (arenaShift < MinArenaShift || arenaShift > MaxArenaShift)
        {
            return $"ArenaShift {arenaShift} is outside {MinArenaShift}..{MaxArenaShift} (arenas of 8 KiB to 1 GiB)";
        }

        int poolShift = TGeometry.PoolShift;
        if (poolShift < MinPoolShift || poolShift >= arenaShift)
        {
            return $"PoolShift {poolShift} is outside {MinPoolShift}..{arenaShift - 1} (pools of at least 4 KiB, smaller than the arena)";
        }

        int alignment = TGeometry.Alignment;
        if (alignment < MinAlignment || alignment > MaxAlignment || !BitOperations.IsPow2(alignment))
        {
            return $"Alignment {alignment} is not a power of two in {MinAlignment}..{MaxAlignment}";
        }

        int classCount = TGeometry.ClassCount;
        if (classCount < 1 || classCount > MaxClassCount)
        {
            return $"ClassCount {classCount} is outside 1..{MaxClassCount}";
        }

        int threshold = TGeometry.SmallRequestThreshold;
        int poolSize = 1 << poolShift;
        if (threshold > poolSize)
        {
            return $"SmallRequestThreshold {threshold} exceeds the pool size {poolSize}";
        }

        int previous = 0;
        for (int i = 0; i < classCount; i++)
        {
            int blockSize = TGeometry.BlockSize(i);
            if (blockSize <= previous)
            {
                return $"BlockSize({i}) = {blockSize} is not above the previous class's {previous} (block sizes must be positive and strictly ascending)";
            }

            if (blockSize % alignment != 0)
            {
                return $"BlockSize({i}) = {blockSize} is not a multiple of Alignment {alignment}";
            }

            previous = blockSize;
        }

        if (previous != threshold)
        {
            return $"the last class's BlockSize({classCount - 1}) = {previous} differs from SmallRequestThreshold {threshold}";
        }

        return FindMisclassifiedSize<TGeometry>(classCount) ?? FindBrokenMediumRule<TGeometry>(alignment, poolShift, arenaShift);
    }

    /// <summary>The medium tier's rules (docs/medium-tier.md), for a geometry that declares one.</summary>
    private static string? FindBrokenMediumRule<TGeometry>(int alignment, int poolShift, int arenaShift)
        where TGeometry : struct, IPoolGeometry
    {
        int count = TGeometry.MediumClassCount;
        if (count == 0)
        {
            return null;
        }

        int threshold = TGeometry.SmallRequestThreshold;
        int medium = TGeometry.MediumRequestThreshold;
        if (count < 0 || count > MaxMediumClassCount)
        {
            return $"MediumClassCount {count} is outside 0..{MaxMediumClassCount}";
        }

        if (medium <= threshold || medium > 1 << (arenaShift - 2))
        {
            return $"MediumRequestThreshold {medium} is not above SmallRequestThreshold {threshold} and at most a quarter of the arena ({1 << (arenaShift - 2)})";
        }

        int poolsPerArena = (1 << (arenaShift - poolShift)) - (int)((((long)64 << (arenaShift - poolShift)) + (1 << poolShift) - 1) >> poolShift);
        int previous = threshold;
        for (int i = 0; i < count; i++)
        {
            int blockSize = TGeometry.MediumBlockSize(i);
            if (blockSize < previous || blockSize <= threshold || blockSize % alignment != 0)
            {
                return $"MediumBlockSize({i}) = {blockSize} is not a multiple of Alignment {alignment} above SmallRequestThreshold, at least the previous class's {previous}";
            }

            int pools = TGeometry.MediumSpanPools(i);
            if ((long)pools << poolShift < blockSize || pools > poolsPerArena)
            {
                return $"MediumSpanPools({i}) = {pools} does not hold one block of {blockSize} bytes within the {poolsPerArena} pools of an arena";
            }

            previous = blockSize;
        }

        if (previous != medium)
        {
            return $"the last medium class's MediumBlockSize({count - 1}) = {previous} differs from MediumRequestThreshold {medium}";
        }

        // Each class's first and last size, and the sizes around them, map to a class with the least block size that
        // holds them (the sizes between follow from the class function being monotonic, which the ends check too).
        int low = threshold + 1;
        for (int i = 0; i < count; i++)
        {
            int high = TGeometry.MediumBlockSize(i);
            foreach (int size in new[] { low, high })
            {
                if (size < low || size > high)
                {
                    continue;
                }

                int actual = TGeometry.MediumClassOf((nuint)size);
                if (actual < 0 || actual >= count || TGeometry.MediumBlockSize(actual) != high)
                {
                    return $"MediumClassOf({size}) = {actual}, but the least medium block holding {size} bytes is {high} bytes (class {i})";
                }
            }

            low = Math.Max(low, high + 1);
        }

        return null;
    }

    /// <summary>
    /// Every size from 0 to the threshold must map to the smallest class that holds it. Compiled optimized at once:
    /// it runs only once per geometry, before any tiering could help, and a threshold of hundreds of MiB means as
    /// many million sizes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? FindMisclassifiedSize<TGeometry>(int classCount)
        where TGeometry : struct, IPoolGeometry
    {
        // Sizes previous+1..blockSize (and 0 for the first class) belong to each class in turn.
        int size = 0;
        for (int expected = 0; expected < classCount; expected++)
        {
            int blockSize = TGeometry.BlockSize(expected);
            for (; size <= blockSize; size++)
            {
                int actual = TGeometry.ClassOf((nuint)size);
                if (actual != expected)
                {
                    return $"ClassOf({size}) = {actual}, but the smallest class holding {size} bytes is {expected} (BlockSize {blockSize})";
                }
            }
        }

        return null;
    }
}
