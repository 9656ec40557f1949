using AllocGen.Generators.Helpers;

namespace AllocGen.Generators.Model;

/// <summary>A validated pool allocator declaration: everything the emitter needs, nothing else.</summary>
/// <param name="SafeOnly">The project does not allow unsafe code: only the members without pointers are generated.</param>
internal sealed record PoolAllocatorSpec(
    TypeSpec Type,
    int ArenaSize,
    int PoolSize,
    int Alignment,
    int SmallRequestThreshold,
    EquatableArray<int> SizeClasses,
    ThreadPolicy Threading,
    bool SafeOnly);
