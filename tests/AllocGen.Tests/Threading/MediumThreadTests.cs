using System.Collections.Concurrent;
using AllocGen.Stats;
using AllocGen.Tests.Pools;
using Xunit;
using Xunit.Abstractions;

namespace AllocGen.Tests.Threading;

/// <summary>
/// The medium tier across threads, on runtime heaps of the hand-written medium geometries: a PerThread heap whose
/// medium blocks are freed by another thread than their allocator's (remote frees into spans), a thread that exits
/// with medium blocks live (its heap adopted, spans and all), and a Locked heap shared by four threads. Every block
/// goes through the <see cref="BlockLedger"/>; when all is freed the statistics show nothing in use and at most one
/// idle arena per live thread heap, as <see cref="ThreadStressTests"/> require of the small tier.
/// </summary>
[Collection(ThreadStressCollection.Name)]
public sealed class MediumThreadTests(ITestOutputHelper output)
{
    private const int BatchSize = 32;

    /// <summary>Mostly medium (two in three), a quarter small, the rest class sizes, borders and large: the sizes of <see cref="MediumDifferentialTests"/>.</summary>
    private static nuint RandomSize(Random random, MediumLayout g)
    {
        int roll = random.Next(100);
        int tier = roll < 65 ? random.Next(30, 70) : roll < 92 ? random.Next(0, 30) : random.Next(70, 100);
        return MediumDifferentialTests.SizeOf(g, tier, random.Next(), random.Next());
    }

    /// <summary>
    /// One producer allocates batches, one consumer checks and frees them: nearly every medium block is freed on
    /// the other thread, pushed back to the producer's heap, which takes them back before it carves a new span, so
    /// the heap reuses its spans instead of growing with the volume allocated.
    /// </summary>
    [Theory]
    [InlineData(nameof(MediumLayout.Small))]
    [InlineData(nameof(MediumLayout.Default))]
    public void MediumBlocksFreedOnAnotherThreadServeTheirAllocatorAgain(string layout)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using var run = new StressRun(StressTarget.Medium(g, ThreadPolicy.PerThread), nameof(MediumBlocksFreedOnAnotherThreadServeTheirAllocatorAgain), 2, output);
        using var queue = new Handoff("the consumer", capacity: 2);
        const int Batches = 300;
        long bytesAllocated = 0;
        run.Start("producer", me =>
        {
            var kept = new Queue<LiveBlock>();
            for (int b = 0; b < Batches; b++)
            {
                run.Stopping.ThrowIfCancellationRequested();
                var batch = new List<LiveBlock>(BatchSize);
                while (batch.Count < BatchSize)
                {
                    LiveBlock block = run.Ledger.Allocate(me, RandomSize(me.Random, g));
                    bytesAllocated += (long)block.Size;
                    if (me.Allocations % 8 == 0)
                    {
                        // A few freed by their own thread, among the remote frees.
                        kept.Enqueue(block);
                        if (kept.Count > 8)
                        {
                            run.Ledger.Free(me, kept.Dequeue());
                        }
                    }
                    else
                    {
                        batch.Add(block);
                    }
                }

                queue.Send(run, me, batch);
            }

            while (kept.Count > 0)
            {
                run.Ledger.Free(me, kept.Dequeue());
            }

            queue.Complete();
        });
        run.Start("consumer", me =>
        {
            while (queue.Receive(run, me) is { } batch)
            {
                foreach (LiveBlock block in batch)
                {
                    run.Ledger.Free(me, block);
                }
            }
        });

        run.Join();
        run.ThrowIfFailed();
        AllocatorStats stats = run.AssertEverythingFreed(liveThreadHeaps: 1, "after the threads exited");
        Assert.True(run.CrossThreadFrees * 4 > run.Frees * 3, $"only {run.CrossThreadFrees} of {run.Frees} frees were on another thread");

        // About four batches are live at once (two queued, one being freed, one being filled), plus what the consumer
        // freed that the producer has not taken back yet: the heap must not grow with the volume allocated.
        double averageBlock = (double)bytesAllocated / run.Ledger.Allocated;
        double windowArenas = 4 * BatchSize * averageBlock / g.ArenaSize;
        long arenasWorth = bytesAllocated / g.ArenaSize;
        Assert.True(
            stats.ArenasHighWater <= (4 * windowArenas) + 4,
            $"{stats.ArenasHighWater} arenas at once for a window of {windowArenas:0.0} arenas' worth ({arenasWorth} arenas' worth allocated in all)");
        run.Report($", high water {stats.ArenasHighWater} arenas for a window of {windowArenas:0.0} arenas' worth, {stats.ArenasAllocated} taken for {arenasWorth} arenas' worth in all");
    }

    /// <summary>
    /// A thread allocates medium blocks (and some small and large ones) and exits with them live; another thread
    /// frees half of them and exits with blocks of its own live; the test thread frees the rest. The exited heaps are
    /// adopted with their spans: nothing is in use, one idle arena at most, and a new thread serves from the adopted spans.
    /// </summary>
    [Theory]
    [InlineData(nameof(MediumLayout.Small))]
    [InlineData(nameof(MediumLayout.Coarse))]
    public void MediumBlocksOfAnExitedThreadAreFreedByOthersAndItsArenasGoBack(string layout)
    {
        MediumLayout g = MediumLayout.Named(layout);
        using var run = new StressRun(StressTarget.Medium(g, ThreadPolicy.PerThread), nameof(MediumBlocksOfAnExitedThreadAreFreedByOthersAndItsArenasGoBack), 2, output);
        var first = new List<LiveBlock>();
        StressWorker firstThread = run.Start("exits with live blocks", me =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                first.Add(run.Ledger.Allocate(me, RandomSize(me.Random, g)));
            }
        });
        run.Join([firstThread]);
        run.ThrowIfFailed();
        Assert.False(firstThread.Thread!.IsAlive);
        long arenasOfTheExited = run.Heap.GetStats().ArenasCurrent;

        var second = new List<LiveBlock>();
        StressWorker secondThread = run.Start("frees half, exits with its own", me =>
        {
            for (int i = 0; i < first.Count; i += 2)
            {
                run.Ledger.Free(me, first[i]);
                second.Add(run.Ledger.Allocate(me, RandomSize(me.Random, g)));
                if (i % 6 == 0)
                {
                    run.Ledger.Free(me, second[^1]);
                    second.RemoveAt(second.Count - 1);
                }
            }
        });
        run.Join([secondThread]);
        run.ThrowIfFailed();

        run.OnTestThread(me =>
        {
            for (int i = 1; i < first.Count; i += 2)
            {
                run.Ledger.Free(me, first[i]);
            }

            foreach (LiveBlock block in second)
            {
                run.Ledger.Free(me, block);
            }
        });

        AllocatorStats stats = run.AssertEverythingFreed(liveThreadHeaps: 1, "after both threads exited, their blocks freed by others");
        Assert.True(arenasOfTheExited > 2, $"the first thread held only {arenasOfTheExited} arenas");
        Assert.All(stats.SizeClasses, c => Assert.Equal(0, c.Pools));

        // A new thread takes an emptied thread heap and serves medium blocks from the adopted arenas.
        StressWorker third = run.Start("after adoption", me =>
        {
            var mine = new List<LiveBlock>();
            for (int i = 0; i < 200; i++)
            {
                mine.Add(run.Ledger.Allocate(me, RandomSize(me.Random, g)));
            }

            foreach (LiveBlock block in mine)
            {
                run.Ledger.Free(me, block);
            }
        });
        run.Join([third]);
        run.AssertEverythingFreed(liveThreadHeaps: 1, "after a new thread allocated and freed");
        run.Report($", the exited thread held {arenasOfTheExited} arenas");
    }

    /// <summary>
    /// Four threads share one heap (Locked, and PerThread for comparison): allocations of all three tiers, frees,
    /// resizes (within a medium class too), zeroed allocations, and a quarter of the blocks handed to the others.
    /// </summary>
    [Theory]
    [InlineData(nameof(MediumLayout.Small), ThreadPolicy.Locked)]
    [InlineData(nameof(MediumLayout.Default), ThreadPolicy.Locked)]
    [InlineData(nameof(MediumLayout.Small), ThreadPolicy.PerThread)]
    public void FourThreadsShareAHeapWithMediumBlocks(string layout, ThreadPolicy policy)
    {
        MediumLayout g = MediumLayout.Named(layout);
        const int Threads = 4;
        const int StepsPerThread = 6_000;
        using var run = new StressRun(StressTarget.Medium(g, policy), nameof(FourThreadsShareAHeapWithMediumBlocks), Threads, output);
        var shared = new ConcurrentQueue<LiveBlock>();
        for (int t = 0; t < Threads; t++)
        {
            run.Start($"worker {t}", me =>
            {
                var mine = new List<LiveBlock>();
                int window = 100 + me.Random.Next(200);
                for (int step = 0; step < StepsPerThread; step++)
                {
                    if ((step & 255) == 0)
                    {
                        run.Stopping.ThrowIfCancellationRequested();
                    }

                    int roll = me.Random.Next(100);
                    if (mine.Count == 0 || (mine.Count < window && roll < 50))
                    {
                        nuint size = RandomSize(me.Random, g);
                        mine.Add(roll % 10 == 0 ? run.Ledger.AllocateZeroed(me, 1, size) : run.Ledger.Allocate(me, size));
                        continue;
                    }

                    int index = me.Random.Next(mine.Count);
                    if (roll < 75)
                    {
                        run.Ledger.Free(me, mine[index]);
                        mine[index] = mine[^1];
                        mine.RemoveAt(mine.Count - 1);
                    }
                    else if (roll < 85)
                    {
                        LiveBlock old = mine[index];
                        nuint newSize = g.IsMedium(old.Size) && roll % 2 == 0
                            ? g.MediumClassRange(g.MediumClassOf(old.Size)).Low
                            : RandomSize(me.Random, g);
                        mine[index] = run.Ledger.Reallocate(me, old, newSize);
                        if (g.IsMedium(old.Size) && g.IsMedium(newSize) && g.MediumClassOf(old.Size) == g.MediumClassOf(newSize) && mine[index].Pointer != old.Pointer)
                        {
                            throw new StressFailure($"thread '{me.Name}': Reallocate({old}, {newSize}) stays in its medium class but moved to 0x{mine[index].Pointer:X}");
                        }
                    }
                    else if (roll < 92)
                    {
                        run.Ledger.Verify(me, mine[index], "before handing it over");
                        shared.Enqueue(mine[index]);
                        mine[index] = mine[^1];
                        mine.RemoveAt(mine.Count - 1);
                    }
                    else if (shared.TryDequeue(out LiveBlock? theirs))
                    {
                        run.Ledger.Free(me, theirs);
                    }
                }

                foreach (LiveBlock block in mine)
                {
                    run.Ledger.Free(me, block);
                }
            });
        }

        run.Join();
        run.OnTestThread(me =>
        {
            while (shared.TryDequeue(out LiveBlock? block))
            {
                run.Ledger.Free(me, block);
            }
        });

        run.AssertEverythingFreed(liveThreadHeaps: 1, "after the threads exited");
        Assert.True(run.CrossThreadFrees > 0, "no free crossed threads");
        run.Report();
    }
}
