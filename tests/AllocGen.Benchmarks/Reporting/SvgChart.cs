using System.Globalization;
using System.Security;
using System.Text;
using AllocGen.Benchmarks.Peers;

namespace AllocGen.Benchmarks.Reporting;

/// <summary>
/// A hand-written SVG bar chart: one panel per workload, one horizontal bar per allocator (median ns per
/// operation), each panel on its own linear scale. Bars far beyond the panel's typical values
/// (managed rows, mostly) are cut at <see cref="ClipFactor"/> x the panel's median and marked.
/// </summary>
public static class SvgChart
{
    private const int Width = 960;
    private const int LabelWidth = 120;
    private const int ValueWidth = 150;
    private const int BarHeight = 16;
    private const int BarGap = 4;
    private const int PanelTitle = 26;
    private const int PanelGap = 14;
    private const int Top = 56;
    private const double ClipFactor = 6.0;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly Dictionary<string, string> Colors = new(StringComparer.Ordinal)
    {
        [nameof(Allocator.AllocGen)] = "#d62728",
        [nameof(Allocator.AllocGenCompact)] = "#ff9896",
        [nameof(Allocator.AllocGenLocked)] = "#e6550d",
        [nameof(Allocator.AllocGenPerThread)] = "#843c39",
        [nameof(Allocator.Floor)] = "#7f7f7f",
        [nameof(Allocator.glibc)] = "#1f77b4",
        [nameof(Allocator.glibc_fnptr)] = "#aec7e8",
        [nameof(Allocator.mimalloc)] = "#2ca02c",
        [nameof(Allocator.jemalloc)] = "#9467bd",
        [nameof(Allocator.tcmalloc)] = "#ff7f0e",
        [nameof(Allocator.ArrayPool)] = "#8c564b",
        [nameof(Allocator.NewArray)] = "#e377c2",
    };

    public static string Render(List<ResultRow> rows)
    {
        var workloads = BenchmarkResults.Workloads(rows);
        var allocators = BenchmarkResults.Allocators(rows);
        var plotWidth = Width - LabelWidth - ValueWidth - 20;

        var panels = workloads.Select(w => (Workload: w, Rows: allocators
            .Select(a => rows.FirstOrDefault(r => r.Workload == w && r.Allocator == a))
            .Where(r => r is not null && !double.IsNaN(r.Ns)).Select(r => r!).ToList())).ToList();
        var height = Top + panels.Sum(p => PanelTitle + p.Rows.Count * (BarHeight + BarGap) + PanelGap) + 30;

        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" font-size=\"12\">");
        sb.AppendLine(Inv, $"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{height}\" fill=\"#ffffff\"/>");
        var jobs = string.Join(", ", rows.Select(r => r.Cells.GetValueOrDefault("Job", "")).Where(j => j.Length > 0).Distinct());
        var title = "AllocGen benchmarks: median ns per operation (shorter is faster)" + (jobs.Length > 0 ? $", job {jobs}" : "");
        sb.AppendLine(Inv, $"<text x=\"12\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>");
        sb.AppendLine("<text x=\"12\" y=\"42\" fill=\"#555555\">Each panel has its own linear scale; value labels give ns and the ratio to glibc. Bars cut with » exceed the panel's scale.</text>");

        var y = Top;
        foreach (var (workload, panelRows) in panels)
        {
            sb.AppendLine(Inv, $"<text x=\"12\" y=\"{y + 17}\" font-size=\"14\" font-weight=\"bold\">{Escape(workload)}</text>");
            y += PanelTitle;
            if (panelRows.Count == 0)
                continue;
            var sorted = panelRows.Select(r => r.Ns).OrderBy(v => v).ToList();
            var median = sorted[sorted.Count / 2];
            var scaleMax = Math.Min(sorted[^1], median * ClipFactor);
            if (!(scaleMax > 0))
                scaleMax = 1;
            var glibc = panelRows.FirstOrDefault(r => r.Allocator == nameof(Allocator.glibc))?.Ns;

            sb.AppendLine(Inv, $"<line x1=\"{LabelWidth}\" y1=\"{y - 2}\" x2=\"{LabelWidth}\" y2=\"{y + panelRows.Count * (BarHeight + BarGap) - BarGap + 2}\" stroke=\"#333333\"/>");
            foreach (var row in panelRows)
            {
                var clipped = row.Ns > scaleMax;
                var w = Math.Max(1.0, Math.Min(row.Ns, scaleMax) / scaleMax * plotWidth);
                var color = Colors.GetValueOrDefault(row.Allocator, "#bcbd22");
                sb.AppendLine(Inv, $"<text x=\"{LabelWidth - 6}\" y=\"{y + BarHeight - 4}\" text-anchor=\"end\">{Escape(row.Allocator)}</text>");
                sb.AppendLine(Inv, $"<rect x=\"{LabelWidth}\" y=\"{y}\" width=\"{w:0.0}\" height=\"{BarHeight}\" fill=\"{color}\"><title>{Escape(row.Allocator)}: {row.Ns:0.00} ns</title></rect>");
                var label = row.Ns.ToString(row.Ns < 100 ? "0.00" : "0.0", Inv) + " ns";
                if (glibc is > 0)
                    label += $" ({(row.Ns / glibc.Value).ToString("0.00", Inv)}x)";
                if (clipped)
                    label = "» " + label;
                sb.AppendLine(Inv, $"<text x=\"{LabelWidth + w + 6:0.0}\" y=\"{y + BarHeight - 4}\" fill=\"#222222\">{Escape(label)}</text>");
                y += BarHeight + BarGap;
            }
            y += PanelGap;
        }
        sb.AppendLine(Inv, $"<text x=\"12\" y=\"{height - 10}\" fill=\"#777777\">Generated from BenchmarkDotNet CSV by tests/AllocGen.Benchmarks (--chart).</text>");
        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    private static string Escape(string s) => SecurityElement.Escape(s) ?? "";
}
