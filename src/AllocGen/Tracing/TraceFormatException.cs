namespace AllocGen.Tracing;

/// <summary>
/// A trace that cannot be read: truncated, corrupt, or (text form) a line that is not an operation. The message names
/// where (<see cref="ByteOffset"/> in the binary form, <see cref="LineNumber"/> in the text form) and what was expected
/// there. Nothing of a trace that fails is returned: reading is all or nothing.
/// </summary>
public sealed class TraceFormatException : FormatException
{
    private TraceFormatException(string message, long? byteOffset, int? lineNumber)
        : base(message)
    {
        ByteOffset = byteOffset;
        LineNumber = lineNumber;
    }

    /// <summary>Where in a binary trace the failure is: the first byte that is not what was expected.</summary>
    public long? ByteOffset { get; }

    /// <summary>Which line of a text trace fails (from 1).</summary>
    public int? LineNumber { get; }

    /// <summary>A failure at a byte offset of a binary trace.</summary>
    internal static TraceFormatException AtOffset(long byteOffset, string message) =>
        new($"Allocation trace, byte offset {byteOffset}: {message}", byteOffset, null);

    /// <summary>A failure at a line of a text trace (lines count from 1).</summary>
    internal static TraceFormatException AtLine(int lineNumber, string message) =>
        new($"Allocation trace, line {lineNumber}: {message}", null, lineNumber);
}
