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
        long target = Math.Max(blockSize, Math.Min(4L * blockSize, 4 * pool));
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

/// <summary>64 KiB arenas of 4 KiB pools (15 serve blocks), classes to 256, medium to 16 KiB: spans compete for few pools.</summary>
internal struct SmallMediumGeometry : IPoolGeometry
{
    public static int ArenaShift => 16;

    public static int PoolShift => 12;

    public static int Alignment => 16;

    public static int SmallRequestThreshold => 256;

    public static int ClassCount => 16;

    public static int BlockSize(int sizeClass) => (sizeClass + 1) * 16;

    public static int ClassOf(nuint size) => size == 0 ? 0 : (int)((size + 15) >> 4) - 1;

    public static int MediumRequestThreshold => 16 << 10;

    public static int MediumClassCount => MediumGrid.Index(16 << 10) - MediumGrid.Index(257) + 1;

    public static int MediumBlockSize(int mediumClass) => MediumGrid.BlockSize(256, 16, mediumClass);

    public static int MediumSpanPools(int mediumClass) => MediumGrid.SpanPools(MediumBlockSize(mediumClass), 12, 16);

    public static int MediumClassOf(nuint size) => MediumGrid.Index((long)size) - MediumGrid.Index(257);
}

public unsafe class MediumSmokeTests
{
    private static bool IsResident(void* address)
    {
        byte state;
        nuint page = (nuint)Environment.SystemPageSize;
        Assert.Equal(0, mincore((void*)((nuint)address & ~(page - 1)), page, &state));
        return (state & 1) != 0;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int mincore(void* address, nuint length, byte* vector);

    [Fact]
    public void TrimGivesBackThePagesOfFreedSpansInAnArenaThatStillHoldsABlock()
    {
        var heap = PoolHeap<DefaultMediumGeometry>.Create();
        try
        {
            void* anchor = heap.AllocateSmall(0);
            var blocks = new List<nint>();
            for (int i = 0; i < 40; i++)
            {
                var p = (byte*)heap.AllocateMedium(DefaultMediumGeometry.MediumClassOf((nuint)(5000 + (i % 4) * 3000)));
                new Span<byte>(p, 5000).Fill(7);
                blocks.Add((nint)p);
            }

            Assert.Equal(1, heap.GetStats().ArenasCurrent);
            long busy = heap.GetStats().BytesCommitted;
            foreach (nint block in blocks)
            {
                heap.Free((void*)block);
            }

            heap.Trim();
            var stats = heap.GetStats();
            Assert.Equal(1, stats.BlocksInUse);
            Assert.True(stats.BytesCommitted <= busy / 4, $"committed {stats.BytesCommitted} of {busy} after Trim");
            if (OperatingSystem.IsLinux())
            {
                // The pages themselves went back (MADV_DONTNEED), not only the count.
                int resident = blocks.Count(block => IsResident((void*)block));
                Assert.True(resident <= blocks.Count / 8, $"{resident} of {blocks.Count} freed blocks' pages still resident after Trim");
            }

            heap.Free(anchor);
        }
        finally
        {
            heap.Dispose();
        }
    }

    [Fact]
    public void AllTiersMixedOnSmallArenasKeepContentsAndStats()
    {
        var heap = PoolHeap<SmallMediumGeometry>.Create();
        try
        {
            var random = new Random(11);
            var live = new List<(nint Block, int Size, byte Fill)>();
            for (int op = 0; op < 50_000; op++)
            {
                if (live.Count > 0 && (random.Next(2) == 0 || live.Count > 400))
                {
                    int i = random.Next(live.Count);
                    var (block, size, fill) = live[i];
                    Assert.True(new Span<byte>((void*)block, size).IndexOfAnyExcept(fill) < 0, "contents changed");
                    if (random.Next(4) == 0)
                    {
                        int newSize = random.Next(1, 20_000);
                        var moved = (byte*)heap.Reallocate((void*)block, (nuint)newSize);
                        Assert.True(new Span<byte>(moved, Math.Min(size, newSize)).IndexOfAnyExcept(fill) < 0, "realloc lost contents");
                        new Span<byte>(moved, newSize).Fill(fill);
                        live[i] = ((nint)moved, newSize, fill);
                        continue;
                    }

                    heap.Free((void*)block);
                    live[i] = live[^1];
                    live.RemoveAt(live.Count - 1);
                    continue;
                }

                int band = random.Next(10);
                int request = band < 6 ? random.Next(1, 257) : band < 9 ? random.Next(257, 16385) : random.Next(16385, 40000);
                var p = (byte*)(random.Next(5) == 0 ? heap.AllocateZeroed(1, (nuint)request) : heap.Allocate((nuint)request));
                Assert.Equal(0, (long)p % 16);
                Assert.True(heap.UsableSize(p) >= (nuint)request);
                byte f = (byte)random.Next(1, 255);
                new Span<byte>(p, request).Fill(f);
                live.Add(((nint)p, request, f));
                if (op % 5000 == 0)
                {
                    var s = heap.GetStats();
                    Assert.Equal(live.Count, s.BlocksInUse);
                    Assert.Equal(s.BytesReserved, s.TotalBytes);
                }
            }

            foreach (var (block, _, _) in live)
            {
                heap.Free((void*)block);
            }

            var stats = heap.GetStats();
            Assert.Equal(0, stats.BlocksInUse);
            Assert.Equal(stats.BytesReserved, stats.TotalBytes);
            Assert.True(stats.ArenasCurrent <= 1, $"{stats.ArenasCurrent} arenas left");
        }
        finally
        {
            heap.Dispose();
        }
    }

    [Fact]
    public void MediumBlocksFreedOnAnotherThreadAndByAnExitedOwnerComeBack()
    {
        var heap = AllocGen.Threading.PerThreadPoolHeap<SmallMediumGeometry>.Create();
        var blocks = new nint[2_000];
        AllocGen.Tests.Threading.PerThreadPoolHeapTests.RunOn(() =>
        {
            for (int i = 0; i < blocks.Length; i++)
            {
                blocks[i] = (nint)heap.Allocate((nuint)(257 + (i * 37 % 16000)));
                *(int*)blocks[i] = i;
            }
        });

        // The owner has exited with every block live: they are freed here, and its heap is adopted.
        for (int i = 0; i < blocks.Length; i++)
        {
            Assert.Equal(i, *(int*)blocks[i]);
            heap.Free((void*)blocks[i]);
        }

        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < blocks.Length; i++)
            {
                blocks[i] = (nint)heap.Allocate((nuint)(257 + (i * 53 % 16000)));
            }

            AllocGen.Tests.Threading.PerThreadPoolHeapTests.RunOn(() =>
            {
                foreach (nint block in blocks)
                {
                    heap.Free((void*)block);
                }
            });
        }

        heap.Trim();
        var stats = heap.GetStats();
        Assert.Equal(0, stats.BlocksInUse);
        Assert.Equal(stats.BytesReserved, stats.TotalBytes);
        Assert.True(stats.ArenasCurrent <= 1, $"{stats.ArenasCurrent} arenas left");
        heap.Dispose();
    }

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
