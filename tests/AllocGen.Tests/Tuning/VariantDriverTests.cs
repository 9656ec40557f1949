using AllocGen.Tuning;
using Xunit;

namespace AllocGen.Tests.Tuning;

/// <summary>
/// Every variant used through its driver by code generic over <c>TDriver</c> (what a tuning runner does): allocate,
/// write, read back, resize, free, and the statistics show no block left in use. No reflection: the visitor calls
/// static and instance members of the driver type argument.
/// </summary>
public sealed unsafe class VariantDriverTests
{
    [Fact]
    public void EveryVariantAllocatesWritesReadsAndFreesThroughItsDriver()
    {
        var runner = new WorkloadVisitor();
        TuningVariants.VisitAll(runner);
        LockedVariants.VisitAll(runner);

        Assert.Equal(TuningVariants.Variants.Count + LockedVariants.Variants.Count, runner.Results.Count);
        foreach (VariantResult result in runner.Results)
        {
            Assert.True(result.ReadBack, result.Name + ": a block did not hold what was written");
            Assert.True(result.ZeroedWasZero, result.Name + ": AllocateZeroed gave a block that was not zero");
            Assert.True(result.ReallocatedKept, result.Name + ": Reallocate lost the block's contents");
            Assert.True(result.Aligned, result.Name + ": a block was not aligned to the variant's alignment");
            Assert.True(result.PeakBlocksInUse >= WorkloadVisitor.Blocks, result.Name + ": the stats did not count the live blocks");
            Assert.Equal(0, result.BlocksInUseAfterFree);
            // The variant's size classes, then its medium tier's classes.
            Assert.Equal(result.Info.SizeClasses, result.StatsBlockSizes.Take(result.Info.SizeClasses.Count));
        }
    }

    private sealed record VariantResult(
        string Name, AllocatorVariantInfo Info, bool ReadBack, bool ZeroedWasZero, bool ReallocatedKept, bool Aligned, long PeakBlocksInUse, long BlocksInUseAfterFree, IReadOnlyList<int> StatsBlockSizes);

    private sealed class WorkloadVisitor : IAllocatorVariantVisitor
    {
        public const int Blocks = 64;

        public List<VariantResult> Results { get; } = [];

        public void Visit<TDriver>(AllocatorVariantInfo info)
            where TDriver : struct, IAllocatorDriver<TDriver>
        {
            using TDriver driver = TDriver.Create();
            var blocks = new byte*[Blocks];
            bool aligned = true;
            for (int i = 0; i < Blocks; i++)
            {
                // Sizes across every class and past the threshold (a large block).
                nuint size = (nuint)(1 + (i * 37 % (info.SmallRequestThreshold + 200)));
                blocks[i] = (byte*)driver.Allocate(size);
                aligned &= (nuint)blocks[i] % (nuint)info.Alignment == 0;
                for (nuint b = 0; b < size; b++)
                {
                    blocks[i][b] = (byte)(i + (int)b);
                }
            }

            byte* zeroed = (byte*)driver.AllocateZeroed(4, 24);
            bool zeroedWasZero = true;
            for (int b = 0; b < 96; b++)
            {
                zeroedWasZero &= zeroed[b] == 0;
            }

            long peak = driver.GetStats().BlocksInUse;

            bool readBack = true;
            for (int i = 0; i < Blocks; i++)
            {
                nuint size = (nuint)(1 + (i * 37 % (info.SmallRequestThreshold + 200)));
                for (nuint b = 0; b < size; b++)
                {
                    readBack &= blocks[i][b] == (byte)(i + (int)b);
                }
            }

            byte* moved = (byte*)driver.Reallocate(blocks[1], (nuint)info.SmallRequestThreshold);
            bool kept = true;
            for (int b = 0; b < 38; b++)
            {
                kept &= moved[b] == (byte)(1 + b);
            }

            blocks[1] = moved;
            foreach (byte* block in blocks)
            {
                driver.Free(block);
            }

            driver.Free(zeroed);
            Assert.Same(driver.Allocator, driver.Allocator);
            Results.Add(new VariantResult(
                info.Name, info, readBack, zeroedWasZero, kept, aligned, peak, driver.GetStats().BlocksInUse,
                driver.GetStats().SizeClasses.Select(c => c.BlockSize).ToList()));
        }
    }
}
