using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>
/// The pool heap on machines whose OS pages are larger than 4 KiB (16 KiB on macOS arm64, 64 KiB on some Linux arm64
/// kernels), simulated here: Trim gives back only whole pages without a live block, a page that still holds one keeps
/// every byte and every pool of it, and the statistics count committed memory in whole pages.
/// </summary>
[Collection(SimulatedPageSizeCollection.Name)]
public sealed unsafe class LargePageHeapTests
{
    /// <summary>
    /// 40 pools of 512-byte blocks in one arena, then one live block in the second pool of every odd page: the pools
    /// beside it in its page are free, and the even pages are free entirely. With 64 KiB pages a free pool's 16 KiB
    /// are a quarter of a page holding a live block, and giving them back would discard the live block's page.
    /// </summary>
    [Theory]
    [InlineData(16 << 10)]
    [InlineData(64 << 10)]
    public void TrimGivesBackOnlyThePagesWithoutALiveBlock(int simulatedPage)
    {
        using var pages = new SimulatedPageSize(simulatedPage);
        int page = pages.Bytes;
        int poolsPerPage = page / DefaultHeap.PoolSize;
        using var heap = new DefaultHeap();
        const int Pools = 40;
        int blocksPerPool = DefaultHeap.PoolSize / 512;
        var blocks = new List<nint>();
        for (int i = 0; i < Pools * blocksPerPool; i++)
        {
            var block = (byte*)heap.Allocate(512);
            new Span<byte>(block, 512).Fill((byte)(1 + (i % 250)));
            blocks.Add((nint)block);
        }

        nint arena = blocks[0] & ~(nint)(DefaultHeap.ArenaSize - 1);
        Assert.All(blocks, b => Assert.Equal(arena, b & ~(nint)(DefaultHeap.ArenaSize - 1)));
        Assert.Equal(Enumerable.Range(DefaultHeap.HeaderPoolsPerArena, Pools), blocks.Select(PoolIndex).Distinct().Order());

        var live = new List<(nint Block, int Size, byte Fill)>();
        for (int i = 0; i < blocks.Count; i++)
        {
            int pool = PoolIndex(blocks[i]);
            if (pool / poolsPerPage % 2 == 1 && pool % poolsPerPage == Math.Min(1, poolsPerPage - 1) && live.All(l => PoolIndex(l.Block) != pool))
            {
                live.Add((blocks[i], 512, (byte)(1 + (i % 250))));
            }
            else
            {
                heap.Free((void*)blocks[i]);
            }
        }

        // Every byte of the pages that hold a live block, outside the header table, before Trim.
        var livePages = live.Select(l => l.Block & ~(nint)(page - 1)).ToHashSet();
        nint headerEnd = arena + (DefaultHeap.HeaderPoolsPerArena * DefaultHeap.PoolSize);
        var before = livePages.ToDictionary(p => p, p => Bytes(Math.Max(p, headerEnd), p + page));

        heap.Trim();

        AssertIntact(live);
        foreach (nint p in livePages)
        {
            Assert.True(before[p].AsSpan().SequenceEqual(Bytes(Math.Max(p, headerEnd), p + page)), $"the page at {p:x} holds a live block and changed");
        }

        // The pages of free pools alone went back (zero on Linux), the header table's page stays.
        for (int pool = DefaultHeap.HeaderPoolsPerArena; pool <= Pools; pool++)
        {
            nint pageOfPool = (arena + (pool * DefaultHeap.PoolSize)) & ~(nint)(page - 1);
            if (OperatingSystem.IsLinux() && pageOfPool != arena && !livePages.Contains(pageOfPool))
            {
                nint start = arena + (pool * DefaultHeap.PoolSize);
                Assert.True(Bytes(start, start + DefaultHeap.PoolSize).AsSpan().IndexOfAnyExcept((byte)0) < 0, $"pool {pool} was not given back");
            }
        }

        var stats = heap.GetStats();
        Assert.Equal(live.Count, stats.BlocksInUse);
        Assert.Equal(live.Count, stats.PoolsInUse);
        Assert.Equal(1, stats.ArenasCurrent);
        Assert.Equal(CommittedAfterTrim(live.Select(l => l.Block), DefaultHeap.ArenaSize, page), stats.BytesCommitted);

        // The heap serves again from the kept and the given-back pools, of every class.
        var random = new Random(7);
        for (int i = 0; i < 3 * Pools * blocksPerPool; i++)
        {
            int size = random.Next(1, DefaultHeap.SmallRequestThreshold + 1);
            var fill = (byte)random.Next(1, 256);
            var block = (byte*)heap.Allocate((nuint)size);
            new Span<byte>(block, size).Fill(fill);
            live.Add(((nint)block, size, fill));
            if (i % 3 == 0)
            {
                int k = random.Next(live.Count);
                heap.Free((void*)live[k].Block);
                live[k] = live[^1];
                live.RemoveAt(live.Count - 1);
            }
        }

        AssertIntact(live);
        foreach (var (block, _, _) in live)
        {
            heap.Free((void*)block);
        }

        heap.Trim();
        Assert.Equal(0, heap.GetStats().ArenasCurrent);
        Assert.Equal(0, heap.GetStats().BytesCommitted);
    }

    public static TheoryData<string, int> ChurnCases => new()
    {
        { nameof(DefaultHeap), 16 << 10 },
        { nameof(DefaultHeap), 64 << 10 },
        { nameof(SmallPoolHeap), 16 << 10 },
        { nameof(SmallPoolHeap), 64 << 10 },
        { nameof(TinyArenaHeap), 16 << 10 },
        { nameof(TinyArenaHeap), 64 << 10 },
    };

    /// <summary>
    /// Random churn with a Trim every few thousand operations, for pools smaller than a page (4 or 16 per page) and
    /// arenas no larger than one (SmallPoolHeap's 64 KiB, TinyArenaHeap's 8 KiB, which then spans a page of its own):
    /// no live block ever changes, and after each Trim the committed bytes are exactly the pages holding a live block
    /// or an arena's header table.
    /// </summary>
    [Theory]
    [MemberData(nameof(ChurnCases))]
    public void ChurnWithTrimsKeepsEveryLiveBlockAndCountsWholePages(string configuration, int simulatedPage)
    {
        using var pages = new SimulatedPageSize(simulatedPage);
        int page = pages.Bytes;
        var (heap, trim, arenaSize, threshold) = Create(configuration);
        using (heap)
        {
            var random = new Random(simulatedPage + configuration.Length);
            var live = new List<(nint Block, int Size, byte Fill)>();
            for (int op = 0; op < 40_000; op++)
            {
                // Grow to about 3,000 live blocks, shrink to a few hundred, grow again: pools drain and pages empty.
                int target = (op / 10_000) % 2 == 0 ? 3_000 : 300;
                if (live.Count < target || random.Next(4) == 0)
                {
                    int size = random.Next(1, threshold + 1);
                    var fill = (byte)random.Next(1, 256);
                    var block = (byte*)heap.Allocate((nuint)size);
                    new Span<byte>(block, size).Fill(fill);
                    live.Add(((nint)block, size, fill));
                }
                else
                {
                    int k = random.Next(live.Count);
                    heap.Free((void*)live[k].Block);
                    live[k] = live[^1];
                    live.RemoveAt(live.Count - 1);
                }

                if (op % 4_000 == 3_999)
                {
                    AssertCommittedWithinReserved(heap.GetStats(), arenaSize, page);
                    trim();
                    AssertIntact(live);
                    var stats = heap.GetStats();
                    Assert.Equal(live.Count, stats.BlocksInUse);
                    Assert.Equal(CommittedAfterTrim(live.Select(l => l.Block), arenaSize, page), stats.BytesCommitted);
                    Assert.Equal(live.Select(l => l.Block & ~(nint)(arenaSize - 1)).Distinct().Count(), stats.ArenasCurrent);
                    AssertCommittedWithinReserved(stats, arenaSize, page);
                }
            }

            foreach (var (block, _, _) in live)
            {
                heap.Free((void*)block);
            }

            trim();
            Assert.Equal(0, heap.GetStats().ArenasCurrent);
        }
    }

    /// <summary>
    /// An arena smaller than a page is aligned to the page and spans it, alone: its neighbours are other mappings. The
    /// whole page is committed, and reserved: the statistics count it in both, so committed never exceeds reserved.
    /// </summary>
    [Fact]
    public void ArenasSmallerThanAPageEachGetAPageOfTheirOwn()
    {
        using var pages = new SimulatedPageSize(64 << 10);
        using var heap = new TinyArenaHeap();
        var blocks = new List<nint>();
        for (int i = 0; i < 200; i++)
        {
            blocks.Add((nint)heap.Allocate(256));
        }

        var large = (nint)heap.Allocate(1000);

        var arenas = blocks.Select(b => b & ~(nint)(TinyArenaHeap.ArenaSize - 1)).Distinct().ToList();
        int blocksPerArena = TinyArenaHeap.PoolsPerArena * (TinyArenaHeap.PoolSize / 256);
        Assert.Equal((200 + blocksPerArena - 1) / blocksPerArena, arenas.Count);
        Assert.All(arenas, a => Assert.Equal(0, a & (pages.Bytes - 1)));
        var stats = heap.GetStats();
        Assert.Equal(((long)arenas.Count * pages.Bytes) + 1000, stats.BytesCommitted);
        Assert.Equal(((long)arenas.Count * pages.Bytes) + 1000, stats.BytesReserved);
        AssertCommittedWithinReserved(stats, TinyArenaHeap.ArenaSize, pages.Bytes);
        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }

        heap.Free((void*)large);
    }

    /// <summary>Every held arena reserves its whole region (the arena, or the page it spans), and committed bytes lie inside what is reserved.</summary>
    private static void AssertCommittedWithinReserved(AllocGen.Stats.AllocatorStats stats, int arenaSize, int page)
    {
        Assert.Equal((stats.ArenasCurrent * Math.Max(arenaSize, page)) + stats.LargeBytes, stats.BytesReserved);
        Assert.True(stats.BytesCommitted <= stats.BytesReserved, $"committed {stats.BytesCommitted} > reserved {stats.BytesReserved}");
    }

    /// <summary>After Trim: the whole pages holding a live block or the header table of a held arena (the first page of it).</summary>
    private static long CommittedAfterTrim(IEnumerable<nint> live, int arenaSize, int page)
    {
        var pagesHeld = new HashSet<nint>();
        foreach (nint block in live)
        {
            pagesHeld.Add(block & ~(nint)(page - 1));
            pagesHeld.Add(block & ~(nint)(arenaSize - 1) & ~(nint)(page - 1));
        }

        return (long)pagesHeld.Count * page;
    }

    private static (IAllocator Heap, Action Trim, int ArenaSize, int Threshold) Create(string configuration)
    {
        switch (configuration)
        {
            case nameof(DefaultHeap):
                var d = new DefaultHeap();
                return (d, d.Trim, DefaultHeap.ArenaSize, DefaultHeap.SmallRequestThreshold);
            case nameof(SmallPoolHeap):
                var s = new SmallPoolHeap { ReusePolicy = AllocGen.Pools.PoolReusePolicy.Compact };
                return (s, s.Trim, SmallPoolHeap.ArenaSize, SmallPoolHeap.SmallRequestThreshold);
            case nameof(TinyArenaHeap):
                var t = new TinyArenaHeap();
                return (t, t.Trim, TinyArenaHeap.ArenaSize, TinyArenaHeap.SmallRequestThreshold);
            default:
                throw new ArgumentOutOfRangeException(nameof(configuration), configuration, null);
        }
    }

    private static int PoolIndex(nint block) => (int)((block & (DefaultHeap.ArenaSize - 1)) / DefaultHeap.PoolSize);

    private static byte[] Bytes(nint start, nint end) => new Span<byte>((void*)start, (int)(end - start)).ToArray();

    private static void AssertIntact(List<(nint Block, int Size, byte Fill)> live)
    {
        foreach (var (block, size, fill) in live)
        {
            Assert.True(new Span<byte>((void*)block, size).IndexOfAnyExcept(fill) < 0, $"live block {block:x} lost its contents");
        }
    }
}
