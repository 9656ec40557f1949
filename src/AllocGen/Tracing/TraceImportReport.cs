namespace AllocGen.Tracing;

/// <summary>
/// What importing a text trace skipped or changed. Only lines that make sense as operations but refer to blocks the
/// trace never allocated end up here (a trace that starts while a program already holds blocks has them); any other
/// bad line is a <see cref="TraceFormatException"/> naming its line.
/// </summary>
public sealed class TraceImportReport
{
    internal readonly List<int> UnknownFreeLineList = [];
    internal readonly List<int> UnknownReallocateLineList = [];

    /// <summary>Lines of the input (from 1) that freed an id not live at that point; each was skipped.</summary>
    public IReadOnlyList<int> UnknownFreeLines => UnknownFreeLineList;

    /// <summary>Frees of ids not live at that point, skipped.</summary>
    public int UnknownFreeCount => UnknownFreeLineList.Count;

    /// <summary>
    /// Lines that resized an id not live at that point; each was imported as an allocate of that id with the new
    /// size (from the trace's point of view the block starts there).
    /// </summary>
    public IReadOnlyList<int> UnknownReallocateLines => UnknownReallocateLineList;

    /// <summary>Lines read, comments and blank lines included.</summary>
    public int LineCount { get; internal set; }

    /// <summary>Operations imported.</summary>
    public int OperationCount { get; internal set; }

    /// <summary>Whether nothing was skipped or changed.</summary>
    public bool IsClean => UnknownFreeLineList.Count == 0 && UnknownReallocateLineList.Count == 0;

    /// <summary>One line for a log: counts, and the first few line numbers of each kind of problem.</summary>
    public override string ToString()
    {
        string text = $"{OperationCount} operations from {LineCount} lines";
        if (UnknownFreeLineList.Count > 0)
        {
            text += UnknownFreeLineList.Count == 1
                ? $"; 1 free of an unknown id skipped (line {Lines(UnknownFreeLineList)})"
                : $"; {UnknownFreeLineList.Count} frees of unknown ids skipped (lines {Lines(UnknownFreeLineList)})";
        }

        if (UnknownReallocateLineList.Count > 0)
        {
            text += UnknownReallocateLineList.Count == 1
                ? $"; 1 reallocate of an unknown id imported as an allocate (line {Lines(UnknownReallocateLineList)})"
                : $"; {UnknownReallocateLineList.Count} reallocates of unknown ids imported as allocates (lines {Lines(UnknownReallocateLineList)})";
        }

        return text + ".";
    }

    private static string Lines(List<int> lines) =>
        string.Join(", ", lines.Take(5)) + (lines.Count > 5 ? ", ..." : "");
}
