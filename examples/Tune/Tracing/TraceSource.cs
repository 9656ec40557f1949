using AllocGen.Tracing;

namespace AllocGen.Tune.Tracing;

/// <summary>
/// The one place the tool reads a trace file: everything else sees a list of <see cref="TraceOperation"/>. A binary
/// or text trace, told apart by its first bytes.
/// </summary>
public static class TraceSource
{
    /// <summary>The operations of the trace at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a trace this tool reads (the message says where).</exception>
    public static IReadOnlyList<TraceOperation> Load(string path)
    {
        using FileStream stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (!TextTraceReader.LooksLikeText(head[..read]))
        {
            throw new InvalidDataException(
                $"{path}: not a text trace (its first bytes are not a text record); binary traces are read through AllocationTrace, which this build does not have yet.");
        }

        stream.Position = 0;
        using var reader = new StreamReader(stream);
        return TextTraceReader.Read(reader, path);
    }
}
