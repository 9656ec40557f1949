using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// <see cref="ZeroedAllocationTests"/> for the medium tier. <c>AllocateZeroed</c> skips clearing the frontier block of
/// a span whose memory is known to be zero, so every way a span's memory can be dirty must still come back zeroed:
/// recycled medium blocks, spans carved over pools small classes dirtied, pools of a freed span taken by small
/// classes (the part its frontier reached is dirty, the rest is not), arenas reused from the kept ranges, and Trim.
/// </summary>
public sealed unsafe class MediumZeroedAllocationTests
{
    private const byte Dirt = 0xAB;

    public static TheoryData<string, ThreadPolicy> Runs => new()
    {
        { nameof(MediumLayout.Default), ThreadPolicy.SingleThreaded },
        { nameof(MediumLayout.Small), ThreadPolicy.SingleThreaded },
        { nameof(MediumLayout.Coarse), ThreadPolicy.SingleThreaded },
        { nameof(MediumLayout.Small), ThreadPolicy.PerThread },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void FreshAndRecycledMediumBlocksComeBackZeroed(string layout, ThreadPolicy policy)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(policy);
        for (int m = 0; m < g.MediumClassCount; m++)
        {
            (nuint low, nuint high) = g.MediumClassRange(m);

            // Fresh, as count × size, then dirtied to the block's last byte, freed, and asked for again.
            nuint elements = high / 8;
            var fresh = (byte*)heap.AllocateZeroed(elements, 8);
            AssertZero(g, fresh, elements * 8, $"a fresh zeroed block of class {m}");
            new Span<byte>(fresh, g.MediumClasses[m]).Fill(Dirt);
            heap.Free(fresh);

            var recycled = (byte*)heap.AllocateZeroed(1, low);
            Assert.True(recycled == fresh, $"{g}: class {m}: the block freed last is not the one handed out next");
            AssertZero(g, recycled, low, $"a recycled zeroed block of class {m} ({low} bytes)");
            Assert.Equal((nuint)g.MediumClasses[m], heap.UsableSize(recycled));
            heap.Free(recycled);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void SpansCarvedOverPoolsSmallClassesDirtiedComeBackZeroed(string layout, ThreadPolicy policy)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(policy);

        // Every serving pool of an arena, dirtied by the largest small class, then all emptied (the arena is idle, kept).
        int count = g.PoolsPerArena * (g.PoolSize / g.SmallThreshold);
        List<nint> dirty = AllocateDirty(heap, (nuint)g.SmallThreshold, count);
        FreeAll(heap, dirty);
        Assert.Equal(1, heap.GetStats().ArenasCurrent);

        // Spans of every class over those pools: each frontier block is dirty memory.
        for (int m = 0; m < g.MediumClassCount; m++)
        {
            nuint size = (nuint)g.MediumClasses[m];
            var zeroed = new List<nint>();
            for (int i = 0; i < g.BlocksPerSpan(m); i++)
            {
                var p = (byte*)heap.AllocateZeroed(1, size);
                AssertZero(g, p, size, $"medium class {m}, block {i} of a span carved over dirty pools");
                zeroed.Add((nint)p);
            }

            FreeAll(heap, zeroed);
        }
    }

    /// <summary>
    /// A span whose frontier stopped part way: freed, its pools go back to the arena, dirty up to the frontier and
    /// zero after it; small classes then lay them out, and each zeroed block must read zero, before and after the frontier.
    /// </summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void PoolsOfAFreedSpanServeSmallClassesZeroed(string layout, ThreadPolicy policy)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(policy);
        int m = Array.FindIndex(g.SpanPools, p => p >= 4);
        int blockSize = g.MediumClasses[m];

        // Two spans of the class: the first full, then two blocks of the second (whose frontier ends inside its pools).
        List<nint> spans = AllocateDirty(heap, (nuint)blockSize, g.BlocksPerSpan(m) + 2);

        // The second span empties first and is given back (the first is still live), then the first: it is retained.
        FreeAll(heap, spans.GetRange(g.BlocksPerSpan(m), 2));
        FreeAll(heap, spans.GetRange(0, g.BlocksPerSpan(m)));

        // Every free pool of the arena, small blocks of every class over them, zeroed.
        foreach (int small in g.SmallClasses)
        {
            var blocks = new List<nint>();
            for (int i = 0; i < 2 * g.SpanPools[m] * (g.PoolSize / small); i++)
            {
                var p = (byte*)heap.AllocateZeroed(1, (nuint)small);
                AssertZero(g, p, (nuint)small, $"small block {i} of {small} bytes over the pools of a freed span");
                blocks.Add((nint)p);
            }

            FreeAll(heap, blocks);
        }
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void MediumBlocksOfReusedArenasAndOfTrimmedSpansComeBackZeroed(string layout, ThreadPolicy policy)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(policy);
        int m = Array.FindIndex(g.SpanPools, p => p > 1);
        nuint size = (nuint)g.MediumClasses[m];
        int perArena = g.PoolsPerArena / g.SpanPools[m] * g.BlocksPerSpan(m);

        // Three arenas' worth, dirty, freed: all but one arena go to the kept ranges, their pages still dirty.
        FreeAll(heap, AllocateDirty(heap, size, 3 * perArena));
        Assert.True(heap.GetStats().ArenasReleased > 0, $"{g}: no arena released");
        AssertZeroedBlocks(g, heap, size, 3 * perArena, "from reused arenas");

        // Some live blocks keep their arenas; Trim gives back the pages of the spans freed around them.
        List<nint> dirty = AllocateDirty(heap, size, 3 * perArena);
        var kept = new List<nint>();
        for (int i = 0; i < dirty.Count; i++)
        {
            if (i % (perArena / 2) == 0)
            {
                kept.Add(dirty[i]);
            }
            else
            {
                heap.Free((void*)dirty[i]);
            }
        }

        heap.Trim();
        AssertZeroedBlocks(g, heap, size, 2 * perArena, "after Trim");
        AssertZeroedBlocks(g, heap, (nuint)g.MediumThreshold, 4, "of the largest class after Trim");
        FreeAll(heap, kept);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    private static List<nint> AllocateDirty(RuntimeHeap heap, nuint size, int count)
    {
        var blocks = new List<nint>(count);
        for (int i = 0; i < count; i++)
        {
            var p = (byte*)heap.Allocate(size);
            new Span<byte>(p, (int)heap.UsableSize(p)).Fill(Dirt);
            blocks.Add((nint)p);
        }

        return blocks;
    }

    /// <summary>Allocates zeroed blocks, checks each, dirties it, and frees them all at the end.</summary>
    private static void AssertZeroedBlocks(MediumLayout g, RuntimeHeap heap, nuint size, int count, string what)
    {
        var blocks = new List<nint>(count);
        for (int i = 0; i < count; i++)
        {
            var p = (byte*)heap.AllocateZeroed(1, size);
            AssertZero(g, p, size, $"zeroed block {i} of {size} bytes {what}");
            new Span<byte>(p, (int)size).Fill(Dirt);
            blocks.Add((nint)p);
        }

        FreeAll(heap, blocks);
    }

    private static void AssertZero(MediumLayout g, byte* p, nuint size, string what)
    {
        int dirty = new ReadOnlySpan<byte>(p, (int)size).IndexOfAnyExcept((byte)0);
        Assert.True(dirty < 0, $"{g}: {what} at 0x{(nint)p:X} holds 0x{(dirty < 0 ? 0 : p[dirty]):X2} at byte {dirty}");
    }

    private static void FreeAll(RuntimeHeap heap, List<nint> blocks)
    {
        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }
    }
}
