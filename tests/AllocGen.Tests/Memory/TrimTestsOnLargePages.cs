using System.Reflection;
using System.Runtime.ExceptionServices;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>
/// Every Trim test, and the zeroed-allocation tests that Trim's page give-back affects, again as on machines with
/// 16 KiB pages (macOS arm64) and 64 KiB pages (some Linux arm64), where Trim gives back only the pages none of whose
/// pools holds a live block.
/// </summary>
[Collection(SimulatedPageSizeCollection.Name)]
public sealed class TrimTestsOnLargePages
{
    public static TheoryData<int> SimulatedPages => new() { 16 << 10, 64 << 10 };

    [Theory]
    [MemberData(nameof(SimulatedPages))]
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

    [Theory]
    [MemberData(nameof(SimulatedPages))]
    public void EveryTrimTestHoldsWithLargerPages(int simulatedPage)
    {
        MethodInfo[] facts = typeof(TrimTests).GetMethods()
            .Where(m => m.GetCustomAttribute<FactAttribute>() is not null and not TheoryAttribute)
            .ToArray();
        Assert.True(facts.Length >= 7, $"found {facts.Length} Trim tests");

        using var pages = new SimulatedPageSize(simulatedPage);
        foreach (MethodInfo fact in facts)
        {
            try
            {
                fact.Invoke(new TrimTests(), null);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }
        }
    }
}
