using AllocGen.Pools;
using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// A million random operations per configuration against a reference model of the live blocks: every block keeps
/// its own byte pattern, so overlap, lost contents and free-list writes into live blocks all show up; the heap's
/// statistics are compared with the model's counts at checkpoints. The configurations run without a medium tier and,
/// as twins, with one: then sizes are drawn from every tier (its class borders, just above each threshold), resizes
/// stay in a medium class (in place) or cross the tiers' borders both ways, and the medium classes' rows of the
/// statistics are checked with the span arithmetic.
/// </summary>
public sealed unsafe class DifferentialTests
{
    private const int Operations = 1_000_000;
    private const int PhaseLength = 100_000;
    private const int StatsEvery = 50_000;
    private const int OverlapEvery = 25_000;
    private const int MaxLargeSize = 4096;

    /// <summary>How the run sets the heap's <see cref="PoolReusePolicy"/>: never, once at the start, or at every phase.</summary>
    public enum PolicySchedule
    {
        Default,
        Compact,
        Alternating,
    }

    [Theory]
    [InlineData(nameof(DefaultHeap), 20_261_127, PolicySchedule.Default)]
    [InlineData(nameof(SmallPoolHeap), 4_096, PolicySchedule.Default)]
    [InlineData(nameof(IrregularHeap), 777, PolicySchedule.Default)]
    [InlineData(nameof(DefaultHeap), 31, PolicySchedule.Compact)]
    [InlineData(nameof(SmallPoolHeap), 32, PolicySchedule.Alternating)]
    [InlineData(nameof(PerThreadSmallPoolHeap), 32, PolicySchedule.Alternating)] // the same run as the row above, on a heap per thread
    [InlineData(nameof(DefaultTierHeap), 20_261_202, PolicySchedule.Default)]
    [InlineData(nameof(SmallPoolTierHeap), 4_096, PolicySchedule.Default)]
    [InlineData(nameof(SmallPoolTierHeap), 33, PolicySchedule.Alternating)]
    [InlineData(nameof(PerThreadSmallPoolTierHeap), 33, PolicySchedule.Alternating)] // the same run as the row above, on a heap per thread
    [InlineData(nameof(IrregularTierHeap), 778, PolicySchedule.Compact)]
    public void RandomOperationsMatchTheReferenceModel(string configuration, int seed, PolicySchedule schedule)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        var random = new Random(seed);
        using IAllocator heap = g.Create();
        var model = new Model(g);

        // Where the heap's pool layout disagrees with the generated constants. Collected, not thrown at once, so
        // that the rest of the run (contents, overlap, counts) still gets checked; asserted at the end.
        var layoutMismatches = new List<string>();

        uint nextSeed = 1;
        int target = 0;
        long reallocInPlace = 0, reallocMoved = 0, zeroed = 0, releasedDuringRun = 0;
        long highWater = 0;

        // Resizes that moved a block from one tier to another, and those kept in place in a medium class: with a
        // medium tier, every border must have been crossed both ways.
        var crossings = new HashSet<(Tier From, Tier To)>();
        long mediumInPlace = 0;
        for (int op = 0; op < Operations; op++)
        {
            if (op % PhaseLength == 0)
            {
                // Every phase starts from a trimmed heap: empty pools of live arenas lose their pages and must be
                // laid out afresh when they serve again, while every live block keeps its contents.
                ((IPoolHeapControls)heap).Trim();

                // Alternate between growing to many live blocks and draining to few, so arenas come and go.
                target = (op / PhaseLength) % 2 == 0 ? random.Next(15_000, 40_000) : random.Next(0, 1_500);
                if (schedule != PolicySchedule.Default)
                {
                    bool compact = schedule == PolicySchedule.Compact || (op / PhaseLength) % 2 == 1;
                    ((IPoolHeapControls)heap).ReusePolicy = compact ? PoolReusePolicy.Compact : PoolReusePolicy.Fast;
                }
            }

            int roll = random.Next(100);
            bool grow = model.Count < target;
            int allocPercent = grow ? 72 : 15;
            int freePercent = grow ? 18 : 75;
            if (model.Count == 0 || roll < allocPercent)
            {
                if (random.Next(10) == 0)
                {
                    AllocateZeroed(heap, g, model, random, nextSeed++, op);
                    zeroed++;
                }
                else
                {
                    nuint size = RandomSize(random, g);
                    var block = (byte*)heap.Allocate(size);
                    CheckNewBlock(heap, g, block, size, op, "Allocate");
                    Pattern.Fill(block, size, nextSeed);
                    model.Add(new LiveBlock((nint)block, size, nextSeed++));
                }
            }
            else if (roll < allocPercent + freePercent)
            {
                int index = random.Next(model.Count);
                LiveBlock victim = model[index];
                CheckLiveBlock(heap, g, victim, op, "before Free");
                heap.Free((void*)victim.Pointer);
                model.RemoveAt(index);
            }
            else
            {
                int index = random.Next(model.Count);
                LiveBlock old = model[index];
                CheckLiveBlock(heap, g, old, op, "before Reallocate");
                nuint newSize = ReallocSize(random, g, old.Size);
                var moved = (byte*)heap.Reallocate((void*)old.Pointer, newSize);
                int oldClass = g.StatsClassOf(old.Size), newClass = g.StatsClassOf(newSize);
                bool sameClass = oldClass >= 0 && oldClass == newClass;
                if (sameClass && moved != (byte*)old.Pointer)
                {
                    Assert.Fail($"op {op}: Reallocate({old.Size} → {newSize}) stays in class {newClass} but moved 0x{old.Pointer:X} → 0x{(nint)moved:X}");
                }

                if (!sameClass && oldClass >= 0 && moved == (byte*)old.Pointer)
                {
                    Assert.Fail($"op {op}: Reallocate({old.Size} → {newSize}) changes class ({oldClass} → {newClass}) but kept 0x{old.Pointer:X}");
                }

                if (moved == (byte*)old.Pointer)
                {
                    reallocInPlace++;
                    mediumInPlace += g.IsMedium(old.Size) ? 1 : 0;
                }
                else
                {
                    reallocMoved++;
                    crossings.Add((TierOf(g, old.Size), TierOf(g, newSize)));
                }

                CheckNewBlock(heap, g, moved, newSize, op, $"Reallocate({old.Size} → {newSize})");
                nuint kept = Math.Min(old.Size, newSize);
                if (!Pattern.Matches(moved, kept, old.Seed, out int at))
                {
                    Assert.Fail($"op {op}: Reallocate({old.Size} → {newSize}) lost contents at byte {at} (0x{old.Pointer:X} → 0x{(nint)moved:X})");
                }

                Pattern.Fill(moved, newSize, old.Seed);
                model.Replace(index, new LiveBlock((nint)moved, newSize, old.Seed));
            }

            if ((op + 1) % OverlapEvery == 0)
            {
                CheckNoOverlap(heap, model, op);
            }

            if ((op + 1) % StatsEvery == 0)
            {
                foreach (LiveBlock block in model.Blocks)
                {
                    CheckLiveBlock(heap, g, block, op, "at checkpoint");
                }

                AllocatorStats stats = heap.GetStats();
                CheckStats(g, model, stats, op, layoutMismatches);
                highWater = Math.Max(highWater, stats.ArenasHighWater);
                releasedDuringRun = stats.ArenasReleased;
            }
        }

        // Free everything, in random order, checking each block one last time.
        while (model.Count > 0)
        {
            int index = random.Next(model.Count);
            LiveBlock victim = model[index];
            CheckLiveBlock(heap, g, victim, Operations, "in the final free");
            heap.Free((void*)victim.Pointer);
            model.RemoveAt(index);
        }

        AllocatorStats end = heap.GetStats();
        CheckStats(g, model, end, Operations, layoutMismatches);
        Assert.All(end.SizeClasses, c => Assert.Equal(0, c.BlocksInUse));
        Assert.All(end.SizeClasses, c => Assert.Equal(0, c.Pools));
        Assert.Equal(0, end.LargeBlocks);
        Assert.Equal(0, end.LargeBytes);
        Assert.Equal(0, end.BytesInUse);
        Assert.InRange(end.ArenasCurrent, 0, 1);
        Assert.Equal(end.ArenasCurrent * g.PoolsPerArena, end.PoolsFree + end.PoolsRetained);

        // The workload holds tens of thousands of blocks, so it needed several arenas and gave them back.
        Assert.True(end.ArenasHighWater >= 3, $"{g.Name}: high water {end.ArenasHighWater}");
        Assert.True(end.ArenasReleased > 0, $"{g.Name}: no arena was released");
        Assert.True(releasedDuringRun > 0, $"{g.Name}: no arena was released while draining during the run");
        Assert.True(reallocInPlace > 0 && reallocMoved > 0 && zeroed > 0, $"in place {reallocInPlace}, moved {reallocMoved}, zeroed {zeroed}");
        if (g.HasMediumTier)
        {
            Tier[] tiers = [Tier.Small, Tier.Medium, Tier.Large];
            (Tier, Tier)[] missing = [.. tiers.SelectMany(from => tiers.Where(to => to != from).Select(to => (from, to))).Where(c => !crossings.Contains(c))];
            Assert.True(missing.Length == 0 && mediumInPlace > 0, $"{g.Name}: {mediumInPlace} medium resizes in place; no resize moved a block {string.Join(", ", missing)}");
        }

        Assert.True(
            layoutMismatches.Count == 0,
            $"{g.Name}: the pool layout disagrees with the generated constants ({layoutMismatches.Count} checks), e.g.:{Environment.NewLine}"
            + string.Join(Environment.NewLine, layoutMismatches.Take(8)));
    }

    // -------------------------------------------------------------------------------------------------------------
    // Sizes
    // -------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// 0, small sizes biased low, exact class sizes and their neighbours, the small threshold, and above it: large
    /// sizes up to 4 KiB without a medium tier; with one, medium sizes (log-uniform, the medium classes' borders, the
    /// medium threshold and one past it) and a few large sizes.
    /// </summary>
    private static nuint RandomSize(Random random, HeapGeometry g)
    {
        int roll = random.Next(100);
        if (roll < 3)
        {
            return 0;
        }

        if (roll < 15)
        {
            return (nuint)g.Classes[random.Next(g.Classes.Length)];
        }

        if (roll < 20)
        {
            // One past a class boundary: the next class.
            return (nuint)(g.Classes[random.Next(g.Classes.Length - 1)] + 1);
        }

        if (roll < 22)
        {
            return (nuint)(g.Threshold + random.Next(2));
        }

        if (roll < 82)
        {
            // 1..threshold, most of them small.
            double u = random.NextDouble();
            return (nuint)(1 + (int)(u * u * u * g.Threshold));
        }

        if (!g.HasMediumTier)
        {
            return RandomLargeSize(random, g);
        }

        return random.Next(18) switch
        {
            < 10 => RandomMediumSize(random, g),
            < 14 => MediumBorderSize(random, g),
            14 => (nuint)(g.MediumThreshold + random.Next(2)),
            _ => RandomLargeSize(random, g),
        };
    }

    /// <summary>The largest request drawn: 4 KiB without a medium tier, else half as much again as the medium threshold.</summary>
    private static nuint LargestSize(HeapGeometry g) =>
        g.HasMediumTier ? (nuint)(g.MediumThreshold + (g.MediumThreshold / 2)) : MaxLargeSize;

    private static nuint RandomLargeSize(Random random, HeapGeometry g) =>
        g.LeastLargeSize + (nuint)random.NextInt64((long)(LargestSize(g) - g.LeastLargeSize) + 1);

    /// <summary>A size of the medium tier, log-uniform: as many small medium blocks as large ones, per power of two.</summary>
    private static nuint RandomMediumSize(Random random, HeapGeometry g)
    {
        double low = Math.Log(g.Threshold + 1), high = Math.Log(g.MediumThreshold);
        return (nuint)Math.Clamp((long)Math.Round(Math.Exp(low + (random.NextDouble() * (high - low)))), g.Threshold + 1, g.MediumThreshold);
    }

    /// <summary>A medium class's largest request or one past it (the next class, or the system above the last class).</summary>
    private static nuint MediumBorderSize(Random random, HeapGeometry g)
    {
        (_, nuint high) = g.RangeOfStatsClass(g.Classes.Length + random.Next(g.MediumClasses.Length));
        return high + (nuint)random.Next(2);
    }

    private static Tier TierOf(HeapGeometry g, nuint size) => g.IsSmall(size) ? Tier.Small : g.IsMedium(size) ? Tier.Medium : Tier.Large;

    private static nuint ReallocSize(Random random, HeapGeometry g, nuint old)
    {
        int statsClass = g.StatsClassOf(old);
        switch (random.Next(6))
        {
            case 0: // grow
                return Math.Min(LargestSize(g), old + 1 + (nuint)random.Next((int)Math.Max(old, 16)));
            case 1: // shrink
                return (nuint)random.Next((int)old + 1);
            case 2: // same class (or, for a large block, another large size)
                if (statsClass >= 0)
                {
                    (nuint low, nuint high) = g.RangeOfStatsClass(statsClass);
                    return low + (nuint)random.Next((int)(high - low) + 1);
                }

                return RandomLargeSize(random, g);
            case 3: // into another tier
                Tier[] others = [.. new[] { Tier.Small, Tier.Medium, Tier.Large }.Where(t => t != TierOf(g, old) && (t != Tier.Medium || g.HasMediumTier))];
                return others[random.Next(others.Length)] switch
                {
                    Tier.Small => (nuint)random.Next(g.Threshold + 1),
                    Tier.Medium => RandomMediumSize(random, g),
                    _ => RandomLargeSize(random, g),
                };
            case 4 when g.HasMediumTier: // just across a border of its class: into the neighbouring class or tier
                if (statsClass >= 0)
                {
                    (nuint low, nuint high) = g.RangeOfStatsClass(statsClass);
                    return random.Next(2) == 0 || low == 0 ? high + 1 : low - 1;
                }

                return g.LeastLargeSize - (nuint)random.Next(2);
            default:
                return RandomSize(random, g);
        }
    }

    private static void AllocateZeroed(IAllocator heap, HeapGeometry g, Model model, Random random, uint seed, int op)
    {
        nuint count, elementSize;
        switch (random.Next(4))
        {
            case 0:
                count = (nuint)random.Next(0, 3);
                elementSize = (nuint)random.Next(0, 600);
                break;
            case 1:
                elementSize = (nuint)(1 << random.Next(0, 5));
                count = RandomSize(random, g) / elementSize;
                break;
            case 2:
                elementSize = 24;
                count = (nuint)random.Next(0, 60);
                break;
            default:
                count = 1;
                elementSize = RandomSize(random, g);
                break;
        }

        nuint size = count * elementSize;
        var block = (byte*)heap.AllocateZeroed(count, elementSize);
        CheckNewBlock(heap, g, block, size, op, $"AllocateZeroed({count}, {elementSize})");
        int dirty = new ReadOnlySpan<byte>(block, (int)size).IndexOfAnyExcept((byte)0);
        if (dirty >= 0)
        {
            Assert.Fail($"op {op}: AllocateZeroed({count}, {elementSize}) returned a block with byte {dirty} not zero");
        }

        Pattern.Fill(block, size, seed);
        model.Add(new LiveBlock((nint)block, size, seed));
    }

    // -------------------------------------------------------------------------------------------------------------
    // Checks
    // -------------------------------------------------------------------------------------------------------------

    private static void CheckNewBlock(IAllocator heap, HeapGeometry g, byte* block, nuint size, int op, string what)
    {
        if (block == null)
        {
            Assert.Fail($"op {op}: {what} returned null");
        }

        if (((nuint)block & (nuint)(g.Alignment - 1)) != 0)
        {
            Assert.Fail($"op {op}: {what} returned 0x{(nint)block:X}, not aligned to {g.Alignment}");
        }

        if (!heap.Owns(block))
        {
            Assert.Fail($"op {op}: {what} returned 0x{(nint)block:X}, which the heap does not own");
        }

        nuint usable = heap.UsableSize(block);
        if (g.IsMedium(size))
        {
            int blockSize = g.BlockSizeOfStatsClass(g.StatsClassOf(size));
            if (usable != (nuint)blockSize)
            {
                Assert.Fail($"op {op}: {what}: medium block UsableSize {usable}, expected the size {blockSize} of medium class {g.MediumClassOf(size)}");
            }

            // A span block lies in the arena's pools that serve blocks: past the header table, not past the arena's end.
            nuint offset = (nuint)block & (nuint)(g.ArenaSize - 1);
            if (offset < (nuint)(g.HeaderPoolsPerArena * g.PoolSize) || offset + (nuint)blockSize > (nuint)g.ArenaSize)
            {
                Assert.Fail($"op {op}: {what}: medium block at offset {offset} of its arena ({blockSize} bytes) lies in the header table ({g.HeaderPoolsPerArena} pools) or crosses the arena's end");
            }
        }
        else if (g.IsSmall(size))
        {
            int blockSize = g.Classes[g.ClassOf(size)];
            if (usable != (nuint)blockSize)
            {
                Assert.Fail($"op {op}: {what}: UsableSize {usable}, expected the class size {blockSize}");
            }

            // The block must lie inside its pool, and the pool must not be one of the arena's header-table pools.
            nuint offset = (nuint)block & (nuint)(g.PoolSize - 1);
            nuint poolIndex = ((nuint)block & (nuint)(g.ArenaSize - 1)) / (nuint)g.PoolSize;
            if (offset + (nuint)blockSize > (nuint)g.PoolSize || poolIndex < (nuint)g.HeaderPoolsPerArena)
            {
                Assert.Fail($"op {op}: {what}: block at offset {offset} of pool {poolIndex} ({blockSize} bytes) crosses its {g.PoolSize}-byte pool or lies in the header table ({g.HeaderPoolsPerArena} pools)");
            }
        }
        else if (usable != size)
        {
            Assert.Fail($"op {op}: {what}: large block UsableSize {usable}, expected {size}");
        }

    }

    private static void CheckLiveBlock(IAllocator heap, HeapGeometry g, LiveBlock block, int op, string when)
    {
        var p = (byte*)block.Pointer;
        if (!heap.Owns(p))
        {
            Assert.Fail($"op {op}: live block 0x{block.Pointer:X} ({block.Size} bytes) not owned {when}");
        }

        nuint expected = g.UsableSizeOf(block.Size);
        nuint usable = heap.UsableSize(p);
        if (usable != expected)
        {
            Assert.Fail($"op {op}: live block 0x{block.Pointer:X} ({block.Size} bytes): UsableSize {usable}, expected {expected} {when}");
        }

        if (!Pattern.Matches(p, block.Size, block.Seed, out int at))
        {
            Assert.Fail($"op {op}: live block 0x{block.Pointer:X} ({block.Size} bytes) corrupted at byte {at} {when}");
        }
    }

    private static void CheckNoOverlap(IAllocator heap, Model model, int op)
    {
        int n = model.Count;
        var starts = new nuint[n];
        var ends = new nuint[n];
        for (int i = 0; i < n; i++)
        {
            LiveBlock b = model[i];
            starts[i] = (nuint)b.Pointer;
            ends[i] = (nuint)b.Pointer + Math.Max(heap.UsableSize((void*)b.Pointer), 1);
        }

        Array.Sort(starts, ends);
        for (int i = 1; i < n; i++)
        {
            if (starts[i] < ends[i - 1])
            {
                Assert.Fail($"op {op}: live blocks overlap: [0x{starts[i - 1]:X}, 0x{ends[i - 1]:X}) and [0x{starts[i]:X}, 0x{ends[i]:X})");
            }
        }
    }

    private static void CheckStats(HeapGeometry g, Model model, AllocatorStats stats, int op, List<string> layoutMismatches)
    {
        string at = $"{g.Name}, op {op}";
        Assert.Equal(g.StatsClassCount, stats.SizeClasses.Count);
        Assert.Equal(g.ArenaSize, stats.ArenaSize);
        Assert.Equal(g.PoolSize, stats.PoolSize);
        long bytesInUse = model.LargeBytes;
        for (int cls = 0; cls < g.StatsClassCount; cls++)
        {
            SizeClassStats c = stats.SizeClasses[cls];
            Assert.Equal(cls, c.Index);
            Assert.Equal(g.BlockSizeOfStatsClass(cls), c.BlockSize);
            if (c.BlocksInUse != model.InUse[cls])
            {
                Assert.Fail($"{at}: class {cls} ({c.BlockSize} B): {c.BlocksInUse} blocks in use, model {model.InUse[cls]}");
            }

            if ((c.Pools == 0) != (c.BlocksInUse == 0) || c.FreeBlocks < 0)
            {
                Assert.Fail($"{at}: class {cls}: {c.Pools} pools, {c.BlocksInUse} in use, {c.FreeBlocks} free");
            }

            // A small class's pools, or a medium class's spans, each hold the same number of blocks.
            (int unitPools, int unitBlocks) = g.CarvingUnit(cls);
            if ((c.Pools % unitPools != 0 || c.FreeBlocks + c.BlocksInUse != c.Pools / unitPools * unitBlocks) && layoutMismatches.Count < 1000)
            {
                layoutMismatches.Add(
                    $"  {at}: class {cls} ({c.BlockSize} B): {c.FreeBlocks} free + {c.BlocksInUse} in use in {c.Pools} pools, expected "
                    + $"whole runs of {unitPools} pools of {unitBlocks} blocks each ({g.PoolSize}-byte pools)");
            }

            bytesInUse += model.InUse[cls] * c.BlockSize;
        }

        Assert.Equal(model.LargeCount, stats.LargeBlocks);
        Assert.Equal(model.LargeBytes, stats.LargeBytes);
        Assert.Equal(bytesInUse, stats.BytesInUse);
        Assert.Equal(model.Count, stats.BlocksInUse);
        Assert.True(stats.ArenasCurrent <= stats.ArenasHighWater, $"{at}: {stats.ArenasCurrent} arenas > high water {stats.ArenasHighWater}");
        Assert.Equal(stats.ArenasAllocated - stats.ArenasReleased, stats.ArenasCurrent);
        Assert.Equal((stats.ArenasCurrent * Math.Max(g.ArenaSize, Environment.SystemPageSize)) + stats.LargeBytes, stats.BytesReserved);
        Assert.True(stats.BytesCommitted <= stats.BytesReserved, $"{at}: committed {stats.BytesCommitted} > reserved {stats.BytesReserved}");
        Assert.Equal(stats.ArenasCurrent * g.PoolsPerArena, stats.PoolsInUse + stats.PoolsRetained + stats.PoolsFree);
        Assert.True(stats.TotalBytes == stats.BytesReserved, $"{at}: the dump's parts add up to {stats.TotalBytes}, not the {stats.BytesReserved} bytes reserved");
    }

    // -------------------------------------------------------------------------------------------------------------
    // The model
    // -------------------------------------------------------------------------------------------------------------

    private readonly record struct LiveBlock(nint Pointer, nuint Size, uint Seed);

    /// <summary>The live blocks (unordered; removal swaps with the last) and the counts the statistics must show.</summary>
    private sealed class Model(HeapGeometry g)
    {
        private readonly List<LiveBlock> _blocks = new();

        /// <summary>Blocks in use per row of the statistics: the small classes, then the medium ones.</summary>
        public long[] InUse { get; } = new long[g.StatsClassCount];

        public long LargeCount { get; private set; }

        public long LargeBytes { get; private set; }

        public int Count => _blocks.Count;

        public IReadOnlyList<LiveBlock> Blocks => _blocks;

        public LiveBlock this[int index] => _blocks[index];

        public void Add(LiveBlock block)
        {
            _blocks.Add(block);
            Track(block, +1);
        }

        public void RemoveAt(int index)
        {
            Track(_blocks[index], -1);
            _blocks[index] = _blocks[^1];
            _blocks.RemoveAt(_blocks.Count - 1);
        }

        public void Replace(int index, LiveBlock block)
        {
            Track(_blocks[index], -1);
            _blocks[index] = block;
            Track(block, +1);
        }

        private void Track(LiveBlock block, int delta)
        {
            if (g.StatsClassOf(block.Size) is var cls and >= 0)
            {
                InUse[cls] += delta;
            }
            else
            {
                LargeCount += delta;
                LargeBytes += delta * (long)block.Size;
            }
        }
    }
}

/// <summary>
/// The bytes a block of the model holds: an 8-byte token from its seed, then one fill byte. Filling and checking
/// use vectorized span operations, so a million operations stay fast in Debug.
/// </summary>
internal static unsafe class Pattern
{
    public static void Fill(byte* block, nuint size, uint seed)
    {
        var span = new Span<byte>(block, (int)size);
        ulong token = Token(seed);
        int head = Math.Min(8, span.Length);
        for (int i = 0; i < head; i++)
        {
            span[i] = (byte)(token >> (8 * i));
        }

        if (span.Length > 8)
        {
            span[8..].Fill(FillByte(seed));
        }
    }

    /// <summary>Whether the first <paramref name="size"/> bytes hold the pattern of <paramref name="seed"/>.</summary>
    public static bool Matches(byte* block, nuint size, uint seed, out int firstBad)
    {
        var span = new ReadOnlySpan<byte>(block, (int)size);
        ulong token = Token(seed);
        int head = Math.Min(8, span.Length);
        for (int i = 0; i < head; i++)
        {
            if (span[i] != (byte)(token >> (8 * i)))
            {
                firstBad = i;
                return false;
            }
        }

        firstBad = span.Length > 8 ? span[8..].IndexOfAnyExcept(FillByte(seed)) : -1;
        if (firstBad >= 0)
        {
            firstBad += 8;
            return false;
        }

        return true;
    }

    private static ulong Token(uint seed)
    {
        ulong x = (seed + 1UL) * 0x9E3779B97F4A7C15UL;
        x ^= x >> 31;
        return x * 0xBF58476D1CE4E5B9UL;
    }

    private static byte FillByte(uint seed) => (byte)((Token(seed) >> 56) | 1);
}
