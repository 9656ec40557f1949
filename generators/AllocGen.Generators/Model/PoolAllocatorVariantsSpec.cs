using AllocGen.Generators.Helpers;

namespace AllocGen.Generators.Model;

/// <summary>
/// A validated [PoolAllocatorVariants] declaration: the static class that receives the registry, and one pool
/// allocator spec per generated variant (its type is the nested variant type), in declaration order.
/// </summary>
internal sealed record PoolAllocatorVariantsSpec(TypeSpec Type, EquatableArray<PoolAllocatorSpec> Variants);
