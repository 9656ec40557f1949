using AllocGen.Memory;
using AllocGen.Stats;
using AllocGen.Tests.Pools;
using AllocGen.Tests.Threading;
using Xunit;

namespace AllocGen.Tests.Stats;

/// <summary>
/// What a pool heap's statistics must say, worked out by the test alone: the live blocks it handed out (class, size),
/// blocks freed by another thread that the owner has not taken back yet, and which arenas the heap holds, seen through
/// <see cref="IAllocator.Owns"/> of every arena address a block ever came from (an arena is only ever taken to serve
/// a block, so none is missed). Every operation changes the held arenas one way only (an allocation takes, a free or
/// Trim gives back), so comparing the held sets before and after counts the arenas taken and released exactly.
/// </summary>
internal sealed unsafe class StatsModel
{
    private readonly HeapGeometry _target;
    private readonly IAllocator _heap;
    private readonly Dictionary<nint, nuint> _live = [];
    private readonly List<nint> _liveOrder = [];
    private readonly Dictionary<nint, nuint> _pending = [];
    private readonly HashSet<nint> _seenArenas = [];
    private HashSet<nint> _held = [];

    public StatsModel(HeapGeometry target, IAllocator heap)
    {
        _target = target;
        _heap = heap;
    }

    public long ArenasAllocated { get; private set; }

    public long ArenasReleased { get; private set; }

    public long ArenasHighWater { get; private set; }

    public int LiveCount => _liveOrder.Count;

    /// <summary>An OS region per arena: the arena, or the whole page when a page is larger.</summary>
    private long Region => Math.Max(_target.ArenaSize, (long)OsPages.PageSize);

    public nint Allocate(nuint size)
    {
        var block = (nint)_heap.Allocate(size);
        Assert.False(_live.ContainsKey(block), $"0x{block:x} handed out twice");
        _live.Add(block, size);
        _liveOrder.Add(block);
        if (IsSmall(size))
        {
            _seenArenas.Add(ArenaOf(block));
        }

        ObserveArenas(afterTrim: false);
        return block;
    }

    /// <summary>Frees the live block at <paramref name="pick"/> (modulo the live count).</summary>
    public void Free(int pick)
    {
        (nint block, _) = TakeLive(pick);
        _heap.Free((void*)block);
        ObserveArenas(afterTrim: false);
    }

    /// <summary>
    /// Frees the live blocks at <paramref name="picks"/> on another thread. A pool block stays counted in its pool
    /// (pending) until the owner takes it back: <see cref="OwnerTookBackRemoteFrees"/>.
    /// </summary>
    public void FreeOnAnotherThread(IEnumerable<int> picks)
    {
        (nint Block, nuint Size)[] blocks = [.. picks.Select(TakeLive)];
        PerThreadPoolHeapTests.RunOn(() =>
        {
            foreach ((nint block, _) in blocks)
            {
                _heap.Free((void*)block);
            }
        });
        foreach ((nint block, nuint size) in blocks.Where(b => IsSmall(b.Size)))
        {
            _pending.Add(block, size);
        }
    }

    /// <summary>The owner's own GetStats (or Trim, or slow path) took its pending blocks back.</summary>
    public void OwnerTookBackRemoteFrees()
    {
        _pending.Clear();
        ObserveArenas(afterTrim: false);
    }

    public void Trim()
    {
        ((IPoolHeapControls)_heap).Trim();
        _pending.Clear();
        ObserveArenas(afterTrim: true);
    }

    private (nint Block, nuint Size) TakeLive(int pick)
    {
        int i = (int)((uint)pick % (uint)_liveOrder.Count);
        nint block = _liveOrder[i];
        _liveOrder[i] = _liveOrder[^1];
        _liveOrder.RemoveAt(_liveOrder.Count - 1);
        _live.Remove(block, out nuint size);
        return (block, size);
    }

    private bool IsSmall(nuint size) => _target.IsSmall(size);

    private nint ArenaOf(nint block) => block & ~(nint)(_target.ArenaSize - 1);

    private nint PoolOf(nint block) => block & ~(nint)(_target.PoolSize - 1);

    /// <summary>Pool blocks whose pools still count them: the live ones and the pending remote frees.</summary>
    private IEnumerable<KeyValuePair<nint, nuint>> OccupyingBlocks => _live.Where(b => IsSmall(b.Value)).Concat(_pending);

    private void ObserveArenas(bool afterTrim)
    {
        var held = _seenArenas.Where(a => _heap.Owns((void*)a)).ToHashSet();
        ArenasAllocated += held.Count(a => !_held.Contains(a));
        ArenasReleased += _held.Count(a => !held.Contains(a));
        _held = held;
        ArenasHighWater = Math.Max(ArenasHighWater, held.Count);

        var occupied = OccupyingBlocks.Select(b => ArenaOf(b.Key)).ToHashSet();
        Assert.True(occupied.IsSubsetOf(held), "an arena holding live blocks is not the heap's");
        if (afterTrim)
        {
            Assert.True(held.SetEquals(occupied), $"after Trim the heap holds {held.Count} arenas, {occupied.Count} of them with live blocks");
        }
        else
        {
            Assert.True(held.Count - occupied.Count <= 1, $"{held.Count - occupied.Count} arenas without a live block are kept (one at most)");
        }
    }

    /// <summary>Checks every number of the statistics, and of the dump read back from their text, against the model.</summary>
    public void Check(AllocatorStats stats, bool readDump = true)
    {
        Expected e = Expect();
        Assert.Equal(_target.Classes.Length, stats.SizeClasses.Count);
        for (int c = 0; c < _target.Classes.Length; c++)
        {
            SizeClassStats actual = stats.SizeClasses[c];
            Assert.Equal(new SizeClassStats(c, _target.Classes[c], e.Pools[c], e.BlocksInUse[c], e.FreeBlocks[c]), actual);
        }

        Assert.Equal(e.LargeBlocks, stats.LargeBlocks);
        Assert.Equal(e.LargeBytes, stats.LargeBytes);
        Assert.Equal(_held.Count, stats.ArenasCurrent);
        Assert.Equal(ArenasAllocated, stats.ArenasAllocated);
        Assert.Equal(ArenasReleased, stats.ArenasReleased);
        Assert.Equal(ArenasHighWater, stats.ArenasHighWater);
        Assert.Equal(e.UnusedPools, stats.PoolsFree + stats.PoolsRetained);
        Assert.Equal(e.AllocatedBlockBytes + e.LargeBytes, stats.BytesInUse);

        Assert.Equal(e.Parts, StatsDump.Parts(stats));
        Assert.Equal(e.Reserved, stats.BytesReserved);
        Assert.Equal(stats.BytesReserved, StatsDump.Parts(stats).Sum(p => p.Bytes));
        Assert.Equal(stats.BytesReserved, stats.TotalBytes);

        if (readDump)
        {
            CheckDump(e, stats.ToString());
        }
    }

    private void CheckDump(Expected e, string text)
    {
        var dump = DumpText.Parse(text);
        var expectedRows = Enumerable.Range(0, _target.Classes.Length)
            .Where(c => e.Pools[c] != 0)
            .ToDictionary(c => c, c => ((long)_target.Classes[c], e.Pools[c], e.BlocksInUse[c], e.FreeBlocks[c]));
        Assert.Equal(expectedRows.OrderBy(r => r.Key), dump.Rows.OrderBy(r => r.Key));

        Assert.Equal(ArenasAllocated, dump[StatsDump.ArenasAllocated]);
        Assert.Equal(ArenasReleased, dump[StatsDump.ArenasReleased]);
        Assert.Equal(_held.Count, dump[StatsDump.ArenasCurrent]);
        Assert.Equal(ArenasHighWater, dump[StatsDump.ArenasHighWater]);
        Assert.Equal(e.Pools.Sum(), dump[StatsDump.PoolsInUse]);
        Assert.Equal(e.UnusedPools, dump[StatsDump.PoolsRetained] + dump[StatsDump.PoolsFree]);
        Assert.Equal(e.LargeBlocks, dump[StatsDump.LargeBlocks]);
        Assert.Equal(e.Parts, e.Parts.Select(p => (p.Part, dump[p.Part])).ToArray());

        // The total line is the sum of the part lines, and the bytes reserved.
        Assert.Equal(e.Reserved, dump[StatsDump.TotalBytes]);
        Assert.Equal(dump[StatsDump.TotalBytes], dump.PartsSum);
    }

    private Expected Expect()
    {
        int classes = _target.Classes.Length;
        var pools = new long[classes];
        var used = new long[classes];
        var free = new long[classes];
        foreach (IGrouping<int, nint> inClass in OccupyingBlocks.GroupBy(b => _target.ClassOf(b.Value), b => b.Key))
        {
            pools[inClass.Key] = inClass.Select(PoolOf).Distinct().Count();
        }

        foreach ((nint _, nuint size) in _live.Where(b => IsSmall(b.Value)))
        {
            used[_target.ClassOf(size)]++;
        }

        long allocated = 0, available = 0, quantization = 0;
        for (int c = 0; c < classes; c++)
        {
            int blockSize = _target.Classes[c];
            free[c] = (pools[c] * _target.BlocksPerPool(c)) - used[c];
            allocated += used[c] * blockSize;
            available += free[c] * blockSize;
            quantization += pools[c] * (_target.PoolSize % blockSize);
        }

        var large = _live.Where(b => !IsSmall(b.Value)).ToArray();
        long largeBytes = large.Sum(b => (long)b.Value);
        long held = _held.Count;
        long unusedPools = (held * _target.PoolsPerArena) - pools.Sum();
        return new Expected(
            pools,
            used,
            free,
            unusedPools,
            large.Length,
            largeBytes,
            allocated,
            (held * Region) + largeBytes,
            [
                (StatsDump.AllocatedBlockBytes, allocated),
                (StatsDump.AvailableBlockBytes, available),
                (StatsDump.UnusedPoolBytes, unusedPools * _target.PoolSize),
                (StatsDump.QuantizationBytes, quantization),
                (StatsDump.PoolHeaderBytes, held * _target.HeaderPoolsPerArena * _target.PoolSize),
                (StatsDump.PagePaddingBytes, held * (Region - _target.ArenaSize)),
                (StatsDump.LargeBytes, largeBytes),
            ]);
    }

    private sealed record Expected(
        long[] Pools,
        long[] BlocksInUse,
        long[] FreeBlocks,
        long UnusedPools,
        long LargeBlocks,
        long LargeBytes,
        long AllocatedBlockBytes,
        long Reserved,
        (string Part, long Bytes)[] Parts);
}
