using AllocGen.Benchmarks.Peers;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AllocGen.Benchmarks;

/// <summary>
/// "vs glibc" / "vs mimalloc": this row's mean divided by the mean of the row with the same workload,
/// job and other parameters whose allocator is the reference. (BenchmarkDotNet's own Ratio column
/// only compares benchmark methods, and here the allocator is a parameter.) Below 1 is faster.
/// </summary>
public sealed class RatioToColumn(Allocator reference) : IColumn
{
    public Allocator Reference { get; } = reference;

    public string Id => $"{nameof(RatioToColumn)}.{Reference}";
    public string ColumnName => $"vs {Reference}";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => Reference == Allocator.glibc ? 0 : 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"Median of this row / median of the {Reference} row of the same workload (below 1 = faster than {Reference})";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Median;
        var reference = FindReference(summary, benchmarkCase);
        var referenceMean = reference is null ? null : summary[reference]?.ResultStatistics?.Median;
        if (mean is not { } m || referenceMean is not { } r || r <= 0)
            return "-";
        return (m / r).ToString("0.00", style.CultureInfo);
    }

    private BenchmarkCase? FindReference(Summary summary, BenchmarkCase benchmarkCase)
    {
        foreach (var candidate in summary.BenchmarksCases)
        {
            if (candidate.Descriptor.Type != benchmarkCase.Descriptor.Type
                || candidate.Descriptor.WorkloadMethod != benchmarkCase.Descriptor.WorkloadMethod
                || candidate.Job.DisplayInfo != benchmarkCase.Job.DisplayInfo)
                continue;
            var match = true;
            foreach (var parameter in candidate.Parameters.Items)
            {
                if (parameter.Name == nameof(Workloads.WorkloadBase.Allocator))
                {
                    if (parameter.Value is not Allocator allocator || allocator != Reference)
                        match = false;
                }
                else if (!Equals(parameter.Value, benchmarkCase.Parameters[parameter.Name]))
                {
                    match = false;
                }
                if (!match)
                    break;
            }
            if (match)
                return candidate;
        }
        return null;
    }

    public override string ToString() => ColumnName;
}
