using Xunit;

namespace AllocGen.Tests.Domains.Generated;

/// <summary>
/// Modes and debug hooks reached through the generated members of <see cref="ModeMem"/> (the runtime's own tests call
/// the DomainSet directly): the generated fast paths must give way to the hooks and the slow paths when the mode
/// changes, and take over again without losing a block.
/// </summary>
public sealed unsafe class GeneratedModesTests
{
    [Fact]
    public void UnderPoolDebugTheGeneratedMembersReportEveryFaultAndTheDomainsKeepWorking()
    {
        ModeMem.Configure("pool_debug");
        try
        {
            Assert.Equal("pool_debug", ModeMem.CurrentMode);
            Assert.IsType<DebugAllocator>(ModeMem.GetAllocator(AllocDomain.Mem));

            byte* overrun = (byte*)ModeMem.Malloc(12);
            Assert.Equal(0xCD, overrun[0]);
            overrun[12] = 1;
            Assert.Equal(AllocatorFault.WriteAfterEnd, Assert.Throws<AllocatorFaultException>(() => ModeMem.Free(overrun)).Fault);

            byte* underrun = (byte*)ModeMem.RawMalloc(8);
            underrun[-1] = 1;
            Assert.Equal(AllocatorFault.WriteBeforeStart, Assert.Throws<AllocatorFaultException>(() => ModeMem.RawFree(underrun)).Fault);

            byte* twice = (byte*)ModeMem.ObjectMalloc(24);
            ModeMem.ObjectFree(twice);
            for (int i = 0; i < 100; i++)
            {
                ModeMem.ObjectFree(ModeMem.ObjectMalloc((nuint)(i % 64)));
            }

            Assert.Equal(AllocatorFault.DoubleFree, Assert.Throws<AllocatorFaultException>(() => ModeMem.ObjectFree(twice)).Fault);

            byte* memBlock = (byte*)ModeMem.Malloc(40);
            var wrong = Assert.Throws<AllocatorFaultException>(() => ModeMem.ObjectFree(memBlock));
            Assert.Equal(AllocatorFault.WrongDomain, wrong.Fault);
            Assert.Equal(AllocDomain.Mem, wrong.AllocatedBy);
            ModeMem.Free(memBlock); // still live, and freeable through its own domain

            long local = 0;
            nint stackAddress = (nint)(&local);
            Assert.Equal(AllocatorFault.ForeignPointer, Assert.Throws<AllocatorFaultException>(() => ModeMem.Free((void*)stackAddress)).Fault);
            byte* interior = (byte*)ModeMem.Malloc(64);
            Assert.Equal(AllocatorFault.ForeignPointer, Assert.Throws<AllocatorFaultException>(() => ModeMem.Free(interior + 16)).Fault);
            ModeMem.Free(interior);

            byte* grown = (byte*)ModeMem.Realloc(null, 10);
            new Span<byte>(grown, 10).Fill(7);
            grown = (byte*)ModeMem.Realloc(grown, 5000);
            Assert.True(new Span<byte>(grown, 10).IndexOfAnyExcept((byte)7) < 0);
            ModeMem.Free(grown);
        }
        finally
        {
            ModeMem.Configure("default");
        }

        Assert.Equal("default", ModeMem.CurrentMode);
        Assert.IsType<DomainTestHeap>(ModeMem.GetAllocator(AllocDomain.Mem));
    }

    [Fact]
    public void BlocksLiveAcrossModeSwitchesAreFreedByTheAllocatorThatMadeThem()
    {
        var blocks = new List<(nint Pointer, int Size, byte Fill, AllocDomain Domain)>();
        Domains().ReleaseQuarantines();
        long poolBaseline = ModeMem.GetAllocator(AllocDomain.Mem).GetStats().BlocksInUse;
        long rawBaseline = ModeMem.GetAllocator(AllocDomain.Raw).GetStats().BlocksInUse;
        string[] modes = ["default", "malloc", "pool_debug", "malloc_debug", "pool", "debug", "default"];
        try
        {
            byte fill = 1;
            foreach (string mode in modes)
            {
                ModeMem.Configure(mode);
                foreach (AllocDomain domain in Enum.GetValues<AllocDomain>())
                {
                    int size = 16 + (fill * 37 % 900);
                    byte* p = (byte*)Malloc(domain, (nuint)size);
                    new Span<byte>(p, size).Fill(fill);
                    blocks.Add(((nint)p, size, fill++, domain));
                }
            }

            // Now in default mode: every block, whichever mode made it, keeps its bytes and is freed by its allocator.
            foreach ((nint pointer, int size, byte expected, AllocDomain domain) in blocks)
            {
                Assert.True(new Span<byte>((void*)pointer, size).IndexOfAnyExcept(expected) < 0, $"block {expected} of {domain} changed");
                Free(domain, (void*)pointer);
            }
        }
        finally
        {
            ModeMem.Configure("default");
        }

        // Blocks freed through the hooks wait in their quarantine (still the pool's blocks) until it is released.
        Domains().ReleaseQuarantines();
        Assert.Equal(poolBaseline, ModeMem.GetAllocator(AllocDomain.Mem).GetStats().BlocksInUse);
        Assert.Equal(rawBaseline, ModeMem.GetAllocator(AllocDomain.Raw).GetStats().BlocksInUse);
    }

    private static AllocGen.Domains.DomainSet Domains() =>
        (AllocGen.Domains.DomainSet)typeof(ModeMem).GetField("s_allocGenDomains", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;

    private static void* Malloc(AllocDomain domain, nuint size) => domain switch
    {
        AllocDomain.Raw => ModeMem.RawMalloc(size),
        AllocDomain.Mem => ModeMem.Malloc(size),
        _ => ModeMem.ObjectMalloc(size),
    };

    private static void Free(AllocDomain domain, void* pointer)
    {
        switch (domain)
        {
            case AllocDomain.Raw: ModeMem.RawFree(pointer); break;
            case AllocDomain.Mem: ModeMem.Free(pointer); break;
            default: ModeMem.ObjectFree(pointer); break;
        }
    }
}
