using AllocGen.Benchmarks.Workloads;

namespace AllocGen.Benchmarks.Memory;

/// <summary>
/// What the memory report's scenarios share: the live blocks of the current allocator row, filling them from
/// <see cref="FillSizes"/>, churning them, and draining whatever is left when the scenario is disposed.
/// </summary>
internal abstract class MemoryScenario : WorkloadBase, IDisposable
{
    /// <summary>The live blocks (a native-address or managed array, see <see cref="WorkloadBase.NewBlockArray"/>).</summary>
    protected Array? Live;

    /// <summary>The size of each block <see cref="Fill"/> allocates, one per slot of <see cref="Live"/>.</summary>
    protected int[] FillSizes = [];

    /// <summary>Allocates a block of <see cref="FillSizes"/>[i] into every slot i of <see cref="Live"/>.</summary>
    protected void Fill()
    {
        var fill = new FillAction(this);
        Dispatch(ref fill);
    }

    /// <summary>For each op, frees the block in <paramref name="slots"/>[i] and allocates one of <paramref name="sizes"/>[i] in its place.</summary>
    protected void Churn(int[] slots, int[] sizes)
    {
        var churn = new ChurnAction(this, slots, sizes);
        Dispatch(ref churn);
    }

    /// <summary>Frees every block of <see cref="Live"/>.</summary>
    protected void Drain()
    {
        var drain = new DrainAction(this);
        Dispatch(ref drain);
    }

    public void Dispose()
    {
        if (Live is not null)
        {
            Drain();
            Live = null;
        }
        DestroyAllocator();
    }

    private readonly struct FillAction(MemoryScenario w) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Fill<TA, TB, TP>(ref a, (TB[])w.Live!, w.FillSizes);
    }

    private readonly struct ChurnAction(MemoryScenario w, int[] slots, int[] sizes) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Churn<TA, TB, TP>(ref a, (TB[])w.Live!, slots, sizes);
    }

    private readonly struct DrainAction(MemoryScenario w) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Drain<TA, TB, TP>(ref a, (TB[])w.Live!);
    }
}
