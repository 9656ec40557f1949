using AllocGen.Domains;
using Xunit;

namespace AllocGen.Tests.Domains;

/// <summary>ALLOCGEN_MALLOC and Configure: what serves each domain in each mode, the routes the generated code reads, bad values.</summary>
public sealed unsafe class ModeTests
{
    public static TheoryData<string> Modes => new(TestDomains.Modes);

    [Theory]
    [MemberData(nameof(Modes))]
    public void EachModeInstallsItsAllocatorsFromTheVariableAndFromConfigure(string mode)
    {
        using var fromVariable = new TestDomains(mode);
        using var configured = new TestDomains();
        configured.Set.Configure(mode);
        foreach (TestDomains t in new[] { fromVariable, configured })
        {
            Assert.Equal(mode, t.Set.CurrentMode);
            bool system = mode.StartsWith("malloc", StringComparison.Ordinal);
            bool hooks = mode.EndsWith("debug", StringComparison.Ordinal);
            foreach (AllocDomain d in TestDomains.Domains)
            {
                IAllocator declared = d == AllocDomain.Raw ? t.System : t.Heap;
                IAllocator expected = system ? t.System : declared;
                IAllocator current = t.Set.GetAllocator(d);
                IAllocator under = hooks ? Assert.IsType<DebugAllocator>(current).Inner : current;
                Assert.Same(expected, under);
                if (hooks)
                {
                    Assert.Equal(d, ((DebugAllocator)current).Domain);
                }

                DomainRoute route = Route(t.Set, d);
                Assert.Equal(!hooks && expected == declared, route.AllocatesDirectly);
            }

            // One side table for the three domains' hooks.
            if (hooks)
            {
                Assert.Single(TestDomains.Domains.Select(d => ((DebugAllocator)t.Set.GetAllocator(d)).Hooks).Distinct());
            }

            t.AssertServes();
            t.AssertNoBlockLeft();
        }
    }

    [Fact]
    public void AnUnsetOrEmptyVariableIsTheDefaultModeWithDirectRoutes()
    {
        foreach (string? value in new[] { null, string.Empty })
        {
            using var t = new TestDomains(value);
            Assert.Equal("default", t.Set.CurrentMode);
            foreach (AllocDomain d in TestDomains.Domains)
            {
                Assert.Equal(new DomainRoute { AllocatesDirectly = true, FreesDirectly = true }, Route(t.Set, d));
            }
        }
    }

    [Fact]
    public void FreesStopGoingDirectlyForGoodOnceAnythingElseServedTheDomain()
    {
        using var t = new TestDomains();
        var p = (byte*)t.Heap.Allocate(10);
        t.Set.Configure("debug");
        Assert.All(TestDomains.Domains, d => Assert.False(Route(t.Set, d).FreesDirectly));
        var hooked = t.Set.Allocate(AllocDomain.Mem, 10);
        t.Set.Configure("default");
        Assert.All(TestDomains.Domains, d => Assert.Equal(new DomainRoute { AllocatesDirectly = true, FreesDirectly = false }, Route(t.Set, d)));

        // Both blocks go back to their own allocators through the slow path.
        t.Set.Free(AllocDomain.Mem, hooked);
        t.Set.Free(AllocDomain.Mem, p);
        t.AssertNoBlockLeft();
    }

    [Theory]
    [InlineData("Debug")]
    [InlineData("pymalloc")]
    [InlineData(" default")]
    [InlineData("malloc,debug")]
    public void ABadModeFromConfigureIsRejectedNamingItAndEveryModeAndChangesNothing(string bad)
    {
        using var t = new TestDomains("pool_debug");
        IAllocator before = t.Set.GetAllocator(AllocDomain.Mem);
        ArgumentException e = Assert.Throws<ArgumentException>(() => t.Set.Configure(bad));
        Assert.Equal("mode", e.ParamName);
        Assert.Contains($"'{bad}' is not an allocator mode", e.Message);
        AssertListsEveryMode(e.Message);
        Assert.Equal("pool_debug", t.Set.CurrentMode);
        Assert.Same(before, t.Set.GetAllocator(AllocDomain.Mem));
        Assert.Contains("null", Assert.Throws<ArgumentException>(() => t.Set.Configure(null!)).Message);
    }

    [Fact]
    public void ABadVariableMakesEveryDomainCallThrowUntilAModeIsConfigured()
    {
        using var t = new TestDomains("mallc");
        var calls = new List<(string Name, Action Call)>
        {
            ("CurrentMode", () => _ = t.Set.CurrentMode),
            ("SetupDebugHooks", t.Set.SetupDebugHooks),
        };
        foreach (AllocDomain d in TestDomains.Domains)
        {
            Assert.Equal(default, Route(t.Set, d));
            calls.Add(($"Allocate {d}", () => t.Set.Allocate(d, 8)));
            calls.Add(($"AllocateZeroed {d}", () => t.Set.AllocateZeroed(d, 2, 8)));
            calls.Add(($"AllocateAligned {d}", () => t.Set.AllocateAligned(d, 8, 64)));
            calls.Add(($"Reallocate {d}", () => t.Set.Reallocate(d, null, 8)));
            calls.Add(($"Free {d}", () => t.Set.Free(d, (void*)0x1000)));
        }

        foreach ((string name, Action call) in calls)
        {
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(call);
            Assert.True(e.Message.Contains("ALLOCGEN_MALLOC: 'mallc' is not an allocator mode", StringComparison.Ordinal), $"{name}: {e.Message}");
            AssertListsEveryMode(e.Message);
        }

        t.Set.Configure("malloc");
        Assert.Equal("malloc", t.Set.CurrentMode);
        t.AssertServes();
        t.AssertNoBlockLeft();
    }

    [Fact]
    public void SetupDebugHooksWrapsTheCurrentAllocatorsOnce()
    {
        using var t = new TestDomains("malloc");
        t.Set.SetupDebugHooks();
        Assert.Equal("malloc_debug", t.Set.CurrentMode);
        IAllocator[] first = [.. TestDomains.Domains.Select(t.Set.GetAllocator)];
        Assert.All(first, a => Assert.Same(t.System, Assert.IsType<DebugAllocator>(a).Inner));
        t.Set.SetupDebugHooks();
        Assert.Equal(first, TestDomains.Domains.Select(t.Set.GetAllocator));

        t.Set.Configure("pool");
        t.Set.SetupDebugHooks();
        Assert.Equal("pool_debug", t.Set.CurrentMode);
        t.AssertServes();
        t.AssertNoBlockLeft();
    }

    [Fact]
    public void SetAllocatorInstallsTheCallersAllocatorAndNeverDisposesIt()
    {
        using var t = new TestDomains();
        var mine = new DisposalCounter(new SystemAllocator());
        var p = t.Set.Allocate(AllocDomain.Object, 50);
        t.Set.SetAllocator(AllocDomain.Object, mine);
        Assert.Same(mine, t.Set.GetAllocator(AllocDomain.Object));
        Assert.Equal("custom", t.Set.CurrentMode);
        Assert.Equal(new DomainRoute { AllocatesDirectly = false, FreesDirectly = false }, Route(t.Set, AllocDomain.Object));
        var q = t.Set.Allocate(AllocDomain.Object, 50);
        Assert.True(mine.Owns(q));

        t.Set.SetupDebugHooks();
        t.Set.Configure("default");
        t.Set.Free(AllocDomain.Object, q);
        t.Set.Free(AllocDomain.Object, p);
        Assert.Equal(0, mine.Disposals);
        Assert.Equal(0, mine.GetStats().BlocksInUse);
        mine.Dispose();
        Assert.Equal(1, mine.Disposals);

        // Its owner disposed it: the domains skip it and keep serving.
        t.AssertServes();
        t.AssertNoBlockLeft();
        Assert.Throws<ArgumentNullException>(() => t.Set.SetAllocator(AllocDomain.Raw, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Set.SetAllocator((AllocDomain)3, mine));
    }

    [Fact]
    public void DumpStatsNamesEachAllocatorOnceWithTheDomainsItServes()
    {
        using var t = new TestDomains("debug");
        var p = t.Set.Allocate(AllocDomain.Object, 100);
        var writer = new StringWriter();
        t.Set.DumpStats(writer);
        string dump = writer.ToString();
        Assert.Contains("Test (debug): Raw domain served by SystemAllocator", dump);
        Assert.Contains("Test (debug): Mem, Object domains served by DefaultHeap", dump);
        Assert.Contains("debug hooks (Object domain): 1 live blocks of 100 requested bytes", dump);
        Assert.Contains("system allocator: 0 live blocks", dump);
        Assert.Contains("blocks in use", dump);
        t.Set.Free(AllocDomain.Object, p);
    }

    private static void AssertListsEveryMode(string message)
    {
        foreach (string mode in TestDomains.Modes)
        {
            Assert.Contains(mode, message);
        }
    }

    private static DomainRoute Route(DomainSet set, AllocDomain domain) => domain switch
    {
        AllocDomain.Raw => set.Raw,
        AllocDomain.Mem => set.Mem,
        _ => set.Object,
    };

    /// <summary>An allocator that counts its disposals (the domains must never dispose an allocator they were given).</summary>
    private sealed class DisposalCounter(SystemAllocator inner) : IAllocator
    {
        public int Disposals { get; private set; }

        public bool IsThreadSafe => true;

        public void* Allocate(nuint size) => inner.Allocate(size);

        public void* AllocateAligned(nuint size, nuint alignment) => inner.AllocateAligned(size, alignment);

        public void* AllocateZeroed(nuint count, nuint size) => inner.AllocateZeroed(count, size);

        public void* Reallocate(void* pointer, nuint newSize) => inner.Reallocate(pointer, newSize);

        public void Free(void* pointer) => inner.Free(pointer);

        public bool Owns(void* pointer) => inner.Owns(pointer);

        public nuint UsableSize(void* pointer) => inner.UsableSize(pointer);

        public global::AllocGen.Stats.AllocatorStats GetStats() => inner.GetStats();

        public void Dispose()
        {
            Disposals++;
            inner.Dispose();
        }
    }
}
