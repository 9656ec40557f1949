using BenchmarkDotNet.Attributes;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>
/// Realloc growth: allocate 16 B, grow by doubling to 4 KiB (8 reallocs, one byte written at the end
/// of each new size), free. The reported time is per chain (1 allocate + 8 reallocate + 1 free).
/// </summary>
public class ReallocBenchmarks : WorkloadBase
{
    public const int Chains = 1024;

    [GlobalSetup]
    public void Setup() => CreateAllocator();

    /// <summary>ns per chain (allocate 16 B, 8 doublings to 4 KiB, free).</summary>
    [Benchmark(OperationsPerInvoke = Chains)]
    public void Realloc()
    {
        var run = new RunAction();
        Dispatch(ref run);
    }

    [GlobalCleanup]
    public void Cleanup() => DestroyAllocator();

    private readonly struct RunAction : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.ReallocChains<TA, TB, TP>(ref a, Chains);
    }
}
