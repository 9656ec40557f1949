using AllocGen.Generators.Helpers;

namespace AllocGen.Generators.Model;

/// <summary>A validated pool allocator declaration: everything the emitter needs, nothing else.</summary>
/// <param name="MediumClasses">The medium tier's classes, ascending; none when the tier is off.</param>
/// <param name="SafeOnly">The project does not allow unsafe code: only the members without pointers are generated.</param>
internal sealed record PoolAllocatorSpec(
    TypeSpec Type,
    int ArenaSize,
    int PoolSize,
    int Alignment,
    int SmallRequestThreshold,
    EquatableArray<int> SizeClasses,
    EquatableArray<MediumClass> MediumClasses,
    ThreadPolicy Threading,
    bool SafeOnly)
{
    /// <summary>Largest request the medium tier serves: its last class's block size (a valid threshold is one), or 0 when it is off.</summary>
    public int MediumRequestThreshold => MediumClasses.Count == 0 ? 0 : MediumClasses[MediumClasses.Count - 1].BlockSize;
}
