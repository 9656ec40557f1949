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
