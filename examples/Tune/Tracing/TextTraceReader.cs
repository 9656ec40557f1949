using System.Globalization;
using AllocGen.Tracing;

namespace AllocGen.Tune.Tracing;

/// <summary>
/// Reads the text form of a trace, one operation a line: <c>a &lt;id&gt; &lt;size&gt;</c>,
/// <c>c &lt;id&gt; &lt;count&gt; &lt;size&gt;</c>, <c>r &lt;id&gt; &lt;newsize&gt;</c>, <c>f &lt;id&gt;</c>; blank lines and
/// lines starting with <c>#</c> are skipped.
/// </summary>
/// <remarks>Stands in for AllocationTrace's text reader until the tool reads traces through it.</remarks>
public static class TextTraceReader
{
    /// <summary>Whether a file starting with <paramref name="head"/> is a text trace: a record letter, a comment or a blank line.</summary>
    public static bool LooksLikeText(ReadOnlySpan<byte> head) =>
        head.IsEmpty || head[0] is (byte)'a' or (byte)'c' or (byte)'r' or (byte)'f' or (byte)'#' or (byte)'\n' or (byte)'\r' or (byte)' ';

    /// <summary>The operations of a text trace.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="name">The trace's name, for error messages.</param>
    /// <exception cref="InvalidDataException">A line is not a record (the message names the line).</exception>
    public static IReadOnlyList<TraceOperation> Read(TextReader reader, string name)
    {
        var operations = new List<TraceOperation>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            string text = line.Trim();
            if (text.Length == 0 || text[0] == '#')
            {
                continue;
            }

            string[] fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            operations.Add((fields[0], fields.Length) switch
            {
                ("a", 3) => new TraceOperation(TraceOperationKind.Allocate, Number(fields[1]), Number(fields[2]), 1, 0, 0),
                ("c", 4) => new TraceOperation(TraceOperationKind.AllocateZeroed, Number(fields[1]), Number(fields[3]), Number(fields[2]), 0, 0),
                ("r", 3) => new TraceOperation(TraceOperationKind.Reallocate, Number(fields[1]), Number(fields[2]), 1, 0, 0),
                ("f", 2) => new TraceOperation(TraceOperationKind.Free, Number(fields[1]), 0, 1, 0, 0),
                _ => throw new InvalidDataException($"{name}:{lineNumber}: '{text}' is not a trace record (a <id> <size>, c <id> <count> <size>, r <id> <newsize>, f <id>)."),
            });

            ulong Number(string field) =>
                ulong.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)
                    ? value
                    : throw new InvalidDataException($"{name}:{lineNumber}: '{field}' is not a number.");
        }

        return operations;
    }
}
