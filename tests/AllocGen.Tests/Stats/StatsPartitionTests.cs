using AllocGen.Stats;
using AllocGen.Tests.Pools;
using AllocGen.Tests.Threading;
using CsCheck;
using Xunit;

namespace AllocGen.Tests.Stats;

/// <summary>
/// After random workloads on each thread policy, the statistics and the dump's text say what the model says (blocks
/// and pools per class, arenas taken, released, held and high-water across Trim and frees, large blocks), and the
/// byte parts add up to the bytes reserved.
/// </summary>
public sealed class StatsPartitionTests
{
    [Theory]
    [InlineData(nameof(StatsSmallHeap))]
    [InlineData(nameof(LockedStatsSmallHeap))]
    [InlineData(nameof(PerThreadStatsSmallHeap))]
    [InlineData(nameof(StatsTinyHeap))]
    [InlineData(nameof(LockedStatsTinyHeap))]
    [InlineData(nameof(PerThreadStatsTinyHeap))]
    public void RandomWorkloadsMatchTheModelAndThePartsAddUpToTheBytesReserved(string heap)
    {
        HeapGeometry target = StatsTargets.Named(heap);
        var reached = new Reached();
        StatsWorkload.Ops(maxSteps: 700).Sample(ops => StatsWorkload.Run(target, ops, readDumpEvery: 20, reached), iter: 12, threads: 1);
        reached.AssertWorthwhile(target);
    }

    /// <summary>
    /// Blocks another thread freed into a thread heap's pools are not in use, but their pools count them until the
    /// owner takes them back: read from a third thread, the pools still hold them; read by the owner, they are gone.
    /// </summary>
    [Fact]
    public void PendingRemoteFreesAreNotInUseAndKeepTheirPoolsUntilTheOwnerTakesThemBack()
    {
        HeapGeometry target = StatsTargets.Named(nameof(PerThreadStatsSmallHeap));
        int poolsHeldByPendingFreesOnly = 0;
        Gen<(int[] Sizes, int[] Picks)> gen = Gen.Select(Gen.Int[0, 999].Array[1, 600], Gen.Int[0, int.MaxValue].Array[1, 400]);
        gen.Sample(
            run =>
            {
                using IAllocator heap = target.Create();
                var model = new StatsModel(target, heap);
                foreach (int size in run.Sizes)
                {
                    model.Allocate(size < 50 ? (nuint)(target.Threshold + 1 + size) : (nuint)(size % (target.Threshold + 1)));
                }

                model.FreeOnAnotherThread(run.Picks.Take(Math.Min(run.Picks.Length, model.LiveCount)));

                AllocatorStats? fromElsewhere = null;
                PerThreadPoolHeapTests.RunOn(() => fromElsewhere = heap.GetStats());
                model.Check(fromElsewhere!);

                AllocatorStats byOwner = heap.GetStats();
                model.OwnerTookBackRemoteFrees();
                model.Check(byOwner);
                poolsHeldByPendingFreesOnly += (int)(fromElsewhere!.PoolsInUse - byOwner.PoolsInUse);
            },
            iter: 12,
            threads: 1);
        Assert.True(poolsHeldByPendingFreesOnly > 0, "no run left a pool holding only blocks freed by another thread");
    }
}
