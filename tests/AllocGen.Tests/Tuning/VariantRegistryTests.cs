using AllocGen.Tuning;
using Xunit;

namespace AllocGen.Tests.Tuning;

/// <summary>
/// The registry a [PoolAllocatorVariants] class gets: Variants lists every variant in declaration order, VisitAll hands
/// each to a visitor once, in that order, as its driver struct, and each driver's Info is its type's configuration.
/// </summary>
public sealed class VariantRegistryTests
{
    [Fact]
    public void VariantsListsEveryConfigurationInDeclarationOrder()
    {
        Assert.Equal(16, TuningVariants.Variants.Count);
        Assert.Equal(TuningVariants.Expected.Count, TuningVariants.Variants.Count);
        for (int i = 0; i < TuningVariants.Expected.Count; i++)
        {
            AssertSameConfiguration(TuningVariants.Expected[i], TuningVariants.Variants[i]);
        }
    }

    [Fact]
    public void VisitAllVisitsEachVariantOnceInOrderWithItsDriversInfo()
    {
        var visitor = new RecordingVisitor();
        TuningVariants.VisitAll(visitor);

        Assert.Equal(TuningVariants.Variants.Select(v => v.Name), visitor.Names);
        Assert.Equal(visitor.DriverTypes.Count, visitor.DriverTypes.Distinct().Count());
        Assert.All(visitor.InfoIsDriversInfo, Assert.True);
        Assert.All(visitor.DriverTypes, t => Assert.Equal(visitor.Names[visitor.DriverTypes.IndexOf(t)], t.DeclaringType!.Name));
    }

    [Fact]
    public void TheVariantsListHoldsTheDriversInfo()
    {
        Assert.Same(TuningVariants.Arena256K_Pool4K_Align8_Set1.Driver.Info, TuningVariants.Variants[0]);
        Assert.Same(TuningVariants.Arena1M_Pool16K_Align16_Set2.Driver.Info, TuningVariants.Variants[^1]);
    }

    [Fact]
    public void EachDriversInfoEqualsItsTypesConstants()
    {
        AssertConstants(
            TuningVariants.Arena256K_Pool4K_Align8_Set1.Driver.Info,
            TuningVariants.Arena256K_Pool4K_Align8_Set1.ArenaSize,
            TuningVariants.Arena256K_Pool4K_Align8_Set1.PoolSize,
            TuningVariants.Arena256K_Pool4K_Align8_Set1.Alignment,
            TuningVariants.Arena256K_Pool4K_Align8_Set1.SmallRequestThreshold,
            TuningVariants.Arena256K_Pool4K_Align8_Set1.SizeClasses);
        AssertConstants(
            TuningVariants.Arena1M_Pool4K_Align16_Set2.Driver.Info,
            TuningVariants.Arena1M_Pool4K_Align16_Set2.ArenaSize,
            TuningVariants.Arena1M_Pool4K_Align16_Set2.PoolSize,
            TuningVariants.Arena1M_Pool4K_Align16_Set2.Alignment,
            TuningVariants.Arena1M_Pool4K_Align16_Set2.SmallRequestThreshold,
            TuningVariants.Arena1M_Pool4K_Align16_Set2.SizeClasses);
        AssertConstants(
            TuningVariants.Arena1M_Pool16K_Align16_Set2.Driver.Info,
            TuningVariants.Arena1M_Pool16K_Align16_Set2.ArenaSize,
            TuningVariants.Arena1M_Pool16K_Align16_Set2.PoolSize,
            TuningVariants.Arena1M_Pool16K_Align16_Set2.Alignment,
            TuningVariants.Arena1M_Pool16K_Align16_Set2.SmallRequestThreshold,
            TuningVariants.Arena1M_Pool16K_Align16_Set2.SizeClasses);

        // The configuration as declared, not only as the constants say.
        AssertSameConfiguration(new AllocatorVariantInfo("Arena1M_Pool4K_Align16_Set2", 1 << 20, 4096, 16, 1024, [32, 128, 1024]), TuningVariants.Arena1M_Pool4K_Align16_Set2.Driver.Info);
    }

    [Fact]
    public void DefaultListsGiveTheDefaultClassesAndTheThreadingAppliesToEveryVariant()
    {
        Assert.Equal(["Arena1M_Pool16K_Align16", "Arena1M_Pool16K_Align32"], LockedVariants.Variants.Select(v => v.Name));
        Assert.Equal(Enumerable.Range(1, 32).Select(i => i * 16), LockedVariants.Arena1M_Pool16K_Align16.Driver.Info.SizeClasses);
        Assert.Equal(Enumerable.Range(1, 16).Select(i => i * 32), LockedVariants.Arena1M_Pool16K_Align32.Driver.Info.SizeClasses);
        Assert.Equal(ThreadPolicy.Locked, LockedVariants.Arena1M_Pool16K_Align16.Threading);
        Assert.Equal(ThreadPolicy.Locked, LockedVariants.Arena1M_Pool16K_Align32.Threading);
        using LockedVariants.Arena1M_Pool16K_Align32.Driver driver = LockedVariants.Arena1M_Pool16K_Align32.Driver.Create();
        Assert.True(driver.Heap.IsThreadSafe);
    }

    [Fact]
    public void TheInfosSizeClassesCannotBeChanged()
    {
        IReadOnlyList<int> classes = TuningVariants.Arena256K_Pool4K_Align8_Set1.Driver.Info.SizeClasses;
        Assert.False(classes is int[]);
        Assert.Throws<NotSupportedException>(() => ((IList<int>)classes)[0] = 8);
        Assert.False(TuningVariants.Variants is AllocatorVariantInfo[]);
    }

    [Fact]
    public void VisitAllRejectsNull()
    {
        Assert.Throws<ArgumentNullException>(() => TuningVariants.VisitAll(null!));
    }

    private static void AssertConstants(AllocatorVariantInfo info, int arenaSize, int poolSize, int alignment, int threshold, ReadOnlySpan<int> sizeClasses)
    {
        Assert.Equal(arenaSize, info.ArenaSize);
        Assert.Equal(poolSize, info.PoolSize);
        Assert.Equal(alignment, info.Alignment);
        Assert.Equal(threshold, info.SmallRequestThreshold);
        Assert.Equal(sizeClasses.ToArray(), info.SizeClasses);
    }

    private static void AssertSameConfiguration(AllocatorVariantInfo expected, AllocatorVariantInfo actual)
    {
        // The record compares SizeClasses by reference: compare the elements.
        Assert.Equal(expected with { SizeClasses = [] }, actual with { SizeClasses = [] });
        Assert.Equal(expected.SizeClasses, actual.SizeClasses);
    }

    private sealed class RecordingVisitor : IAllocatorVariantVisitor
    {
        public List<string> Names { get; } = [];

        public List<Type> DriverTypes { get; } = [];

        public List<bool> InfoIsDriversInfo { get; } = [];

        public void Visit<TDriver>(AllocatorVariantInfo info)
            where TDriver : struct, IAllocatorDriver<TDriver>
        {
            Names.Add(info.Name);
            DriverTypes.Add(typeof(TDriver));
            InfoIsDriversInfo.Add(ReferenceEquals(info, TDriver.Info));
        }
    }
}
