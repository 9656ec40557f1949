using System.Numerics;
using AllocGen.Pools;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>The medium tier's grid and span rule (docs/medium-tier.md), for hand-written test geometries.</summary>
internal static class MediumGrid
{
    public static int Index(long size)
    {
        long x = size - 1;
        int k = BitOperations.Log2((ulong)x);
        return (4 * k) + (int)((x >> (k - 2)) & 3);
    }

    public static int Size(int index) => (5 + (index & 3)) << ((index >> 2) - 2);

    public static int BlockSize(int threshold, int alignment, int mediumClass)
    {
        int size = Size(Index(threshold + 1) + mediumClass);
        return (size + alignment - 1) / alignment * alignment;
    }

    public static int SpanPools(int blockSize, int poolShift, int arenaShift)
    {
        long pool = 1L << poolShift;
        int poolsPerArena = (1 << (arenaShift - poolShift)) - (int)(((64L << (arenaShift - poolShift)) + pool - 1) / pool);
        int lmin = (int)((blockSize + pool - 1) / pool);
        long target = Math.Max(blockSize, Math.Min(8L * blockSize, 8 * pool));
        int from = Math.Max(lmin, (int)Math.Min((target + pool - 1) / pool, poolsPerArena));
        int best = from;
        double bestWaste = double.MaxValue;
        for (int l = from; l <= poolsPerArena; l++)
        {
            long bytes = l * pool;
            double waste = (double)(bytes % blockSize) / bytes;
            if (waste <= 0.125)
            {
                return l;
            }

            if (waste < bestWaste)
            {
                (best, bestWaste) = (l, waste);
            }
        }

        return best;
    }
}

/// <summary>The default configuration with its medium tier: 1 MiB arenas, 16 KiB pools, 16-byte classes to 512, medium to 256 KiB.</summary>
internal struct DefaultMediumGeometry : IPoolGeometry
{
    public static int ArenaShift => 20;

    public static int PoolShift => 14;

    public static int Alignment => 16;

    public static int SmallRequestThreshold => 512;

    public static int ClassCount => 32;

    public static int BlockSize(int sizeClass) => (sizeClass + 1) * 16;

    public static int ClassOf(nuint size) => size == 0 ? 0 : (int)((size + 15) >> 4) - 1;

    public static int MediumRequestThreshold => 256 << 10;

    public static int MediumClassCount => MediumGrid.Index(256 << 10) - MediumGrid.Index(513) + 1;

    public static int MediumBlockSize(int mediumClass) => MediumGrid.BlockSize(512, 16, mediumClass);

    public static int MediumSpanPools(int mediumClass) => MediumGrid.SpanPools(MediumBlockSize(mediumClass), 14, 20);

    public static int MediumClassOf(nuint size) => MediumGrid.Index((long)size) - MediumGrid.Index(513);
}

public unsafe class MediumSmokeTests
{
    [Fact]
    public void MediumBlocksComeFromTheHeapsArenasAndGoBack()
    {
        var heap = PoolHeap<DefaultMediumGeometry>.Create();
        try
        {
            var random = new Random(7);
            var live = new List<(nint Block, int Size, byte Fill)>();
            for (int op = 0; op < 20_000; op++)
            {
                if (live.Count > 0 && (random.Next(3) == 0 || live.Count > 300))
                {
                    int i = random.Next(live.Count);
                    var (block, size, fill) = live[i];
                    Assert.Equal(fill, ((byte*)block)[0]);
                    Assert.Equal(fill, ((byte*)block)[size - 1]);
                    heap.Free((void*)block);
                    live[i] = live[^1];
                    live.RemoveAt(live.Count - 1);
                    continue;
                }

                int request = random.Next(513, (256 << 10) + 1);
                int mediumClass = DefaultMediumGeometry.MediumClassOf((nuint)request);
                var p = (byte*)heap.AllocateMedium(mediumClass);
                Assert.True(heap.Owns(p));
                Assert.Equal(0, (long)p % 16);
                Assert.Equal((nuint)DefaultMediumGeometry.MediumBlockSize(mediumClass), heap.UsableSize(p));
                byte f = (byte)random.Next(1, 255);
                new Span<byte>(p, request).Fill(f);
                live.Add(((nint)p, request, f));
            }

            var stats = heap.GetStats();
            Assert.Equal(0, stats.LargeBlocks);
            Assert.Equal(live.Count, stats.BlocksInUse);
            Assert.Equal(stats.BytesReserved, stats.TotalBytes);
            foreach (var (block, _, _) in live)
            {
                heap.Free((void*)block);
            }

            stats = heap.GetStats();
            Assert.Equal(0, stats.BlocksInUse);
            Assert.Equal(stats.BytesReserved, stats.TotalBytes);
            Assert.True(stats.ArenasCurrent <= 1, $"{stats.ArenasCurrent} arenas left");
            heap.Trim();
            Assert.Equal(0, heap.GetStats().ArenasCurrent);
        }
        finally
        {
            heap.Dispose();
        }
    }
}
