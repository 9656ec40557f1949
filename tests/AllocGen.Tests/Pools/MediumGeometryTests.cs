using AllocGen.Pools;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// The hand-written medium geometries the runtime tests drive are what docs/medium-tier.md says: the grid's classes,
/// the span rule's pool counts (worked out by hand here for a few classes), a class of least block size for every
/// size, and a heap can be made of each.
/// </summary>
public sealed class MediumGeometryTests
{
    public static TheoryData<string> Layouts => new() { nameof(MediumLayout.Default), nameof(MediumLayout.Small), nameof(MediumLayout.Coarse) };

    [Fact]
    public void TheClassesAreTheGridsFourPerPowerOfTwoRoundedToTheAlignment()
    {
        MediumLayout d = MediumLayout.Default;
        Assert.Equal([640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560], d.MediumClasses[..9]);
        Assert.Equal(36, d.MediumClassCount);
        Assert.Equal(256 << 10, d.MediumClasses[^1]);
        Assert.Equal(224 << 10, d.MediumClasses[^2]);

        MediumLayout s = MediumLayout.Small;
        Assert.Equal([320, 384, 448, 512, 640], s.MediumClasses[..5]);
        Assert.Equal(24, s.MediumClassCount);
        Assert.Equal(16 << 10, s.MediumClasses[^1]);

        // Alignment 256 is coarser than the grid's spacing below 1024: 640 and 768 share 768, 896 and 1024 share 1024.
        MediumLayout c = MediumLayout.Coarse;
        Assert.Equal([768, 768, 1024, 1024, 1280, 1536, 1792, 2048], c.MediumClasses[..8]);
        Assert.Equal(64 << 10, c.MediumClasses[^1]);
    }

    [Fact]
    public void TheSpansFollowTheSpanRule()
    {
        MediumLayout d = MediumLayout.Default;

        // 640 B: a target of four blocks (2560 B) is under one 16 KiB pool, whose 384-byte tail is under an eighth.
        Assert.Equal(1, d.SpanPools[0]);
        Assert.Equal(25, d.BlocksPerSpan(0));
        Assert.Equal(384, d.SpanLeftover(0));

        // 20 KiB: four pools (the target's cap of four pools), 3 blocks, 4 KiB over: a sixteenth of the span.
        int twentyK = Array.IndexOf(d.MediumClasses, 20 << 10);
        Assert.Equal(4, d.SpanPools[twentyK]);
        Assert.Equal(3, d.BlocksPerSpan(twentyK));
        Assert.Equal(4 << 10, d.SpanLeftover(twentyK));

        // 24 KiB: four pools would leave 16 KiB over (a quarter), five leave 8 KiB (a tenth): the rule walks up to five.
        int twentyFourK = Array.IndexOf(d.MediumClasses, 24 << 10);
        Assert.Equal(5, d.SpanPools[twentyFourK]);
        Assert.Equal(3, d.BlocksPerSpan(twentyFourK));

        // 56 KiB: four pools leave 8 KiB over, exactly an eighth: accepted.
        int fiftySixK = Array.IndexOf(d.MediumClasses, 56 << 10);
        Assert.Equal(4, d.SpanPools[fiftySixK]);
        Assert.Equal(8 << 10, d.SpanLeftover(fiftySixK));

        // 256 KiB: the block itself, 16 pools.
        Assert.Equal(16, d.SpanPools[^1]);
        Assert.Equal(1, d.BlocksPerSpan(d.MediumClassCount - 1));

        // 16 KiB in 4 KiB pools: four of the arena's 15, one block; the longest span, 12 KiB's, is six.
        MediumLayout s = MediumLayout.Small;
        Assert.Equal(15, s.PoolsPerArena);
        Assert.Equal(4, s.SpanPools[^1]);
        Assert.Equal(6, s.SpanPools.Max());

        Assert.All(new[] { d, s, MediumLayout.Coarse }, layout =>
        {
            for (int m = 0; m < layout.MediumClassCount; m++)
            {
                Assert.InRange(layout.SpanPools[m], (layout.MediumClasses[m] + layout.PoolSize - 1) / layout.PoolSize, layout.PoolsPerArena);
            }
        });
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void EverySizeOfTheTierGetsAClassOfTheLeastBlockSizeHoldingIt(string layout)
    {
        MediumLayout g = MediumLayout.Named(layout);
        for (nuint size = (nuint)g.SmallThreshold + 1; size <= (nuint)g.MediumThreshold; size++)
        {
            int c = g.MediumClassOf(size);
            if (c < 0 || c >= g.MediumClassCount || g.MediumClasses[c] != g.LeastMediumBlockHolding(size))
            {
                Assert.Fail($"{g}: MediumClassOf({size}) = {c}, not a class of block size {g.LeastMediumBlockHolding(size)}");
            }
        }
    }

    [Fact]
    public unsafe void AHeapCanBeMadeOfEachGeometry()
    {
        var heaps = new IDisposable[]
        {
            MediumLayout.Default.Create(ThreadPolicy.SingleThreaded),
            MediumLayout.Small.Create(ThreadPolicy.Locked),
            MediumLayout.Coarse.Create(ThreadPolicy.PerThread),
        };
        foreach (IDisposable heap in heaps)
        {
            heap.Dispose();
        }

        PoolHeap<DefaultTierGeometry> raw = PoolHeap<DefaultTierGeometry>.Create();
        raw.Dispose();
    }
}
