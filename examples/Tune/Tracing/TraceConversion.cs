using AllocGen.Tracing;

namespace AllocGen.Tune.Tracing;

/// <summary>The form a trace file is written in.</summary>
public enum TraceForm
{
    /// <summary>The compact binary form (docs/trace-format.md).</summary>
    Binary,

    /// <summary>The plain-text form, one operation per line.</summary>
    Text,
}

/// <summary>The tool's <c>convert</c> command: a trace from one form to the other.</summary>
public static class TraceConversion
{
    /// <summary>
    /// Reads <paramref name="inputPath"/> (either form, told apart by its first byte) and writes it to
    /// <paramref name="outputPath"/> in <paramref name="form"/>, or in the other form than the input's when null.
    /// Returns the form written and what the text importer skipped (or null).
    /// </summary>
    /// <exception cref="TraceFormatException">The input is not a valid trace (the message names the byte offset or line).</exception>
    public static (TraceForm Written, string? ImportNote) Convert(string inputPath, string outputPath, TraceForm? form)
    {
        AllocationTrace trace = TraceSource.LoadTrace(inputPath, out string? importNote, out bool wasText);
        TraceForm written = form ?? (wasText ? TraceForm.Binary : TraceForm.Text);
        if (written == TraceForm.Binary)
        {
            trace.Save(outputPath);
        }
        else
        {
            using var writer = new StreamWriter(outputPath);
            trace.WriteText(writer);
        }

        return (written, importNote);
    }
}
