using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace AllocGen.Generators.Validation;

/// <summary>
/// Checks a [PoolAllocatorVariants] declaration and plans its variants. Pure: values in, problems and variants out.
/// Each value is first checked on its own (an error when no combination could use it); each combination is then
/// judged by <see cref="PoolConfigValidator"/>, the rules of a hand-declared [PoolAllocator], so a variant is valid
/// exactly when the same [PoolAllocator] would be. An invalid combination is skipped with a warning.
/// </summary>
internal static class VariantsValidator
{
    /// <summary>The most variants one declaration may generate (each is a full allocator type).</summary>
    public const int MaxVariants = 64;

    /// <summary>The <see cref="VariantProblem.List"/> of a problem in a [VariantSizeClasses] set.</summary>
    public const string SizeClassSetList = "[VariantSizeClasses]";

    public const string ArenaSizesList = "ArenaSizes";
    public const string PoolSizesList = "PoolSizes";
    public const string AlignmentsList = "Alignments";
    public const string ThresholdsList = "SmallRequestThresholds";

    public static List<VariantProblem> Validate(VariantsConfig config, out List<PlannedVariant> variants)
    {
        var problems = new List<VariantProblem>();
        variants = new List<PlannedVariant>();

        int[] arenas = Values(config.ArenaSizes, ArenaSizesList, ArenaSizeProblem, problems);
        int[] pools = Values(config.PoolSizes, PoolSizesList, PoolSizeProblem, problems);
        int[] alignments = Values(config.Alignments, AlignmentsList, AlignmentProblem, problems);
        int[]? thresholds = config.SmallRequestThresholds is null ? null : Values(config.SmallRequestThresholds, ThresholdsList, ThresholdProblem, problems);
        List<(int Index, int[] Sizes)> sets = Sets(config.SizeClassSets, problems);
        if (HasErrors(problems))
        {
            return problems;
        }

        int combinations = 0;
        var warnings = new HashSet<string>();
        foreach (int arena in arenas)
        {
            foreach (int pool in pools)
            {
                foreach (int alignment in alignments)
                {
                    foreach (int? threshold in thresholds is null ? new int?[] { null } : thresholds.Select(t => (int?)t))
                    {
                        foreach ((int Index, int[] Sizes)? set in sets.Count == 0 ? new (int, int[])?[] { null } : sets.Select(s => ((int, int[])?)s))
                        {
                            combinations++;
                            int smallRequestThreshold = threshold ?? (set is { } s ? s.Sizes[s.Sizes.Length - 1] : PoolConfig.DefaultSmallRequestThreshold);
                            string name = Name(arena, pool, alignment, thresholds is null ? null : threshold, set?.Index);
                            var combination = new PoolConfig(arena, pool, alignment, smallRequestThreshold, set?.Sizes, config.Threading);
                            List<ConfigProblem> found = PoolConfigValidator.Validate(combination, out int[] sizeClasses, out MediumClass[] mediumClasses);
                            ConfigProblem? error = found.FirstOrDefault(p => p.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
                            if (error is not null)
                            {
                                problems.Add(new(DiagnosticDescriptors.VariantCombinationSkipped, null, -1, -1,
                                    new object[] { name, Describe(combination, set?.Index), Message(error), error.Descriptor.Id }));
                                continue;
                            }

                            // A pool warning (AG0028) is about one value, not the combination: reported once, at its list.
                            foreach (ConfigProblem warning in found)
                            {
                                if (warnings.Add(warning.Descriptor.Id + ":" + string.Join(",", warning.Arguments)))
                                {
                                    problems.Add(new(warning.Descriptor, warning.Argument is null ? null : warning.Argument + "s", -1, -1, warning.Arguments));
                                }
                            }

                            variants.Add(new PlannedVariant(name, arena, pool, alignment, smallRequestThreshold, sizeClasses, mediumClasses));
                        }
                    }
                }
            }
        }

        if (variants.Count == 0)
        {
            // One error says it all: the skipped combinations' warnings become its reasons.
            List<VariantProblem> skipped = problems.Where(p => p.Descriptor == DiagnosticDescriptors.VariantCombinationSkipped).ToList();
            problems.RemoveAll(p => p.Descriptor == DiagnosticDescriptors.VariantCombinationSkipped);
            string reasons = string.Join("; ", skipped.Take(3).Select(p => p.Arguments[0] + ": " + p.Arguments[2] + " (" + p.Arguments[3] + ")"))
                + (skipped.Count > 3 ? "; and " + (skipped.Count - 3).ToString(CultureInfo.InvariantCulture) + " more" : string.Empty);
            problems.Add(new(DiagnosticDescriptors.NoValidVariant, null, -1, -1, new object[] { combinations, config.TypeName, reasons }));
        }
        else if (variants.Count > MaxVariants)
        {
            problems.Add(new(DiagnosticDescriptors.TooManyVariants, null, -1, -1, new object[] { config.TypeName, variants.Count }));
        }

        return problems;
    }

    /// <summary>
    /// The generated type's name: <c>Arena1M_Pool16K_Align16</c>, then <c>_Small256</c> when thresholds are listed and
    /// <c>_Set2</c> (1-based, declaration order) when size class sets are declared. Distinct values give distinct names.
    /// </summary>
    public static string Name(int arenaSize, int poolSize, int alignment, int? threshold, int? setIndex) =>
        "Arena" + Size(arenaSize) + "_Pool" + Size(poolSize) + "_Align" + alignment.ToString(CultureInfo.InvariantCulture)
        + (threshold is { } t ? "_Small" + t.ToString(CultureInfo.InvariantCulture) : string.Empty)
        + (setIndex is { } i ? "_Set" + (i + 1).ToString(CultureInfo.InvariantCulture) : string.Empty);

    /// <summary>256K, 1M, 1G; a size that is no whole number of KiB stays in bytes.</summary>
    public static string Size(int bytes) =>
        bytes % (1 << 30) == 0 ? (bytes >> 30).ToString(CultureInfo.InvariantCulture) + "G"
        : bytes % (1 << 20) == 0 ? (bytes >> 20).ToString(CultureInfo.InvariantCulture) + "M"
        : bytes % (1 << 10) == 0 ? (bytes >> 10).ToString(CultureInfo.InvariantCulture) + "K"
        : bytes.ToString(CultureInfo.InvariantCulture);

    private static string? ArenaSizeProblem(int value) =>
        !PoolConfigValidator.IsPowerOfTwo(value) ? "an arena size must be a power of two (AG0004)"
        : value < PoolConfigValidator.MinArenaSize || value > PoolConfigValidator.MaxArenaSize ? "an arena size must be from 8192 to 1073741824 (AG0018)"
        : null;

    private static string? PoolSizeProblem(int value) =>
        !PoolConfigValidator.IsPowerOfTwo(value) ? "a pool size must be a power of two (AG0005)"
        : value < PoolConfigValidator.MinPoolSize || value > PoolConfigValidator.MaxArenaSize / 2 ? "a pool size must be from 4096 to half the largest arena, 536870912 (AG0006)"
        : null;

    private static string? AlignmentProblem(int value) =>
        PoolConfigValidator.IsPowerOfTwo(value) && value >= PoolConfigValidator.MinAlignment && value <= PoolConfigValidator.MaxAlignment ? null
        : "an alignment must be a power of two from 8 to 4096 (AG0007)";

    private static string? ThresholdProblem(int value) =>
        value > 0 && value % PoolConfigValidator.MinAlignment == 0 ? null
        : "a threshold must be a positive multiple of 8, the smallest alignment (AG0008)";

    /// <summary>The distinct values of a list, in order; problems for an empty list, a bad value and a repeat.</summary>
    private static int[] Values(IReadOnlyList<int> values, string list, System.Func<int, string?> problemOf, List<VariantProblem> problems)
    {
        if (values.Count == 0)
        {
            problems.Add(new(DiagnosticDescriptors.VariantListEmpty, list, -1, -1, new object[] { list }));
            return System.Array.Empty<int>();
        }

        var distinct = new List<int>();
        for (int i = 0; i < values.Count; i++)
        {
            int value = values[i];
            if (distinct.Contains(value))
            {
                problems.Add(new(DiagnosticDescriptors.VariantValueDuplicated, list, -1, i, new object[] { list, value }));
                continue;
            }

            if (problemOf(value) is { } problem)
            {
                problems.Add(new(DiagnosticDescriptors.VariantValueInvalid, list, -1, i, new object[] { list, value, problem }));
            }

            distinct.Add(value);
        }

        return distinct.ToArray();
    }

    /// <summary>
    /// The sets that are well-formed on their own (positive multiples of 8, strictly ascending, at most 255), without
    /// repeats. Whether a set fits a combination's alignment and threshold is the pool validator's question.
    /// </summary>
    private static List<(int Index, int[] Sizes)> Sets(IReadOnlyList<IReadOnlyList<int>> sets, List<VariantProblem> problems)
    {
        var result = new List<(int Index, int[] Sizes)>();
        for (int s = 0; s < sets.Count; s++)
        {
            IReadOnlyList<int> sizes = sets[s];
            if (sizes.Count == 0)
            {
                problems.Add(new(DiagnosticDescriptors.VariantListEmpty, SizeClassSetList, s, -1, new object[] { SizeClassSetList }));
                continue;
            }

            bool valid = true;
            for (int i = 0; i < sizes.Count; i++)
            {
                string? problem = sizes[i] <= 0 || sizes[i] % PoolConfigValidator.MinAlignment != 0 ? "a size class must be a positive multiple of 8, the smallest alignment (AG0012)"
                    : i > 0 && sizes[i] <= sizes[i - 1] ? "sizes must be strictly ascending (AG0010, AG0011)"
                    : null;
                if (problem is not null)
                {
                    problems.Add(new(DiagnosticDescriptors.VariantValueInvalid, SizeClassSetList, s, i, new object[] { SizeClassSetList, sizes[i], problem }));
                    valid = false;
                }
            }

            if (sizes.Count > PoolConfigValidator.MaxSizeClasses)
            {
                problems.Add(new(DiagnosticDescriptors.VariantValueInvalid, SizeClassSetList, s, -1, new object[] { SizeClassSetList, "(" + sizes.Count.ToString(CultureInfo.InvariantCulture) + " sizes)", "at most 255 size classes are supported (AG0017)" }));
                valid = false;
            }

            if (!valid)
            {
                continue;
            }

            if (result.Any(r => r.Sizes.SequenceEqual(sizes)))
            {
                problems.Add(new(DiagnosticDescriptors.VariantValueDuplicated, SizeClassSetList, s, -1, new object[] { SizeClassSetList, "(" + string.Join(", ", sizes) + ")" }));
                continue;
            }

            result.Add((s, sizes.ToArray()));
        }

        return result;
    }

    private static string Describe(PoolConfig config, int? setIndex) =>
        "ArenaSize " + config.ArenaSize.ToString(CultureInfo.InvariantCulture)
        + ", PoolSize " + config.PoolSize.ToString(CultureInfo.InvariantCulture)
        + ", Alignment " + config.Alignment.ToString(CultureInfo.InvariantCulture)
        + ", SmallRequestThreshold " + config.SmallRequestThreshold.ToString(CultureInfo.InvariantCulture)
        + (setIndex is { } i ? ", size class set " + (i + 1).ToString(CultureInfo.InvariantCulture) : string.Empty);

    /// <summary>The pool rule's own message, as [PoolAllocator] would report it (the size class wording kept).</summary>
    private static string Message(ConfigProblem problem) =>
        string.Format(CultureInfo.InvariantCulture, problem.Descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture), problem.Arguments);

    private static bool HasErrors(List<VariantProblem> problems) =>
        problems.Any(p => p.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
}
