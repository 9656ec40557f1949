using System.Globalization;

namespace AllocGen.Tracing;

// The text form: one operation per line (docs/trace-format.md).
public sealed partial class AllocationTrace
{
    /// <summary>The first line <see cref="WriteText"/> writes (a comment, so readers skip it).</summary>
    public const string TextHeader = "# AllocGen allocation trace, text form 1: a <id> <size> | c <id> <count> <size> | r <id> <newsize> | f <id>, then optional @<ns> t<thread>";

    /// <summary>
    /// Imports a text trace: <c>a &lt;id&gt; &lt;size&gt;</c>, <c>c &lt;id&gt; &lt;count&gt; &lt;size&gt;</c>,
    /// <c>r &lt;id&gt; &lt;newsize&gt;</c>, <c>f &lt;id&gt;</c>, each optionally followed by <c>@&lt;nanoseconds&gt;</c> and
    /// <c>t&lt;thread id&gt;</c>; <c>#</c> starts a comment; blank lines are skipped. A free of an id that is not live is
    /// skipped and a reallocate of one becomes an allocate, both listed in <paramref name="report"/>.
    /// </summary>
    /// <exception cref="TraceFormatException">A line is not an operation, or allocates an id that is live; the message
    /// names the line and what was expected.</exception>
    public static AllocationTrace ReadText(TextReader reader, out TraceImportReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        report = new TraceImportReport();
        var ledger = new LiveBlockLedger();
        var operations = new List<TraceOperation>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (!TryParseLine(line, lineNumber, out TraceOperation op))
            {
                continue;
            }

            if (op.Kind == TraceOperationKind.Free && !ledger.IsLive(op.BlockId))
            {
                report.UnknownFreeLineList.Add(lineNumber);
                continue;
            }

            if (op.Kind == TraceOperationKind.Reallocate && !ledger.IsLive(op.BlockId))
            {
                report.UnknownReallocateLineList.Add(lineNumber);
                op = op with { Kind = TraceOperationKind.Allocate };
            }

            if (ledger.Apply(op) is { } problem)
            {
                throw TraceFormatException.AtLine(lineNumber, $"the line is {problem}.");
            }

            operations.Add(op);
        }

        report.LineCount = lineNumber;
        report.OperationCount = operations.Count;
        return new AllocationTrace(operations, ledger.PeakLiveBytes);
    }

    /// <summary>
    /// Writes the trace in the text form, one operation per line after <see cref="TextHeader"/>; a timestamp or thread
    /// id of 0 is left out, so that an imported trace writes back as it was read.
    /// </summary>
    public void WriteText(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(TextHeader);
        foreach (TraceOperation op in _operations)
        {
            writer.Write(op.Kind switch
            {
                TraceOperationKind.Allocate => string.Create(CultureInfo.InvariantCulture, $"a {op.BlockId} {op.Size}"),
                TraceOperationKind.AllocateZeroed => string.Create(CultureInfo.InvariantCulture, $"c {op.BlockId} {op.Count} {op.Size}"),
                TraceOperationKind.Reallocate => string.Create(CultureInfo.InvariantCulture, $"r {op.BlockId} {op.Size}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"f {op.BlockId}"),
            });
            if (op.TimestampNanoseconds != 0)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $" @{op.TimestampNanoseconds}"));
            }

            if (op.ThreadId != 0)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $" t{op.ThreadId}"));
            }

            writer.WriteLine();
        }
    }

    /// <summary>Parses one line; false for a blank or comment line.</summary>
    private static bool TryParseLine(string line, int lineNumber, out TraceOperation operation)
    {
        int hash = line.IndexOf('#');
        ReadOnlySpan<char> text = (hash >= 0 ? line.AsSpan(0, hash) : line.AsSpan()).Trim();
        operation = default;
        if (text.IsEmpty)
        {
            return false;
        }

        Span<Range> ranges = stackalloc Range[8];
        int fieldCount = text.SplitAny(ranges, " \t", StringSplitOptions.RemoveEmptyEntries);
        ReadOnlySpan<char> op = text[ranges[0]];
        (TraceOperationKind kind, int numbers, string shape) = op switch
        {
            "a" => (TraceOperationKind.Allocate, 2, "a <id> <size>"),
            "c" => (TraceOperationKind.AllocateZeroed, 3, "c <id> <count> <size>"),
            "r" => (TraceOperationKind.Reallocate, 2, "r <id> <newsize>"),
            "f" => (TraceOperationKind.Free, 1, "f <id>"),
            _ => throw TraceFormatException.AtLine(lineNumber,
                $"expected an operation a, c, r or f (or a # comment), found '{Shorten(op)}'."),
        };

        if (fieldCount < 1 + numbers)
        {
            throw TraceFormatException.AtLine(lineNumber, $"expected '{shape}', found {fieldCount - 1} of its {numbers} numbers.");
        }

        Span<ulong> values = stackalloc ulong[3];
        for (int i = 0; i < numbers; i++)
        {
            ReadOnlySpan<char> field = text[ranges[1 + i]];
            if (!ulong.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
            {
                throw TraceFormatException.AtLine(lineNumber,
                    $"expected '{shape}' with decimal numbers of at most 64 bits, found '{Shorten(field)}' as number {i + 1}.");
            }
        }

        long timestamp = 0;
        int thread = 0;
        bool seenTimestamp = false, seenThread = false;
        for (int i = 1 + numbers; i < fieldCount; i++)
        {
            ReadOnlySpan<char> field = text[ranges[i]];
            if (field.Length > 1 && field[0] == '@' && !seenTimestamp
                && long.TryParse(field[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out timestamp))
            {
                seenTimestamp = true;
            }
            else if (field.Length > 1 && field[0] == 't' && !seenThread
                && int.TryParse(field[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out thread))
            {
                seenThread = true;
            }
            else
            {
                throw TraceFormatException.AtLine(lineNumber,
                    $"expected the end of '{shape}' or an optional @<nanoseconds> and t<thread id>, found '{Shorten(field)}'.");
            }
        }

        operation = kind switch
        {
            TraceOperationKind.AllocateZeroed => new TraceOperation(kind, values[0], values[2], values[1], timestamp, thread),
            TraceOperationKind.Free => new TraceOperation(kind, values[0], 0, 1, timestamp, thread),
            _ => new TraceOperation(kind, values[0], values[1], 1, timestamp, thread),
        };
        return true;
    }

    private static string Shorten(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "...");
}
