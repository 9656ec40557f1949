using BenchmarkDotNet.Attributes;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>
/// Requests shaped like real programs' (see <see cref="Inputs.MixedSizes"/>: 80% ≤ 512 B, 15% up to 4 KiB, 5% up to
/// 256 KiB) under churn with <see cref="MixedLiveBlocks"/> live blocks and random frees; <see cref="GrowPercent"/>
/// percent of the ops grow a live block with a realloc instead (see <see cref="Kernels.Mixed"/>).
/// </summary>
public class MixedBenchmarks : ChurnWorkload
{
    public const int MixedLiveBlocks = 4_000;
    public const int GrowPercent = 5;

    private int[]? _liveSizes;

    protected override int LiveCount => MixedLiveBlocks;

    protected override int[] Sizes(int count, int seed) => Inputs.MixedSizes(count, seed + 30);

    protected override int[] OpStream(int count, int seed) => Inputs.MixedOps(count, seed + 30, GrowPercent);

    /// <summary>ns per op (free + allocate + 1 byte written, or a growing realloc + 1 byte written).</summary>
    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void Mixed() => RunChurn();

    protected override void RunOps()
    {
        _liveSizes ??= (int[])FillSizes.Clone();
        var run = new RunAction(this);
        Dispatch(ref run);
    }

    private readonly struct RunAction(MixedBenchmarks w) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Mixed<TA, TB, TP>(ref a, (TB[])w.Live, w._liveSizes!, w.Slots, w.Ops);
    }
}
