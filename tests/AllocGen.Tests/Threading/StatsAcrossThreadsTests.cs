using AllocGen.Tests.Pools;
using Xunit;
using Xunit.Abstractions;

namespace AllocGen.Tests.Threading;

/// <summary>
/// The statistics once every block is freed, whoever freed it: no block in use, at most one idle arena per live
/// thread heap. The cases the stress workloads reach only by chance, made certain: the owner of the freed blocks is
/// alive and idle (parked, between calls) when another thread reads the statistics.
/// </summary>
[Collection(ThreadStressCollection.Name)]
public sealed class StatsAcrossThreadsTests(ITestOutputHelper output)
{
    private const int Blocks = 3_000;

    public static TheoryData<string> Heaps()
    {
        var data = new TheoryData<string>();
        foreach (StressTarget target in StressTarget.All)
        {
            data.Add(target.Name);
        }

        return data;
    }

    /// <summary>
    /// The owner allocates and parks; another thread frees every block and exits; the test thread reads the
    /// statistics while the owner is still parked (no block in use), after the owner took its blocks back with a call of
    /// its own (nothing held beyond one idle arena per live thread heap), then after it exited.
    /// </summary>
    [Theory]
    [MemberData(nameof(Heaps))]
    public void BlocksFreedByAnotherThreadLeaveNothingInUseWhileTheirOwnerIsIdle(string heap)
    {
        using var run = new StressRun(StressTarget.Named(heap), nameof(BlocksFreedByAnotherThreadLeaveNothingInUseWhileTheirOwnerIsIdle), 2, output);
        using var handedOver = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var tookBack = new ManualResetEventSlim();
        using var finish = new ManualResetEventSlim();
        var blocks = new List<LiveBlock>();
        StressWorker owner = run.Start("owner", me =>
        {
            for (int i = 0; i < Blocks; i++)
            {
                blocks.Add(run.Ledger.Allocate(me, ThreadStressTests.RandomSize(me.Random, run.Target)));
            }

            me.Doing("parked", null, 0);
            handedOver.Set();
            if (!release.Wait(StressRun.JoinLimit, run.Stopping))
            {
                throw new StressFailure($"thread '{me.Name}' was not released from parking");
            }

            // The owner's own call takes the blocks back, and with them its pools and arenas.
            me.Doing("Trim", null, 0);
            ((IPoolHeapControls)run.Heap).Trim();
            tookBack.Set();
            if (!finish.Wait(StressRun.JoinLimit, run.Stopping))
            {
                throw new StressFailure($"thread '{me.Name}' was not released after taking back");
            }
        });

        Assert.True(handedOver.Wait(StressRun.JoinLimit), "the owner did not allocate its blocks");
        StressWorker freer = run.Start("freer", me =>
        {
            foreach (LiveBlock block in blocks)
            {
                run.Ledger.Free(me, block);
            }
        });

        run.Join([freer]);
        try
        {
            run.AssertNoBlockInUse("with the owner alive and idle");
            release.Set();
            Assert.True(tookBack.Wait(StressRun.JoinLimit), "the owner did not take its blocks back");

            // Live thread heaps: the owner's and, for the reading, the test thread's.
            run.AssertEverythingFreed(liveThreadHeaps: 2, "with the owner alive and idle, after it took its blocks back");
        }
        finally
        {
            release.Set();
            finish.Set();
        }

        run.Join([owner]);
        run.AssertEverythingFreed(liveThreadHeaps: 1, "after the owner exited");
        run.Report();
    }
}
