using BenchmarkDotNet.Attributes;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>
/// Typed allocation of a 24-byte struct (<see cref="Payload24"/>): AllocGen's <c>Allocate&lt;T&gt;()</c>,
/// <c>malloc(24)</c> for the native peers, <c>new Payload24[1]</c> / <c>ArrayPool&lt;Payload24&gt;</c>
/// for the managed rows; one field written, then freed.
/// </summary>
public class TypedBenchmarks : WorkloadBase
{
    public const int OpsPerInvoke = 4096;

    [GlobalSetup]
    public void Setup() => CreateAllocator();

    /// <summary>ns per Allocate&lt;T&gt;+free.</summary>
    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void Typed()
    {
        var run = new RunAction();
        Dispatch(ref run);
    }

    [GlobalCleanup]
    public void Cleanup() => DestroyAllocator();

    private readonly struct RunAction : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Typed<TA, TB, TP>(ref a, OpsPerInvoke);
    }
}
