using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>Trim gives back everything that holds no live block, and nothing else.</summary>
public sealed unsafe class TrimTests
{
    [Fact]
    public void TrimAfterFreeingEverythingHoldsNoArena()
    {
        using var heap = new DefaultHeap();
        var random = new Random(3);
        var blocks = new List<nint>();
        for (int i = 0; i < 20_000; i++)
        {
            blocks.Add((nint)heap.Allocate((nuint)random.Next(0, 513)));
        }

        Assert.True(heap.GetStats().ArenasCurrent > 2);
        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }

        Assert.True(heap.GetStats().ArenasCurrent <= 1);
        Assert.True(heap.GetStats().PoolsRetained > 0, "the last pool of each used class is retained");

        heap.Trim();
        var stats = heap.GetStats();
        Assert.Equal(0, stats.ArenasCurrent);
        Assert.Equal(0, stats.PoolsRetained);
        Assert.Equal(0, stats.BytesReserved);

        // The heap takes arenas again afterwards.
        byte* p = (byte*)heap.Allocate(100);
        p[99] = 1;
        Assert.True(heap.Owns(p));
        heap.Free(p);
    }

    /// <summary>
    /// A released arena's address range is reused; its header table is cleared first, so pointers left over from its
    /// previous life are rejected: into a pool not serving yet, and into a pool that now serves another class.
    /// </summary>
    [Fact]
    public void PointersFromAReusedArenasPreviousLifeAreRejected()
    {
        using var heap = new DefaultHeap();
        var old = new List<nint>();
        for (int i = 0; i < 2_000; i++)
        {
            old.Add((nint)heap.Allocate(48));
        }

        foreach (nint block in old)
        {
            heap.Free((void*)block);
        }

        heap.Trim();
        Assert.Equal(0, heap.GetStats().ArenasCurrent);

        // One block of another class: the cached range comes back, its first pool now serves 64-byte blocks.
        byte* fresh = (byte*)heap.Allocate(64);
        Assert.Equal(old[0] & ~(nint)(DefaultHeap.ArenaSize - 1), (nint)fresh & ~(nint)(DefaultHeap.ArenaSize - 1));
        nint lastOld = old[^1];
        Assert.NotEqual(lastOld & ~(nint)(DefaultHeap.PoolSize - 1), (nint)fresh & ~(nint)(DefaultHeap.PoolSize - 1));

        Assert.Throws<ArgumentException>(() => heap.Free((void*)lastOld));   // a pool that serves nothing now
        Assert.Throws<ArgumentException>(() => heap.Free((void*)old[1]));    // offset 48: not a 64-byte block boundary
        Assert.Equal(1, heap.GetStats().BlocksInUse);
        heap.Free(fresh);
    }

    /// <summary>
    /// An arena of two pools has one pool for blocks: every pool taken is a new arena, and every pool emptied releases
    /// one. The contents survive, the stats add up, and a heap with every block freed holds at most one arena.
    /// </summary>
    [Fact]
    public void ArenasOfOneBlockPoolServeAndGoBack()
    {
        Assert.Equal(1, TinyArenaHeap.PoolsPerArena);
        Assert.Equal(1, TinyArenaHeap.HeaderPoolsPerArena);
        using var heap = new TinyArenaHeap();
        var random = new Random(5);
        var blocks = new List<(nint Block, int Size, byte Mark)>();
        for (int i = 0; i < 3_000; i++)
        {
            int size = random.Next(1, 257);
            var block = (byte*)heap.Allocate((nuint)size);
            byte mark = (byte)i;
            new Span<byte>(block, size).Fill(mark);
            blocks.Add(((nint)block, size, mark));
        }

        var stats = heap.GetStats();
        Assert.Equal(stats.ArenasCurrent, stats.PoolsInUse + stats.PoolsFree + stats.PoolsRetained);
        Assert.True(stats.ArenasCurrent > 32);
        foreach (var (block, size, mark) in blocks)
        {
            Assert.True(new Span<byte>((byte*)block, size).IndexOfAnyExcept(mark) < 0);
            Assert.Equal((nint)TinyArenaHeap.PoolSize, (block & (TinyArenaHeap.ArenaSize - 1)) & ~(nint)(TinyArenaHeap.PoolSize - 1));
            heap.Free((void*)block);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
        Assert.True(heap.GetStats().ArenasCurrent <= 1);
    }

    [Fact]
    public void TrimKeepsLiveBlocksAndTheirArenas()
    {
        using var heap = new DefaultHeap();
        var blocks = new List<nint>();
        for (int i = 0; i < 10_000; i++)
        {
            blocks.Add((nint)heap.Allocate(512));
        }

        byte* keep = (byte*)blocks[^1];
        new Span<byte>(keep, 512).Fill(0x3C);
        for (int i = 0; i < blocks.Count - 1; i++)
        {
            heap.Free((void*)blocks[i]);
        }

        heap.Trim();
        var stats = heap.GetStats();
        Assert.Equal(1, stats.ArenasCurrent);
        Assert.Equal(1, stats.BlocksInUse);
        Assert.True(new Span<byte>(keep, 512).IndexOfAnyExcept((byte)0x3C) < 0, "a live block changed");
        heap.Free(keep);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void TrimGivesBackTheEmptyPoolsOfArenasThatStillHoldBlocks()
    {
        using var heap = new DefaultHeap { ReusePolicy = AllocGen.Pools.PoolReusePolicy.Compact };
        var random = new Random(11);
        var live = new List<(nint Block, int Size, byte Fill)>();
        for (int i = 0; i < 40_000; i++)
        {
            live.Add(NewBlock(heap, random));
        }

        // A spike, then back down to a quarter, then churn: the drained pools are empty but their arenas are not.
        while (live.Count > 10_000)
        {
            int k = random.Next(live.Count);
            heap.Free((void*)live[k].Block);
            live[k] = live[^1];
            live.RemoveAt(live.Count - 1);
        }

        for (int op = 0; op < 200_000; op++)
        {
            int k = random.Next(live.Count);
            heap.Free((void*)live[k].Block);
            live[k] = NewBlock(heap, random);
        }

        var before = heap.GetStats();
        heap.Trim();
        var after = heap.GetStats();
        Assert.True(after.ArenasCurrent > 1, "the live blocks are spread over several arenas, which stay");
        Assert.Equal(before.PoolsInUse, after.PoolsInUse);

        // Committed now means the pools holding blocks plus the header-table pages of the arenas, nothing else (each
        // in whole OS pages, where a page is larger than a pool).
        long unit = Math.Max((long)AllocGen.Memory.OsPages.PageSize, DefaultHeap.PoolSize);
        long poolBytes = after.PoolsInUse * DefaultHeap.PoolSize;
        long headerBytes = after.ArenasCurrent * DefaultHeap.HeaderPoolsPerArena * unit;
        Assert.InRange(after.BytesCommitted, poolBytes, (after.PoolsInUse * unit) + headerBytes);
        Assert.True(after.BytesCommitted < before.BytesCommitted * 3 / 4, $"committed {before.BytesCommitted} -> {after.BytesCommitted}");
        AssertIntact(live);

        // The given-back pools serve again, laid out afresh.
        for (int i = 0; i < 30_000; i++)
        {
            live.Add(NewBlock(heap, random));
        }

        AssertIntact(live);
        foreach (var (block, _, _) in live)
        {
            heap.Free((void*)block);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void FreeingIntoAPoolWhosePagesWereGivenBackThrows()
    {
        using var heap = new DefaultHeap();
        byte* keep = (byte*)heap.Allocate(16);
        var blocks = new List<nint>();
        for (int i = 0; i < 3 * (DefaultHeap.PoolSize / 512); i++)
        {
            blocks.Add((nint)heap.Allocate(512));
        }

        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }

        heap.Trim();
        Assert.Equal(1, heap.GetStats().ArenasCurrent);
        Assert.Throws<ArgumentException>(() => heap.Free((void*)blocks[5]));
        heap.Free(keep);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    private static (nint Block, int Size, byte Fill) NewBlock(DefaultHeap heap, Random random)
    {
        int size = random.Next(1, 513);
        var fill = (byte)random.Next(1, 256);
        var block = (byte*)heap.Allocate((nuint)size);
        new Span<byte>(block, size).Fill(fill);
        return ((nint)block, size, fill);
    }

    private static void AssertIntact(List<(nint Block, int Size, byte Fill)> live)
    {
        foreach (var (block, size, fill) in live)
        {
            Assert.True(new Span<byte>((void*)block, size).IndexOfAnyExcept(fill) < 0, $"block {block:x} lost its contents");
        }
    }

    [Fact]
    public void TrimAfterDisposeThrows()
    {
        var heap = new DefaultHeap();
        heap.Dispose();
        var error = Assert.Throws<ObjectDisposedException>(() => heap.Trim());
        Assert.Equal(nameof(DefaultHeap), error.ObjectName);
    }
}
