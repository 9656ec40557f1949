using System.Collections.Concurrent;
using AllocGen.Pools;
using AllocGen.Threading;
using Xunit;

namespace AllocGen.Tests.Threading;

/// <summary>
/// The PerThread runtime driven directly (the generated class forwards to it): blocks freed by other threads come
/// back to their owner, heaps of exited threads are adopted, and Dispose reaches every thread.
/// </summary>
public sealed unsafe class PerThreadPoolHeapTests
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="action"/> on a thread of its own and waits for it (bounded); its exception fails the test.</summary>
    internal static void RunOn(Action action) => RunAll(1, _ => action());

    /// <summary>
    /// Runs <paramref name="work"/>(0 .. <paramref name="count"/> - 1) on threads of their own, all at once, and waits
    /// for them (bounded); an exception on any of them fails the test.
    /// </summary>
    internal static void RunAll(int count, Action<int> work)
    {
        var failures = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            try
            {
                work(i);
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(JoinTimeout), "a thread did not finish in time");
        }

        if (failures.TryDequeue(out Exception? failure))
        {
            throw new Xunit.Sdk.XunitException("a thread failed: " + failure);
        }
    }

    /// <summary>Fills <paramref name="blocks"/> with small blocks of 16 sizes, each holding its index.</summary>
    private static void AllocateNumbered(PerThreadPoolHeap<SmallArenaGeometry256> heap, nint[] blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = (nint)heap.Allocate(NumberedSize(i));
            *(int*)blocks[i] = i;
        }
    }

    private static nuint NumberedSize(int i) => (nuint)(16 + (i % 16) * 16);

    /// <summary>
    /// After every block of <paramref name="blocks"/> was freed by other threads: the owner (the calling thread) takes
    /// them back before it would take a new pool, so a second round needs no new arena, and freeing it leaves the heap
    /// empty. Disposes the heap.
    /// </summary>
    private static void AssertASecondRoundReusesThem(PerThreadPoolHeap<SmallArenaGeometry256> heap, nint[] blocks, long arenasAfterFirstRound)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = (nint)heap.Allocate(NumberedSize(i));
        }

        Assert.True(heap.GetStats().ArenasCurrent <= arenasAfterFirstRound, "remote frees were not reused");
        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }

        AllocatorStatsAssert.Empty(heap.GetStats(), maxArenas: 1);
        heap.Dispose();
    }

    [Fact]
    public void BlocksFreedByAnotherThreadServeTheirOwnerAgain()
    {
        var heap = PerThreadPoolHeap<SmallArenaGeometry256>.Create();
        const int Count = 5_000;
        var blocks = new nint[Count];
        AllocateNumbered(heap, blocks);
        long arenasAfterFirstRound = heap.GetStats().ArenasCurrent;
        RunOn(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                Assert.Equal(i, *(int*)blocks[i]);
                heap.Free((void*)blocks[i]);
            }
        });

        AssertASecondRoundReusesThem(heap, blocks, arenasAfterFirstRound);
    }

    /// <summary>
    /// More freeing threads than an owner has lanes, each freeing more than a lane holds, at once: the blocks go into
    /// the lanes, the ring and the stack, and the owner gets every block back from all three (the owner's statistics
    /// take them back first; <see cref="BlocksFreedToALiveIdleThreadDoNotCountAsInUse"/> counts them in place).
    /// </summary>
    [Fact]
    public void BlocksFreedByMoreThreadsThanLanesServeTheirOwnerAgain()
    {
        var heap = PerThreadPoolHeap<SmallArenaGeometry256>.Create();
        const int Freers = RemoteFreeLanes.LaneCount + 2;
        const int PerFreer = RemoteFreeLanes.Capacity + 500;
        const int Count = Freers * PerFreer;
        Assert.True(Count > (RemoteFreeLanes.LaneCount * RemoteFreeLanes.Capacity) + RemoteFreeRing.Capacity, "the test no longer reaches the stack");
        var blocks = new nint[Count];
        AllocateNumbered(heap, blocks);
        long arenasAfterFirstRound = heap.GetStats().ArenasCurrent;
        using var start = new Barrier(Freers);
        RunAll(Freers, me =>
        {
            Assert.True(start.SignalAndWait(JoinTimeout));
            for (int i = me * PerFreer; i < (me + 1) * PerFreer; i++)
            {
                Assert.Equal(i, *(int*)blocks[i]);
                heap.Free((void*)blocks[i]);
            }
        });

        Assert.Equal(0, heap.GetStats().BlocksInUse);
        AssertASecondRoundReusesThem(heap, blocks, arenasAfterFirstRound);
    }

    [Fact]
    public void BlocksFreedToALiveIdleThreadDoNotCountAsInUse()
    {
        var heap = PerThreadPoolHeap<SmallArenaGeometry256>.Create();
        const int Count = 3_000;
        var blocks = new nint[Count];
        using var allocated = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var owner = new Thread(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                blocks[i] = (nint)heap.Allocate((nuint)(1 + (i % 200)));
            }

            allocated.Set();
            release.Wait();
        });
        owner.Start();
        try
        {
            Assert.True(allocated.Wait(JoinTimeout));
            Assert.Equal(Count, heap.GetStats().BlocksInUse);
            for (int i = 0; i < Count; i += 2)
            {
                heap.Free((void*)blocks[i]);
            }

            // The owner is alive but idle: it has not taken the blocks back, yet they are not in use.
            Assert.Equal(Count / 2, heap.GetStats().BlocksInUse);
            Assert.Equal(Count / 2, heap.GetStats().BlocksInUse);
            for (int i = 1; i < Count; i += 2)
            {
                heap.Free((void*)blocks[i]);
            }

            Assert.Equal(0, heap.GetStats().BlocksInUse);
        }
        finally
        {
            release.Set();
            Assert.True(owner.Join(JoinTimeout));
        }

        heap.Dispose();
    }

    [Fact]
    public void TheHeapOfAnExitedThreadIsAdoptedAndItsArenasGoBack()
    {
        var heap = PerThreadPoolHeap<SmallArenaGeometry256>.Create();
        const int Count = 20_000;
        var blocks = new nint[Count];
        RunOn(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                blocks[i] = (nint)heap.Allocate((nuint)(1 + (i % 256)));
                *(int*)blocks[i] = i;
            }
        });

        // The thread is gone; its blocks are freed here (pushed to its heap), then this thread adopts it.
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(i, *(int*)blocks[i]);
            heap.Free((void*)blocks[i]);
        }

        AllocatorStatsAssert.Empty(heap.GetStats(), maxArenas: 1);

        // A new thread takes an emptied state and serves from the adopted arenas' pools.
        RunOn(() =>
        {
            void* p = heap.Allocate(100);
            heap.Free(p);
        });
        heap.Dispose();
    }

    [Fact]
    public void AfterDisposeEveryThreadGetsObjectDisposedException()
    {
        var heap = PerThreadPoolHeap<SmallArenaGeometry256>.Create();
        void* mine = heap.Allocate(32);
        void* theirs = null;
        RunOn(() => theirs = heap.Allocate(64));
        heap.Dispose();
        Assert.Throws<ObjectDisposedException>(() => heap.Allocate(16));
        Assert.Throws<ObjectDisposedException>(() => heap.Free(mine));
        RunOn(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => heap.Allocate(16));
            Assert.Throws<ObjectDisposedException>(() => heap.GetStats());
        });
        Assert.Throws<ObjectDisposedException>(() => heap.Free(theirs));
        heap.Dispose();
    }

    [Fact]
    public void ProducerConsumerStaysWithinItsWindow()
    {
        var heap = PerThreadPoolHeap<SmallArenaGeometry256>.Create();
        const int Window = 2_000;
        const int Total = 400_000;
        var queue = new System.Collections.Concurrent.BlockingCollection<nint>(Window);
        long maxCommitted = 0;
        var consumer = new Thread(() =>
        {
            for (int i = 0; i < Total; i++)
            {
                nint block = queue.Take();
                Assert.Equal((byte)i, *(byte*)block);
                heap.Free((void*)block);
            }
        });
        consumer.Start();
        for (int i = 0; i < Total; i++)
        {
            var block = (byte*)heap.Allocate(128);
            *block = (byte)i;
            queue.Add((nint)block);
            if (i % 50_000 == 0)
            {
                maxCommitted = Math.Max(maxCommitted, heap.GetStats().BytesCommitted);
            }
        }

        Assert.True(consumer.Join(JoinTimeout));

        // Live at most the window (plus what is in flight): 2,000 × 128 B = 256 KiB; allow pools and header pages.
        Assert.True(maxCommitted < 4 * Window * 128 + 2 * (64 << 10), $"committed {maxCommitted} bytes for a window of {Window * 128}");
        AllocatorStatsAssert.Empty(heap.GetStats(), maxArenas: 2);
        heap.Dispose();
    }
}

internal static class AllocatorStatsAssert
{
    public static void Empty(AllocGen.Stats.AllocatorStats stats, int maxArenas)
    {
        Assert.True(stats.BlocksInUse == 0, "blocks in use: " + stats.BlocksInUse + "\n" + stats);
        Assert.True(stats.ArenasCurrent <= maxArenas, $"{stats.ArenasCurrent} arenas held, at most {maxArenas} expected\n{stats}");
    }
}
