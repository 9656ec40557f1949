using System.Collections.Generic;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Model;

namespace AllocGen.Generators.Validation;

/// <summary>
/// Checks a pool allocator declaration and resolves its size classes. Pure: values in, problems out, so every rule
/// can be tested without a compilation.
/// </summary>
internal static class PoolConfigValidator
{
    /// <summary>Bytes of the runtime's <c>AllocGen.Pools.PoolHeader</c> (a test keeps the two in step).</summary>
    public const int PoolHeaderSize = 64;

    /// <summary>The most classes a configuration may have (class indices are stored in a byte table).</summary>
    public const int MaxSizeClasses = 255;

    public const int MinPoolSize = 4096;
    public const int MaxArenaSize = 1 << 30;
    public const int MinAlignment = 8;
    public const int MaxAlignment = 4096;

    public const int MinArenaSize = 2 * MinPoolSize;

    /// <summary>
    /// The arena size from which a PerThread allocator draws AG0028: each thread heap maps at least one arena, so the
    /// cost per thread is at least this much address space (and the header pages of each arena).
    /// </summary>
    public const int PerThreadArenaWarningSize = 64 << 20;

    /// <summary>
    /// Pools at the start of each arena that hold its header table (one <see cref="PoolHeaderSize"/>-byte header per
    /// pool); the rest serve blocks. An arena needs at least two pools.
    /// </summary>
    public static int HeaderPoolsPerArena(int arenaSize, int poolSize) =>
        (int)((((long)arenaSize / poolSize * PoolHeaderSize) + poolSize - 1) / poolSize);

    public static bool IsPowerOfTwo(int value) => value > 0 && (value & (value - 1)) == 0;

    /// <summary>
    /// Validates <paramref name="config"/>; returns the problems (errors, and warnings about a declaration that works but
    /// is probably not what was meant) and, when there is no error, the size classes and the medium classes (none when
    /// the medium tier is off).
    /// </summary>
    public static List<ConfigProblem> Validate(PoolConfig config, out int[] sizeClasses, out MediumClass[] mediumClasses)
    {
        var problems = new List<ConfigProblem>();
        sizeClasses = System.Array.Empty<int>();
        mediumClasses = System.Array.Empty<MediumClass>();

        bool arenaOk = true;
        if (!IsPowerOfTwo(config.ArenaSize))
        {
            problems.Add(new(DiagnosticDescriptors.ArenaSizeNotPowerOfTwo, "ArenaSize", -1, new object[] { config.ArenaSize }));
            arenaOk = false;
        }
        else if (config.ArenaSize < MinArenaSize || config.ArenaSize > MaxArenaSize)
        {
            problems.Add(new(DiagnosticDescriptors.ArenaSizeOutOfRange, "ArenaSize", -1, new object[] { config.ArenaSize }));
            arenaOk = false;
        }

        if (config.Threading is < (int)ThreadPolicy.SingleThreaded or > (int)ThreadPolicy.PerThread)
        {
            problems.Add(new(DiagnosticDescriptors.ThreadingInvalid, "Threading", -1, new object[] { config.Threading }));
        }
        else if (config.Threading == (int)ThreadPolicy.PerThread && arenaOk && config.ArenaSize >= PerThreadArenaWarningSize)
        {
            problems.Add(new(DiagnosticDescriptors.PerThreadLargeArenas, "ArenaSize", -1, new object[] { config.ArenaSize, config.ArenaSize >> 20 }));
        }

        bool poolOk = true;
        if (!IsPowerOfTwo(config.PoolSize))
        {
            problems.Add(new(DiagnosticDescriptors.PoolSizeNotPowerOfTwo, "PoolSize", -1, new object[] { config.PoolSize }));
            poolOk = false;
        }
        else if (config.PoolSize < MinPoolSize || (arenaOk && config.PoolSize > config.ArenaSize / 2))
        {
            problems.Add(new(DiagnosticDescriptors.PoolSizeOutOfRange, "PoolSize", -1, new object[] { config.PoolSize, config.ArenaSize }));
            poolOk = false;
        }

        int alignment = config.Alignment;
        bool alignmentOk = IsPowerOfTwo(alignment) && alignment >= MinAlignment && alignment <= MaxAlignment;
        if (!alignmentOk)
        {
            problems.Add(new(DiagnosticDescriptors.AlignmentInvalid, "Alignment", -1, new object[] { alignment }));
        }

        if (!alignmentOk || !poolOk)
        {
            // The threshold and classes are judged against the alignment and the pool; report them once those are right.
            return problems;
        }

        int threshold = config.SmallRequestThreshold;
        int capacity = config.PoolSize;
        if (threshold <= 0 || threshold % alignment != 0 || threshold > capacity)
        {
            problems.Add(new(DiagnosticDescriptors.ThresholdInvalid, "SmallRequestThreshold", -1,
                new object[] { threshold, alignment, capacity < 0 ? 0 : capacity, config.PoolSize }));
            return problems;
        }

        if (arenaOk)
        {
            // The medium tier depends on the small threshold only, not on the small classes: judged on its own.
            int errors = problems.Count;
            if (config.MediumRequestThreshold is { } given)
            {
                MediumTier.Validate(given, config.ArenaSize, alignment, threshold, problems);
            }

            if (problems.Count == errors)
            {
                int poolsPerArena = (config.ArenaSize / config.PoolSize) - HeaderPoolsPerArena(config.ArenaSize, config.PoolSize);
                int mediumThreshold = config.MediumRequestThreshold ?? MediumTier.DefaultThreshold(config.ArenaSize, threshold);
                mediumClasses = MediumTier.Classes(mediumThreshold, threshold, alignment, config.PoolSize, poolsPerArena);
            }
        }

        if (config.SizeClasses is null)
        {
            int count = threshold / alignment;
            if (count > MaxSizeClasses)
            {
                problems.Add(new(DiagnosticDescriptors.TooManySizeClasses, "SmallRequestThreshold", -1, new object[] { count }));
                return problems;
            }

            sizeClasses = new int[count];
            for (int i = 0; i < count; i++)
            {
                sizeClasses[i] = (i + 1) * alignment;
            }

            return problems;
        }

        IReadOnlyList<int> sizes = config.SizeClasses;
        if (sizes.Count == 0)
        {
            problems.Add(new(DiagnosticDescriptors.SizeClassesEmpty, "SizeClasses", -1, System.Array.Empty<object>()));
            return problems;
        }

        int before = problems.Count;
        var seen = new HashSet<int>();
        for (int i = 0; i < sizes.Count; i++)
        {
            int size = sizes[i];
            if (size <= 0 || size % alignment != 0)
            {
                problems.Add(new(DiagnosticDescriptors.SizeClassNotAligned, "SizeClasses", i, new object[] { size, alignment }));
            }
            else if (size > threshold)
            {
                problems.Add(new(DiagnosticDescriptors.SizeClassAboveThreshold, "SizeClasses", i, new object[] { size, threshold }));
            }

            if (!seen.Add(size))
            {
                problems.Add(new(DiagnosticDescriptors.SizeClassDuplicated, "SizeClasses", i, new object[] { size }));
            }
            else if (i > 0 && size < sizes[i - 1])
            {
                problems.Add(new(DiagnosticDescriptors.SizeClassesUnsorted, "SizeClasses", i, new object[] { size, sizes[i - 1] }));
            }
        }

        if (sizes.Count > MaxSizeClasses)
        {
            problems.Add(new(DiagnosticDescriptors.TooManySizeClasses, "SizeClasses", -1, new object[] { sizes.Count }));
        }

        if (problems.Count != before)
        {
            return problems;
        }

        if (sizes[sizes.Count - 1] != threshold)
        {
            problems.Add(new(DiagnosticDescriptors.SizeClassesMissThreshold, "SizeClasses", -1, new object[] { sizes[sizes.Count - 1], threshold }));
            return problems;
        }

        sizeClasses = new int[sizes.Count];
        for (int i = 0; i < sizes.Count; i++)
        {
            sizeClasses[i] = sizes[i];
        }

        return problems;
    }
}
