using AllocGen.Stats;
using CsCheck;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>One random step: what to do (0..99), which tier and size (0..99 and two seeds), which live block.</summary>
internal readonly record struct MediumOp(int Action, int Tier, int A, int B, int Pick);

/// <summary>
/// Random workloads over the three tiers on heaps with a medium tier (hand-written geometries, every thread policy,
/// driven from one thread), against <see cref="MediumModel"/>: allocations of every tier, frees, zeroed allocations,
/// resizes within a medium class (in place), across classes and across the tiers' borders, and Trim, in phases that
/// grow and drain so spans and arenas come and go. Contents, placement and usable size are checked for every block,
/// the statistics every few steps; at the end everything is freed and the heap holds at most one idle arena.
/// </summary>
public sealed unsafe class MediumDifferentialTests
{
    private const int PhaseLength = 300;
    private const int StatsEvery = 10;

    public static TheoryData<string, ThreadPolicy> Runs => new()
    {
        { nameof(MediumLayout.Default), ThreadPolicy.SingleThreaded },
        { nameof(MediumLayout.Small), ThreadPolicy.SingleThreaded },
        { nameof(MediumLayout.Coarse), ThreadPolicy.SingleThreaded },
        { nameof(MediumLayout.Small), ThreadPolicy.Locked },
        { nameof(MediumLayout.Small), ThreadPolicy.PerThread },
        { nameof(MediumLayout.Coarse), ThreadPolicy.PerThread },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void RandomOperationsAcrossTheTiersMatchTheModel(string layout, ThreadPolicy policy)
    {
        MediumLayout g = MediumLayout.Named(layout);
        var reached = new MediumReached(g);
        Gen<MediumOp[]> ops = Gen.Select(Gen.Int[0, 99], Gen.Int[0, 99], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue])
            .Select((action, tier, a, b, pick) => new MediumOp(action, tier, a, b, pick))
            .Array[1, 2_500];
        ops.Sample(run => Run(g, policy, run, reached), iter: 16, threads: 1);
        reached.AssertWorthwhile();
    }

    /// <summary>A resize to any size of the block's own medium class keeps the block where it is, contents and all.</summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void ReallocateWithinAMediumClassKeepsTheBlockInPlace(string layout, ThreadPolicy policy)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(policy);
        for (int m = 0; m < g.MediumClassCount; m++)
        {
            (nuint low, nuint high) = g.MediumClassRange(m);
            nuint blockSize = (nuint)g.MediumClasses[m];
            var block = (byte*)heap.AllocateMedium(m);
            Pattern.Fill(block, blockSize, (uint)m);
            foreach (nuint size in new[] { high, low, (low + high) / 2, high })
            {
                Assert.Equal(m, g.MediumClassOf(size));
                var resized = (byte*)heap.Reallocate(block, size);
                Assert.True(resized == block, $"{g}: Reallocate to {size} bytes, in medium class {m} ({blockSize} B), moved 0x{(nint)block:X} → 0x{(nint)resized:X}");
                Assert.Equal(blockSize, heap.UsableSize(resized));
            }

            Assert.True(Pattern.Matches(block, low, (uint)m, out int bad), $"{g}: medium class {m}: byte {bad} changed by resizing in place");
            heap.Free(block);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    /// <summary>
    /// A resize across a tier's border lands in the tier of the new size, as a new allocation of it would: a large
    /// block shrunk to a medium size becomes a medium block (from the arenas, its class's usable size, no large block
    /// left), a medium block grown past the tier becomes large, and back down again.
    /// </summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void ResizesAcrossTheMediumTiersBordersLandInTheTierOfTheNewSize(string layout, ThreadPolicy policy)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(policy);
        var model = new MediumModel(g, heap);
        nuint large = (nuint)g.MediumThreshold + 1000;
        nuint[] mediumSizes = [(nuint)g.SmallThreshold + 1, (nuint)g.MediumClasses[g.MediumClassCount / 2] - 3, (nuint)g.MediumThreshold];
        foreach (nuint medium in mediumSizes)
        {
            MediumLiveBlock block = model.Add(heap.Allocate(large), large, 7, $"Allocate({large})");
            foreach ((nuint size, string what) in new (nuint, string)[] { (medium, "large → medium"), (large * 2, "medium → large"), (medium, "large → medium again"), (16, "medium → small"), (medium, "small → medium") })
            {
                var moved = (byte*)heap.Reallocate((void*)block.Pointer, size);
                nuint kept = Math.Min(block.Size, size);
                Assert.True(Pattern.Matches(moved, kept, block.Seed, out int bad), $"{g}: Reallocate {what} ({block.Size} → {size}) lost byte {bad}");
                model.RemoveAt(0);
                block = model.Add(moved, size, block.Seed, $"Reallocate {what} ({block.Size} → {size})");
                model.CheckStats(heap.GetStats(), $"after Reallocate {what} ({size} bytes)");
            }

            heap.Free((void*)block.Pointer);
            model.RemoveAt(0);
        }

        model.CheckStats(heap.GetStats(), "everything freed");
    }

    private static void Run(MediumLayout g, ThreadPolicy policy, MediumOp[] ops, MediumReached reached)
    {
        using RuntimeHeap heap = g.Create(policy);
        var model = new MediumModel(g, heap);
        uint seed = 1;
        for (int i = 0; i < ops.Length; i++)
        {
            MediumOp op = ops[i];
            string at = $"step {i} of {ops.Length}";
            bool growing = i / PhaseLength % 2 == 0;
            bool trimmed = false;
            if (op.Action == 0)
            {
                heap.Trim();
                trimmed = true;
                reached.Trims++;
            }
            else if (model.Count == 0 || op.Action <= (growing ? 70 : 20))
            {
                nuint size = SizeOf(g, op.Tier, op.A, op.B);
                if (op.Action % 10 == 1)
                {
                    var zeroed = (byte*)heap.AllocateZeroed(1, size);
                    int dirty = zeroed == null ? -1 : new ReadOnlySpan<byte>(zeroed, (int)size).IndexOfAnyExcept((byte)0);
                    Assert.True(dirty < 0, $"{g}, {at}: AllocateZeroed({size}) returned a block with byte {dirty} not zero");
                    model.Add(zeroed, size, seed++, $"{at}: AllocateZeroed({size})");
                }
                else
                {
                    model.Add(heap.Allocate(size), size, seed++, $"{at}: Allocate({size})");
                }

                reached.Allocated(model.ClassFor(size));
            }
            else if (op.Action <= (growing ? 88 : 85))
            {
                int index = (int)((uint)op.Pick % (uint)model.Count);
                model.CheckLive(model[index], $"{at}, before Free");
                heap.Free((void*)model[index].Pointer);
                model.RemoveAt(index);
            }
            else
            {
                Resize(g, heap, model, op, at, reached);
            }

            if (trimmed || i % StatsEvery == 0)
            {
                AllocatorStats stats = heap.GetStats();
                model.CheckStats(stats, at, afterTrim: trimmed);
                model.CheckNoOverlap(at);
                reached.Add(stats);
            }

            if (i % 100 == 99)
            {
                model.CheckAllLive(at);
            }
        }

        model.CheckAllLive("at the end");
        while (model.Count > 0)
        {
            heap.Free((void*)model[0].Pointer);
            model.RemoveAt(0);
        }

        AllocatorStats end = heap.GetStats();
        model.CheckStats(end, "everything freed");
        Assert.All(end.SizeClasses, c => Assert.True(c.BlocksInUse == 0 && c.Pools == 0, $"{g}: class {c.Index} holds {c} after everything was freed"));
        Assert.InRange(end.ArenasCurrent, 0, 1);
        heap.Trim();
        AllocatorStats trimmed2 = heap.GetStats();
        model.CheckStats(trimmed2, "everything freed, trimmed", afterTrim: true);
        Assert.Equal(0, trimmed2.BytesReserved);
    }

    /// <summary>A resize: within the block's own class (in place for a medium block), across a tier's border, or anywhere.</summary>
    private static void Resize(MediumLayout g, RuntimeHeap heap, MediumModel model, MediumOp op, string at, MediumReached reached)
    {
        int index = (int)((uint)op.Pick % (uint)model.Count);
        MediumLiveBlock old = model[index];
        model.CheckLive(old, $"{at}, before Reallocate");
        nuint newSize = (op.Tier % 4) switch
        {
            0 => SameClassSize(g, old, op.A),
            1 => old.Tier switch
            {
                Tier.Small => SizeOf(g, 40, op.A, op.B),                             // up into the medium tier
                Tier.Medium => SizeOf(g, op.A % 2 == 0 ? 10 : 95, op.A, op.B),       // down to small, or up to large
                _ => SizeOf(g, 40, op.A, op.B),                                       // down into the medium tier
            },
            _ => SizeOf(g, op.Tier, op.B, op.A),
        };

        var moved = (byte*)heap.Reallocate((void*)old.Pointer, newSize);
        string what = $"{at}: Reallocate({old.Tier} {old.Size} B, class {old.Class} → {newSize} B)";
        nuint kept = Math.Min(old.Size, newSize);
        if (!Pattern.Matches(moved, kept, old.Seed, out int bad))
        {
            Assert.Fail($"{g}, {what} lost the contents at byte {bad} (0x{old.Pointer:X} → 0x{(nint)moved:X})");
        }

        (Tier newTier, int newClass) = model.ClassFor(newSize);
        bool sameClass = newTier == old.Tier && newClass == old.Class && old.Tier != Tier.Large;
        if (sameClass && moved != (byte*)old.Pointer)
        {
            Assert.Fail($"{g}, {what} stays in its class but moved 0x{old.Pointer:X} → 0x{(nint)moved:X}");
        }

        if (moved == (byte*)old.Pointer && old.Tier != Tier.Large)
        {
            // Kept in place: only where the new size needs the block size it has (a class sharing it, with a coarse alignment).
            bool sameBlockSize = newTier == old.Tier && newTier switch
            {
                Tier.Small => newClass == old.Class,
                _ => g.MediumClasses[newClass] == g.MediumClasses[old.Class],
            };
            Assert.True(sameBlockSize, $"{g}, {what} kept the block in place though the new size needs another class");
            model.ReplaceInPlace(index, newSize);
            model.CheckPlacement(model[index], what);
            if (old.Tier == Tier.Medium)
            {
                reached.MediumInPlace++;
            }

            return;
        }

        model.RemoveAt(index);
        model.Add(moved, newSize, old.Seed, what);
        if (old.Tier != newTier)
        {
            reached.AcrossTiers++;
        }
    }

    /// <summary>
    /// A size by tier roll: 0..29 small (0 now and then), 30..69 in a random medium class, 70..79 a class size or one
    /// past it, 80..87 the tiers' borders, 88..99 large (up to twice the medium threshold).
    /// </summary>
    internal static nuint SizeOf(MediumLayout g, int tier, int a, int b)
    {
        uint ua = (uint)a, ub = (uint)b;
        if (tier < 2)
        {
            return 0;
        }

        if (tier < 30)
        {
            return 1 + (ua % (uint)g.SmallThreshold);
        }

        if (tier < 70)
        {
            (nuint low, nuint high) = g.MediumClassRange((int)(ua % (uint)g.MediumClassCount));
            return low + (ub % (high - low + 1));
        }

        if (tier < 80)
        {
            int all = g.SmallClasses.Length + g.MediumClassCount;
            int c = (int)(ua % (uint)all);
            int size = c < g.SmallClasses.Length ? g.SmallClasses[c] : g.MediumClasses[c - g.SmallClasses.Length];
            return (nuint)(size + (int)(ub % 2));
        }

        if (tier < 88)
        {
            return (ua % 4) switch
            {
                0 => (nuint)g.SmallThreshold,
                1 => (nuint)g.SmallThreshold + 1,
                2 => (nuint)g.MediumThreshold,
                _ => (nuint)g.MediumThreshold + 1,
            };
        }

        return (nuint)g.MediumThreshold + 1 + (ub % (uint)g.MediumThreshold);
    }

    /// <summary>Another size the block's class serves (for a large block: another large size).</summary>
    private static nuint SameClassSize(MediumLayout g, MediumLiveBlock block, int a)
    {
        uint ua = (uint)a;
        switch (block.Tier)
        {
            case Tier.Small:
            {
                uint low = block.Class == 0 ? 0 : (uint)g.SmallClasses[block.Class - 1] + 1;
                return low + (ua % ((uint)g.SmallClasses[block.Class] - low + 1));
            }

            case Tier.Medium:
            {
                (nuint low, nuint high) = g.MediumClassRange(block.Class);
                return low + (ua % (high - low + 1));
            }

            default:
                return (nuint)g.MediumThreshold + 1 + (ua % (uint)g.MediumThreshold);
        }
    }
}

/// <summary>What the runs of one test reached, so that it can check they exercised the tier rather than passed on trivial workloads.</summary>
internal sealed class MediumReached(MediumLayout g)
{
    private readonly bool[] _mediumClassesUsed = new bool[g.MediumClassCount];

    public long MediumInPlace { get; set; }

    public long AcrossTiers { get; set; }

    public long Trims { get; set; }

    public long ArenasReleased { get; private set; }

    public long ArenasHighWater { get; private set; }

    public long MaxMultiPoolSpans { get; private set; }

    public void Allocated((Tier Tier, int Class) cls)
    {
        if (cls.Tier == Tier.Medium)
        {
            _mediumClassesUsed[cls.Class] = true;
        }
    }

    public void Add(AllocatorStats stats)
    {
        ArenasReleased = Math.Max(ArenasReleased, stats.ArenasReleased);
        ArenasHighWater = Math.Max(ArenasHighWater, stats.ArenasHighWater);
        long multiPool = 0;
        for (int m = 0; m < g.MediumClassCount && g.StatsIndex(m) < stats.SizeClasses.Count; m++)
        {
            if (g.SpanPools[m] > 1)
            {
                multiPool += stats.SizeClasses[g.StatsIndex(m)].Pools / g.SpanPools[m];
            }
        }

        MaxMultiPoolSpans = Math.Max(MaxMultiPoolSpans, multiPool);
    }

    public void AssertWorthwhile()
    {
        int used = _mediumClassesUsed.Count(u => u);
        Assert.True(used == g.MediumClassCount, $"{g}: the workloads used {used} of the {g.MediumClassCount} medium classes");
        Assert.True(MediumInPlace > 0, $"{g}: no medium block was resized in place");
        Assert.True(AcrossTiers > 10, $"{g}: only {AcrossTiers} resizes crossed a tier's border");
        Assert.True(Trims > 0, $"{g}: no Trim");
        Assert.True(ArenasReleased > 0, $"{g}: no arena was released");
        Assert.True(ArenasHighWater >= 3, $"{g}: at most {ArenasHighWater} arenas at once");
        Assert.True(MaxMultiPoolSpans >= 2, $"{g}: at most {MaxMultiPoolSpans} spans of several pools at once");
    }
}
