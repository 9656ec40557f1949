namespace AllocGen;

/// <summary>
/// One set of size classes for the variants of a <see cref="PoolAllocatorVariantsAttribute"/> class; repeat the
/// attribute for several sets. Every combination of the other values is generated once per set (in the order the sets
/// are declared), named with the suffix <c>_Set1</c>, <c>_Set2</c>, ... With none, each variant has the default
/// classes of its configuration (every multiple of the alignment up to the threshold).
/// </summary>
/// <remarks>
/// The sizes must be positive and strictly ascending (errors otherwise). Whether they fit a combination (multiples of
/// its alignment, the largest equal to its small-request threshold) is judged per combination, as for
/// <see cref="SizeClassesAttribute"/>: a combination they do not fit is skipped with warning AG0042.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class VariantSizeClassesAttribute : Attribute
{
    /// <summary>Declares one set of size classes, in bytes, ascending.</summary>
    public VariantSizeClassesAttribute(params int[] sizes) => Sizes = sizes;

    /// <summary>The declared block sizes in bytes.</summary>
    public int[] Sizes { get; }
}
