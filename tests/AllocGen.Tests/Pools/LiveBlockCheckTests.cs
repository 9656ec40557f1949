using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// Free, Reallocate and UsableSize share one live-block check: a pointer that is not the start of a block handed
/// out and not yet freed, in a pool in use, is rejected by all three with ArgumentException, the heap unchanged
/// (same statistics, no new block, live contents intact).
/// </summary>
public sealed unsafe class LiveBlockCheckTests
{
    public static TheoryData<string> Configurations => new() { nameof(DefaultHeap), nameof(SmallPoolHeap), nameof(IrregularHeap) };

    /// <summary>The three entry points that take a block, with every kind of resize Reallocate can do.</summary>
    private static void AssertEveryEntryPointRejects(IAllocator heap, HeapGeometry g, void* bad, string why)
    {
        string before = Fingerprint(heap.GetStats());
        var attempts = new List<(string Name, Action Call)>
        {
            ("Free", () => heap.Free(bad)),
            ("UsableSize", () => heap.UsableSize(bad)),
            ("Reallocate to a large block", () => heap.Reallocate(bad, (nuint)g.Threshold + 1000)),
        };

        // Every class, so one of them is the class of the pool the pointer lies in.
        foreach (int blockSize in g.Classes)
        {
            attempts.Add(($"Reallocate to {blockSize} bytes", () => heap.Reallocate(bad, (nuint)blockSize)));
        }

        foreach ((string name, Action call) in attempts)
        {
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(call);
            Assert.IsNotType<ObjectDisposedException>(e);
            Assert.Equal("pointer", e.ParamName);
            Assert.True(before == Fingerprint(heap.GetStats()), $"{name}({why}) changed the heap:{Environment.NewLine}{before}{Environment.NewLine}->{Environment.NewLine}{Fingerprint(heap.GetStats())}");
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void InteriorPointersAreRejectedByEveryEntryPoint(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        int blockSize = g.Classes[g.ClassOf(100)];
        var a = (byte*)heap.Allocate(100);
        var b = (byte*)heap.Allocate(100);
        var c = (byte*)heap.Allocate(100);
        var large = (byte*)heap.Allocate((nuint)g.Threshold + 1);
        Fill(a, blockSize, 1);
        Fill(b, blockSize, 2);
        Fill(c, blockSize, 3);
        Fill(large, g.Threshold + 1, 4);

        // Aligned interior offsets first: they pass every test but the divisibility one.
        foreach (int offset in new[] { g.Alignment, blockSize - g.Alignment, 1, blockSize / 2 })
        {
            AssertEveryEntryPointRejects(heap, g, b + offset, $"b + {offset}");
        }

        AssertEveryEntryPointRejects(heap, g, large + 16, "large + 16");

        AssertFilled(a, blockSize, 1);
        AssertFilled(b, blockSize, 2);
        AssertFilled(c, blockSize, 3);
        AssertFilled(large, g.Threshold + 1, 4);
        Assert.Equal((nuint)blockSize, heap.UsableSize(b));
        heap.Free(a);
        heap.Free(b);
        heap.Free(c);
        heap.Free(large);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    /// <summary>
    /// The interior pointer that used to come back from Reallocate: a new size in the same class returned it as if
    /// it were a block, and a resize to another class copied from it (past the block) and leaked the copy.
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void ReallocateOfAnInteriorPointerNeitherReturnsItNorLeaksACopy(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var block = (byte*)heap.Allocate(64);
        byte* interior = block + g.Alignment;
        nuint sameClass = (nuint)g.Classes[g.ClassOf(64)] - 1;
        Assert.Equal(g.ClassOf(64), g.ClassOf(sameClass));

        Assert.Throws<ArgumentException>(() => { heap.Reallocate(interior, sameClass); });
        Assert.Throws<ArgumentException>(() => { heap.Reallocate(interior, 400); });
        Assert.Throws<ArgumentException>(() => { heap.Reallocate(interior, 100_000); });
        AllocatorStats stats = heap.GetStats();
        Assert.Equal(1, stats.BlocksInUse);
        Assert.Equal(0, stats.LargeBlocks);
        heap.Free(block);
    }

    /// <summary>Blocks that are not live: never handed out (the frontier and beyond), just freed, in a pool gone empty.</summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void BlocksThatAreNotLiveAreRejectedByEveryEntryPoint(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        int blockSize = g.Classes[g.ClassOf(48)];
        var first = (byte*)heap.Allocate(48);
        var second = (byte*)heap.Allocate(48);
        var third = (byte*)heap.Allocate(48);
        Fill(first, blockSize, 7);

        AssertEveryEntryPointRejects(heap, g, third + blockSize, "the frontier block");
        AssertEveryEntryPointRejects(heap, g, third + (5 * blockSize), "a block past the frontier");

        heap.Free(second);
        AssertEveryEntryPointRejects(heap, g, second, "the block just freed");

        // Another class's pool that served a block and went back empty.
        void* other = heap.Allocate((nuint)g.Threshold);
        void* last = heap.Allocate((nuint)g.Threshold);
        heap.Free(other);
        heap.Free(last);
        AssertEveryEntryPointRejects(heap, g, other, "a block of a pool that went empty");

        // A pool never carved, in the same arena.
        var arenaBase = (byte*)((nint)first & ~(nint)(g.ArenaSize - 1));
        byte* lastPool = arenaBase + g.ArenaSize - g.PoolSize;
        AssertEveryEntryPointRejects(heap, g, lastPool, "the first byte of a never-carved pool");

        AssertFilled(first, blockSize, 7);
        heap.Free(first);
        heap.Free(third);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    /// <summary>Every address of the pool-header table is rejected, and the message says where it points.</summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void AddressesInThePoolHeaderTableAreRejectedAsSuch(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var block = (byte*)heap.Allocate(32);
        var arena = (byte*)((nint)block & ~(nint)(g.ArenaSize - 1));
        var slot = (byte*)g.HeaderSlotOf((nint)block);
        byte* tableEnd = arena + (g.HeaderPoolsPerArena * g.PoolSize) - g.Alignment;
        foreach (nint address in new[] { (nint)arena, (nint)slot, (nint)tableEnd })
        {
            AssertEveryEntryPointRejects(heap, g, (void*)address, $"header table + {address - (nint)arena}");
            foreach (Action call in new Action[] { () => heap.Free((void*)address), () => heap.UsableSize((void*)address), () => heap.Reallocate((void*)address, 8) })
            {
                ArgumentException e = Assert.Throws<ArgumentException>(call);
                Assert.Contains("pool-header table", e.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("double free", e.Message, StringComparison.Ordinal);
            }
        }

        heap.Free(block);
    }

    /// <summary>Free, UsableSize and Reallocate agree on every address of a pool: each accepts exactly the live block starts.</summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void TheEntryPointsAgreeOnEveryAlignedAddressOfAPool(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        int blockSize = g.Classes[g.ClassOf(24)];
        var live = new HashSet<nint>();
        var blocks = new List<nint>();
        for (int i = 0; i < 12; i++)
        {
            blocks.Add((nint)heap.Allocate(24));
        }

        foreach (nint p in blocks)
        {
            live.Add(p);
        }

        // Free every third block, so live, freed and never-used blocks are interleaved.
        for (int i = 0; i < blocks.Count; i += 3)
        {
            heap.Free((void*)blocks[i]);
            live.Remove(blocks[i]);
        }

        nint poolBase = blocks[0] & ~(nint)(g.PoolSize - 1);
        for (nint address = poolBase; address < blocks[^1] + (4 * blockSize); address += g.Alignment)
        {
            bool usable = Accepts(() => heap.UsableSize((void*)address));
            bool reallocatable = Accepts(() => heap.Reallocate((void*)address, 24));
            Assert.True(usable == reallocatable, $"0x{address - poolBase:X} into the pool: UsableSize accepts it: {usable}, Reallocate: {reallocatable}");

            // Of the freed blocks only the last one freed is detected (the head of its free list), as in Free.
            bool isLive = live.Contains(address);
            if (isLive || address == blocks[^3])
            {
                Assert.True(usable == isLive, $"0x{address - poolBase:X} into the pool: live {isLive}, accepted {usable}");
            }
            else if (!blocks.Contains(address))
            {
                Assert.False(usable, $"0x{address - poolBase:X} into the pool is not a handed-out block start, but was accepted");
            }
        }

        foreach (nint p in live)
        {
            heap.Free((void*)p);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    private static bool Accepts(Action call)
    {
        try
        {
            call();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Fingerprint(AllocatorStats s) =>
        string.Join(
            " ",
            s.SizeClasses.Select(c => $"{c.Pools}/{c.BlocksInUse}/{c.FreeBlocks}")
                .Concat(new[] { s.ArenasCurrent, s.ArenasAllocated, s.ArenasReleased, s.ArenasHighWater, s.PoolsFree, s.PoolsRetained, s.LargeBlocks, s.LargeBytes, s.CarvedPoolBytes }.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    private static void Fill(byte* p, int length, int seed)
    {
        for (int i = 0; i < length; i++)
        {
            p[i] = (byte)((i * 31) + seed);
        }
    }

    private static void AssertFilled(byte* p, int length, int seed)
    {
        for (int i = 0; i < length; i++)
        {
            if (p[i] != (byte)((i * 31) + seed))
            {
                Assert.Fail($"byte {i} is {p[i]}, expected {(byte)((i * 31) + seed)}");
            }
        }
    }
}
