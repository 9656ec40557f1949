using System.Globalization;
using System.Text;
using AllocGen.Benchmarks.Peers;

namespace AllocGen.Benchmarks.Reporting;

/// <summary>One row of a BenchmarkDotNet CSV report.</summary>
public sealed record ResultRow(
    string Workload,
    string ReportFile,
    string Allocator,
    double MeanNs,
    double MedianNs,
    string Allocated,
    IReadOnlyDictionary<string, string> Cells)
{
    /// <summary>The figure the report compares: the median (the targets are medians; it shrugs off the odd slow iteration of a shared machine), the mean when a table has no median.</summary>
    public double Ns => double.IsNaN(MedianNs) ? MeanNs : MedianNs;
}

/// <summary>Reads the <c>*-report.csv</c> files BenchmarkDotNet wrote for the workload classes.</summary>
public static class BenchmarkResults
{
    /// <summary>Workload classes in the order the docs present them.</summary>
    public static readonly string[] WorkloadOrder = ["Pair", "Churn", "Skewed", "Burst", "Realloc", "Mixed", "Typed", "ProducerConsumer", "Larson"];

    /// <summary>The workloads run on two threads: the docs page shows them in its "Threads" section, not in the single-threaded summary.</summary>
    public static readonly string[] ThreadWorkloads = ["ProducerConsumer", "Larson"];

    public static bool IsThreadWorkload(string workload) => ThreadWorkloads.Contains(workload.Split(' ')[0]);

    public static List<ResultRow> Load(string resultsDir)
    {
        if (!Directory.Exists(resultsDir))
            throw new DirectoryNotFoundException($"no BenchmarkDotNet results folder at {resultsDir}");
        var files = Directory.GetFiles(resultsDir, "*-report.csv").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new FileNotFoundException($"no *-report.csv in {resultsDir} (run the benchmarks with the suite's config, or --exporters csv)");

        var rows = new List<ResultRow>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file).Where(l => l.Length > 0).ToList();
            if (lines.Count < 2)
                continue;
            var header = ParseCsvLine(lines[0]);
            foreach (var line in lines.Skip(1))
            {
                var fields = ParseCsvLine(line);
                var cells = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < header.Count && i < fields.Count; i++)
                    cells[header[i]] = fields[i];
                if (!cells.TryGetValue("Method", out var method) || !cells.TryGetValue("Allocator", out var allocator))
                    continue;
                var workload = method;
                if (cells.TryGetValue("Order", out var order) && order.Length > 0)
                    workload = $"{method} ({order} order)";
                rows.Add(new ResultRow(workload, Path.GetFileName(file), allocator,
                    Time(cells, "Mean"), Time(cells, "Median"), Cell(cells, "Allocated"), cells));
            }
        }
        return rows;
    }

    /// <summary>Workload names present, in presentation order.</summary>
    public static List<string> Workloads(IEnumerable<ResultRow> rows) =>
        [.. rows.Select(r => r.Workload).Distinct()
            .OrderBy(w => Array.FindIndex(WorkloadOrder, o => w.StartsWith(o, StringComparison.Ordinal)) is var i && i < 0 ? int.MaxValue : i)
            .ThenBy(w => w, StringComparer.Ordinal)];

    /// <summary>Allocator names present, in the enum's (table) order, unknown names last.</summary>
    public static List<string> Allocators(IEnumerable<ResultRow> rows) =>
        [.. rows.Select(r => r.Allocator).Distinct()
            .OrderBy(a => Enum.TryParse<Allocator>(a, out var v) ? (int)v : int.MaxValue)
            .ThenBy(a => a, StringComparer.Ordinal)];

    private static string Cell(Dictionary<string, string> cells, string column)
    {
        foreach (var (key, value) in cells)
            if (key == column || key.StartsWith(column + " [", StringComparison.Ordinal))
                return value;
        return "";
    }

    /// <summary>A time cell in ns, whether the unit is in the header ("Mean [ns]") or in the cell ("1.23 μs").</summary>
    private static double Time(Dictionary<string, string> cells, string column)
    {
        foreach (var (key, value) in cells)
        {
            if (key != column && !key.StartsWith(column + " [", StringComparison.Ordinal))
                continue;
            var headerUnit = key.Length > column.Length ? key[(column.Length + 2)..^1] : null;
            return ParseTime(value, headerUnit);
        }
        return double.NaN;
    }

    public static double ParseTime(string text, string? headerUnit)
    {
        var s = text.Trim().Replace(",", "", StringComparison.Ordinal);
        var end = 0;
        while (end < s.Length && (char.IsDigit(s[end]) || s[end] is '.' or '-' or '+' or 'e' or 'E'))
            end++;
        if (end == 0 || !double.TryParse(s[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            return double.NaN;
        var unit = s[end..].Trim();
        if (unit.Length == 0)
            unit = headerUnit ?? "ns";
        return unit switch
        {
            "ns" => value,
            "μs" or "us" or "µs" => value * 1e3,
            "ms" => value * 1e6,
            "s" => value * 1e9,
            _ => value,
        };
    }

    public static List<string> ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    sb.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(ch);
            }
        }
        fields.Add(sb.ToString());
        return fields;
    }
}
