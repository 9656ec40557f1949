using AllocGen.Tests.Memory;
using AllocGen.Tests.Pools;
using CsCheck;
using Xunit;

namespace AllocGen.Tests.Stats;

/// <summary>
/// The same workloads as <see cref="StatsPartitionTests"/> as on machines with 16 KiB and 64 KiB OS pages: an 8 KiB
/// arena then spans a whole page, whose rest the statistics count as page padding, and the parts still add up.
/// </summary>
[Collection(SimulatedPageSizeCollection.Name)]
public sealed class StatsOnLargePagesTests
{
    [Theory]
    [InlineData(nameof(StatsSmallHeap), 16 << 10)]
    [InlineData(nameof(StatsSmallHeap), 64 << 10)]
    [InlineData(nameof(LockedStatsSmallHeap), 64 << 10)]
    [InlineData(nameof(PerThreadStatsSmallHeap), 64 << 10)]
    [InlineData(nameof(StatsTinyHeap), 16 << 10)]
    [InlineData(nameof(StatsTinyHeap), 64 << 10)]
    [InlineData(nameof(LockedStatsTinyHeap), 16 << 10)]
    [InlineData(nameof(PerThreadStatsTinyHeap), 64 << 10)]
    public void RandomWorkloadsMatchTheModelAndThePartsAddUpToTheBytesReserved(string heap, int page)
    {
        using var pages = new SimulatedPageSize(page);
        HeapGeometry target = StatsTargets.Named(heap);
        var reached = new Reached();
        StatsWorkload.Ops(maxSteps: 500).Sample(ops => StatsWorkload.Run(target, ops, readDumpEvery: 20, reached), iter: 6, threads: 1);
        reached.AssertWorthwhile(target);
    }
}
