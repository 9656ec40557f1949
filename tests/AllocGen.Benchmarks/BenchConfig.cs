using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using AllocGen.Benchmarks.Peers;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Environments;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.NativeAot;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace AllocGen.Benchmarks;

/// <summary>The one BenchmarkDotNet configuration of the suite.</summary>
public static class BenchConfig
{
    /// <summary>
    /// The job for a <c>--job</c> name (BenchmarkDotNet's built-ins: default, dry, short, medium, long,
    /// verylong) plus the glibc tunable jemalloc needs, for every child process.
    /// </summary>
    /// <remarks>
    /// Program takes <c>--job</c> off the command line and passes the name here: BenchmarkDotNet
    /// ignores <c>--job</c> when the config already has a default job, and the config needs one to carry
    /// the environment variable. The job is marked as default, so the other job options
    /// (<c>--iterationCount</c>, <c>--warmupCount</c>, ...) still apply on top of it.
    /// </remarks>
    public static Job BaseJob(string name)
    {
        var job = name.ToLowerInvariant() switch
        {
            "default" => Job.Default.WithId("Default"),
            "dry" => Job.Dry,
            "short" => Job.ShortRun,
            "medium" => Job.MediumRun,
            "long" => Job.LongRun,
            "verylong" => Job.VeryLongRun,
            _ => throw new ArgumentException($"unknown job '{name}' (use default, dry, short, medium, long or verylong)", nameof(name)),
        };
        return job
            .WithEnvironmentVariables(new EnvironmentVariable(NativePeer.TlsTunableName, NativePeer.TlsTunableValue))
            .AsDefault();
    }

    /// <summary>Times in ns everywhere so tables of different workloads compare at a glance.</summary>
    public static SummaryStyle Style { get; } = SummaryStyle.Default
        .WithTimeUnit(TimeUnit.Nanosecond)
        .WithSizeUnit(SizeUnit.B);

    /// <summary>CSV with units in the header only ("Mean [ns]"), which the report renderer reads.</summary>
    public static CsvExporter Csv { get; } = new(
        CsvSeparator.Comma,
        new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: true, sizeUnit: SizeUnit.B,
            timeUnit: TimeUnit.Nanosecond, printUnitsInContent: false, printZeroValuesInContent: true));

    /// <summary>
    /// The job run twice side by side, on the JIT and compiled with NativeAOT (<c>--aot</c>). The NativeAOT build
    /// takes ILCompiler from nuget.org (BenchmarkDotNet's default is a .NET daily feed) in the version the SDK picks,
    /// and links with gcc, as CI's NativeAOT check does.
    /// </summary>
    public static Job[] JitAndNativeAotJobs(string jobName)
    {
        var job = BaseJob(jobName).UnfreezeCopy();
        job.Meta.IsDefault = false;
        var nativeAot = NativeAotToolchain.CreateBuilder()
            .UseNuGet("", "https://api.nuget.org/v3/index.json")
            .TargetFrameworkMoniker("net10.0")
            .ToToolchain();
        return
        [
            job.WithRuntime(CoreRuntime.Core10_0).WithId("JIT"),
            job.WithRuntime(NativeAotRuntime.Net10_0).WithToolchain(nativeAot)
                .WithArguments([new MsBuildArgument("/p:CppCompilerAndLinker=gcc")]).WithId("NativeAOT"),
        ];
    }

    public static IConfig Create(string jobName = "default", bool jitAndNativeAot = false)
    {
        var config = ManualConfig.CreateEmpty()
            .AddJob(jitAndNativeAot ? JitAndNativeAotJobs(jobName) : [BaseJob(jobName)])
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median)
            .AddColumn(new RatioToColumn(Allocator.glibc), new RatioToColumn(Allocator.mimalloc))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub, Csv)
            .AddAnalyser(DefaultConfig.Instance.GetAnalysers().ToArray())
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .WithSummaryStyle(Style)
            .WithOrderer(new AllocatorRowOrderer())
            .WithOption(ConfigOptions.JoinSummary, false);

        // ILCompiler takes minutes over this project's closure on 2 busy cores; BenchmarkDotNet's default is 5.
        if (jitAndNativeAot)
            config = config.WithBuildTimeout(TimeSpan.FromMinutes(30));

        var artifacts = DefaultArtifactsPath();
        if (artifacts is not null)
            config = config.WithArtifactsPath(artifacts);
        return config;
    }

    /// <summary>
    /// BenchmarkDotNet.Artifacts inside this project's folder (gitignored), wherever the command is run
    /// from; a command-line <c>--artifacts</c> still wins.
    /// </summary>
    public static string? DefaultArtifactsPath()
    {
        var projectDir = typeof(BenchConfig).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AllocGenBenchmarksProjectDir")?.Value;
        return projectDir is not null && Directory.Exists(projectDir)
            ? Path.Combine(projectDir, "BenchmarkDotNet.Artifacts")
            : null;
    }
}

/// <summary>
/// Rows in allocator (enum) order, and no alternating bold "highlight groups": BenchmarkDotNet would
/// start a new one for every parameter value, which bolds every other row of every table.
/// </summary>
public sealed class AllocatorRowOrderer : IOrderer
{
    private readonly DefaultOrderer _inner = new(SummaryOrderPolicy.Default, MethodOrderPolicy.Declared);

    public bool SeparateLogicalGroups => _inner.SeparateLogicalGroups;

    public IEnumerable<BenchmarkCase> GetExecutionOrder(ImmutableArray<BenchmarkCase> benchmarksCase, IEnumerable<BenchmarkLogicalGroupRule>? order = null)
        => _inner.GetExecutionOrder(benchmarksCase, order);

    public IEnumerable<BenchmarkCase> GetSummaryOrder(ImmutableArray<BenchmarkCase> benchmarksCases, Summary summary)
        => _inner.GetSummaryOrder(benchmarksCases, summary);

    public string? GetHighlightGroupKey(BenchmarkCase benchmarkCase) => null;

    public string GetLogicalGroupKey(ImmutableArray<BenchmarkCase> allBenchmarksCases, BenchmarkCase benchmarkCase)
        => _inner.GetLogicalGroupKey(allBenchmarksCases, benchmarkCase);

    public IEnumerable<IGrouping<string, BenchmarkCase>> GetLogicalGroupOrder(IEnumerable<IGrouping<string, BenchmarkCase>> logicalGroups, IEnumerable<BenchmarkLogicalGroupRule>? order = null)
        => _inner.GetLogicalGroupOrder(logicalGroups, order);
}
