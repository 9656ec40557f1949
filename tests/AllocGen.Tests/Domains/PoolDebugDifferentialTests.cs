using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Domains;

/// <summary>
/// A million random operations through the three domains in <c>pool_debug</c> mode, over a generated pool heap
/// (Mem, Object) and the system allocator (Raw), against a model of the live blocks: contents, requested sizes
/// (UsableSize under the hooks), and the allocators' block counts at checkpoints. Faults are injected now and then;
/// each must be reported as its kind, and leave the model's view true.
/// </summary>
public sealed unsafe class PoolDebugDifferentialTests
{
    private const int Operations = 1_000_000;
    private const int PhaseLength = 50_000;
    private const int FaultEvery = 997;
    private const int RecentFrees = 32;

    [Fact]
    public void RandomOperationsAndInjectedFaultsMatchTheModel()
    {
        using var t = new TestDomains("pool_debug", new DefaultHeap());
        var random = new Random(20_261_202);
        var live = new List<Block>();
        var recentlyFreed = new Queue<(nint Pointer, AllocDomain Domain)>();
        var faultsSeen = new Dictionary<AllocatorFault, int>();
        int target = 0;
        for (int op = 0; op < Operations; op++)
        {
            if (op % PhaseLength == 0)
            {
                AssertCountsMatch(t, live);
                target = (op / PhaseLength) % 2 == 0 ? random.Next(2_000, 8_000) : random.Next(0, 300);
            }

            if (op % FaultEvery == FaultEvery - 1 && live.Count > 0)
            {
                AllocatorFault fault = InjectFault(t, random, live, recentlyFreed);
                faultsSeen[fault] = faultsSeen.GetValueOrDefault(fault) + 1;
                continue;
            }

            int action = random.Next(100);
            bool grow = live.Count < target;
            if (live.Count == 0 || action < (grow ? 55 : 30))
            {
                Allocate(t, random, live);
            }
            else if (action < 75)
            {
                int k = random.Next(live.Count);
                Block b = live[k];
                b.AssertIntact(t);
                nuint size = RandomSize(random);
                var p = (byte*)t.Set.Reallocate(b.Domain, (void*)b.Pointer, size);
                TestDomains.AssertFilled(p, Math.Min(size, b.Size), b.Fill);
                TestDomains.Fill(p, size, b.Fill);
                live[k] = b with { Pointer = (nint)p, Size = size };
                Remember(recentlyFreed, b);
            }
            else
            {
                int k = random.Next(live.Count);
                Block b = live[k];
                b.AssertIntact(t);
                t.Set.Free(b.Domain, (void*)b.Pointer);
                live[k] = live[^1];
                live.RemoveAt(live.Count - 1);
                Remember(recentlyFreed, b);
            }
        }

        AssertCountsMatch(t, live);
        foreach (Block b in live)
        {
            b.AssertIntact(t);
            t.Set.Free(b.Domain, (void*)b.Pointer);
        }

        t.AssertNoBlockLeft();
        foreach (AllocatorFault fault in Enum.GetValues<AllocatorFault>())
        {
            Assert.True(faultsSeen.GetValueOrDefault(fault) > 10, $"{fault} was injected {faultsSeen.GetValueOrDefault(fault)} times");
        }
    }

    private static void Allocate(TestDomains t, Random random, List<Block> live)
    {
        var domain = (AllocDomain)random.Next(3);
        nuint size = RandomSize(random);
        var fill = (byte)random.Next(1, 256);
        byte* p;
        if (random.Next(10) == 0)
        {
            p = (byte*)t.Set.AllocateZeroed(domain, 1, size);
            TestDomains.AssertFilled(p, size, 0);
        }
        else
        {
            p = (byte*)t.Set.Allocate(domain, size);
            TestDomains.AssertFilled(p, size, 0xCD);
        }

        TestDomains.Fill(p, size, fill);
        live.Add(new Block(domain, (nint)p, size, fill));
    }

    /// <summary>One of the five faults, on a random live or recently freed block; returns the kind, which was reported.</summary>
    private static AllocatorFault InjectFault(TestDomains t, Random random, List<Block> live, Queue<(nint Pointer, AllocDomain Domain)> recentlyFreed)
    {
        int k = random.Next(live.Count);
        Block b = live[k];
        var p = (byte*)b.Pointer;
        var fault = (AllocatorFault)random.Next(5);
        switch (fault)
        {
            case AllocatorFault.WriteAfterEnd:
                // At realloc: reported, the block unchanged; the test then repairs the guard it broke.
                p[b.Size + (nuint)random.Next(8)] ^= 0x5A;
                Expect(fault, () => t.Set.Reallocate(b.Domain, p, b.Size + 1));
                RepairTail(p, b.Size);
                break;
            case AllocatorFault.WriteBeforeStart:
                // At free: reported, and the block freed all the same.
                p[-1 - random.Next(32)] ^= 0x01;
                Expect(fault, () => t.Set.Free(b.Domain, p));
                live[k] = live[^1];
                live.RemoveAt(live.Count - 1);
                return fault;
            case AllocatorFault.DoubleFree:
                if (recentlyFreed.Count == 0)
                {
                    goto default;
                }

                (nint freed, AllocDomain domain) = recentlyFreed.ElementAt(random.Next(recentlyFreed.Count));
                Expect(fault, () => t.Set.Free(domain, (void*)freed));
                break;
            case AllocatorFault.WrongDomain:
                var other = (AllocDomain)(((int)b.Domain + 1 + random.Next(2)) % 3);
                Expect(fault, () => t.Set.Free(other, p));
                break;
            default:
                fault = AllocatorFault.ForeignPointer;
                Expect(fault, () => t.Set.Free(b.Domain, p + 1 + random.Next(8)));
                break;
        }

        b.AssertIntact(t);
        return fault;
    }

    private static void Expect(AllocatorFault fault, Action call) =>
        Assert.Equal(fault, Assert.Throws<AllocatorFaultException>(call).Fault);

    private static void RepairTail(byte* p, nuint size) => TestDomains.Fill(p + size, 8, 0xFD);

    private static void Remember(Queue<(nint Pointer, AllocDomain Domain)> recentlyFreed, Block b)
    {
        recentlyFreed.Enqueue((b.Pointer, b.Domain));
        if (recentlyFreed.Count > RecentFrees)
        {
            recentlyFreed.Dequeue();
        }
    }

    /// <summary>Mostly pool sizes, some above the pool threshold (512 bytes): both paths of the heap under the hooks.</summary>
    private static nuint RandomSize(Random random) => (nuint)(random.Next(10) == 0 ? random.Next(513, 4096) : random.Next(0, 513));

    /// <summary>Each allocator holds exactly the model's live blocks of its domains plus the hooks' quarantined ones.</summary>
    private static void AssertCountsMatch(TestDomains t, List<Block> live)
    {
        var raw = (DebugAllocator)t.Set.GetAllocator(AllocDomain.Raw);
        var mem = (DebugAllocator)t.Set.GetAllocator(AllocDomain.Mem);
        var obj = (DebugAllocator)t.Set.GetAllocator(AllocDomain.Object);
        Assert.Equal(live.Count(b => b.Domain == AllocDomain.Raw) + raw.Quarantine.Count, t.System.GetStats().BlocksInUse);
        Assert.Equal(live.Count(b => b.Domain != AllocDomain.Raw) + mem.Quarantine.Count + obj.Quarantine.Count, t.Heap.GetStats().BlocksInUse);
        Assert.Equal(live.Count, t.Set.Hooks.LiveBlocks);
    }

    private readonly record struct Block(AllocDomain Domain, nint Pointer, nuint Size, byte Fill)
    {
        public void AssertIntact(TestDomains t)
        {
            TestDomains.AssertFilled((byte*)Pointer, Size, Fill);
            Assert.Equal(Size, t.Set.UsableSize(Domain, (void*)Pointer));
        }
    }
}
