using AllocGen.Memory;
using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// <see cref="TrimTests"/> for the medium tier: Trim gives back the retained spans and the pages of the pools freed
/// spans left, keeps every span and pool with a live block (and its contents), and the heap serves every tier again
/// afterwards from the pools it gave back.
/// </summary>
public sealed unsafe class MediumTrimTests
{
    public static TheoryData<string, ThreadPolicy> Runs => new()
    {
        { nameof(MediumLayout.Default), ThreadPolicy.SingleThreaded },
        { nameof(MediumLayout.Small), ThreadPolicy.SingleThreaded },
        { nameof(MediumLayout.Coarse), ThreadPolicy.SingleThreaded },
        { nameof(MediumLayout.Small), ThreadPolicy.PerThread },
    };

    /// <summary>Medium sizes of several classes (the first, one of multi-pool spans, the largest, one between) and small ones, round robin.</summary>
    private static nuint[] Mix(MediumLayout g)
    {
        int multiPool = Array.FindIndex(g.SpanPools, p => p > 1);
        return
        [
            (nuint)g.MediumClasses[0],
            (nuint)g.MediumClasses[multiPool] - 1,
            100,
            (nuint)g.MediumThreshold,
            (nuint)g.MediumClasses[g.MediumClassCount / 2],
            (nuint)g.SmallThreshold,
        ];
    }

    private static void AllocateArenasWorth(RuntimeHeap heap, MediumModel model, MediumLayout g, int arenas, ref uint seed)
    {
        nuint[] mix = Mix(g);
        long bytes = 0;
        for (int i = 0; bytes < (long)arenas * g.ArenaSize; i++)
        {
            nuint size = mix[i % mix.Length];
            model.Add(heap.Allocate(size), size, seed++, $"Allocate({size})");
            bytes += (long)size;
        }
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void TrimGivesBackFreedSpansAndKeepsTheLiveBlocks(string layout, ThreadPolicy policy)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(policy);
        var model = new MediumModel(g, heap);
        uint seed = 1;
        AllocateArenasWorth(heap, model, g, arenas: 6, ref seed);
        Assert.True(heap.GetStats().ArenasCurrent >= 5, $"{g}: {heap.GetStats().ArenasCurrent} arenas");

        // Keep one block in eleven: most spans go empty (their pools back to the arenas, one retained per class),
        // the ones with a kept block stay, spread over the arenas, so the arenas stay too.
        var freedMedium = new List<MediumLiveBlock>();
        for (int i = model.Count - 1; i >= 0; i--)
        {
            if (i % 11 != 0)
            {
                if (model[i].Tier == Tier.Medium)
                {
                    freedMedium.Add(model[i]);
                }

                heap.Free((void*)model[i].Pointer);
                model.RemoveAt(i);
            }
        }

        AllocatorStats before = heap.GetStats();
        model.CheckStats(before, "after freeing ten in eleven");
        Assert.True(before.PoolsFree > before.ArenasCurrent, $"{g}: {before.PoolsFree} free pools in {before.ArenasCurrent} arenas");

        heap.Trim();
        AllocatorStats after = heap.GetStats();
        model.CheckStats(after, "after Trim", afterTrim: true);
        model.CheckAllLive("after Trim");
        Assert.Equal(before.PoolsInUse, after.PoolsInUse);
        Assert.True(after.ArenasCurrent > 1, $"{g}: the kept blocks are spread over several arenas, which stay");

        // Committed: the pools of the live spans and pools, plus the header-table pages (each in whole OS pages).
        long unit = Math.Max((long)OsPages.PageSize, g.PoolSize);
        long headerBytes = after.ArenasCurrent * g.HeaderPoolsPerArena * unit;
        Assert.InRange(after.BytesCommitted, after.PoolsInUse * g.PoolSize, (after.PoolsInUse * unit) + headerBytes);
        Assert.True(after.BytesCommitted < before.BytesCommitted, $"{g}: committed {before.BytesCommitted} -> {after.BytesCommitted}");

        // A freed block with no live block within a span's length of it lay in a span that went empty, and is given
        // back now, pages and all: rejected, the heap unchanged.
        MediumLiveBlock stale = freedMedium.First(f =>
            heap.Owns((void*)f.Pointer)
            && !model.Blocks.Any(b => Math.Abs(b.Pointer - f.Pointer) < g.SpanBytes(f.Class)));
        long inUse = after.BlocksInUse;
        Assert.Throws<ArgumentException>(() => heap.Free((void*)stale.Pointer));
        Assert.Throws<ArgumentException>(() => heap.UsableSize((void*)stale.Pointer));
        Assert.Equal(inUse, heap.GetStats().BlocksInUse);

        // The given-back pools serve again, small classes and spans alike.
        AllocateArenasWorth(heap, model, g, arenas: 4, ref seed);
        model.CheckStats(heap.GetStats(), "allocating again");
        model.CheckNoOverlap("allocating again");
        model.CheckAllLive("allocating again");

        while (model.Count > 0)
        {
            heap.Free((void*)model[^1].Pointer);
            model.RemoveAt(model.Count - 1);
        }

        AllocatorStats drained = heap.GetStats();
        model.CheckStats(drained, "everything freed");
        Assert.InRange(drained.ArenasCurrent, 0, 1);
        heap.Trim();
        AllocatorStats empty = heap.GetStats();
        model.CheckStats(empty, "everything freed, trimmed", afterTrim: true);
        Assert.Equal(0, empty.BytesReserved);
    }

    /// <summary>Each medium class's retained span goes back on Trim, and the heap holds nothing afterwards.</summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void TrimGivesBackTheRetainedSpanOfEveryClass(string layout, ThreadPolicy policy)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(policy);
        var model = new MediumModel(g, heap);

        // One class at a time, so each class's span is the only one and is retained when its block is freed.
        long retainedPools = 0;
        for (int m = 0; m < g.MediumClassCount; m++)
        {
            model.AddMedium(heap.AllocateMedium(m), m, (uint)m, $"AllocateMedium({m})");
            model.CheckStats(heap.GetStats(), $"class {m} allocated");
            heap.Free((void*)model[0].Pointer);
            model.RemoveAt(0);
            AllocatorStats stats = heap.GetStats();
            model.CheckStats(stats, $"class {m} freed");
            retainedPools = Math.Max(retainedPools, stats.PoolsRetained);
        }

        Assert.True(retainedPools >= g.SpanPools.Max(), $"{g}: at most {retainedPools} pools retained");
        heap.Trim();
        AllocatorStats trimmed = heap.GetStats();
        model.CheckStats(trimmed, "trimmed", afterTrim: true);
        Assert.Equal(0, trimmed.ArenasCurrent);
    }
}
