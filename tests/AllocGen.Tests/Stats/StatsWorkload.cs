using AllocGen.Stats;
using AllocGen.Tests.Pools;
using CsCheck;
using Xunit;

namespace AllocGen.Tests.Stats;

/// <summary>One random step: what to do (0..99), a size seed (0..999) and which live block to free.</summary>
internal readonly record struct Op(int Action, int Size, int Pick);

/// <summary>
/// Random workloads in phases of 200 steps that grow (85% allocations) and drain (90% frees), so arenas are
/// taken and given back; about one step in a hundred trims, one allocation in twenty is large. The model is checked
/// after every step, the dump read back every few steps, then the heap is drained and trimmed.
/// </summary>
internal static class StatsWorkload
{
    private const int PhaseLength = 200;

    public static Gen<Op[]> Ops(int maxSteps) =>
        Gen.Select(Gen.Int[0, 99], Gen.Int[0, 999], Gen.Int[0, int.MaxValue], (action, size, pick) => new Op(action, size, pick)).Array[1, maxSteps];

    /// <summary>Runs one workload, checking the model throughout; adds what it reached to <paramref name="reached"/>.</summary>
    public static void Run(HeapGeometry target, Op[] ops, int readDumpEvery, Reached reached)
    {
        using IAllocator heap = target.Create();
        var model = new StatsModel(target, heap);
        for (int i = 0; i < ops.Length; i++)
        {
            Op op = ops[i];
            bool growing = i / PhaseLength % 2 == 0;
            if (op.Action == 0)
            {
                model.Trim();
            }
            else if (model.LiveCount == 0 || op.Action <= (growing ? 85 : 10))
            {
                model.Allocate(SizeOf(target, op.Size));
            }
            else
            {
                model.Free(op.Pick);
            }

            AllocatorStats stats = heap.GetStats();
            model.Check(stats, readDump: i % readDumpEvery == 0);
            reached.Add(stats);
        }

        while (model.LiveCount > 0)
        {
            model.Free(0);
        }

        model.Check(heap.GetStats());
        model.Trim();
        AllocatorStats trimmed = heap.GetStats();
        model.Check(trimmed);
        reached.Add(trimmed);
    }

    /// <summary>One in twenty large (just above the threshold up to a few KiB more), the rest 0..threshold.</summary>
    private static nuint SizeOf(HeapGeometry target, int seed) =>
        seed < 50 ? (nuint)(target.Threshold + 1 + (seed * 97)) : (nuint)(seed % (target.Threshold + 1));
}

/// <summary>
/// The most the workloads of one test reached, so that it can check they reached the states worth checking (arenas
/// given back, several held at once, large blocks, page padding) rather than pass on workloads too small to matter.
/// </summary>
internal sealed class Reached
{
    public long ArenasReleased { get; private set; }

    public long ArenasHighWater { get; private set; }

    public long LargeBlocks { get; private set; }

    public long PagePaddingBytes { get; private set; }

    public long QuantizationBytes { get; private set; }

    public void Add(AllocatorStats stats)
    {
        ArenasReleased = Math.Max(ArenasReleased, stats.ArenasReleased);
        ArenasHighWater = Math.Max(ArenasHighWater, stats.ArenasHighWater);
        LargeBlocks = Math.Max(LargeBlocks, stats.LargeBlocks);
        PagePaddingBytes = Math.Max(PagePaddingBytes, stats.PagePaddingBytes);
        QuantizationBytes = Math.Max(QuantizationBytes, stats.QuantizationBytes);
    }

    /// <summary>Arenas came and went, several at once, with large blocks and quantization waste; and page padding when a page is larger than an arena.</summary>
    public void AssertWorthwhile(HeapGeometry target)
    {
        Assert.True(ArenasReleased > 0, "no workload released an arena");
        Assert.True(ArenasHighWater >= 3, $"no workload held more than {ArenasHighWater} arenas at once");
        Assert.True(LargeBlocks > 0, "no workload allocated a large block");
        Assert.True(QuantizationBytes > 0, "no workload used a class whose blocks leave a pool's tail unused");
        Assert.Equal(AllocGen.Memory.OsPages.PageSize > (nuint)target.ArenaSize, PagePaddingBytes > 0);
    }
}
