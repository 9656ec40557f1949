using System.ComponentModel;

namespace AllocGen.Pools;

// The medium tier (docs/medium-tier.md): blocks above the small threshold, up to the geometry's MediumRequestThreshold,
// carved from spans (runs of whole pools of the heap's own arenas), one medium class per span.
public unsafe partial struct PoolHeap<TGeometry>
{
    /// <summary>
    /// For generated code only: allocates a block of medium class <paramref name="mediumClass"/> (its block size is
    /// <c>MediumBlockSize(mediumClass)</c>). Unchecked: the class must be in 0..MediumClassCount-1.
    /// </summary>
    /// <exception cref="OutOfMemoryException">No arena could be mapped; nothing was allocated.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void* AllocateMedium(int mediumClass) => AllocateLarge((nuint)TGeometry.MediumBlockSize(mediumClass));
}
