using System.Reflection;
using System.Runtime.ExceptionServices;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>Every Trim test again, as on machines with 16 KiB pages (macOS arm64) and 64 KiB pages (some Linux arm64).</summary>
[Collection(SimulatedPageSizeCollection.Name)]
public sealed class TrimTestsOnLargePages
{
    [Theory]
    [InlineData(16 << 10)]
    [InlineData(64 << 10)]
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
