using System.Reflection;
using System.Text.RegularExpressions;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// The medium tier's geometry as the generator resolves it (docs/medium-tier.md): the classes on the grid of four sizes
/// per power of two, their rounding to the alignment, and the pools per span of each class. Table-driven over the
/// generator's pure MediumTier (internal, so reached by reflection, as RandomConfigurationTests reaches the validator).
/// </summary>
public sealed class MediumTierTests
{
    /// <summary>One resolved class: its block size and pools per span.</summary>
    public readonly record struct Resolved(int BlockSize, int SpanPools);

    [Theory]
    // Default: 640, 768, 896, 1024, ... 229376, 262144: four per power of two from 2^9 to 2^18.
    [InlineData(16, 16384, 1 << 20, 512, 256 << 10, 36, 640, 262144)]
    // The smallest medium tier of a configuration: one class.
    [InlineData(16, 16384, 1 << 20, 512, 640, 1, 640, 640)]
    // A threshold that is no grid size: the first class is the grid size above it (1000 -> 1024, then 1280).
    [InlineData(8, 4096, 64 << 10, 1000, 16 << 10, 17, 1024, 16384)]
    // A small arena: up to a quarter of it, 2 KiB.
    [InlineData(8, 4096, 8192, 256, 2048, 12, 320, 2048)]
    // The threshold of a tiny tier: 17..20 is grid size 20, rounded to 32 by the alignment.
    [InlineData(16, 4096, 8192, 16, 32, 4, 32, 32)]
    public void TheClassesRunFromTheGridSizeAboveTheSmallThresholdToTheMediumThreshold(
        int alignment, int poolSize, int arenaSize, int small, int medium, int count, int first, int last)
    {
        Resolved[] classes = Classes(medium, small, alignment, poolSize, PoolsPerArena(arenaSize, poolSize));

        Assert.Equal(count, classes.Length);
        Assert.Equal(first, classes[0].BlockSize);
        Assert.Equal(last, classes[^1].BlockSize);
        Assert.All(classes, c => Assert.Equal(0, c.BlockSize % alignment));
        Assert.All(classes.Zip(classes.Skip(1)), pair => Assert.True(pair.First.BlockSize <= pair.Second.BlockSize));
    }

    [Fact]
    public void TheDefaultClassesAreFourPerPowerOfTwo()
    {
        int[] expected = Enumerable.Range(9, 7).SelectMany(k => new[] { 5, 6, 7, 8 }.Select(q => q << (k - 2))).ToArray();

        Resolved[] classes = Classes(64 << 10, 512, 16, 16384, PoolsPerArena(1 << 20, 16384));

        Assert.Equal(expected, classes.Select(c => c.BlockSize));
    }

    [Fact]
    public void ACoarseAlignmentRoundsNeighbouringClassesToTheSameBlockSize()
    {
        // Grid sizes 5120, 6144, 7168, 8192 all round up to 8192; 10240 and 12288 to 12288; 14336 and 16384 to 16384.
        Resolved[] classes = Classes(64 << 10, 4096, 4096, 16384, PoolsPerArena(1 << 20, 16384));

        Assert.Equal(
            [8192, 8192, 8192, 8192, 12288, 12288, 16384, 16384, 20480, 24576, 28672, 32768, 40960, 49152, 57344, 65536],
            classes.Select(c => c.BlockSize));
    }

    [Fact]
    public void NoThresholdMeansNoClasses()
    {
        Assert.Empty(Classes(0, 512, 16, 16384, 63));
    }

    [Theory]
    // 16 KiB pools, 63 per arena (the default); a span targets about four blocks, at most four pools.
    [InlineData(640, 16384, 63, 1)]        // four blocks fit in one pool: 25 blocks, 384 bytes left over
    [InlineData(2560, 16384, 63, 1)]       // one pool: 6 blocks, 1024 left over
    [InlineData(20480, 16384, 63, 4)]      // at most 4 pools: 3 blocks, 4096 left over (1/16)
    [InlineData(28672, 16384, 63, 4)]      // 8192 left over of 65536: exactly an eighth is allowed
    [InlineData(49152, 16384, 63, 6)]      // 4 and 5 pools leave a quarter or more over; 6 hold 2 blocks exactly
    [InlineData(81920, 16384, 63, 5)]      // a block larger than 4 pools: the span is the block
    [InlineData(262144, 16384, 63, 16)]
    // 4 KiB pools: a block of 640 wants four blocks, 2560 bytes, so one pool.
    [InlineData(640, 4096, 252, 1)]
    // The pools of an arena cap the span: 2 pools, though four blocks would want 3.
    [InlineData(10240, 16384, 2, 2)]
    // No count qualifies (4 pools leave 4096 of 16384 over, 5 leave 8192 of 20480): the least fraction, 4.
    [InlineData(12288, 4096, 5, 4)]
    public void TheSpanRulePicksThePoolsPerSpan(int blockSize, int poolSize, int poolsPerArena, int expected)
    {
        Assert.Equal(expected, Invoke<int>("SpanPools", blockSize, poolSize, poolsPerArena));
        Assert.Equal(expected, MediumTierSpec.SpanPools(blockSize, poolSize, poolsPerArena));
    }

    [Theory]
    [InlineData(5L, true)]
    [InlineData(640L, true)]
    [InlineData(768L, true)]
    [InlineData(896L, true)]
    [InlineData(1024L, true)]
    [InlineData(1280L, true)]
    [InlineData(200000L, false)]
    [InlineData(196608L, true)]
    [InlineData(1152L, false)]  // 9/8 of 1024: the grid has quarters, not eighths
    [InlineData(9L, false)]
    public void TheGridHasFourSizesPerPowerOfTwo(long size, bool onGrid)
    {
        Assert.Equal(onGrid, Invoke<bool>("IsClassSize", size, 1));
    }

    [Theory]
    [InlineData(200000L, 16, 196608L, 229376L)]
    [InlineData(1000L, 16, 896L, 1024L)]
    [InlineData(20L, 16, 16L, 32L)]         // 20 and 24 are grid sizes, but not multiples of 16
    [InlineData(5120L, 4096, 4096L, 8192L)] // likewise 5120, 6144 and 7168
    public void TheNearestClassSizesAreOnTheGridAndAligned(long size, int alignment, long below, long above)
    {
        var nearest = ((long Below, long Above))Method("NearestClassSizes").Invoke(null, [size, alignment])!;

        Assert.Equal((below, above), nearest);
    }

    [Theory]
    [InlineData(1 << 20, 512, 64 << 10)]
    [InlineData(256 << 10, 512, 16 << 10)]
    [InlineData(8192, 256, 512)]
    [InlineData(8192, 512, 0)]             // a sixteenth of the arena is not above the threshold: no tier
    [InlineData(64 << 20, 4096, 64 << 10)]
    public void TheDefaultThresholdIsTheSmallerOf64KiBAndASixteenthOfTheArena(int arenaSize, int small, int expected)
    {
        Assert.Equal(expected, Invoke<int>("DefaultThreshold", arenaSize, small));
    }

    /// <summary>
    /// Allocate&lt;T&gt; tests the medium classes after the small ones, one line per block size, ascending, with the
    /// class MediumClassOf gives that size: the last of the classes that share it (AlignedClasses.FindMedium at run
    /// time chooses the same, and Reallocate to the usable size then keeps the block in place).
    /// </summary>
    [Theory]
    [InlineData(16, 512, 64 << 10)]
    [InlineData(4096, 4096, 64 << 10)]
    [InlineData(256, 512, 16 << 10)]
    public void AllocateOfTTestsOneMediumClassPerBlockSizeTheLastThatHasIt(int alignment, int small, int medium)
    {
        string declaration = $"[PoolAllocator(Alignment = {alignment}, SmallRequestThreshold = {small}, MediumRequestThreshold = {medium})]";
        GeneratorRun run = GeneratorHarness.Run($"using AllocGen;\n{declaration}\npublic sealed partial class TypedHeap {{ }}\n");
        Assert.Empty(run.OutputErrorsAndWarnings);
        string source = run.Source(Assert.Single(run.HintNames));
        string allocateOfT = source[source.IndexOf("public T* Allocate<T>()", StringComparison.Ordinal)..source.IndexOf("public T* AllocateZeroed<T>()", StringComparison.Ordinal)];
        int[] blockSizes = Classes(medium, small, alignment, 16384, PoolsPerArena(1 << 20, 16384)).Select(c => c.BlockSize).ToArray();

        (int BlockSize, int Class)[] lines = Regex.Matches(allocateOfT, @"sizeof\(T\) <= (\d+) && \1 % alignment == 0\) return \(T\*\)_allocGenHeap\.AllocateMedium\((\d+)\);")
            .Select(m => (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)))
            .ToArray();

        Assert.Equal(blockSizes.Distinct(), lines.Select(l => l.BlockSize));
        Assert.All(lines, l => Assert.Equal(Array.LastIndexOf(blockSizes, l.BlockSize), l.Class));
        Assert.True(allocateOfT.IndexOf("AllocateSmall(", StringComparison.Ordinal) < allocateOfT.IndexOf("AllocateMedium(", StringComparison.Ordinal));
        Assert.Contains("if (alignment <= PoolSize && AllocGenIsAboveTheSmallClasses((nuint)sizeof(T), alignment))", allocateOfT);
        Assert.Contains("size > SmallRequestThreshold || alignment > SmallRequestThreshold;", source);

        // AllocateZeroed<T> leaves the small classes by the same rule, for the block AllocateAligned finds (zeroed
        // without writing fresh memory).
        string allocateZeroedOfT = source[source.IndexOf("public T* AllocateZeroed<T>()", StringComparison.Ordinal)..source.IndexOf("private static bool AllocGenIsAboveTheSmallClasses", StringComparison.Ordinal)];
        Assert.Matches(@"if \(AllocGenIsAboveTheSmallClasses\(\(nuint\)sizeof\(T\), alignment\)\)\s*\{\s*return \(T\*\)AllocGenAllocateAligned\(\(nuint\)sizeof\(T\), alignment, zeroed: true\);", allocateZeroedOfT);
    }

    /// <summary>
    /// The runtime tests' copy of the rules (MediumTierSpec, which their hand-written geometries and models are built
    /// from) gives what the generator gives: the default threshold, the block sizes and the pools per span, over every
    /// arena and pool size the rules allow and every tier a small threshold and alignment leave.
    /// </summary>
    [Fact]
    public void TheRuntimeTestsSpecOfTheTierMirrorsTheGenerator()
    {
        int configurations = 0;
        for (int arenaShift = 13; arenaShift <= 24; arenaShift++)
        {
            for (int poolShift = 12; poolShift < arenaShift && poolShift <= 16; poolShift++)
            {
                int arenaSize = 1 << arenaShift, poolSize = 1 << poolShift;
                int poolsPerArena = PoolsPerArena(arenaSize, poolSize);
                Assert.Equal(MediumTierSpec.PoolsPerArena(arenaShift, poolShift), poolsPerArena);
                foreach ((int small, int alignment) in new[] { (256, 8), (512, 16), (1000, 8), (512, 256), (4096, 64) })
                {
                    int defaultThreshold = Invoke<int>("DefaultThreshold", arenaSize, small);
                    Assert.Equal(defaultThreshold, MediumTierSpec.DefaultThreshold(arenaSize, small));
                    foreach (int medium in new[] { defaultThreshold, arenaSize / 4 })
                    {
                        if (medium <= small || !Invoke<bool>("IsClassSize", (long)medium, alignment))
                        {
                            continue;
                        }

                        Resolved[] generated = Classes(medium, small, alignment, poolSize, poolsPerArena);
                        int[] blockSizes = MediumTierSpec.BlockSizes(small, medium, alignment);
                        string at = $"arena {arenaSize}, pools {poolSize}, small {small}, medium {medium}, alignment {alignment}";
                        Assert.True(generated.Select(c => c.BlockSize).SequenceEqual(blockSizes), $"{at}: block sizes");
                        Assert.True(generated.Select(c => c.SpanPools).SequenceEqual(MediumTierSpec.SpanPools(blockSizes, poolSize, poolsPerArena)), $"{at}: pools per span");
                        configurations++;
                    }
                }
            }
        }

        Assert.True(configurations > 50, $"{configurations} tiers compared");
    }

    private static int PoolsPerArena(int arenaSize, int poolSize) =>
        (arenaSize / poolSize) - (int)((((long)arenaSize / poolSize * 64) + poolSize - 1) / poolSize);

    private static Resolved[] Classes(int medium, int small, int alignment, int poolSize, int poolsPerArena)
    {
        var classes = (Array)Method("Classes").Invoke(null, [medium, small, alignment, poolSize, poolsPerArena])!;
        return classes.Cast<object>()
            .Select(c => new Resolved((int)c.GetType().GetProperty("BlockSize")!.GetValue(c)!, (int)c.GetType().GetProperty("SpanPools")!.GetValue(c)!))
            .ToArray();
    }

    private static T Invoke<T>(string name, params object[] arguments) => (T)Method(name).Invoke(null, arguments)!;

    private static MethodInfo Method(string name) =>
        typeof(AllocatorGenerator).Assembly.GetType("AllocGen.Generators.Validation.MediumTier", throwOnError: true)!
            .GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!;
}
