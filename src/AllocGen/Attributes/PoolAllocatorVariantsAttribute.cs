namespace AllocGen;

/// <summary>
/// Declares a set of pool allocator variants on a <c>static partial</c> class: the AllocGen source generator emits one
/// nested allocator type per valid combination of the values listed here (each exactly what
/// <see cref="PoolAllocatorAttribute"/> would generate for that configuration), and a registry on the class
/// (<c>Variants</c> and <c>VisitAll</c>) that lists them and hands each to a generic visitor as its driver struct.
/// </summary>
/// <remarks>
/// A list left out holds the <see cref="PoolAllocatorAttribute"/> default alone. Combinations are taken in the order
/// the values are listed: arena sizes outermost, then pool sizes, alignments, small-request thresholds and, innermost,
/// the <see cref="VariantSizeClassesAttribute"/> sets in declaration order. A combination the pool rules reject (a pool
/// larger than half its arena, for instance) is skipped with warning AG0042; a value that is invalid on its own, an
/// empty list, no valid combination at all and more than 64 variants are errors. See docs/variants.md.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class PoolAllocatorVariantsAttribute : Attribute
{
    /// <summary>Maximum number of variants one declaration may generate.</summary>
    public const int MaxVariants = 64;

    /// <summary>The arena sizes to try (see <see cref="PoolAllocatorAttribute.ArenaSize"/>). Default: 1 MiB alone.</summary>
    public int[] ArenaSizes { get; set; } = [1 << 20];

    /// <summary>The pool sizes to try (see <see cref="PoolAllocatorAttribute.PoolSize"/>). Default: 16 KiB alone.</summary>
    public int[] PoolSizes { get; set; } = [16 << 10];

    /// <summary>The alignments to try (see <see cref="PoolAllocatorAttribute.Alignment"/>). Default: 16 alone.</summary>
    public int[] Alignments { get; set; } = [16];

    /// <summary>
    /// The small-request thresholds to try (see <see cref="PoolAllocatorAttribute.SmallRequestThreshold"/>). Left out,
    /// each variant's threshold is 512 with the default size classes, and the largest size of its set with a
    /// <see cref="VariantSizeClassesAttribute"/> set.
    /// </summary>
    public int[] SmallRequestThresholds { get; set; } = [];

    /// <summary>The thread policy of every variant (see <see cref="PoolAllocatorAttribute.Threading"/>). Default SingleThreaded.</summary>
    public ThreadPolicy Threading { get; set; } = ThreadPolicy.SingleThreaded;
}
