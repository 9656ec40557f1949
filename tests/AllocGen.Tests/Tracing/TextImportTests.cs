using AllocGen.Tracing;
using Xunit;

namespace AllocGen.Tests.Tracing;

/// <summary>The text importer: operations, comments, bad lines with their numbers, unknown ids counted.</summary>
public sealed class TextImportTests
{
    [Fact]
    public void ReadsEveryOperationCommentsAndOptionalFields()
    {
        const string text = """
            # a trace from another tool
            a 1 24
              c 2 10 8   # ten zeroed elements of 8 bytes

            r 1 100 @1500 t4
            f 2 t-1
            f 1 @2000
            """;
        AllocationTrace trace = TraceSamples.FromText(text, out TraceImportReport report);
        Assert.Equal(
        [
            new TraceOperation(TraceOperationKind.Allocate, 1, 24, 1, 0, 0),
            new TraceOperation(TraceOperationKind.AllocateZeroed, 2, 8, 10, 0, 0),
            new TraceOperation(TraceOperationKind.Reallocate, 1, 100, 1, 1500, 4),
            new TraceOperation(TraceOperationKind.Free, 2, 0, 1, 0, -1),
            new TraceOperation(TraceOperationKind.Free, 1, 0, 1, 2000, 0),
        ], trace.Operations);
        Assert.True(report.IsClean);
        Assert.Equal(7, report.LineCount);
        Assert.Equal(5, report.OperationCount);
        Assert.Equal(180UL, trace.PeakLiveBytes); // 100 + 80 after the reallocate
    }

    [Theory]
    [InlineData("x 1 2", "expected an operation a, c, r or f (or a # comment), found 'x'")]
    [InlineData("A 1 2", "found 'A'")]
    [InlineData("a 1", "expected 'a <id> <size>', found 1 of its 2 numbers")]
    [InlineData("c 5 1", "expected 'c <id> <count> <size>', found 2 of its 3 numbers")]
    [InlineData("f", "expected 'f <id>', found 0 of its 1 numbers")]
    [InlineData("a 1 -4", "found '-4' as number 2")]
    [InlineData("a 1 18446744073709551616", "found '18446744073709551616' as number 2")]
    [InlineData("a 0x10 4", "found '0x10' as number 1")]
    [InlineData("f 1 2", "optional @<nanoseconds> and t<thread id>, found '2'")]
    [InlineData("a 7 4 @1 @2", "found '@2'")]
    [InlineData("a 7 4 tx", "found 'tx'")]
    [InlineData("a 1 8", "block id 1, which is already live")]
    [InlineData("c 7 4294967296 4294967296", "overflows 64 bits")]
    public void BadLineIsReportedWithItsNumber(string line, string expected)
    {
        string text = "# header\na 1 16\n\n" + line + "\nf 1\n";
        TraceFormatException e = Assert.Throws<TraceFormatException>(() => TraceSamples.FromText(text, out _));
        Assert.Equal(4, e.LineNumber);
        Assert.Null(e.ByteOffset);
        Assert.StartsWith("Allocation trace, line 4: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFreesAreCountedListedAndSkipped()
    {
        const string text = "f 9\na 1 16\nf 1\nf 1\na 2 8\nf 3\n";
        AllocationTrace trace = TraceSamples.FromText(text, out TraceImportReport report);
        Assert.Equal(3, report.UnknownFreeCount);
        Assert.Equal([1, 4, 6], report.UnknownFreeLines);
        Assert.False(report.IsClean);
        Assert.Equal(3, trace.OperationCount);
        Assert.DoesNotContain(trace.Operations, op => op.BlockId is 9 or 3);
        Assert.Contains("3 frees of unknown ids skipped (lines 1, 4, 6)", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ReallocateOfUnknownIdBecomesAnAllocate()
    {
        AllocationTrace trace = TraceSamples.FromText("r 5 64\nf 5\n", out TraceImportReport report);
        Assert.Equal([1], report.UnknownReallocateLines);
        Assert.Equal(0, report.UnknownFreeCount);
        Assert.Equal(new TraceOperation(TraceOperationKind.Allocate, 5, 64, 1, 0, 0), trace.Operations[0]);
        Assert.Equal(TraceOperationKind.Free, trace.Operations[1].Kind);
    }

    [Fact]
    public void ConvertsToBinaryAndBack()
    {
        const string text = "a 1 24\nc 2 3 8 @40 t2\nr 1 48\nf 2\nf 1\n";
        AllocationTrace trace = TraceSamples.FromText(text, out _);
        AllocationTrace binary = TraceSamples.FromBytes(TraceSamples.ToBytes(trace));
        Assert.Equal(AllocationTrace.TextHeader + Environment.NewLine + text.ReplaceLineEndings(), TraceSamples.ToText(binary));
    }
}
