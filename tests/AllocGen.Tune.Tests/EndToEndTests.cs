using System.Reflection;
using System.Xml.Linq;
using AllocGen.Tracing;
using AllocGen.Tune.Fitting;
using AllocGen.Tune.Replay;
using AllocGen.Tune.Reporting;
using Xunit;

namespace AllocGen.Tune.Tests;

/// <summary>The tool run as a user runs it, through its command line, on a small text trace; then its outputs.</summary>
public sealed class EndToEndTests : IDisposable
{
    private const int Repeats = 3;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "allocgen-tune-" + Guid.NewGuid().ToString("N"));
    private readonly List<TraceOperation> _trace = TestTraces.Churn(seed: 5, operations: 4000, maxLive: 500, maxSize: 700);

    public EndToEndTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Out => Path.Combine(_directory, "out");

    private (int ExitCode, string Output, string Error) RunTool(params string[] args)
    {
        MethodInfo main = typeof(TuneTool).Assembly.EntryPoint!;
        TextWriter output = Console.Out, error = Console.Error;
        using var capturedOutput = new StringWriter();
        using var capturedError = new StringWriter();
        Console.SetOut(capturedOutput);
        Console.SetError(capturedError);
        try
        {
            int exitCode = (int)main.Invoke(null, [args])!;
            return (exitCode, capturedOutput.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }
    }

    private string WriteTrace()
    {
        string path = Path.Combine(_directory, "churn.trace");
        File.WriteAllText(path, TestTraces.ToText(_trace));
        return path;
    }

    /// <summary>A trace bundled with the tool, recorded from the AstArena example.</summary>
    private static string BundledSample([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "examples", "Tune", "samples", "astarena.agtrace"));

    [Fact]
    public void TheReportsNumbersOnABundledSampleAreConsistentWithTheTraceAndWithEachOther()
    {
        string sample = BundledSample();
        (int exitCode, string output, string error) = RunTool(sample, "--out", Out, "--repeat", Repeats.ToString());

        Assert.True(exitCode == 0, $"exit {exitCode}: {error}");
        TuningReport report = TuningReport.FromJson(File.ReadAllText(Path.Combine(Out, "report.json")));
        AllocationTrace trace = AllocationTrace.Load(sample);
        long peakLive = (long)trace.PeakLiveBytes;
        Assert.Equal(trace.OperationCount, report.Trace.Operations);
        Assert.Equal(peakLive, report.Trace.PeakLiveBytes);
        Assert.Equal(TuneVariantsCount() + 2, report.Variants.Count);
        Assert.Single(report.Variants, v => v.Kind == VariantKind.System);
        foreach (VariantReport v in report.Variants)
        {
            Assert.Equal(report.Trace.Operations, v.Operations);
            Assert.Equal(peakLive, v.PeakLiveBytes);
            Assert.True(v.PeakLiveBytes <= v.PeakCommittedBytes && v.PeakCommittedBytes <= v.PeakReservedBytes, v.Name);
            Assert.Equal(Repeats, v.NsPerOpRepeats.Count);
            Assert.Equal(VariantResult.Median(v.NsPerOpRepeats), v.NsPerOp);
            Assert.True(v.NsPerOp > 0, v.Name);
            Assert.InRange(v.Fragmentation, 0, 1);
            Assert.True(v.QuantizationWasteBytes >= 0, v.Name);
        }

        var pools = report.Variants.Where(v => v.Kind != VariantKind.System).ToList();
        Assert.Equal(pools.MinBy(v => v.NsPerOp)!.Name, report.WinnerByTime);
        Assert.Equal(pools.Min(v => v.PeakCommittedBytes), pools.Single(v => v.Name == report.WinnerByMemory).PeakCommittedBytes);
        Assert.Equal(report.WinnerByMemory, report.Recommended);

        // The fitted variant was replayed like the others, with the classes the recommendation names.
        VariantReport fitted = Assert.Single(report.Variants, v => v.Kind == VariantKind.Fitted);
        Recommendation r = report.Recommendation;
        Assert.Equal(r.FittedVariant, fitted.Name);
        Assert.Equal(r.FittedClasses, fitted.SizeClasses);
        VariantReport fittedFrom = Assert.Single(report.Variants, v => v.Name == r.FittedFrom);
        Assert.Equal((fittedFrom.ArenaSize, fittedFrom.PoolSize, fittedFrom.Alignment), (fitted.ArenaSize, fitted.PoolSize, fitted.Alignment));
        Assert.True(r.FittedRoundingWasteBytes <= r.BaseRoundingWasteBytes || fitted.SizeClasses.Count < fittedFrom.SizeClasses.Count);

        // The lines to paste are the recommended variant's configuration.
        VariantReport recommended = Assert.Single(report.Variants, v => v.Name == report.Recommended);
        Assert.Equal(AttributeRules.PoolAllocatorLine(recommended.ArenaSize, recommended.PoolSize, recommended.Alignment, recommended.SmallRequestThreshold), r.PoolAllocator);
        Assert.Equal(AttributeRules.SizeClassesLine(recommended.SizeClasses), r.SizeClasses);
        Assert.Contains(r.PoolAllocator, output, StringComparison.Ordinal);

        string markdown = File.ReadAllText(Path.Combine(Out, "report.md"));
        Assert.All(report.Variants, v => Assert.Contains($"| {v.Name} |", markdown, StringComparison.Ordinal));
        Assert.Contains(r.SizeClasses, markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void TheChartsAreWellFormedSvgWithALinePerVariantAndABarPerVariant()
    {
        Assert.Equal(0, RunTool(WriteTrace(), "--out", Out, "--repeat", "1", "--classes", "4").ExitCode);
        TuningReport report = TuningReport.FromJson(File.ReadAllText(Path.Combine(Out, "report.json")));
        XNamespace svg = "http://www.w3.org/2000/svg";

        XDocument memory = XDocument.Load(Path.Combine(Out, "memory.svg"));
        XDocument time = XDocument.Load(Path.Combine(Out, "time.svg"));

        Assert.Equal(svg + "svg", memory.Root!.Name);
        Assert.Equal(svg + "svg", time.Root!.Name);
        // A reserved line per variant and the live line, each with its legend sample.
        Assert.Equal(2 * (report.Variants.Count + 1), memory.Descendants(svg + "polyline").Count());
        Assert.All(report.Variants, v => Assert.Contains(memory.Descendants(svg + "text"), t => t.Value == $"{v.Name} reserved"));
        Assert.Equal(report.Variants.Count + 1, time.Descendants(svg + "rect").Count());
        Assert.Equal(4, report.Recommendation.FittedClasses.Count);
    }

    [Fact]
    public void ATraceThatCannotBeReadIsReportedWithItsLineAndExitCode2()
    {
        string path = Path.Combine(_directory, "bad.trace");
        File.WriteAllText(path, "a 1 16\nx 1 2\n");

        (int exitCode, _, string error) = RunTool(path, "--out", Out);

        Assert.Equal(2, exitCode);
        Assert.Contains("line 2", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Out, "report.json")));
    }

    [Fact]
    public void WhatTheTextImporterSkippedIsPrinted()
    {
        string path = Path.Combine(_directory, "foreign.trace");
        File.WriteAllText(path, "a 1 16\nf 7\nf 1\n");

        (int exitCode, string output, string error) = RunTool(path, "--out", Out, "--repeat", "1");

        Assert.True(exitCode == 0, $"exit {exitCode}: {error}");
        Assert.Contains("1 free of an unknown id skipped (line 2)", output, StringComparison.Ordinal);
        Assert.Equal(2, TuningReport.FromJson(File.ReadAllText(Path.Combine(Out, "report.json"))).Trace.Operations);
    }

    [Fact]
    public void ConvertTurnsATextTraceIntoTheBinaryFormAndBackWithNothingLost()
    {
        string text = WriteTrace();
        string binary = Path.Combine(_directory, "churn.agtrace");
        string back = Path.Combine(_directory, "churn-again.trace");

        (int toBinary, string output, string error) = RunTool("convert", text, binary);
        Assert.True(toBinary == 0, $"exit {toBinary}: {error}");
        Assert.Contains("binary form", output, StringComparison.Ordinal);
        Assert.Equal(0x89, File.ReadAllBytes(binary)[0]);

        (int toText, output, error) = RunTool("convert", binary, back);
        Assert.True(toText == 0, $"exit {toText}: {error}");
        Assert.Contains("text form", output, StringComparison.Ordinal);

        List<TraceOperation> original = [.. AllocationTrace.Load(text).Operations];
        Assert.Equal(original, AllocationTrace.Load(binary).Operations);
        Assert.Equal(original, AllocationTrace.Load(back).Operations);
        Assert.Equal(AllocationTrace.TextHeader, File.ReadLines(back).First());
    }

    [Fact]
    public void ConvertReportsABadLineWithItsNumberAndExitCode2()
    {
        string path = Path.Combine(_directory, "bad.trace");
        File.WriteAllText(path, "a 1 16\nf 1\nq 3\n");

        (int exitCode, _, string error) = RunTool("convert", path, Path.Combine(_directory, "out.agtrace"), "--to", "binary");

        Assert.Equal(2, exitCode);
        Assert.Contains("line 3", error, StringComparison.Ordinal);
    }

    private static int TuneVariantsCount() => Variants.TuneVariants.Variants.Count;
}
