using AllocGen.Pools;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// Spans of <see cref="PoolHeap{TGeometry}.LongSpanPools"/> pools or more keep arenas of their own (1 MiB arenas of
/// 63 pools, <see cref="DefaultTierGeometry"/>: an 80 KiB block is a span of 5 pools, a 640-byte block one of 1).
/// </summary>
public sealed unsafe class LongSpanArenaTests
{
    private const nuint LongBlock = 80 << 10;
    private const nuint ShortBlock = 600;

    private static int LongClass => DefaultTierGeometry.MediumClassOf(LongBlock);

    private static int ShortClass => DefaultTierGeometry.MediumClassOf(ShortBlock);

    [Fact]
    public void TheGeometryHasBothKindsOfSpan()
    {
        Assert.True(DefaultTierGeometry.MediumSpanPools(LongClass) >= PoolHeap<DefaultTierGeometry>.LongSpanPools);
        Assert.True(DefaultTierGeometry.MediumSpanPools(ShortClass) < PoolHeap<DefaultTierGeometry>.LongSpanPools);
    }

    [Fact]
    public void LongSpansTakeAnArenaOfTheirOwnWhileShortSpansSharePools()
    {
        using var heap = new Heap();
        nint small = heap.Small(0);
        nint shortSpan = heap.Medium(ShortClass);
        nint longSpan = heap.Medium(LongClass);
        nint secondLong = heap.Medium(LongClass);

        Assert.Equal(ArenaOf(small), ArenaOf(shortSpan));
        Assert.NotEqual(ArenaOf(small), ArenaOf(longSpan));
        Assert.Equal(ArenaOf(longSpan), ArenaOf(secondLong));
        Assert.Equal(2, heap.Value.GetStats().ArenasCurrent);
    }

    [Fact]
    public void AnArenaWhoseLongSpansAllWentIsTheOneIdleArenaAndGoesWhenAnotherIs()
    {
        using var heap = new Heap();
        nint[] spans = [heap.Medium(LongClass), heap.Medium(LongClass), heap.Medium(LongClass)];
        nint longArena = ArenaOf(spans[0]);
        foreach (nint span in spans)
        {
            heap.Value.Free((void*)span);
        }

        // Kept as the idle arena (with its class's retained span), but not given to pools.
        Assert.Equal(1, heap.Value.GetStats().ArenasCurrent);
        nint small = heap.Small(3);
        Assert.NotEqual(longArena, ArenaOf(small));

        // The small block's arena goes idle in turn: the heap keeps one idle arena, so the older one goes.
        heap.Value.Free((void*)small);
        AllocGen.Stats.AllocatorStats stats = heap.Value.GetStats();
        Assert.Equal(1, stats.ArenasCurrent);
        Assert.Equal(1, stats.ArenasReleased);
        Assert.False(heap.Value.Owns((void*)spans[0]));
    }

    [Fact]
    public void PoolsLeaveTheHolesOfGoneLongSpansToTheNextLongSpans()
    {
        using var heap = new Heap();

        // Twelve spans of 5 pools fill 60 of the arena's 63 pools; every other one goes, leaving six holes of 5.
        var spans = new List<nint>();
        for (int i = 0; i < 12; i++)
        {
            spans.Add(heap.Medium(LongClass));
        }

        nint longArena = ArenaOf(spans[0]);
        Assert.All(spans, span => Assert.Equal(longArena, ArenaOf(span)));
        for (int i = 0; i < spans.Count; i += 2)
        {
            heap.Value.Free((void*)spans[i]);
        }

        // A pool for each of the 32 small classes: none of them in the holes.
        var smalls = new List<nint>();
        for (int c = 0; c < DefaultTierGeometry.ClassCount; c++)
        {
            smalls.Add(heap.Small(c));
        }

        Assert.All(smalls, small => Assert.NotEqual(longArena, ArenaOf(small)));

        // So six new long spans fit where the old ones were, and no third arena is mapped.
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(longArena, ArenaOf(heap.Medium(LongClass)));
        }

        Assert.Equal(2, heap.Value.GetStats().ArenasCurrent);
    }

    [Fact]
    public void APoolComesFromThePoolArenaBehindAnyNumberOfLongSpanArenas()
    {
        using var heap = new Heap();
        nint poolArena = ArenaOf(heap.Small(0));

        // A hundred arenas of twelve 5-pool spans each (three pools free): fuller than the pool arena, and none of
        // them serves pools, however many there are.
        const int arenas = 100;
        var longArenas = new HashSet<nint>();
        for (int i = 0; i < arenas * 12; i++)
        {
            longArenas.Add(ArenaOf(heap.Medium(LongClass)));
        }

        Assert.Equal(arenas, longArenas.Count);
        Assert.DoesNotContain(poolArena, longArenas);
        for (int c = 1; c < DefaultTierGeometry.ClassCount; c++)
        {
            Assert.Equal(poolArena, ArenaOf(heap.Small(c)));
        }

        Assert.Equal(arenas + 1, heap.Value.GetStats().ArenasCurrent);
    }

    [Fact]
    public void APoolTakesAWhollyFreeLongSpanArenaBeforeAnArenaIsMapped()
    {
        using var heap = new Heap();

        // A long class whose spans hold two blocks or more fills the first long-span arena, and its next block starts a
        // second one. That span, half used, stays in the class's list, so the emptied spans of the first arena are
        // not retained: when all their blocks go, the first arena has every pool free (the idle arena).
        int longClass = Enumerable.Range(0, DefaultTierGeometry.MediumClassCount).First(m =>
            DefaultTierGeometry.MediumSpanPools(m) >= PoolHeap<DefaultTierGeometry>.LongSpanPools
            && PoolHeap<DefaultTierGeometry>.BlocksPerSpan(m) >= 2);
        var blocks = new List<nint> { heap.Medium(longClass) };
        nint emptied = ArenaOf(blocks[0]);
        nint next;
        while (ArenaOf(next = heap.Medium(longClass)) == emptied)
        {
            blocks.Add(next);
        }

        foreach (nint block in blocks)
        {
            heap.Value.Free((void*)block);
        }

        Assert.Equal(2, heap.Value.GetStats().ArenasCurrent);

        // No arena serves pools yet: the wholly free one does from now on, rather than a new one.
        nint small = heap.Small(0);
        Assert.Equal(emptied, ArenaOf(small));
        Assert.Equal(2, heap.Value.GetStats().ArenasCurrent);

        // A span of another long class goes to the long-span arena that is left.
        int otherLong = DefaultTierGeometry.MediumClassOf(LongBlock);
        Assert.NotEqual(longClass, otherLong);
        Assert.Equal(ArenaOf(next), ArenaOf(heap.Medium(otherLong)));
    }

    [Fact]
    public void ALongSpanTakesAWhollyFreePoolArenaBeforeAnArenaIsMapped()
    {
        using var heap = new Heap();

        // One class fills a pool arena with pools and starts a second arena; the first arena's blocks all go. The class
        // keeps its pool in the second arena, so none of the first arena's pools is retained: it has every pool free.
        int sizeClass = DefaultTierGeometry.ClassCount - 1;
        int blocksPerArena = PoolHeap<DefaultTierGeometry>.PoolsPerArena * PoolHeap<DefaultTierGeometry>.BlocksPerPool(sizeClass);
        var blocks = new List<nint>();
        for (int i = 0; i <= blocksPerArena; i++)
        {
            blocks.Add(heap.Small(sizeClass));
        }

        nint emptied = ArenaOf(blocks[0]);
        Assert.All(blocks.Take(blocksPerArena), block => Assert.Equal(emptied, ArenaOf(block)));
        Assert.NotEqual(emptied, ArenaOf(blocks[blocksPerArena]));
        foreach (nint block in blocks.Take(blocksPerArena))
        {
            heap.Value.Free((void*)block);
        }

        Assert.Equal(2, heap.Value.GetStats().ArenasCurrent);

        // No arena serves long spans yet: the wholly free one does from now on, rather than a new one.
        nint longSpan = heap.Medium(LongClass);
        Assert.Equal(emptied, ArenaOf(longSpan));
        Assert.Equal(2, heap.Value.GetStats().ArenasCurrent);

        // And it no longer serves pools: a new small class's pool goes to the other arena.
        Assert.Equal(ArenaOf(blocks[blocksPerArena]), ArenaOf(heap.Small(0)));
    }

    private static nint ArenaOf(nint block) => block & ~(((nint)1 << DefaultTierGeometry.ArenaShift) - 1);

    /// <summary>A heap of <see cref="DefaultTierGeometry"/>, disposed (with every block) at the end.</summary>
    private sealed class Heap : IDisposable
    {
        public PoolHeap<DefaultTierGeometry> Value = PoolHeap<DefaultTierGeometry>.Create();

        public nint Small(int sizeClass) => (nint)Value.AllocateSmall(sizeClass);

        public nint Medium(int mediumClass) => (nint)Value.AllocateMedium(mediumClass);

        public void Dispose() => Value.Dispose();
    }
}
