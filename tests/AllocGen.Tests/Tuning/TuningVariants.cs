using AllocGen.Tuning;

namespace AllocGen.Tests.Tuning;

/// <summary>
/// 2 arena sizes × 2 pool sizes × 2 alignments × 2 size class sets: 16 variants, all valid (so the test project builds
/// without AG0042). The expected configurations are listed again in <see cref="Expected"/>, written out by hand.
/// </summary>
[PoolAllocatorVariants(ArenaSizes = new[] { 256 << 10, 1 << 20 }, PoolSizes = new[] { 4096, 16384 }, Alignments = new[] { 8, 16 })]
[VariantSizeClasses(16, 32, 64, 128, 256, 512)]
[VariantSizeClasses(32, 128, 1024)]
public static partial class TuningVariants
{
    /// <summary>Every variant's configuration, in the declaration order: arena outermost, then pool, alignment, set.</summary>
    public static IReadOnlyList<AllocatorVariantInfo> Expected { get; } = Plan();

    private static List<AllocatorVariantInfo> Plan()
    {
        int[][] sets = [[16, 32, 64, 128, 256, 512], [32, 128, 1024]];
        var expected = new List<AllocatorVariantInfo>();
        foreach ((int arena, string arenaName) in new[] { (256 << 10, "256K"), (1 << 20, "1M") })
        {
            foreach ((int pool, string poolName) in new[] { (4096, "4K"), (16384, "16K") })
            {
                foreach (int alignment in new[] { 8, 16 })
                {
                    for (int set = 0; set < sets.Length; set++)
                    {
                        expected.Add(new AllocatorVariantInfo(
                            $"Arena{arenaName}_Pool{poolName}_Align{alignment}_Set{set + 1}", arena, pool, alignment, sets[set][^1], sets[set]));
                    }
                }
            }
        }

        return expected;
    }
}

/// <summary>Default lists, the default classes, and a thread policy for all: one Locked variant per alignment.</summary>
[PoolAllocatorVariants(Alignments = new[] { 16, 32 }, Threading = ThreadPolicy.Locked)]
public static partial class LockedVariants
{
}
