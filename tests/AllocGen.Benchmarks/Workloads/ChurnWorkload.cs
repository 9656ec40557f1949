using AllocGen.Benchmarks.Peers;
using BenchmarkDotNet.Attributes;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>
/// Steady state with <see cref="LiveCount"/> live blocks: each op frees a random live block,
/// allocates a new one of a random size and writes one byte to it (or what <see cref="RunOps"/> says).
/// </summary>
public abstract class ChurnWorkload : WorkloadBase
{
    public const int LiveBlocks = 10_000;
    public const int OpsPerInvoke = 16_384;

    private int[] _fillSizes = [];
    private int[] _slots = [];
    private int[] _sizes = [];
    private Array? _live;

    /// <summary>The size stream (uniform or skewed).</summary>
    protected abstract int[] Sizes(int count, int seed);

    /// <summary>Blocks live throughout the run.</summary>
    protected virtual int LiveCount => LiveBlocks;

    /// <summary>The op stream: for the churn, the size each op allocates.</summary>
    protected virtual int[] OpStream(int count, int seed) => Sizes(count, seed);

    /// <summary>The size of each live block after the fill.</summary>
    protected int[] FillSizes => _fillSizes;

    /// <summary>The slot each op works on.</summary>
    protected int[] Slots => _slots;

    /// <summary>The op stream (see <see cref="OpStream"/>).</summary>
    protected int[] Ops => _sizes;

    /// <summary>The live blocks (a native-address or managed array, see <see cref="WorkloadBase.NewBlockArray"/>).</summary>
    protected Array Live => _live!;

    [GlobalSetup]
    public void Setup()
    {
        _fillSizes = Sizes(LiveCount, Inputs.Seed);
        _slots = Inputs.Indices(OpsPerInvoke, LiveCount, Inputs.Seed + 1);
        _sizes = OpStream(OpsPerInvoke, Inputs.Seed + 2);
        CreateAllocator();
        _live = NewBlockArray(LiveCount);
        var fill = new FillAction(this);
        Dispatch(ref fill);
    }

    protected void RunChurn() => RunOps();

    /// <summary>Runs the op stream once (the timed part).</summary>
    protected virtual void RunOps()
    {
        var run = new RunAction(this);
        Dispatch(ref run);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_live is not null)
        {
            var drain = new DrainAction(this);
            Dispatch(ref drain);
        }
        DestroyAllocator();
    }

    private readonly struct FillAction(ChurnWorkload w) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Fill<TA, TB, TP>(ref a, (TB[])w._live!, w._fillSizes);
    }

    private readonly struct RunAction(ChurnWorkload w) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Churn<TA, TB, TP>(ref a, (TB[])w._live!, w._slots, w._sizes);
    }

    private readonly struct DrainAction(ChurnWorkload w) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Drain<TA, TB, TP>(ref a, (TB[])w._live!);
    }
}

/// <summary>Churn: 10,000 live blocks, sizes uniform in [1, 512].</summary>
public class ChurnBenchmarks : ChurnWorkload
{
    protected override int[] Sizes(int count, int seed) => Inputs.UniformSizes(count, seed);

    /// <summary>Also the Locked and PerThread AllocGen rows: what a thread policy costs a single thread.</summary>
    protected override bool RunsOn(Allocator allocator) => true;

    /// <summary>ns per free+allocate(+1 byte written).</summary>
    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void Churn() => RunChurn();
}

/// <summary>Skewed size mix under churn: 80% of requests in [1, 64] B, the rest in [65, 512] B.</summary>
public class SkewedBenchmarks : ChurnWorkload
{
    protected override int[] Sizes(int count, int seed) => Inputs.SkewedSizes(count, seed);

    /// <summary>ns per free+allocate(+1 byte written).</summary>
    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void Skewed() => RunChurn();
}
