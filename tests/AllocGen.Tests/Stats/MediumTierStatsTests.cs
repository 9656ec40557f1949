using AllocGen.Stats;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Stats;

/// <summary>
/// The statistics of generated heaps with a medium tier: the medium classes follow the small ones in GetStats and in
/// the dump, count their live blocks and the pools of their spans while blocks live, and once everything is freed
/// they are still listed, holding no block and no pool.
/// </summary>
public sealed unsafe class MediumTierStatsTests
{
    private const int BlocksPerMediumClass = 2;

    [Theory]
    [InlineData(nameof(SmallPoolTierHeap))]
    [InlineData(nameof(PerThreadSmallPoolTierHeap))]
    [InlineData(nameof(DefaultTierHeap))]
    public void MediumClassesAreCountedWhileLiveAndListedEmptyAfterEverythingIsFreed(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        int small = g.Classes.Length;
        var blocks = new List<nint> { (nint)heap.Allocate(1), (nint)heap.Allocate(g.LeastLargeSize) };
        long bytesInUse = g.Classes[0] + (long)g.LeastLargeSize;
        for (int m = 0; m < g.MediumClasses.Length; m++)
        {
            (_, nuint largestRequest) = g.RangeOfStatsClass(small + m);
            for (int i = 0; i < BlocksPerMediumClass; i++)
            {
                blocks.Add((nint)heap.Allocate(largestRequest));
                bytesInUse += g.MediumClasses[m];
            }
        }

        AllocatorStats live = heap.GetStats();
        DumpText liveDump = DumpText.Parse(live.ToString());
        Assert.Equal(g.StatsClassCount, live.SizeClasses.Count);
        for (int m = 0; m < g.MediumClasses.Length; m++)
        {
            // A fresh heap fills a class's first span before it carves another.
            (int spanPools, int blocksPerSpan) = g.CarvingUnit(small + m);
            int spans = (BlocksPerMediumClass + blocksPerSpan - 1) / blocksPerSpan;
            var expected = new SizeClassStats(small + m, g.MediumClasses[m], spans * spanPools, BlocksPerMediumClass, (spans * blocksPerSpan) - BlocksPerMediumClass);
            Assert.Equal(expected, live.SizeClasses[small + m]);
            Assert.Equal((expected.BlockSize, expected.Pools, expected.BlocksInUse, expected.FreeBlocks), liveDump.Rows[expected.Index]);
        }

        Assert.Equal(blocks.Count, live.BlocksInUse);
        Assert.Equal(bytesInUse, live.BytesInUse);
        Assert.Equal(1, live.LargeBlocks);
        Assert.Equal(live.BytesReserved, liveDump.PartsSum);

        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }

        AllocatorStats end = heap.GetStats();
        DumpText endDump = DumpText.Parse(end.ToString());
        Assert.Equal(g.StatsClassCount, end.SizeClasses.Count);
        for (int c = 0; c < g.StatsClassCount; c++)
        {
            Assert.Equal(new SizeClassStats(c, g.BlockSizeOfStatsClass(c), 0, 0, 0), end.SizeClasses[c]);
        }

        // The dump lists the classes that hold pools: none now; a retained span counts among the retained pools.
        Assert.Empty(endDump.Rows);
        Assert.Equal(0, end.BlocksInUse);
        Assert.Equal(0, end.BytesInUse);
        Assert.Equal(0, end.LargeBlocks);
        Assert.Equal(0, end.PoolsInUse);
        Assert.Equal(end.ArenasCurrent * g.PoolsPerArena, end.PoolsRetained + end.PoolsFree);
        Assert.Equal(end.BytesReserved, endDump.PartsSum);
    }
}
