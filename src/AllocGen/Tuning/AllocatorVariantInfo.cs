namespace AllocGen.Tuning;

/// <summary>
/// The configuration of one allocator variant that <c>[PoolAllocatorVariants]</c> generated: what a tuning report
/// prints and what its recommendation pastes back as <c>[PoolAllocator(...)]</c> and <c>[SizeClasses(...)]</c>.
/// </summary>
/// <param name="Name">The generated type's name (unique within its registry).</param>
/// <param name="ArenaSize">Bytes per arena.</param>
/// <param name="PoolSize">Bytes per pool.</param>
/// <param name="Alignment">Alignment of every block.</param>
/// <param name="SmallRequestThreshold">Largest request served from pools.</param>
/// <param name="SizeClasses">The block size of each class, ascending.</param>
public sealed record AllocatorVariantInfo(
    string Name,
    int ArenaSize,
    int PoolSize,
    int Alignment,
    int SmallRequestThreshold,
    IReadOnlyList<int> SizeClasses);
