using System.Globalization;
using AllocGen.Benchmarks.Workloads;

namespace AllocGen.Benchmarks.Memory;

/// <summary>The mixed-sizes workload (<see cref="MixedBenchmarks"/>), run once with sampling instead of timing.</summary>
internal sealed class MemoryMixed : MemoryChurn
{
    public static string Description { get; } = string.Create(CultureInfo.InvariantCulture,
        $"Mixed sizes, {MixedBenchmarks.MixedLiveBlocks:N0} live blocks (80% ≤ 512 B, 15% ≤ 4 KiB, 5% ≤ 256 KiB; {MixedBenchmarks.GrowPercent}% of the ops grow a block 2x by realloc)");

    private int[] _liveSizes = [];

    protected override int LiveCount => MixedBenchmarks.MixedLiveBlocks;

    protected override int[] FillSizesFor(int count, int seed) => Inputs.MixedSizes(count, seed);

    protected override int[] OpStream(int count, int seed) => Inputs.MixedOps(count, seed, MixedBenchmarks.GrowPercent);

    protected override void Refill()
    {
        Fill();
        _liveSizes = (int[])FillSizes.Clone();
    }

    protected override void Step(int[] slots, int[] sizes)
    {
        var step = new StepAction(this, slots, sizes);
        Dispatch(ref step);
    }

    protected override long PeakLiveBytes(int[] fillSizes, int[] slots, int[] sizes)
    {
        var live = (int[])fillSizes.Clone();
        long total = live.Sum(s => (long)s);
        var peak = total;
        for (var i = 0; i < slots.Length; i++)
        {
            var size = sizes[i] == Inputs.GrowOp ? Inputs.Grown(live[slots[i]]) : sizes[i];
            total += size - live[slots[i]];
            live[slots[i]] = size;
            peak = Math.Max(peak, total);
        }
        return peak;
    }

    private readonly struct StepAction(MemoryMixed w, int[] slots, int[] sizes) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => Kernels.Mixed<TA, TB, TP>(ref a, (TB[])w.Live!, w._liveSizes, slots, sizes);
    }
}
