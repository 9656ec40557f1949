using BenchmarkDotNet.Attributes;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>The order in which a burst is freed.</summary>
public enum FreeOrder
{
    /// <summary>First allocated, first freed.</summary>
    Allocation,

    /// <summary>A fixed random permutation.</summary>
    Random,
}

/// <summary>Burst: 100,000 allocations (sizes uniform in [1, 512]), then all freed.</summary>
public class BurstBenchmarks : WorkloadBase
{
    public const int Blocks = 100_000;

    [Params(FreeOrder.Allocation, FreeOrder.Random)]
    public FreeOrder Order { get; set; }

    private int[] _sizes = [];
    private int[] _freeOrder = [];
    private Array? _blocks;

    [GlobalSetup]
    public void Setup()
    {
        _sizes = Inputs.UniformSizes(Blocks, Inputs.Seed);
        _freeOrder = Inputs.Permutation(Blocks, Order == FreeOrder.Random, Inputs.Seed + 3);
        CreateAllocator();
        _blocks = NewBlockArray(Blocks);
    }

    /// <summary>ns per allocate+free.</summary>
    [Benchmark(OperationsPerInvoke = Blocks)]
    public void Burst()
    {
        var run = new RunAction(this);
        Dispatch(ref run);
    }

    [GlobalCleanup]
    public void Cleanup() => DestroyAllocator();

    private readonly struct RunAction(BurstBenchmarks w) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Burst<TA, TB, TP>(ref a, (TB[])w._blocks!, w._sizes, w._freeOrder);
    }
}
