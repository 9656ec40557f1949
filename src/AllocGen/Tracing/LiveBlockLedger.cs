namespace AllocGen.Tracing;

/// <summary>
/// The live blocks of a trace being read, so that every trace that loads can be replayed: an id is allocated only
/// while it is not live, freed and resized only while it is. Also measures the peak of live requested bytes.
/// </summary>
internal sealed class LiveBlockLedger
{
    private readonly Dictionary<ulong, ulong> _live = [];
    private UInt128 _liveBytes;
    private UInt128 _peak;

    public ulong PeakLiveBytes => _peak > ulong.MaxValue ? ulong.MaxValue : (ulong)_peak;

    public bool IsLive(ulong id) => _live.ContainsKey(id);

    /// <summary>Applies one operation; <c>null</c> when it is consistent, else what is wrong with it.</summary>
    public string? Apply(in TraceOperation operation)
    {
        switch (operation.Kind)
        {
            case TraceOperationKind.Allocate:
            case TraceOperationKind.AllocateZeroed:
                ulong bytes = operation.Size;
                if (operation.Kind == TraceOperationKind.AllocateZeroed
                    && operation.Size != 0 && operation.Count > ulong.MaxValue / operation.Size)
                {
                    return $"a zeroed allocate of {operation.Count} x {operation.Size} bytes, whose product overflows 64 bits";
                }

                if (operation.Kind == TraceOperationKind.AllocateZeroed)
                {
                    bytes = operation.Count * operation.Size;
                }

                if (!_live.TryAdd(operation.BlockId, bytes))
                {
                    return $"an allocate of block id {operation.BlockId}, which is already live (ids are unique while live)";
                }

                Grow(bytes);
                return null;

            case TraceOperationKind.Reallocate:
                if (!_live.TryGetValue(operation.BlockId, out ulong old))
                {
                    return $"a reallocate of block id {operation.BlockId}, which is not live";
                }

                _live[operation.BlockId] = operation.Size;
                _liveBytes -= old;
                Grow(operation.Size);
                return null;

            case TraceOperationKind.Free:
                if (!_live.Remove(operation.BlockId, out ulong freed))
                {
                    return $"a free of block id {operation.BlockId}, which is not live";
                }

                _liveBytes -= freed;
                return null;

            default:
                return $"an operation of kind {(int)operation.Kind}, which is not one of 1-4";
        }
    }

    private void Grow(ulong bytes)
    {
        _liveBytes += bytes;
        if (_liveBytes > _peak)
        {
            _peak = _liveBytes;
        }
    }
}
