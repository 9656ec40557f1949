using AllocGen.Generators.Helpers;

namespace AllocGen.Generators.Model;

/// <summary>A validated pool allocator declaration: everything the emitter needs, nothing else.</summary>
internal sealed record PoolAllocatorSpec(
    TypeSpec Type,
    int ArenaSize,
    int PoolSize,
    int Alignment,
    int SmallRequestThreshold,
    EquatableArray<int> SizeClasses,
    ThreadPolicy Threading);
