using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// <see cref="LiveBlockCheckTests"/> for the medium tier: Free, Reallocate and UsableSize reject every pointer that is
/// not a live medium block (interior, into a later pool of its span, past the span's frontier, freed already where
/// that is detected, another heap's) with ArgumentException, the heap unchanged; after Dispose they throw
/// ObjectDisposedException.
/// </summary>
public sealed unsafe class MediumLiveBlockCheckTests
{
    public static TheoryData<string> Layouts => new() { nameof(MediumLayout.Default), nameof(MediumLayout.Small), nameof(MediumLayout.Coarse) };

    /// <summary>Free, UsableSize, and Reallocate to a small, a large and every medium block size: each rejects the pointer and changes nothing.</summary>
    private static void AssertEveryEntryPointRejects(RuntimeHeap heap, MediumLayout g, void* bad, string why)
    {
        string before = Fingerprint(heap.GetStats());
        var attempts = new List<(string Name, Action Call)>
        {
            ("Free", () => heap.Free(bad)),
            ("UsableSize", () => heap.UsableSize(bad)),
            ("Reallocate to a small block", () => heap.Reallocate(bad, 16)),
            ("Reallocate to a large block", () => heap.Reallocate(bad, (nuint)g.MediumThreshold + 1000)),
        };

        // Every medium class, so one of them is the class of the span the pointer lies in.
        foreach (int blockSize in g.MediumClasses.Distinct())
        {
            attempts.Add(($"Reallocate to {blockSize} bytes", () => heap.Reallocate(bad, (nuint)blockSize)));
        }

        foreach ((string name, Action call) in attempts)
        {
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(call);
            Assert.IsNotType<ObjectDisposedException>(e);
            Assert.Equal("pointer", e.ParamName);
            string after = Fingerprint(heap.GetStats());
            Assert.True(before == after, $"{g}: {name}({why}) changed the heap:{Environment.NewLine}{before}{Environment.NewLine}->{Environment.NewLine}{after}");
        }
    }

    /// <summary>The class the tests use: the first whose span has several pools and several blocks, each block larger than a pool.</summary>
    private static int MultiPoolClass(MediumLayout g)
    {
        for (int m = 0; m < g.MediumClassCount; m++)
        {
            if (g.SpanPools[m] > 1 && g.BlocksPerSpan(m) >= 3 && g.MediumClasses[m] > g.PoolSize && g.MediumClasses[m] % g.PoolSize != 0)
            {
                return m;
            }
        }

        throw new InvalidOperationException($"{g} has no medium class with a multi-pool span of several blocks larger than a pool");
    }

    /// <summary>A medium block of the class, from the heap's arenas (the tier's premise: the checks below are the span's).</summary>
    private static byte* AllocateInArena(RuntimeHeap heap, MediumLayout g, int mediumClass)
    {
        var block = (byte*)heap.AllocateMedium(mediumClass);
        var arena = (void*)((nint)block & ~(nint)(g.ArenaSize - 1));
        Assert.True(heap.Owns(arena), $"{g}: a medium block of class {mediumClass} at 0x{(nint)block:X} lies in none of the heap's arenas");
        return block;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void InteriorPointersOfMediumBlocksAreRejectedByEveryEntryPoint(string layout)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(ThreadPolicy.SingleThreaded);
        int m = MultiPoolClass(g);
        int blockSize = g.MediumClasses[m];

        // The first block of a new span lies at the span's first byte; the second and third follow it.
        byte* first = AllocateInArena(heap, g, m);
        byte* second = AllocateInArena(heap, g, m);
        byte* third = AllocateInArena(heap, g, m);
        Assert.Equal((nint)0, (nint)first & (g.PoolSize - 1));
        Assert.Equal((nint)first + blockSize, (nint)second);
        Pattern.Fill(first, (nuint)blockSize, 1);
        Pattern.Fill(second, (nuint)blockSize, 2);
        Pattern.Fill(third, (nuint)blockSize, 3);

        foreach (int offset in new[] { 8, g.Alignment, blockSize / 2 / g.Alignment * g.Alignment, blockSize - g.Alignment })
        {
            AssertEveryEntryPointRejects(heap, g, second + offset, $"second + {offset}");
        }

        // The first byte of the span's second pool lies inside the first block; so does the pool's last aligned address.
        AssertEveryEntryPointRejects(heap, g, first + g.PoolSize, "the first byte of the span's second pool");
        AssertEveryEntryPointRejects(heap, g, first + (2 * g.PoolSize) - g.Alignment, "the end of the span's second pool");

        // A block that starts in a later pool of the span, and an interior pointer into that pool.
        byte* inThirdPool = first + (2 * g.PoolSize);
        AssertEveryEntryPointRejects(heap, g, inThirdPool, "the first byte of the span's third pool");

        Assert.True(Pattern.Matches(first, (nuint)blockSize, 1, out _) && Pattern.Matches(second, (nuint)blockSize, 2, out _) && Pattern.Matches(third, (nuint)blockSize, 3, out _));
        Assert.Equal((nuint)blockSize, heap.UsableSize(second));
        heap.Free(first);
        heap.Free(second);
        heap.Free(third);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void BlocksPastTheSpansFrontierAreRejected(string layout)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(ThreadPolicy.SingleThreaded);
        int m = MultiPoolClass(g);
        int blockSize = g.MediumClasses[m];
        byte* first = AllocateInArena(heap, g, m);
        byte* second = AllocateInArena(heap, g, m);

        AssertEveryEntryPointRejects(heap, g, second + blockSize, "the frontier block");
        AssertEveryEntryPointRejects(heap, g, first + ((g.BlocksPerSpan(m) - 1) * blockSize), "the span's last block, never handed out");
        if (g.SpanLeftover(m) >= g.Alignment)
        {
            AssertEveryEntryPointRejects(heap, g, first + (g.BlocksPerSpan(m) * blockSize), "the span's leftover tail");
        }

        heap.Free(first);
        heap.Free(second);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    /// <summary>
    /// As for pool blocks, a double free is caught where it is cheap to see: the block freed last in its span, and any
    /// block of a span with no live block, retained or given back to its arena.
    /// </summary>
    [Theory]
    [MemberData(nameof(Layouts))]
    public void DoubleFreesOfMediumBlocksAreDetectedAsForPoolBlocks(string layout)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using RuntimeHeap heap = g.Create(ThreadPolicy.SingleThreaded);
        int m = MultiPoolClass(g);
        byte* a = AllocateInArena(heap, g, m);
        byte* b = AllocateInArena(heap, g, m);

        heap.Free(b);
        AssertEveryEntryPointRejects(heap, g, b, "the block just freed");
        ArgumentException twice = Assert.Throws<ArgumentException>(() => heap.Free(b));
        Assert.Contains("freed", twice.Message, StringComparison.Ordinal);

        // The span's last block: the span goes empty and is retained (the only span of its class).
        heap.Free(a);
        Assert.Equal(g.SpanPools[m], heap.GetStats().PoolsRetained);
        AssertEveryEntryPointRejects(heap, g, a, "a block of the retained empty span");
        AssertEveryEntryPointRejects(heap, g, b, "the other block of the retained empty span");

        // A span that is not its class's only one goes back to its arena when it empties: its blocks are rejected too.
        var firstSpan = new List<nint>();
        for (int i = 0; i < g.BlocksPerSpan(m); i++)
        {
            firstSpan.Add((nint)AllocateInArena(heap, g, m));
        }

        byte* nextSpan = AllocateInArena(heap, g, m);
        foreach (nint block in firstSpan)
        {
            heap.Free((void*)block);
        }

        Assert.Equal(1, heap.GetStats().SizeClasses[g.StatsIndex(m)].BlocksInUse);
        AssertEveryEntryPointRejects(heap, g, (void*)firstSpan[0], "the first block of a span given back");
        AssertEveryEntryPointRejects(heap, g, (void*)firstSpan[^1], "the last block of a span given back");
        heap.Free(nextSpan);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void AnotherHeapsMediumBlockIsForeign(string layout)
    {
        MediumLayout g = MediumLayout.Named(layout);
        foreach ((ThreadPolicy mine, ThreadPolicy theirs) in new[] { (ThreadPolicy.SingleThreaded, ThreadPolicy.SingleThreaded), (ThreadPolicy.PerThread, ThreadPolicy.PerThread), (ThreadPolicy.Locked, ThreadPolicy.PerThread) })
        {
            using RuntimeHeap heap = g.Create(mine);
            using RuntimeHeap other = g.Create(theirs);
            byte* own = AllocateInArena(heap, g, 0);
            byte* foreign = AllocateInArena(other, g, MultiPoolClass(g));
            Assert.False(heap.Owns(foreign), $"{g}: a {mine} heap owns a {theirs} heap's medium block");
            AssertEveryEntryPointRejects(heap, g, foreign, $"a {theirs} heap's medium block");
            Assert.True(other.Owns(foreign));
            Assert.Equal((nuint)g.MediumClasses[MultiPoolClass(g)], other.UsableSize(foreign));
            other.Free(foreign);
            heap.Free(own);
            Assert.Equal(0, heap.GetStats().BlocksInUse);
            Assert.Equal(0, other.GetStats().BlocksInUse);
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void AfterDisposeMediumCallsThrowObjectDisposedException(string layout)
    {
        MediumLayout g = MediumLayout.Named(layout);
        foreach (ThreadPolicy policy in new[] { ThreadPolicy.SingleThreaded, ThreadPolicy.Locked, ThreadPolicy.PerThread })
        {
            RuntimeHeap heap = g.Create(policy);
            int m = MultiPoolClass(g);
            byte* block = AllocateInArena(heap, g, m);
            heap.Dispose();
            Assert.Throws<ObjectDisposedException>(() => heap.Free(block));
            Assert.Throws<ObjectDisposedException>(() => heap.UsableSize(block));
            Assert.Throws<ObjectDisposedException>(() => heap.Reallocate(block, (nuint)g.MediumClasses[m] - 1));
            Assert.Throws<ObjectDisposedException>(() => heap.Owns(block));
            Assert.Throws<ObjectDisposedException>(() => heap.AllocateMedium(m));
            Assert.Throws<ObjectDisposedException>(() => heap.Allocate((nuint)g.SmallThreshold + 1));
            Assert.Throws<ObjectDisposedException>(() => heap.AllocateZeroed(1, (nuint)g.MediumThreshold));
            heap.Dispose();
        }
    }

    private static string Fingerprint(AllocatorStats s) =>
        string.Join(
            " ",
            s.SizeClasses.Select(c => $"{c.Pools}/{c.BlocksInUse}/{c.FreeBlocks}")
                .Concat(new[] { s.ArenasCurrent, s.ArenasAllocated, s.ArenasReleased, s.ArenasHighWater, s.PoolsFree, s.PoolsRetained, s.LargeBlocks, s.LargeBytes, s.CarvedPoolBytes }.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))));
}
