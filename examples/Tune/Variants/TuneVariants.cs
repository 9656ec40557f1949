namespace AllocGen.Tune.Variants;

/// <summary>
/// The variants the tool replays every trace on: every combination of these arena sizes, pool sizes and alignments
/// is a generated allocator (nested here, each with a <c>Driver</c> struct), listed by <c>Variants</c> and visited by
/// <c>VisitAll</c> (see docs/variants.md). Edit the lists to try others; <c>[VariantSizeClasses(...)]</c> adds size
/// class sets.
/// </summary>
[PoolAllocatorVariants(ArenaSizes = new[] { 256 << 10, 1 << 20 }, PoolSizes = new[] { 4 << 10, 16 << 10, 64 << 10 }, Alignments = new[] { 8, 16 })]
public static partial class TuneVariants
{
}
