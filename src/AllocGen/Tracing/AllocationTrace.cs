namespace AllocGen.Tracing;

/// <summary>
/// An allocation trace in memory: the operations of a program, in the order they happened, as recorded by
/// <see cref="RecordingAllocator"/> or imported from another tool's text trace. Every trace is consistent (checked when
/// it is made): a block id is allocated only while it is not live, resized and freed only while it is, so any trace
/// can be replayed against an allocator. docs/trace-format.md describes both forms.
/// </summary>
public sealed partial class AllocationTrace
{
    private readonly TraceOperation[] _operations;

    /// <summary>A trace of <paramref name="operations"/>, which must be consistent.</summary>
    /// <exception cref="ArgumentException">An operation allocates a live id, resizes or frees one that is not live, has a
    /// Count other than 1 outside a zeroed allocate, a Size other than 0 on a free, or a zeroed product over 64 bits.</exception>
    public AllocationTrace(IEnumerable<TraceOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        TraceOperation[] array = [.. operations];
        var ledger = new LiveBlockLedger();
        for (int i = 0; i < array.Length; i++)
        {
            TraceOperation op = array[i];
            string? problem = op.Kind != TraceOperationKind.AllocateZeroed && op.Count != 1 && op.Kind is >= TraceOperationKind.Allocate and <= TraceOperationKind.Free
                ? $"a {op.Kind} with Count {op.Count} (only a zeroed allocate has a count other than 1)"
                : op.Kind == TraceOperationKind.Free && op.Size != 0
                    ? $"a free with Size {op.Size} (a free has size 0)"
                    : ledger.Apply(op);
            if (problem != null)
            {
                throw new ArgumentException($"Operation {i} is {problem}.", nameof(operations));
            }
        }

        _operations = array;
        PeakLiveBytes = ledger.PeakLiveBytes;
    }

    private AllocationTrace(List<TraceOperation> checkedOperations, ulong peakLiveBytes)
    {
        _operations = [.. checkedOperations];
        PeakLiveBytes = peakLiveBytes;
    }

    /// <summary>The operations, in order.</summary>
    public IReadOnlyList<TraceOperation> Operations => _operations;

    /// <summary>How many operations the trace holds.</summary>
    public int OperationCount => _operations.Length;

    /// <summary>The most requested bytes live at once over the trace (the sum of the live blocks' sizes after each operation).</summary>
    public ulong PeakLiveBytes { get; }

    /// <summary>Reads a binary trace (the whole stream, from its current position).</summary>
    /// <exception cref="TraceFormatException">The trace is truncated or corrupt; the message names the byte offset
    /// (from where reading started) and what was expected there.</exception>
    public static AllocationTrace Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var ledger = new LiveBlockLedger();
        List<TraceOperation> operations = new TraceDecoder(stream).ReadAll(ledger);
        return new AllocationTrace(operations, ledger.PeakLiveBytes);
    }

    /// <summary>Writes the trace in the binary form (the stream is flushed, not closed).</summary>
    public void Write(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        bool timestamps = Array.Exists(_operations, op => op.TimestampNanoseconds != 0);
        var encoder = new TraceEncoder(stream, timestamps);
        foreach (TraceOperation op in _operations)
        {
            encoder.Append(op);
        }

        encoder.Finish();
    }

    /// <summary>Writes the trace to a file in the binary form.</summary>
    public void Save(string path)
    {
        using FileStream file = File.Create(path);
        Write(file);
    }

    /// <summary>Reads a trace file in either form: binary when it starts with the binary magic number, else text.</summary>
    /// <exception cref="TraceFormatException">The file is not a valid trace of its form.</exception>
    public static AllocationTrace Load(string path) => Load(path, out _);

    /// <summary>
    /// Reads a trace file in either form: binary when it starts with the binary magic number, else text;
    /// <paramref name="report"/> tells what the text importer skipped (<c>null</c> for a binary trace).
    /// </summary>
    /// <exception cref="TraceFormatException">The file is empty, or not a valid trace of its form.</exception>
    public static AllocationTrace Load(string path, out TraceImportReport? report)
    {
        using FileStream file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[TraceBinaryFormat.Magic.Length];
        int read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        file.Position = 0;
        if (read == 0)
        {
            // Not taken for an empty text trace: an empty file is most likely a recording that never got written.
            throw TraceFormatException.AtOffset(0, "expected the magic number 89 41 47 54 of a binary trace or a line of a text trace, found an empty file.");
        }

        if (start[0] == TraceBinaryFormat.Magic[0])
        {
            report = null;
            return Read(file);
        }

        using var text = new StreamReader(file);
        AllocationTrace trace = ReadText(text, out TraceImportReport imported);
        report = imported;
        return trace;
    }
}
