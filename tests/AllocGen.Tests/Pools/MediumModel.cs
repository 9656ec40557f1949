using AllocGen.Memory;
using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>Which tier serves a block.</summary>
internal enum Tier
{
    Small,
    Medium,
    Large,
}

/// <summary>A live block of the model: where, how many bytes were asked for, its pattern's seed, and the class it counts in.</summary>
internal readonly record struct MediumLiveBlock(nint Pointer, nuint Size, uint Seed, Tier Tier, int Class);

/// <summary>
/// The live blocks of a heap with a medium tier, and what the heap must say about them: every block aligned, owned,
/// of its class's usable size, holding its pattern, inside the arenas (small and medium) and overlapping no other;
/// the statistics of every class, small and medium, with the span arithmetic of docs/medium-tier.md, and the byte
/// parts adding up to the bytes reserved.
/// </summary>
internal sealed unsafe class MediumModel(MediumLayout g, IAllocator heap)
{
    private readonly List<MediumLiveBlock> _blocks = [];

    public MediumLayout Layout => g;

    public int Count => _blocks.Count;

    public IReadOnlyList<MediumLiveBlock> Blocks => _blocks;

    public MediumLiveBlock this[int index] => _blocks[index];

    /// <summary>The tier and class a new block of <paramref name="size"/> gets.</summary>
    public (Tier Tier, int Class) ClassFor(nuint size) =>
        g.IsSmall(size) ? (Tier.Small, g.SmallClassOf(size))
        : g.IsMedium(size) ? (Tier.Medium, g.MediumClassOf(size))
        : (Tier.Large, -1);

    /// <summary>The usable size a block of the model must report.</summary>
    public nuint UsableSizeOf(MediumLiveBlock block) => block.Tier switch
    {
        Tier.Small => (nuint)g.SmallClasses[block.Class],
        Tier.Medium => (nuint)g.MediumClasses[block.Class],
        _ => block.Size,
    };

    /// <summary>Checks a block just handed out for <paramref name="size"/> bytes, fills it with its pattern and adds it.</summary>
    public MediumLiveBlock Add(void* pointer, nuint size, uint seed, string what) => Add(pointer, size, ClassFor(size), seed, what);

    /// <summary>Adds a block of a medium class asked for by class (<c>AllocateMedium</c>), as a request of the class's largest size.</summary>
    public MediumLiveBlock AddMedium(void* pointer, int mediumClass, uint seed, string what) =>
        Add(pointer, g.MediumClassRange(mediumClass).High, (Tier.Medium, mediumClass), seed, what);

    private MediumLiveBlock Add(void* pointer, nuint size, (Tier Tier, int Class) of, uint seed, string what)
    {
        (Tier tier, int cls) = of;
        var block = new MediumLiveBlock((nint)pointer, size, seed, tier, cls);
        CheckPlacement(block, what);
        Pattern.Fill((byte*)pointer, size, seed);
        _blocks.Add(block);
        return block;
    }

    /// <summary>Adds a block kept in place by a resize: it stays in the class it was in.</summary>
    public void ReplaceInPlace(int index, nuint newSize)
    {
        MediumLiveBlock old = _blocks[index];
        var kept = old with { Size = newSize };
        Pattern.Fill((byte*)kept.Pointer, newSize, kept.Seed);
        _blocks[index] = kept;
    }

    public void RemoveAt(int index)
    {
        _blocks[index] = _blocks[^1];
        _blocks.RemoveAt(_blocks.Count - 1);
    }

    /// <summary>Alignment, ownership, usable size and where in its arena the block lies.</summary>
    public void CheckPlacement(MediumLiveBlock block, string what)
    {
        var p = (byte*)block.Pointer;
        if (p == null)
        {
            Assert.Fail($"{g}: {what} returned null");
        }

        if (((nuint)p & (nuint)(g.Alignment - 1)) != 0)
        {
            Assert.Fail($"{g}: {what} returned 0x{block.Pointer:X}, not aligned to {g.Alignment}");
        }

        if (!heap.Owns(p))
        {
            Assert.Fail($"{g}: {what} returned 0x{block.Pointer:X}, which the heap does not own");
        }

        nuint usable = heap.UsableSize(p);
        if (usable != UsableSizeOf(block))
        {
            Assert.Fail($"{g}: {what}: {block.Tier} block of {block.Size} bytes (class {block.Class}) has UsableSize {usable}, expected {UsableSizeOf(block)}");
        }

        if (block.Tier == Tier.Large)
        {
            return;
        }

        // Small and medium blocks come from the heap's own arenas: past the header table, not across the arena's end.
        nint arena = block.Pointer & ~(nint)(g.ArenaSize - 1);
        nint offset = block.Pointer - arena;
        if (!heap.Owns((void*)arena) || offset < (nint)g.HeaderPoolsPerArena * g.PoolSize || offset + (nint)usable > g.ArenaSize)
        {
            Assert.Fail($"{g}: {what}: {block.Tier} block 0x{block.Pointer:X} ({usable} bytes) does not lie in the blocks of one of the heap's arenas (offset {offset} into 0x{arena:X}, owned: {heap.Owns((void*)arena)})");
        }

        if (block.Tier == Tier.Small)
        {
            nint inPool = block.Pointer & (g.PoolSize - 1);
            if (inPool + (nint)usable > g.PoolSize)
            {
                Assert.Fail($"{g}: {what}: small block 0x{block.Pointer:X} ({usable} bytes) at {inPool} into its pool crosses the pool's end");
            }
        }
    }

    /// <summary>Owned, its class's usable size, its pattern intact.</summary>
    public void CheckLive(MediumLiveBlock block, string when)
    {
        var p = (byte*)block.Pointer;
        if (!heap.Owns(p))
        {
            Assert.Fail($"{g}: live {block} not owned {when}");
        }

        nuint usable = heap.UsableSize(p);
        if (usable != UsableSizeOf(block))
        {
            Assert.Fail($"{g}: live {block}: UsableSize {usable}, expected {UsableSizeOf(block)} {when}");
        }

        if (!Pattern.Matches(p, block.Size, block.Seed, out int at))
        {
            Assert.Fail($"{g}: live {block} corrupted at byte {at} {when}");
        }
    }

    public void CheckAllLive(string when)
    {
        foreach (MediumLiveBlock block in _blocks)
        {
            CheckLive(block, when);
        }
    }

    public void CheckNoOverlap(string when)
    {
        MediumLiveBlock[] sorted = [.. _blocks.OrderBy(b => (nuint)b.Pointer)];
        for (int i = 1; i < sorted.Length; i++)
        {
            nuint end = (nuint)sorted[i - 1].Pointer + Math.Max(UsableSizeOf(sorted[i - 1]), 1);
            if ((nuint)sorted[i].Pointer < end)
            {
                Assert.Fail($"{g}: live blocks overlap {when}: {sorted[i - 1]} ({UsableSizeOf(sorted[i - 1])} usable) and {sorted[i]}");
            }
        }
    }

    /// <summary>The arenas holding live small or medium blocks.</summary>
    public HashSet<nint> OccupiedArenas() =>
        [.. _blocks.Where(b => b.Tier != Tier.Large).Select(b => b.Pointer & ~(nint)(g.ArenaSize - 1))];

    /// <summary>
    /// Every number of the statistics the model knows, and the span arithmetic for what it does not: a medium class
    /// counts the pools of its spans with a live block (a whole number of spans), and its free plus used blocks fill
    /// those spans.
    /// </summary>
    public void CheckStats(AllocatorStats stats, string when, bool afterTrim = false)
    {
        string at = $"{g}, {when}";
        int small = g.SmallClasses.Length;
        Assert.True(
            stats.SizeClasses.Count == small + g.MediumClassCount,
            $"{at}: {stats.SizeClasses.Count} classes in the statistics, expected {small} small + {g.MediumClassCount} medium");

        var smallInUse = new long[small];
        var mediumInUse = new long[g.MediumClassCount];
        long largeCount = 0, largeBytes = 0;
        foreach (MediumLiveBlock b in _blocks)
        {
            switch (b.Tier)
            {
                case Tier.Small:
                    smallInUse[b.Class]++;
                    break;
                case Tier.Medium:
                    mediumInUse[b.Class]++;
                    break;
                default:
                    largeCount++;
                    largeBytes += (long)b.Size;
                    break;
            }
        }

        long bytesInUse = largeBytes, quantization = 0;
        for (int c = 0; c < small; c++)
        {
            SizeClassStats s = stats.SizeClasses[c];
            int blockSize = g.SmallClasses[c];
            Assert.Equal(new SizeClassStats(c, blockSize, s.Pools, smallInUse[c], s.FreeBlocks), s);
            if ((s.Pools == 0) != (s.BlocksInUse == 0) || s.FreeBlocks + s.BlocksInUse != s.Pools * (g.PoolSize / blockSize))
            {
                Assert.Fail($"{at}: small class {c} ({blockSize} B): {s.Pools} pools, {s.BlocksInUse} in use, {s.FreeBlocks} free");
            }

            bytesInUse += smallInUse[c] * blockSize;
            quantization += s.Pools * (g.PoolSize % blockSize);
        }

        for (int m = 0; m < g.MediumClassCount; m++)
        {
            SizeClassStats s = stats.SizeClasses[small + m];
            int blockSize = g.MediumClasses[m];
            if (s.Index != g.StatsIndex(m) || s.BlockSize != blockSize || s.BlocksInUse != mediumInUse[m])
            {
                Assert.Fail($"{at}: medium class {m}: {s}, expected index {g.StatsIndex(m)}, block size {blockSize}, {mediumInUse[m]} in use");
            }

            int spanPools = g.SpanPools[m];
            long spans = s.Pools / spanPools;
            if (s.Pools % spanPools != 0 || (s.Pools == 0) != (s.BlocksInUse == 0) || s.FreeBlocks + s.BlocksInUse != spans * g.BlocksPerSpan(m))
            {
                Assert.Fail(
                    $"{at}: medium class {m} ({blockSize} B, spans of {spanPools} pools, {g.BlocksPerSpan(m)} blocks): "
                    + $"{s.Pools} pools, {s.BlocksInUse} in use, {s.FreeBlocks} free");
            }

            bytesInUse += mediumInUse[m] * blockSize;
            quantization += spans * g.SpanLeftover(m);
        }

        long region = Math.Max(g.ArenaSize, (long)OsPages.PageSize);
        Assert.True(stats.LargeBlocks == largeCount && stats.LargeBytes == largeBytes, $"{at}: {stats.LargeBlocks} large blocks of {stats.LargeBytes} bytes, expected {largeCount} of {largeBytes}");
        Assert.Equal(bytesInUse, stats.BytesInUse);
        Assert.Equal(_blocks.Count, stats.BlocksInUse);
        Assert.True(quantization == stats.QuantizationBytes, $"{at}: quantization {stats.QuantizationBytes} bytes, expected {quantization} (pool tails and span leftovers)");
        Assert.Equal(stats.ArenasAllocated - stats.ArenasReleased, stats.ArenasCurrent);
        Assert.True(stats.ArenasCurrent <= stats.ArenasHighWater);
        Assert.True(
            stats.ArenasCurrent * g.PoolsPerArena == stats.PoolsInUse + stats.PoolsRetained + stats.PoolsFree,
            $"{at}: {stats.ArenasCurrent} arenas × {g.PoolsPerArena} pools != {stats.PoolsInUse} in use + {stats.PoolsRetained} retained + {stats.PoolsFree} free");
        Assert.Equal((stats.ArenasCurrent * region) + largeBytes, stats.BytesReserved);
        Assert.True(stats.TotalBytes == stats.BytesReserved, $"{at}: the byte parts add up to {stats.TotalBytes}, not the {stats.BytesReserved} bytes reserved");
        Assert.Equal(stats.BytesReserved, StatsDump.Parts(stats).Sum(p => p.Bytes));
        Assert.True(stats.BytesCommitted <= stats.BytesReserved, $"{at}: committed {stats.BytesCommitted} > reserved {stats.BytesReserved}");

        int occupied = OccupiedArenas().Count;
        if (afterTrim)
        {
            Assert.True(stats.ArenasCurrent == occupied && stats.PoolsRetained == 0, $"{at}: after Trim {stats.ArenasCurrent} arenas ({occupied} with live blocks), {stats.PoolsRetained} pools retained");
        }
        else
        {
            Assert.True(stats.ArenasCurrent - occupied is >= 0 and <= 1, $"{at}: {stats.ArenasCurrent} arenas held, {occupied} with live blocks (one idle arena at most)");
        }
    }
}
