using System.Globalization;
using System.Text;
using AllocGen.Tune.Replay;

namespace AllocGen.Tune.Reporting;

/// <summary>report.md: the figures as tables, the winners and the lines to paste (docs/tuning.md explains the columns).</summary>
public static class MarkdownReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Write(TuningReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        int repeats = report.Variants.Count == 0 ? 0 : report.Variants[0].NsPerOpRepeats.Count;
        md.Append(Invariant, $"# Tuning report: {Path.GetFileName(report.Trace.Path)}\n\n");
        md.Append(Invariant, $"{report.Trace.Operations:N0} operations, {Bytes(report.Trace.PeakLiveBytes)} live at the peak, {report.Trace.DistinctSizes:N0} distinct request sizes. ");
        md.Append(Invariant, $"Time: median of {repeats} timed passes that make only the allocator calls; memory and contents: a separate, checked pass.\n\n");

        md.Append("| variant | kind | ns/op | peak reserved | peak committed | peak live | fragmentation | quantization waste | arenas returned |\n");
        md.Append("|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (VariantReport v in report.Variants)
        {
            md.Append(Invariant,
                $"| {v.Name} | {Kind(v.Kind)} | {v.NsPerOp:F1} | {Bytes(v.PeakReservedBytes)} | {Bytes(v.PeakCommittedBytes)} | {Bytes(v.PeakLiveBytes)} | {v.Fragmentation:P1} | {Bytes(v.QuantizationWasteBytes)} | {v.ArenasReturned:N0} |\n");
        }

        VariantReport byTime = report.Variants.Single(v => v.Name == report.WinnerByTime);
        VariantReport byMemory = report.Variants.Single(v => v.Name == report.WinnerByMemory);
        md.Append(Invariant, $"\nAmong the pool allocators: winner by time **{byTime.Name}** ({byTime.NsPerOp:F1} ns/op); ");
        md.Append(Invariant, $"winner by memory **{byMemory.Name}** ({Bytes(byMemory.PeakCommittedBytes)} committed at the peak). ");
        md.Append("SystemAllocator is the baseline: its bytes are the sizes it was asked for, since the C library's own overhead is not visible to it, so it takes part in neither.\n\n");

        Recommendation r = report.Recommendation;
        md.Append("## Recommendation\n\n");
        md.Append(Invariant, $"**{r.Variant}** (the least memory committed at the peak; ties: the least reserved, a declared variant before the fitted one, the faster). Paste on your allocator class:\n\n");
        md.Append("```csharp\n").Append(r.PoolAllocator).Append('\n').Append(r.SizeClasses).Append("\n```\n\n");
        md.Append(Invariant, $"The fitted variant **{r.FittedVariant}** keeps the geometry of {r.FittedFrom} and has the {r.FittedClasses.Count} size classes that waste the fewest bytes to rounding on this trace's request sizes ");
        md.Append(Invariant, $"(found exactly by dynamic programming): {Bytes(r.FittedRoundingWasteBytes)} over all requests, against {Bytes(r.BaseRoundingWasteBytes)} with {r.FittedFrom}'s classes. ");
        md.Append("Its heap reads its size-class table from arrays at run time instead of the constants a generated allocator folds in, so its time is indicative; its memory figures are exact.\n");

        md.Append("\n## Variants\n");
        foreach (VariantReport v in report.Variants)
        {
            md.Append(Invariant, $"\n### {v.Name}\n\n");
            md.Append("| | |\n|---|---|\n");
            if (v.Kind != VariantKind.System)
            {
                md.Append(Invariant, $"| arena size | {Bytes(v.ArenaSize)} |\n| pool size | {Bytes(v.PoolSize)} |\n");
                md.Append(Invariant, $"| alignment | {v.Alignment} |\n| small-request threshold | {v.SmallRequestThreshold} |\n");
                md.Append(Invariant, $"| size classes ({v.SizeClasses.Count}) | {string.Join(", ", v.SizeClasses)} |\n");
            }

            md.Append(Invariant, $"| operations | {v.Operations:N0} |\n");
            md.Append(Invariant, $"| ns/op of each timed pass | {string.Join(", ", v.NsPerOpRepeats.Select(t => t.ToString("F1", Invariant)))} |\n");
            md.Append(Invariant, $"| peak reserved / committed / live | {v.PeakReservedBytes:N0} / {v.PeakCommittedBytes:N0} / {v.PeakLiveBytes:N0} bytes |\n");
        }

        md.Append("\nCharts: [memory.svg](memory.svg) (bytes reserved by each variant and bytes live, over the trace), [time.svg](time.svg) (ns per operation).\n");
        return md.ToString();
    }

    private static string Kind(VariantKind kind) => kind switch
    {
        VariantKind.Pool => "declared",
        VariantKind.System => "baseline",
        _ => "fitted",
    };

    /// <summary>Bytes in the largest binary unit that keeps them at 1 or more, one decimal.</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(Invariant, $"{bytes / (double)(1L << 30):F1} GiB"),
        >= 1L << 20 => string.Create(Invariant, $"{bytes / (double)(1L << 20):F1} MiB"),
        >= 1L << 10 => string.Create(Invariant, $"{bytes / (double)(1L << 10):F1} KiB"),
        _ => string.Create(Invariant, $"{bytes} B"),
    };
}
