using AllocGen.Benchmarks.Peers;
using BenchmarkDotNet.Attributes;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>Pair: allocate then free immediately; sizes uniform in [1, 512].</summary>
public class PairBenchmarks : WorkloadBase
{
    public const int OpsPerInvoke = 4096;

    private int[] _sizes = [];

    /// <summary>Also the Locked and PerThread AllocGen rows: what a thread policy costs a single thread.</summary>
    protected override bool RunsOn(Allocator allocator) => true;

    [GlobalSetup]
    public void Setup()
    {
        _sizes = Inputs.UniformSizes(OpsPerInvoke, Inputs.Seed);
        CreateAllocator();
    }

    /// <summary>ns per allocate+free.</summary>
    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void Pair()
    {
        var run = new RunAction(this);
        Dispatch(ref run);
    }

    [GlobalCleanup]
    public void Cleanup() => DestroyAllocator();

    private readonly struct RunAction(PairBenchmarks w) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Pair<TA, TB, TP>(ref a, w._sizes);
    }
}
