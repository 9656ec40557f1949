using AllocGen.Pools;
using AllocGen.Stats;
using AllocGen.Tests.Pools;
using Xunit;
using Xunit.Abstractions;

namespace AllocGen.Tests.Threading;

/// <summary>
/// Heaps shared by 2, 4 and 8 threads. Every workload is a fixed number of operations; every block goes through the
/// <see cref="BlockLedger"/> (never handed out twice while live, pattern intact from allocation to free); when all is
/// freed the statistics, read from a live thread, show no block in use and at most one idle arena per live thread heap.
/// </summary>
[Collection(ThreadStressCollection.Name)]
public sealed class ThreadStressTests(ITestOutputHelper output)
{
    /// <summary>Steps of the random mix per run, split between its threads.</summary>
    private const int RandomMixSteps = 60_000;

    /// <summary>Blocks the producers of a run allocate, in batches of <see cref="BatchSize"/>.</summary>
    private const int ProducedBlocks = 25_000;

    /// <summary>Hand-overs of a block from one ring thread to the next, per run.</summary>
    private const int RingHops = 90_000;

    /// <summary>Blocks each short-lived thread allocates before it exits.</summary>
    private const int BlocksPerShortLivedThread = 1_000;

    private const int BatchSize = 32;

    /// <summary>Larger batches for the ring, whose threads take turns: fewer waits for the same hops.</summary>
    private const int RingBatchSize = 64;

    /// <summary>How far above the threshold a large request goes.</summary>
    private const int LargeSpan = 4096;

    public static TheoryData<string, int> Runs()
    {
        var data = new TheoryData<string, int>();
        foreach (StressTarget target in StressTarget.All)
        {
            foreach (int threads in new[] { 2, 4, 8 })
            {
                data.Add(target.Name, threads);
            }
        }

        return data;
    }

    /// <summary>The rows of <see cref="Runs"/>, and four threads of each heap with a medium tier.</summary>
    public static TheoryData<string, int> RunsWithMediumTier()
    {
        TheoryData<string, int> data = Runs();
        foreach (StressTarget target in StressTarget.WithMediumTier)
        {
            data.Add(target.Name, 4);
        }

        return data;
    }

    /// <summary>
    /// Each thread allocates (random sizes 1..threshold, a tenth large), frees, reallocates and zero-allocates its own
    /// blocks, and swaps blocks with the others through shared slots, so frees land on any thread. Beside them a
    /// monitor calls GetStats and Trim and switches the ReusePolicy, which must work from any thread while the others
    /// allocate and free.
    /// </summary>
    [Theory]
    [MemberData(nameof(RunsWithMediumTier))]
    public void RandomMix(string heap, int threads)
    {
        using var run = new StressRun(StressTarget.Named(heap), nameof(RandomMix), threads, output);
        var slots = new LiveBlock?[threads * 8];
        int stepsPerThread = RandomMixSteps / threads;
        int running = threads;
        for (int t = 0; t < threads; t++)
        {
            run.Start($"mix {t}", me =>
            {
                try
                {
                    MixSteps(run, me, slots, stepsPerThread);
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            });
        }

        long monitorCalls = 0;
        StressWorker monitor = run.Start("monitor", me =>
        {
            for (int i = 0; i < 2_000 && Volatile.Read(ref running) > 0; i++)
            {
                run.Stopping.ThrowIfCancellationRequested();
                me.Doing("GetStats", null, 0);
                CheckRunningStats(me, run.Heap.GetStats(), run.Ledger.Allocated);
                if (i % 8 == 7)
                {
                    me.Doing("Trim", null, 0);
                    ((IPoolHeapControls)run.Heap).Trim();
                }

                if (i % 4 == 1)
                {
                    // "May be changed at any time": from another thread too, while the others allocate and free.
                    me.Doing("ReusePolicy", null, 0);
                    var controls = (IPoolHeapControls)run.Heap;
                    controls.ReusePolicy = controls.ReusePolicy == PoolReusePolicy.Fast ? PoolReusePolicy.Compact : PoolReusePolicy.Fast;
                }

                monitorCalls++;
                Thread.Sleep(1);
            }
        });

        run.Join();
        run.OnTestThread(me =>
        {
            foreach (LiveBlock? block in slots)
            {
                if (block is not null)
                {
                    run.Ledger.Free(me, block);
                }
            }
        });

        run.AssertEverythingFreed(liveThreadHeaps: 1, "after the threads exited");
        run.Report($", {monitorCalls} GetStats (and Trim, ReusePolicy) calls meanwhile");
    }

    /// <summary>
    /// Producers allocate batches and send them through one bounded queue; consumers check and free them. A producer
    /// frees one block in eight itself, so most frees happen on another thread than the allocation.
    /// </summary>
    [Theory]
    [MemberData(nameof(RunsWithMediumTier))]
    public void ProducerConsumer(string heap, int threads)
    {
        using var run = new StressRun(StressTarget.Named(heap), nameof(ProducerConsumer), threads, output);
        int producers = threads / 2;
        int consumers = threads - producers;
        using var queue = new Handoff("the consumers", capacity: 2 * consumers);
        int producersLeft = producers;
        int batchesPerProducer = ProducedBlocks / BatchSize / producers;
        for (int p = 0; p < producers; p++)
        {
            run.Start($"producer {p}", me =>
            {
                var kept = new Queue<LiveBlock>();
                for (int b = 0; b < batchesPerProducer; b++)
                {
                    run.Stopping.ThrowIfCancellationRequested();
                    var batch = new List<LiveBlock>(BatchSize);
                    while (batch.Count < BatchSize)
                    {
                        LiveBlock block = run.Ledger.Allocate(me, RandomSize(me.Random, run.Target));
                        if (me.Allocations % 8 == 0)
                        {
                            // A small window of its own, freed in allocation order: local frees among the remote ones.
                            kept.Enqueue(block);
                            if (kept.Count > 16)
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

                if (Interlocked.Decrement(ref producersLeft) == 0)
                {
                    queue.Complete();
                }
            });
        }

        for (int c = 0; c < consumers; c++)
        {
            run.Start($"consumer {c}", me =>
            {
                while (queue.Receive(run, me) is { } batch)
                {
                    foreach (LiveBlock block in batch)
                    {
                        run.Ledger.Free(me, block);
                    }
                }
            });
        }

        run.Join();
        run.ThrowIfFailed();
        Assert.Empty(queue.Drain());
        run.AssertEverythingFreed(liveThreadHeaps: 1, "after the threads exited");

        // The workload's premise, fixed by construction (seven blocks in eight are sent): most frees are remote.
        Assert.True(run.CrossThreadFrees * 4 > run.Frees * 3, $"only {run.CrossThreadFrees} of {run.Frees} frees were on another thread");
        run.Report();
    }

    /// <summary>
    /// Threads in a ring: each sends a batch to the next and receives one from the previous, every iteration. A block
    /// travels 1..threads+1 hops (checked at every hop) and is freed by the thread it reaches last, which may be
    /// its allocator after a full round; each thread also allocates and frees a block of its own per iteration.
    /// </summary>
    [Theory]
    [MemberData(nameof(RunsWithMediumTier))]
    public void Ring(string heap, int threads)
    {
        using var run = new StressRun(StressTarget.Named(heap), nameof(Ring), threads, output);
        var inbox = new Handoff[threads];
        for (int t = 0; t < threads; t++)
        {
            inbox[t] = new Handoff($"ring {t}", capacity: 4);
        }

        try
        {
            int iterations = RingHops / threads / RingBatchSize;
            for (int t = 0; t < threads; t++)
            {
                Handoff next = inbox[(t + 1) % threads];
                Handoff mine = inbox[t];
                run.Start($"ring {t}", me => RingSteps(run, me, mine, next, iterations, threads));
            }

            run.Join();
            run.ThrowIfFailed();

            // Every thread sent and received the same number of batches, so nothing is left in flight.
            Assert.All(inbox, q => Assert.Equal(0, q.Count));
            run.AssertEverythingFreed(liveThreadHeaps: 1, "after the threads exited");
            run.Report();
        }
        finally
        {
            foreach (Handoff q in inbox)
            {
                q.Dispose();
            }
        }
    }

    /// <summary>
    /// Waves of short-lived threads allocate, free some of their blocks and exit with the rest still live. The
    /// blocks of an exited thread are freed later by collector threads, by the next wave, and at the very end by the
    /// test thread: always after their allocator exited. Then, with the collectors parked (live, idle), the
    /// statistics show no block in use and at most one idle arena per live thread heap; once they exit too, one.
    /// </summary>
    [Theory]
    [MemberData(nameof(RunsWithMediumTier))]
    public void ThreadsExitWithLiveBlocks(string heap, int threads)
    {
        using var run = new StressRun(StressTarget.Named(heap), nameof(ThreadsExitWithLiveBlocks), threads, output);
        int collectors = Math.Max(1, threads / 2);
        int waveSize = Math.Max(1, threads - collectors);
        int waves = (4 * threads) / waveSize;
        var inboxes = new Handoff[collectors];
        for (int c = 0; c < collectors; c++)
        {
            inboxes[c] = new Handoff($"collector {c}", capacity: 64);
        }

        using var parked = new CountdownEvent(collectors);
        using var tookBack = new CountdownEvent(collectors);
        using var finish = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        try
        {
            var collectorWorkers = new List<StressWorker>();
            for (int c = 0; c < collectors; c++)
            {
                Handoff inbox = inboxes[c];
                collectorWorkers.Add(run.Start($"collector {c}", me =>
                {
                    var own = new List<LiveBlock>();
                    while (inbox.Receive(run, me) is { } batch)
                    {
                        foreach (LiveBlock block in batch)
                        {
                            run.Ledger.Free(me, block);

                            // Churn of its own, so this live thread heap also allocates, takes pools and arenas.
                            own.Add(run.Ledger.Allocate(me, RandomSize(me.Random, run.Target)));
                            if (own.Count > 64)
                            {
                                int victim = me.Random.Next(own.Count);
                                run.Ledger.Free(me, own[victim]);
                                own[victim] = own[^1];
                                own.RemoveAt(own.Count - 1);
                            }
                        }
                    }

                    foreach (LiveBlock block in own)
                    {
                        run.Ledger.Free(me, block);
                    }

                    // Idle and alive until the test has checked the statistics.
                    me.Doing("parked", null, 0);
                    parked.Signal();
                    if (!release.Wait(StressRun.JoinLimit, run.Stopping))
                    {
                        throw new StressFailure($"thread '{me.Name}' was not released from parking");
                    }

                    // A call of its own takes back what the test thread freed into its heap (adopted arenas included).
                    me.Doing("Trim", null, 0);
                    ((IPoolHeapControls)run.Heap).Trim();
                    tookBack.Signal();
                    if (!finish.Wait(StressRun.JoinLimit, run.Stopping))
                    {
                        throw new StressFailure($"thread '{me.Name}' was not released after taking back");
                    }
                }));
            }

            var keptToTheEnd = new List<LiveBlock>();
            var inheritance = new List<LiveBlock>();
            long freedAfterExit = 0;
            int shortLived = 0;
            for (int w = 0; w < waves; w++)
            {
                // Each thread of the wave inherits a share of the previous wave's blocks, whose allocators have exited.
                var leftovers = new List<LiveBlock>[waveSize];
                var wave = new List<StressWorker>();
                for (int t = 0; t < waveSize; t++)
                {
                    int slot = t;
                    List<LiveBlock> inherited = inheritance.Where((_, i) => i % waveSize == slot).ToList();
                    freedAfterExit += inherited.Count;
                    wave.Add(run.Start($"short-lived {shortLived++} (wave {w})", me =>
                    {
                        foreach (LiveBlock block in inherited)
                        {
                            run.Ledger.Free(me, block);
                        }

                        var mine = new List<LiveBlock>(BlocksPerShortLivedThread);
                        for (int i = 0; i < BlocksPerShortLivedThread; i++)
                        {
                            run.Stopping.ThrowIfCancellationRequested();
                            mine.Add(run.Ledger.Allocate(me, RandomSize(me.Random, run.Target)));
                            if (me.Random.Next(10) < 3)
                            {
                                int victim = me.Random.Next(mine.Count);
                                run.Ledger.Free(me, mine[victim]);
                                mine[victim] = mine[^1];
                                mine.RemoveAt(mine.Count - 1);
                            }
                        }

                        leftovers[slot] = mine;
                    }));
                }

                run.Join(wave);
                run.ThrowIfFailed();
                Assert.All(wave, worker => Assert.False(worker.Thread!.IsAlive));

                // A live thread reads the statistics while the collectors free blocks of the exited threads.
                CheckRunningStats(run.Main, run.Heap.GetStats(), run.Ledger.Allocated);

                // Of every exited thread's live blocks: a third to the next wave, a third kept to the end, a third to
                // the collectors.
                inheritance = [];
                var toCollectors = new List<LiveBlock>[collectors];
                for (int c = 0; c < collectors; c++)
                {
                    toCollectors[c] = [];
                }

                int next = 0;
                foreach (LiveBlock block in leftovers.SelectMany(l => l))
                {
                    switch (next++ % 3)
                    {
                        case 0:
                            inheritance.Add(block);
                            break;
                        case 1:
                            keptToTheEnd.Add(block);
                            break;
                        default:
                            toCollectors[(next / 3) % collectors].Add(block);
                            break;
                    }
                }

                for (int c = 0; c < collectors; c++)
                {
                    freedAfterExit += toCollectors[c].Count;
                    for (int i = 0; i < toCollectors[c].Count; i += BatchSize)
                    {
                        inboxes[c].Send(run, run.Main, toCollectors[c].GetRange(i, Math.Min(BatchSize, toCollectors[c].Count - i)));
                    }
                }
            }

            foreach (Handoff inbox in inboxes)
            {
                inbox.Complete();
            }

            freedAfterExit += inheritance.Count + keptToTheEnd.Count;
            if (!parked.Wait(StressRun.JoinLimit, run.Stopping))
            {
                run.ThrowIfFailed();
                Assert.Fail($"the collectors did not finish within {StressRun.JoinLimit.TotalSeconds:0} s");
            }

            run.OnTestThread(me =>
            {
                foreach (LiveBlock block in inheritance.Concat(keptToTheEnd))
                {
                    run.Ledger.Free(me, block);
                }
            });

            run.AssertNoBlockInUse("with the collectors parked");
            release.Set();
            if (!tookBack.Wait(StressRun.JoinLimit, run.Stopping))
            {
                run.ThrowIfFailed();
                Assert.Fail($"the collectors did not take their blocks back within {StressRun.JoinLimit.TotalSeconds:0} s");
            }

            // Live thread heaps now: the collectors (idle again) and the test thread's.
            run.AssertEverythingFreed(liveThreadHeaps: collectors + 1, "with the collectors idle after taking their blocks back");
            finish.Set();
            run.Join(collectorWorkers);
            run.AssertEverythingFreed(liveThreadHeaps: 1, "after every worker exited");
            run.Report($", {shortLived} short-lived threads, {freedAfterExit:N0} blocks freed after their thread exited");
        }
        finally
        {
            release.Set();
            finish.Set();
            foreach (Handoff inbox in inboxes)
            {
                inbox.Dispose();
            }
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Workload steps
    // -------------------------------------------------------------------------------------------------------------

    private static void MixSteps(StressRun run, StressWorker me, LiveBlock?[] slots, int steps)
    {
        var mine = new List<LiveBlock>();
        int window = 64 + me.Random.Next(448);
        for (int step = 0; step < steps; step++)
        {
            if ((step & 255) == 0)
            {
                run.Stopping.ThrowIfCancellationRequested();
            }

            int roll = me.Random.Next(100);
            if (mine.Count == 0 || (mine.Count < window && roll < 50))
            {
                mine.Add(me.Random.Next(20) == 0
                    ? run.Ledger.AllocateZeroed(me, (nuint)me.Random.Next(1, 5), (nuint)me.Random.Next(1, 1 + (run.Target.Threshold / 4)))
                    : run.Ledger.Allocate(me, RandomSize(me.Random, run.Target)));
                continue;
            }

            int index = me.Random.Next(mine.Count);
            if (roll < 80)
            {
                run.Ledger.Free(me, mine[index]);
                mine[index] = mine[^1];
                mine.RemoveAt(mine.Count - 1);
            }
            else if (roll < 86)
            {
                mine[index] = run.Ledger.Reallocate(me, mine[index], RandomSize(me.Random, run.Target));
            }
            else
            {
                // Swap with a shared slot: the block is freed, reallocated or swapped again by whoever takes it.
                run.Ledger.Verify(me, mine[index], "before passing it on");
                LiveBlock? taken = Interlocked.Exchange(ref slots[me.Random.Next(slots.Length)], mine[index]);
                if (taken is null)
                {
                    mine[index] = mine[^1];
                    mine.RemoveAt(mine.Count - 1);
                }
                else
                {
                    mine[index] = taken;
                }
            }
        }

        foreach (LiveBlock block in mine)
        {
            run.Ledger.Free(me, block);
        }
    }

    private static void RingSteps(StressRun run, StressWorker me, Handoff mine, Handoff next, int iterations, int threads)
    {
        var forward = new List<LiveBlock>();
        for (int i = 0; i < iterations; i++)
        {
            var batch = new List<LiveBlock>(RingBatchSize);
            int passOn = Math.Min(RingBatchSize, forward.Count);
            batch.AddRange(forward.GetRange(0, passOn));
            forward.RemoveRange(0, passOn);
            while (batch.Count < RingBatchSize)
            {
                LiveBlock block = run.Ledger.Allocate(me, RandomSize(me.Random, run.Target));
                block.HopLimit = 1 + me.Random.Next(threads + 1);
                batch.Add(block);
            }

            next.Send(run, me, batch);

            LiveBlock local = run.Ledger.Allocate(me, RandomSize(me.Random, run.Target));
            List<LiveBlock> received = mine.Receive(run, me)
                ?? throw new StressFailure($"thread '{me.Name}': harness error: its inbox was completed");
            foreach (LiveBlock block in received)
            {
                block.Hops++;
                if (block.Hops >= block.HopLimit)
                {
                    run.Ledger.Free(me, block);
                }
                else
                {
                    run.Ledger.Verify(me, block, $"at hop {block.Hops}");
                    forward.Add(block);
                }
            }

            run.Ledger.Free(me, local);
        }

        foreach (LiveBlock block in forward)
        {
            run.Ledger.Free(me, block);
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Helpers
    // -------------------------------------------------------------------------------------------------------------

    /// <summary>1..threshold (40% of them up to 64 bytes), and a tenth large: up to 4 KiB above the threshold.</summary>
    internal static nuint RandomSize(Random random, StressTarget target)
    {
        int roll = random.Next(100);
        if (roll < 10)
        {
            return (nuint)(target.Threshold + 1 + random.Next(LargeSpan));
        }

        return roll < 46 ? (nuint)(1 + random.Next(64)) : (nuint)(1 + random.Next(target.Threshold));
    }

    /// <summary>What a snapshot taken while other threads run must still satisfy.</summary>
    private static void CheckRunningStats(StressWorker me, AllocatorStats stats, long allocatedSoFar)
    {
        if (stats.BlocksInUse < 0 || stats.ArenasCurrent < 0 || stats.LargeBlocks < 0 || stats.SizeClasses.Any(c => c.BlocksInUse < 0 || c.FreeBlocks < 0 || c.Pools < 0))
        {
            throw new StressFailure($"thread '{me.Name}': GetStats while others run gave a negative count:{Environment.NewLine}{stats}");
        }

        // Read after the snapshot: every block the snapshot counts had been allocated by then.
        long allocated = allocatedSoFar;
        if (stats.BlocksInUse > allocated + 64)
        {
            throw new StressFailure($"thread '{me.Name}': GetStats while others run counts {stats.BlocksInUse} blocks in use, more than the {allocated} ever allocated");
        }
    }
}

/// <summary>The thread stress classes run one at a time: each already fills both cores.</summary>
[CollectionDefinition(Name)]
public sealed class ThreadStressCollection
{
    public const string Name = "Thread stress";
}
