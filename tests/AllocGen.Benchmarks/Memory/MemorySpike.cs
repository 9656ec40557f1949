using System.Globalization;
using System.Text;
using AllocGen.Benchmarks.Peers;
using AllocGen.Benchmarks.Workloads;

namespace AllocGen.Benchmarks.Memory;

/// <summary>
/// The memory report's second scenario, "after a spike": <see cref="PeakBlocks"/> live blocks (sizes uniform in
/// [1, 512]), then all but a random <see cref="ChurnWorkload.LiveBlocks"/> of them freed, then
/// <see cref="MemoryReport.Ops"/> ops of churn over those. What the allocator still holds at the end shows whether
/// the spike's memory comes back without being asked; the last columns show it after each allocator's own call to give
/// memory back, where it has one (AllocGen <c>Trim()</c>, glibc <c>malloc_trim</c>, mimalloc <c>mi_collect</c>,
/// jemalloc's purge, tcmalloc's <c>ReleaseFreeMemory</c>).
/// </summary>
internal sealed class MemorySpike : MemoryScenario
{
    public const int PeakBlocks = 40_000;

    private int[] _order = [];
    private int _keep;
    private int[] _slots = [];
    private int[] _sizes = [];

    /// <summary>
    /// Peak live bytes, live bytes at the end, RSS growth at the peak and at the end, the allocator's own count at
    /// the end, then RSS growth and own count after a trim (-1 where the allocator cannot say or cannot trim).
    /// </summary>
    public long[] Measure()
    {
        var fillSizes = Inputs.UniformSizes(PeakBlocks, Inputs.Seed + 20);
        var order = Inputs.Permutation(PeakBlocks, shuffle: true, Inputs.Seed + 21);
        var slots = Inputs.Indices(MemoryReport.Ops, ChurnWorkload.LiveBlocks, Inputs.Seed + 22);
        var sizes = Inputs.UniformSizes(MemoryReport.Ops, Inputs.Seed + 23);

        CreateAllocator();
        WarmUp(fillSizes, order, slots, sizes);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var rssBefore = MemoryReport.ResidentBytes();
        long Rss() => rssBefore < 0 ? -1 : MemoryReport.ResidentBytes() - rssBefore;

        (FillSizes, _order, _keep, _slots, _sizes) = (fillSizes, order, ChurnWorkload.LiveBlocks, slots, sizes);
        Live = NewBlockArray(PeakBlocks);
        Fill();
        var peakRss = Rss();
        var shrink = new ShrinkAction(this);
        Dispatch(ref shrink);
        Churn(_slots, _sizes);
        var rssAfter = Rss();
        var ownAfter = OwnCounters().Reserved;

        long rssAfterTrim = -1, ownAfterTrim = -1;
        if (TrimAllocator())
        {
            rssAfterTrim = Rss();
            ownAfterTrim = OwnCounters().Reserved;
        }

        var (peakLive, liveAfter) = LiveBytes(fillSizes, order, ChurnWorkload.LiveBlocks, slots, sizes);
        return [peakLive, liveAfter, peakRss, rssAfter, ownAfter, rssAfterTrim, ownAfterTrim];
    }

    /// <summary>The second table of the memory report.</summary>
    public static string ToMarkdown(List<(Allocator Allocator, string[]? Fields, string? Skipped)> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant(
            $"After a spike: {PeakBlocks:N0} live blocks (sizes uniform in [1, 512]), all but a random {ChurnWorkload.LiveBlocks:N0} freed, then {MemoryReport.Ops:N0} ops of churn over those; one fresh process per allocator."));
        sb.AppendLine("RSS = growth of the process's resident set over the run. Own count = AllocGen `GetStats().BytesCommitted`, Floor slabs. Nobody is asked to give memory back until the last two columns, taken after each allocator's own call for it: AllocGen `Trim()`, glibc `malloc_trim(0)`, mimalloc `mi_collect(true)`, jemalloc `mallctl(\"arena.4096.purge\")`, tcmalloc `MallocExtension_ReleaseFreeMemory()` (- where there is none). Pages an allocator gives back with `MADV_FREE` stay in the RSS until the kernel needs them; AllocGen's `Trim()` uses `MADV_DONTNEED`.");
        sb.AppendLine();
        sb.AppendLine("| Allocator | Peak live | Live at end | RSS at peak | RSS at end | RSS at end / live | Own count at end | RSS after its trim call | Own count after it |");
        sb.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var (allocator, fields, skipped) in rows)
        {
            if (fields is null)
            {
                sb.AppendLine($"| {allocator} | skipped: {skipped} | - | - | - | - | - | - | - |");
                continue;
            }
            var v = fields.Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            sb.AppendLine($"| {allocator} | {MemoryReport.Bytes(v[0])} | {MemoryReport.Bytes(v[1])} | {MemoryReport.Bytes(v[2])} | {MemoryReport.Bytes(v[3])} | {MemoryReport.Ratio(v[3], v[1])} | {MemoryReport.Bytes(v[4])} | {MemoryReport.Bytes(v[5])} | {MemoryReport.Bytes(v[6])} |");
        }
        return sb.ToString();
    }

    /// <summary>JIT-compiles every step on 64 blocks (freed again) before the RSS baseline.</summary>
    private void WarmUp(int[] fillSizes, int[] order, int[] slots, int[] sizes)
    {
        const int Few = 64;
        (FillSizes, _order, _keep) = (fillSizes[..Few], Inputs.Permutation(Few, shuffle: true, 1), Few / 4);
        (_slots, _sizes) = (Inputs.Indices(4096, Few / 4, 2), sizes[..4096]);
        for (var round = 0; round < 40; round++)
        {
            Live = NewBlockArray(Few);
            Fill();
            var shrink = new ShrinkAction(this);
            Dispatch(ref shrink);
            Churn(_slots, _sizes);
            Drain();
            _ = MemoryReport.ResidentBytes();
            _ = OwnCounters();
        }
        Live = null;
    }

    private static (long Peak, long After) LiveBytes(int[] fillSizes, int[] order, int keep, int[] slots, int[] sizes)
    {
        long peak = fillSizes.Sum(s => (long)s);
        var live = new int[keep];
        for (var i = 0; i < keep; i++)
            live[i] = fillSizes[order[i]];
        for (var i = 0; i < slots.Length; i++)
            live[slots[i]] = sizes[i];
        return (peak, live.Sum(s => (long)s));
    }

    /// <summary>Keeps the blocks of the first <c>_keep</c> slots of the shuffled order and frees the rest.</summary>
    private readonly struct ShrinkAction(MemorySpike w) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
        {
            var live = (TB[])w.Live!;
            var kept = new TB[w._keep];
            for (var i = 0; i < kept.Length; i++)
                kept[i] = live[w._order[i]];
            for (var i = kept.Length; i < w._order.Length; i++)
                a.Free(live[w._order[i]]);
            w.Live = kept;
        }
    }
}
