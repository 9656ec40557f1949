namespace AllocGen;

/// <summary>
/// Replaces the default size classes of a <see cref="PoolAllocatorAttribute"/> allocator (every multiple of the
/// alignment up to the small-request threshold) with an explicit list.
/// </summary>
/// <remarks>
/// The list must be strictly ascending, every size a multiple of the allocator's alignment, and its last size must
/// equal the small-request threshold, so that every small request has a class. A request is served by the
/// smallest class that holds it.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class SizeClassesAttribute : Attribute
{
    /// <summary>Declares the size classes, in bytes, ascending.</summary>
    public SizeClassesAttribute(params int[] sizes) => Sizes = sizes;

    /// <summary>The declared block sizes in bytes.</summary>
    public int[] Sizes { get; }
}
