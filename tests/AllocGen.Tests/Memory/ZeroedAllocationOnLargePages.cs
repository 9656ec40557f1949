using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>
/// Zeroed allocation again as on machines with 16 KiB and 64 KiB pages, where Trim gives back only the pages none of
/// whose pools holds a live block, so only those pools may be handed out as known zero.
/// </summary>
[Collection(SimulatedPageSizeCollection.Name)]
public sealed class ZeroedAllocationOnLargePages
{
    [Theory]
    [InlineData(16 << 10)]
    [InlineData(64 << 10)]
    public void ZeroedBlocksAreZeroWithLargerPages(int simulatedPage)
    {
        using var pages = new SimulatedPageSize(simulatedPage);
        var tests = new ZeroedAllocationTests();
        foreach (string configuration in ZeroedAllocationTests.ConfigurationNames)
        {
            tests.MemoryTrimGaveBackComesBackZeroed(configuration);
            tests.PoolsRecycledForAnotherClassComeBackZeroed(configuration);
            tests.ArenasReusedFromTheKeptRangesComeBackZeroed(configuration);
        }
    }
}
