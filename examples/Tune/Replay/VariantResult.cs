using AllocGen.Tuning;

namespace AllocGen.Tune.Replay;

/// <summary>Which kind of allocator a variant is, for the report.</summary>
public enum VariantKind
{
    /// <summary>A generated pool allocator (a declared variant).</summary>
    Pool,

    /// <summary>The C library's allocator, the baseline.</summary>
    System,

    /// <summary>A pool heap over the size classes fitted to the trace (a run-time table).</summary>
    Fitted,
}

/// <summary>The allocator's statistics after one operation of the checked pass.</summary>
/// <param name="OperationIndex">The operation after which the sample was taken.</param>
/// <param name="LiveBytes">Bytes requested and live (from the trace, the same for every variant).</param>
/// <param name="ReservedBytes">The allocator's BytesReserved.</param>
/// <param name="CommittedBytes">The allocator's BytesCommitted.</param>
public readonly record struct MemorySample(int OperationIndex, long LiveBytes, long ReservedBytes, long CommittedBytes);

/// <summary>What replaying a trace on one variant measured.</summary>
public sealed record VariantResult
{
    public required AllocatorVariantInfo Info { get; init; }

    public required VariantKind Kind { get; init; }

    /// <summary>Operations replayed (every pass replays the whole trace).</summary>
    public required int Operations { get; init; }

    /// <summary>Nanoseconds per operation of each timed pass.</summary>
    public required IReadOnlyList<double> NsPerOpRepeats { get; init; }

    /// <summary>The median of <see cref="NsPerOpRepeats"/>.</summary>
    public double NsPerOp => Median(NsPerOpRepeats);

    /// <summary>The checked pass's samples, in operation order.</summary>
    public required IReadOnlyList<MemorySample> Samples { get; init; }

    public long PeakReservedBytes => Samples.Count == 0 ? 0 : Samples.Max(s => s.ReservedBytes);

    public long PeakCommittedBytes => Samples.Count == 0 ? 0 : Samples.Max(s => s.CommittedBytes);

    public long PeakLiveBytes => Samples.Count == 0 ? 0 : Samples.Max(s => s.LiveBytes);

    /// <summary>1 − live / committed at the first sample with the most bytes committed (0 when nothing was committed).</summary>
    public double Fragmentation
    {
        get
        {
            if (Samples.Count == 0)
            {
                return 0;
            }

            MemorySample peak = Samples.MaxBy(s => s.CommittedBytes);
            return peak.CommittedBytes == 0 ? 0 : 1 - ((double)peak.LiveBytes / peak.CommittedBytes);
        }
    }

    /// <summary>Σ (usable size − requested size) over the blocks live at the trace's live peak.</summary>
    public required long QuantizationWasteBytes { get; init; }

    /// <summary>Arenas returned to the OS during the replay (ArenasReleased at its end; 0 for an allocator without arenas).</summary>
    public required long ArenasReturned { get; init; }

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
