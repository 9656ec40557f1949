using System.Text.Json;
using System.Text.Json.Serialization;
using AllocGen.Tune.Replay;

namespace AllocGen.Tune.Reporting;

/// <summary>What report.json holds: the trace, every variant's figures, the winners and the recommendation.</summary>
public sealed record TuningReport(
    TraceSummary Trace,
    IReadOnlyList<VariantReport> Variants,
    string Recommended,
    string WinnerByTime,
    string WinnerByMemory,
    Recommendation Recommendation)
{
    /// <summary>camelCase names, enums as camelCase strings, indented.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static TuningReport FromJson(string json) =>
        JsonSerializer.Deserialize<TuningReport>(json, JsonOptions) ?? throw new JsonException("report.json holds null.");
}

/// <summary>The replayed trace.</summary>
/// <param name="Path">The trace file as given.</param>
/// <param name="Operations">Operations in it.</param>
/// <param name="PeakLiveBytes">Most bytes requested and live at once.</param>
/// <param name="DistinctSizes">Distinct request sizes.</param>
public sealed record TraceSummary(string Path, int Operations, long PeakLiveBytes, int DistinctSizes);

/// <summary>One variant's configuration and figures (see docs/tuning.md for each column).</summary>
public sealed record VariantReport(
    string Name,
    VariantKind Kind,
    int ArenaSize,
    int PoolSize,
    int Alignment,
    int SmallRequestThreshold,
    IReadOnlyList<int> SizeClasses,
    int Operations,
    double NsPerOp,
    IReadOnlyList<double> NsPerOpRepeats,
    long PeakReservedBytes,
    long PeakCommittedBytes,
    long PeakLiveBytes,
    double Fragmentation,
    long QuantizationWasteBytes,
    long ArenasReturned)
{
    public static VariantReport From(VariantResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(
            result.Info.Name,
            result.Kind,
            result.Info.ArenaSize,
            result.Info.PoolSize,
            result.Info.Alignment,
            result.Info.SmallRequestThreshold,
            result.Info.SizeClasses,
            result.Operations,
            result.NsPerOp,
            result.NsPerOpRepeats,
            result.PeakReservedBytes,
            result.PeakCommittedBytes,
            result.PeakLiveBytes,
            result.Fragmentation,
            result.QuantizationWasteBytes,
            result.ArenasReturned);
    }
}

/// <summary>The attribute lines to paste, and how the fitted size classes came about.</summary>
/// <param name="Variant">The recommended variant.</param>
/// <param name="PoolAllocator">Its <c>[PoolAllocator(...)]</c> line.</param>
/// <param name="SizeClasses">Its <c>[SizeClasses(...)]</c> line.</param>
/// <param name="FittedVariant">The variant replayed with the fitted classes.</param>
/// <param name="FittedFrom">The declared variant whose geometry the fit kept (the winner by memory among them).</param>
/// <param name="FittedClasses">The fitted classes.</param>
/// <param name="FittedRoundingWasteBytes">Bytes the fitted classes waste to rounding over every request of the trace.</param>
/// <param name="BaseRoundingWasteBytes">The same for <paramref name="FittedFrom"/>'s own classes.</param>
public sealed record Recommendation(
    string Variant,
    string PoolAllocator,
    string SizeClasses,
    string FittedVariant,
    string FittedFrom,
    IReadOnlyList<int> FittedClasses,
    long FittedRoundingWasteBytes,
    long BaseRoundingWasteBytes);
