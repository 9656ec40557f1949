using System.Runtime.InteropServices;
using Xunit;

namespace AllocGen.Tests.Domains;

/// <summary>
/// The five faults of the debug hooks, each detected every time as an <see cref="AllocatorFaultException"/> whose
/// message dumps the block; after each the block is neither lost nor corrupted and the domains keep serving.
/// </summary>
public sealed unsafe class DebugHookFaultTests
{
    private const nuint Size = 24;

    public static TheoryData<string> HookedModes => new() { "debug", "malloc_debug", "pool_debug" };

    [Theory]
    [MemberData(nameof(HookedModes))]
    public void EveryByteWrittenPastTheEndIsReportedAtFreeAndTheBlockIsFreed(string mode)
    {
        using var t = new TestDomains(mode);
        for (nuint offset = 0; offset < 8; offset++)
        {
            var p = (byte*)t.Set.Allocate(AllocDomain.Mem, Size);
            p[Size + offset] = 0x41;
            AllocatorFaultException e = Assert.Throws<AllocatorFaultException>(() => t.Set.Free(AllocDomain.Mem, p));
            Assert.Equal(AllocatorFault.WriteAfterEnd, e.Fault);
            AssertDump(e, p, AllocDomain.Mem);
            Assert.Contains($"tail=p+{Size} are not all FORBIDDENBYTE (0xFD)", e.Message);
            Assert.Contains($"(first bad byte at +{offset})", e.Message);

            // Freed all the same: a second free is a double free, not a leak.
            Assert.Equal(AllocatorFault.DoubleFree, Assert.Throws<AllocatorFaultException>(() => t.Set.Free(AllocDomain.Mem, p)).Fault);
        }

        t.AssertServes();
        t.AssertNoBlockLeft();
    }

    [Theory]
    [MemberData(nameof(HookedModes))]
    public void AWritePastTheEndIsReportedAtReallocAndTheBlockIsUnchanged(string mode)
    {
        using var t = new TestDomains(mode);
        var p = (byte*)t.Set.Allocate(AllocDomain.Object, Size);
        TestDomains.Fill(p, Size, 7);
        p[Size + 3] = 0;
        AllocatorFaultException e = Assert.Throws<AllocatorFaultException>(() => t.Set.Reallocate(AllocDomain.Object, p, 100));
        Assert.Equal(AllocatorFault.WriteAfterEnd, e.Fault);
        AssertDump(e, p, AllocDomain.Object);
        Assert.Contains("Data at p: 07 07 07", e.Message);
        Assert.Equal(Size, t.Set.UsableSize(AllocDomain.Object, p));
        TestDomains.AssertFilled(p, Size, 7);

        // Still live with its bytes as found: the free reports it once more, and frees it.
        Assert.Equal(AllocatorFault.WriteAfterEnd, Assert.Throws<AllocatorFaultException>(() => t.Set.Free(AllocDomain.Object, p)).Fault);
        t.AssertServes();
        t.AssertNoBlockLeft();
    }

    [Theory]
    [MemberData(nameof(HookedModes))]
    public void EveryByteWrittenBeforeTheStartIsReported(string mode)
    {
        using var t = new TestDomains(mode);

        // The 15 front guards, the domain id, the serial and the requested size.
        for (int offset = 1; offset <= 32; offset++)
        {
            var p = (byte*)t.Set.Allocate(AllocDomain.Raw, Size);
            p[-offset] ^= 0x10;
            bool atRealloc = offset % 2 == 0;
            AllocatorFaultException e = atRealloc
                ? Assert.Throws<AllocatorFaultException>(() => t.Set.Reallocate(AllocDomain.Raw, p, 8))
                : Assert.Throws<AllocatorFaultException>(() => t.Set.Free(AllocDomain.Raw, p));
            Assert.Equal(AllocatorFault.WriteBeforeStart, e.Fault);
            AssertDump(e, p, AllocDomain.Raw);
            Assert.Contains("*** OUCH", e.Message);
            if (atRealloc)
            {
                p[-offset] ^= 0x10;
                t.Set.Free(AllocDomain.Raw, p);
            }
        }

        t.AssertServes();
        t.AssertNoBlockLeft();
    }

    [Theory]
    [MemberData(nameof(HookedModes))]
    public void ADoubleFreeIsReportedWhateverHappenedInBetween(string mode)
    {
        using var t = new TestDomains(mode);
        var random = new Random(17);
        var freed = new List<nint>();
        var live = new List<nint>();

        // Double frees right away, after other frees and allocations in the quarantine's reach, and beyond it:
        // the pointer's size class (24 bytes) is never allocated again, so its address is not handed out anew.
        foreach (int between in new[] { 0, 1, 10, 255, 300, 3000 })
        {
            var p = (byte*)t.Set.Allocate(AllocDomain.Mem, Size);
            t.Set.Free(AllocDomain.Mem, p);
            for (int i = 0; i < between; i++)
            {
                live.Add((nint)t.Set.Allocate(AllocDomain.Mem, (nuint)random.Next(200, 400)));
                if (random.Next(2) == 0)
                {
                    int k = random.Next(live.Count);
                    t.Set.Free(AllocDomain.Mem, (void*)live[k]);
                    live.RemoveAt(k);
                }
            }

            AllocatorFaultException e = Assert.Throws<AllocatorFaultException>(() => t.Set.Free(AllocDomain.Mem, p));
            Assert.Equal(AllocatorFault.DoubleFree, e.Fault);
            Assert.Contains($"p=0x{(nuint)p:X}", e.Message);
            Assert.Contains("the block was already freed", e.Message);
            Assert.Equal(AllocatorFault.DoubleFree, Assert.Throws<AllocatorFaultException>(() => t.Set.Reallocate(AllocDomain.Mem, p, 8)).Fault);
            freed.Add((nint)p);
        }

        foreach (nint p in live)
        {
            t.Set.Free(AllocDomain.Mem, (void*)p);
        }

        t.AssertServes();
        t.AssertNoBlockLeft();
    }

    [Theory]
    [MemberData(nameof(HookedModes))]
    public void AFreeOrReallocThroughAnotherDomainIsReportedAndTheBlockStaysLive(string mode)
    {
        using var t = new TestDomains(mode);
        foreach (AllocDomain owner in TestDomains.Domains)
        {
            var p = (byte*)t.Set.Allocate(owner, Size);
            TestDomains.Fill(p, Size, 0x33);
            foreach (AllocDomain other in TestDomains.Domains.Where(d => d != owner))
            {
                AllocatorFaultException e = Assert.Throws<AllocatorFaultException>(() => t.Set.Free(other, p));
                Assert.Equal(AllocatorFault.WrongDomain, e.Fault);
                Assert.Equal(other, e.Domain);
                AssertDump(e, p, owner);
                Assert.Contains($"free it through the {owner} domain", e.Message);
                Assert.Equal(AllocatorFault.WrongDomain, Assert.Throws<AllocatorFaultException>(() => t.Set.Reallocate(other, p, 64)).Fault);
            }

            TestDomains.AssertFilled(p, Size, 0x33);
            Assert.Equal(Size, t.Set.UsableSize(owner, p));
            t.Set.Free(owner, p);
        }

        t.AssertServes();
        t.AssertNoBlockLeft();
    }

    [Theory]
    [InlineData("debug")]
    [InlineData("malloc_debug")]
    [InlineData("pool_debug")]
    [InlineData("default")]
    [InlineData("malloc")]
    public void APointerNoDomainAllocatedIsReportedWithoutReadingIt(string mode)
    {
        using var t = new TestDomains(mode);
        using var otherHeap = new AllocGen.Tests.Pools.DefaultHeap();
        byte* stack = stackalloc byte[64];
        byte* native = (byte*)NativeMemory.Alloc(64);
        byte* otherHeapBlock = (byte*)otherHeap.Allocate(Size);
        var live = (byte*)t.Set.Allocate(AllocDomain.Mem, Size);
        bool hooked = mode.EndsWith("debug", StringComparison.Ordinal);
        try
        {
            // A page no process maps: reading it would crash the test run.
            var unmapped = (byte*)Environment.SystemPageSize;
            var pointers = new List<(string What, nint Pointer)>
            {
                ("stack", (nint)stack), ("NativeMemory", (nint)native), ("another heap", (nint)otherHeapBlock),
                ("unmapped page", (nint)unmapped), ("interior + 1", (nint)(live + 1)), ("interior + 16", (nint)(live + 16)),
            };
            if (hooked)
            {
                // The inner allocator's own block under a hooked one: it would take it for one of its blocks.
                pointers.Add(("start of the memory under a hooked block", (nint)(live - 32)));
            }

            foreach ((string what, nint pointer) in pointers)
            {
                foreach (AllocDomain d in TestDomains.Domains)
                {
                    AllocatorFaultException e = Assert.Throws<AllocatorFaultException>(() => t.Set.Free(d, (void*)pointer));
                    Assert.True(e.Fault == AllocatorFault.ForeignPointer, $"{what} through {d}: {e.Fault}");
                    Assert.Contains($"p=0x{(nuint)pointer:X}", e.Message);
                    Assert.Contains("Its memory was not read", e.Message);
                    Assert.Equal(AllocatorFault.ForeignPointer, Assert.Throws<AllocatorFaultException>(() => t.Set.Reallocate(d, (void*)pointer, 10)).Fault);
                }
            }

            TestDomains.Fill(live, Size, 9);
            Assert.Equal(0x11, otherHeapBlock[0] = 0x11);
            t.Set.Free(AllocDomain.Mem, t.Set.Reallocate(AllocDomain.Mem, live, Size * 2));
            t.AssertServes();
            t.AssertNoBlockLeft();
        }
        finally
        {
            NativeMemory.Free(native);
            otherHeap.Free(otherHeapBlock);
        }
    }

    /// <summary>The dump names the address, both domains, the requested size and the serial number.</summary>
    private static void AssertDump(AllocatorFaultException e, byte* p, AllocDomain owner)
    {
        Assert.Equal((nuint)p, e.Address);
        Assert.Equal(owner, e.AllocatedBy);
        Assert.Equal(Size, e.RequestedSize);
        Assert.NotNull(e.Serial);
        Assert.Contains($"p=0x{(nuint)p:X}", e.Message);
        Assert.Contains($"allocated through the {owner} domain by call #{e.Serial}", e.Message);
        Assert.Contains($"{Size} bytes originally requested", e.Message);
        Assert.Contains("pad bytes at p-15", e.Message);
        Assert.Contains("Data at p:", e.Message);
    }
}
