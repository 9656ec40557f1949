using System.Xml.Linq;
using AllocGen.Tracing;
using AllocGen.Tune.Fitting;
using AllocGen.Tune.Reporting;
using AllocGen.Tune.Replay;
using AllocGen.Tune.Tracing;
using AllocGen.Tune.Variants;
using AllocGen.Tuning;

namespace AllocGen.Tune;

/// <summary>What one run of the tool is asked to do.</summary>
/// <param name="TracePath">The trace (binary or text).</param>
/// <param name="OutputDirectory">Where report.md, report.json, memory.svg and time.svg go (created if missing).</param>
/// <param name="Repeats">Timed passes per variant.</param>
/// <param name="SampleInterval">Operations between samples of the statistics; null: about 256 samples over the trace.</param>
/// <param name="FittedClassCount">Classes of the fitted set; null: the count with the least estimated memory (see <see cref="SizeClassFit.FitForMemory"/>).</param>
public sealed record TuneSettings(string TracePath, string OutputDirectory, int Repeats = 5, int? SampleInterval = null, int? FittedClassCount = null);

/// <summary>
/// The tuning loop's last step: replays a trace on every declared variant, on <see cref="SystemAllocator"/> and on
/// size classes fitted to the trace, and writes the report, the charts and the attribute lines to paste.
/// </summary>
public static class TuneTool
{
    /// <summary>Runs the whole loop on <see cref="TuneSettings.TracePath"/> and writes the outputs.</summary>
    /// <param name="settings">What to replay, where to write.</param>
    /// <param name="progress">Where progress goes.</param>
    /// <param name="log">Where notes go (what the text importer skipped).</param>
    /// <exception cref="TraceFormatException">The trace cannot be read (the message names the byte offset or line).</exception>
    /// <exception cref="ReplayFailedException">A variant failed (the message names it and the operation index).</exception>
    public static TuningReport Run(TuneSettings settings, IReplayProgress progress, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        IReadOnlyList<TraceOperation> operations = TraceSource.Load(settings.TracePath, out string? importNote);
        if (importNote is not null)
        {
            log.WriteLine(importNote);
        }

        return Run(settings, operations, TuneVariants.VisitAll, progress);
    }

    /// <summary>Runs the loop on given operations and variants (what tests inject).</summary>
    /// <param name="settings">Output directory, repeats, sampling, class count (the trace path is only reported).</param>
    /// <param name="operations">The trace.</param>
    /// <param name="visitDeclared">Visits the declared variants (a registry's VisitAll).</param>
    /// <param name="progress">Where progress goes.</param>
    public static TuningReport Run(TuneSettings settings, IReadOnlyList<TraceOperation> operations, Action<IAllocatorVariantVisitor> visitDeclared, IReplayProgress progress)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(visitDeclared);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Repeats, 1);
        CompiledTrace trace = CompiledTrace.Compile(operations);
        var options = new ReplayOptions(settings.Repeats, settings.SampleInterval ?? ReplayOptions.DefaultSampleInterval(trace.Operations));
        var runner = new ReplayRunner(trace, options, progress);

        runner.Kind = VariantKind.Pool;
        visitDeclared(runner);
        if (runner.Results.Count == 0)
        {
            throw new InvalidOperationException("No declared variant to replay.");
        }

        runner.Kind = VariantKind.System;
        runner.Visit<SystemAllocatorDriver>(SystemAllocatorDriver.Info);

        // Fit the classes on the geometry of the declared variant that holds the least memory.
        VariantResult fittedFrom = LeastMemory(runner.Results.Where(r => r.Kind == VariantKind.Pool));
        AllocatorVariantInfo baseInfo = fittedFrom.Info;
        IReadOnlyList<SizeCount> histogram = SizeClassFit.Histogram(trace.RequestSizes, baseInfo.Alignment, baseInfo.SmallRequestThreshold);
        SizeClassSet fit = settings.FittedClassCount is { } count
            ? SizeClassFit.Fit(histogram, Math.Clamp(count, 1, 255), baseInfo.SmallRequestThreshold)
            : SizeClassFit.FitForMemory(histogram, baseInfo.SmallRequestThreshold, 255, LiveShare(trace), baseInfo.PoolSize);
        var fittedInfo = baseInfo with { Name = $"Fitted{fit.Classes.Count}_{baseInfo.Name}", SizeClasses = fit.Classes };
        runner.Kind = VariantKind.Fitted;
        FittedVariants.Visit(runner, fittedInfo);

        IReadOnlyList<VariantResult> results = runner.Results;
        var pools = results.Where(r => r.Kind != VariantKind.System).ToList();
        VariantResult byMemory = LeastMemory(pools);
        VariantResult byTime = pools.MinBy(r => r.NsPerOp)!;
        AllocatorVariantInfo recommended = byMemory.Info;
        var report = new TuningReport(
            new TraceSummary(settings.TracePath, trace.Operations, trace.PeakLiveBytes, trace.RequestSizes.Count),
            results.Select(VariantReport.From).ToList(),
            recommended.Name,
            byTime.Info.Name,
            byMemory.Info.Name,
            new Recommendation(
                recommended.Name,
                AttributeRules.PoolAllocatorLine(recommended.ArenaSize, recommended.PoolSize, recommended.Alignment, recommended.SmallRequestThreshold),
                AttributeRules.SizeClassesLine(recommended.SizeClasses),
                fittedInfo.Name,
                baseInfo.Name,
                fit.Classes,
                fit.WastedBytes,
                SizeClassFit.Waste(histogram, baseInfo.SizeClasses)));

        Write(settings.OutputDirectory, report, results);
        return report;
    }

    /// <summary>Peak live bytes over the bytes requested by the whole trace: how much of a request's rounding is held at the peak.</summary>
    private static double LiveShare(CompiledTrace trace)
    {
        double requested = trace.RequestSizes.Sum(p => (double)p.Key * p.Value);
        return requested == 0 ? 0 : trace.PeakLiveBytes / requested;
    }

    /// <summary>
    /// The least bytes committed at the peak, then the least reserved; on a tie a declared variant before the fitted
    /// one (whose time is only indicative, so a tie on memory is no reason to leave the declared classes), then the fastest.
    /// </summary>
    private static VariantResult LeastMemory(IEnumerable<VariantResult> results) =>
        results.OrderBy(r => r.PeakCommittedBytes)
            .ThenBy(r => r.PeakReservedBytes)
            .ThenBy(r => r.Kind == VariantKind.Fitted ? 1 : 0)
            .ThenBy(r => r.NsPerOp)
            .First();

    private static void Write(string directory, TuningReport report, IReadOnlyList<VariantResult> results)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "report.json"), report.ToJson());
        File.WriteAllText(Path.Combine(directory, "report.md"), MarkdownReport.Write(report));
        Save(SvgCharts.Memory(results, report.Trace.Operations), Path.Combine(directory, "memory.svg"));
        Save(SvgCharts.Time(results), Path.Combine(directory, "time.svg"));
    }

    private static void Save(XDocument document, string path)
    {
        using var writer = new StreamWriter(path);
        document.Save(writer);
    }
}
