using AllocGen.Pools;
using Xunit;

namespace AllocGen.Tests.Pools;

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
        var heap = PoolHeap<DefaultTierGeometry>.Create();
        try
        {
            void* anchor = heap.AllocateSmall(0);
            var blocks = new List<nint>();
            for (int i = 0; i < 40; i++)
            {
                // Short spans only, which share arenas with pools (long ones keep arenas of their own, see LongSpanPools).
                int mediumClass = DefaultTierGeometry.MediumClassOf((nuint)(5000 + (i % 3) * 3000));
                Assert.True(DefaultTierGeometry.MediumSpanPools(mediumClass) < PoolHeap<DefaultTierGeometry>.LongSpanPools);
                var p = (byte*)heap.AllocateMedium(mediumClass);
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
        var heap = PoolHeap<SmallTierGeometry>.Create();
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
        var heap = AllocGen.Threading.PerThreadPoolHeap<SmallTierGeometry>.Create();
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
        var heap = PoolHeap<DefaultTierGeometry>.Create();
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
                int mediumClass = DefaultTierGeometry.MediumClassOf((nuint)request);
                var p = (byte*)heap.AllocateMedium(mediumClass);
                Assert.True(heap.Owns(p));
                Assert.Equal(0, (long)p % 16);
                Assert.Equal((nuint)DefaultTierGeometry.MediumBlockSize(mediumClass), heap.UsableSize(p));
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
