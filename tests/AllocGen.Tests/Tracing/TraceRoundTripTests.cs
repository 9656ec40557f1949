using AllocGen.Tracing;
using CsCheck;
using Xunit;

namespace AllocGen.Tests.Tracing;

/// <summary>Both forms write and read back the same operations; conversion is one call each way.</summary>
public sealed class TraceRoundTripTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SmallTraceRoundTripsThroughBinary(bool timestamps)
    {
        AllocationTrace trace = TraceSamples.Small(timestamps);
        AllocationTrace back = TraceSamples.FromBytes(TraceSamples.ToBytes(trace));
        Assert.Equal(trace.Operations, back.Operations);
        Assert.Equal(trace.PeakLiveBytes, back.PeakLiveBytes);
    }

    [Fact]
    public void SmallTraceRoundTripsThroughText()
    {
        AllocationTrace trace = TraceSamples.Small();
        string text = TraceSamples.ToText(trace);
        AllocationTrace back = TraceSamples.FromText(text, out TraceImportReport report);
        Assert.Equal(trace.Operations, back.Operations);
        Assert.True(report.IsClean);
        Assert.Equal(trace.OperationCount, report.OperationCount);
        Assert.Equal(text, TraceSamples.ToText(back));
    }

    [Fact]
    public void RandomTracesRoundTripThroughBothForms() =>
        TraceSamples.Random.Sample(trace =>
        {
            AllocationTrace binary = TraceSamples.FromBytes(TraceSamples.ToBytes(trace));
            AllocationTrace text = TraceSamples.FromText(TraceSamples.ToText(trace), out TraceImportReport report);
            AllocationTrace converted = TraceSamples.FromBytes(TraceSamples.ToBytes(text));
            return trace.Operations.SequenceEqual(binary.Operations)
                && trace.Operations.SequenceEqual(text.Operations)
                && trace.Operations.SequenceEqual(converted.Operations)
                && report.IsClean
                && binary.PeakLiveBytes == trace.PeakLiveBytes;
        }, iter: 300);

    [Fact]
    public void EmptyTraceRoundTrips()
    {
        var empty = new AllocationTrace([]);
        byte[] bytes = TraceSamples.ToBytes(empty);
        Assert.Equal(8 + 1 + 1 + 4, bytes.Length); // header, end tag, count 0, CRC
        Assert.Empty(TraceSamples.FromBytes(bytes).Operations);
        Assert.Empty(TraceSamples.FromText(TraceSamples.ToText(empty), out _).Operations);
    }

    [Fact]
    public void LoadDetectsTheForm()
    {
        AllocationTrace trace = TraceSamples.Small();
        string binaryPath = Path.GetTempFileName();
        string textPath = Path.GetTempFileName();
        try
        {
            trace.Save(binaryPath);
            File.WriteAllText(textPath, TraceSamples.ToText(trace));
            Assert.Equal(trace.Operations, AllocationTrace.Load(binaryPath, out TraceImportReport? none).Operations);
            Assert.Null(none);
            Assert.Equal(trace.Operations, AllocationTrace.Load(textPath, out TraceImportReport? report).Operations);
            Assert.NotNull(report);
        }
        finally
        {
            File.Delete(binaryPath);
            File.Delete(textPath);
        }
    }

    [Fact]
    public void LoadRefusesAnEmptyFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            TraceFormatException e = Assert.Throws<TraceFormatException>(() => AllocationTrace.Load(path));
            Assert.Equal(0, e.ByteOffset);
            Assert.Contains("empty file", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PeakLiveBytesIsTheMostLiveAtOnce()
    {
        var trace = new AllocationTrace(
        [
            new(TraceOperationKind.Allocate, 1, 100, 1, 0, 0),
            new(TraceOperationKind.AllocateZeroed, 2, 10, 5, 0, 0),   // 150 live
            new(TraceOperationKind.Reallocate, 1, 20, 1, 0, 0),       // 70
            new(TraceOperationKind.Allocate, 3, 60, 1, 0, 0),         // 130
            new(TraceOperationKind.Free, 2, 0, 1, 0, 0),              // 80
            new(TraceOperationKind.Reallocate, 3, 140, 1, 0, 0),      // 160
        ]);
        Assert.Equal(160UL, trace.PeakLiveBytes);
        Assert.Equal(6, trace.OperationCount);
    }

    [Theory]
    [InlineData(TraceOperationKind.Free, 9UL, 0UL, 1UL, "not live")]
    [InlineData(TraceOperationKind.Reallocate, 9UL, 8UL, 1UL, "not live")]
    [InlineData(TraceOperationKind.Allocate, 1UL, 8UL, 1UL, "already live")]
    [InlineData(TraceOperationKind.Allocate, 5UL, 8UL, 2UL, "Count 2")]
    [InlineData(TraceOperationKind.Free, 1UL, 8UL, 1UL, "Size 8")]
    [InlineData(TraceOperationKind.AllocateZeroed, 5UL, 1UL << 33, 1UL << 33, "overflows")]
    public void InconsistentOperationsAreRefused(TraceOperationKind kind, ulong id, ulong size, ulong count, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new AllocationTrace(
        [
            new(TraceOperationKind.Allocate, 1, 8, 1, 0, 0),
            new(kind, id, size, count, 0, 0),
        ]));
        Assert.Contains("Operation 1", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}

/// <summary>The worked example of docs/trace-format.md is what the writer produces and the reader reads.</summary>
public sealed class TraceFormatExampleTests
{
    private static readonly byte[] Documented =
        [0x89, 0x41, 0x47, 0x54, 0x01, 0x00, 0x01, 0x00, 0x09, 0x02, 0xC8, 0x01, 0x02, 0x18, 0x04, 0xAC, 0x02, 0x00, 0x00, 0x02, 0x34, 0x1E, 0x2A, 0x92];

    private static readonly AllocationTrace Example = new(
    [
        new(TraceOperationKind.Allocate, 1, 24, 1, 100, 1),
        new(TraceOperationKind.Free, 1, 0, 1, 250, 1),
    ]);

    [Fact]
    public void DocumentedBytesAreWhatTheWriterWrites() => Assert.Equal(Documented, TraceSamples.ToBytes(Example));

    [Fact]
    public void DocumentedBytesReadBack() => Assert.Equal(Example.Operations, TraceSamples.FromBytes(Documented).Operations);

    [Fact]
    public void DocumentedTextIsWhatTheWriterWrites() =>
        Assert.Equal($"{AllocationTrace.TextHeader}\na 1 24 @100 t1\nf 1 @250 t1\n".ReplaceLineEndings(), TraceSamples.ToText(Example));
}
