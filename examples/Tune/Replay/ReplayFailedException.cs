namespace AllocGen.Tune.Replay;

/// <summary>A replay went wrong: the message names the variant, the operation index and what happened.</summary>
public sealed class ReplayFailedException : Exception
{
    public ReplayFailedException(string variant, int operationIndex, string problem, Exception? inner = null)
        : base($"Variant {variant} failed at operation {operationIndex}: {problem}", inner)
    {
        Variant = variant;
        OperationIndex = operationIndex;
    }

    /// <summary>The variant that failed.</summary>
    public string Variant { get; }

    /// <summary>Index of the trace operation that failed (0-based).</summary>
    public int OperationIndex { get; }
}
