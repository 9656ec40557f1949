using AllocGen.Tracing;
using Xunit;

namespace AllocGen.Tests.Tracing;

/// <summary>
/// The sample traces in examples/Tune/samples load, are small enough for tests, and are consistent; the synthetic one
/// is exactly what <see cref="ServerTraceGenerator"/> makes (<c>ALLOCGEN_REGENERATE_TRACES=1</c> rewrites it).
/// </summary>
public sealed class BundledTraceTests
{
    public static TheoryData<string> Samples => new() { "astarena.agtrace", "server.agtrace" };

    [Theory]
    [MemberData(nameof(Samples))]
    public void SampleLoadsAndIsConsistent(string name)
    {
        string path = SamplePath(name);
        Assert.InRange(new FileInfo(path).Length, 1, 1024 * 1024 - 1);
        AllocationTrace trace = AllocationTrace.Load(path, out TraceImportReport? report);
        Assert.Null(report); // bundled in the binary form
        Assert.InRange(trace.OperationCount, 1_000, 200_000);

        // Checked here without the reader's own ledger: ids unique while live, nothing unknown freed or resized.
        var live = new HashSet<ulong>();
        foreach (TraceOperation op in trace.Operations)
        {
            bool ok = op.Kind is TraceOperationKind.Allocate or TraceOperationKind.AllocateZeroed
                ? live.Add(op.BlockId)
                : op.Kind == TraceOperationKind.Free ? live.Remove(op.BlockId) : live.Contains(op.BlockId);
            Assert.True(ok, $"{name}: {op} is inconsistent");
        }

        Assert.Empty(live); // both workloads free everything they allocate
        Assert.True(trace.PeakLiveBytes > 0);
    }

    [Fact]
    public void ServerSampleIsWhatTheGeneratorMakes()
    {
        byte[] generated = TraceSamples.ToBytes(ServerTraceGenerator.Generate());
        string path = SamplePath("server.agtrace");
        if (Environment.GetEnvironmentVariable("ALLOCGEN_REGENERATE_TRACES") == "1")
        {
            File.WriteAllBytes(path, generated);
        }

        Assert.True(generated.AsSpan().SequenceEqual(File.ReadAllBytes(path)),
            "server.agtrace differs from ServerTraceGenerator's output; rerun with ALLOCGEN_REGENERATE_TRACES=1 after a deliberate change.");
    }

    private static string SamplePath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AllocGen.sln")))
            {
                return Path.Combine(dir.FullName, "examples", "Tune", "samples", name);
            }
        }

        throw new InvalidOperationException($"AllocGen.sln not found above {AppContext.BaseDirectory}");
    }
}
