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
    public void TrimAfterDisposeThrows()
    {
        var heap = new DefaultHeap();
        heap.Dispose();
        var error = Assert.Throws<ObjectDisposedException>(() => heap.Trim());
        Assert.Equal(nameof(DefaultHeap), error.ObjectName);
    }
}
