using AllocGen.Tracing;

namespace AllocGen.Tune.Tracing;

/// <summary>The one place the tool reads a trace file: everything else sees a list of <see cref="TraceOperation"/>.</summary>
public static class TraceSource
{
    /// <summary>
    /// The operations of the trace at <paramref name="path"/>, binary or text (told apart by its first byte);
    /// <paramref name="importNote"/> says what the text importer skipped (frees of blocks the trace never allocated),
    /// or is null.
    /// </summary>
    /// <exception cref="TraceFormatException">The file is not a valid trace (the message names the byte offset or line).</exception>
    public static IReadOnlyList<TraceOperation> Load(string path, out string? importNote) =>
        LoadTrace(path, out importNote, out _).Operations;

    /// <summary>
    /// The trace at <paramref name="path"/> itself, with <paramref name="importNote"/> as in <see cref="Load"/> and
    /// whether it was read from the text form.
    /// </summary>
    /// <exception cref="TraceFormatException">The file is not a valid trace (the message names the byte offset or line).</exception>
    public static AllocationTrace LoadTrace(string path, out string? importNote, out bool wasText)
    {
        AllocationTrace trace = AllocationTrace.Load(path, out TraceImportReport? report);
        importNote = report is { IsClean: false } ? $"{path}: {report}" : null;
        wasText = report is not null;
        return trace;
    }
}
