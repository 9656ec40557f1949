using AllocGen.Tracing;

namespace AllocGen.Tune.Replay;

/// <summary>What one replay step does (the trace's kinds, with block ids turned into slots).</summary>
public enum ReplayKind : byte
{
    Allocate,
    AllocateZeroed,
    Reallocate,
    Free,
}

/// <summary>One operation of a <see cref="CompiledTrace"/>.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Slot">Index of the block's pointer in the replay's table (reused once the block is freed).</param>
/// <param name="Size">Allocate: bytes; AllocateZeroed: element size; Reallocate: the new size; Free: 0.</param>
/// <param name="Count">AllocateZeroed: elements; 1 otherwise.</param>
public readonly record struct ReplayStep(ReplayKind Kind, int Slot, nuint Size, nuint Count)
{
    /// <summary>Bytes requested (Count × Size; 0 for Free).</summary>
    public nuint RequestedBytes => Kind == ReplayKind.Free ? 0 : Count * Size;
}

/// <summary>
/// A trace prepared for replay, once for every variant: block ids mapped to dense slots (so a replay indexes an array
/// instead of hashing ids), the live bytes the trace requests at every point (the same for every allocator), and
/// its request sizes.
/// </summary>
public sealed class CompiledTrace
{
    private CompiledTrace(ReplayStep[] steps, ulong[] blockIds, int slotCount, long peakLiveBytes, int peakLiveIndex, Dictionary<ulong, long> requestSizes)
    {
        Steps = steps;
        BlockIds = blockIds;
        SlotCount = slotCount;
        PeakLiveBytes = peakLiveBytes;
        PeakLiveIndex = peakLiveIndex;
        RequestSizes = requestSizes;
    }

    /// <summary>The operations, in trace order.</summary>
    public ReplayStep[] Steps { get; }

    /// <summary>The trace's block id of each step (for messages).</summary>
    public ulong[] BlockIds { get; }

    /// <summary>Slots a replay needs: the most blocks live at once.</summary>
    public int SlotCount { get; }

    /// <summary>Operations in the trace.</summary>
    public int Operations => Steps.Length;

    /// <summary>Most bytes requested and live at once.</summary>
    public long PeakLiveBytes { get; }

    /// <summary>Index of the first operation after which <see cref="PeakLiveBytes"/> are live (-1 for an empty trace).</summary>
    public int PeakLiveIndex { get; }

    /// <summary>How many requests (Allocate, AllocateZeroed in bytes, Reallocate's new size) asked for each size.</summary>
    public IReadOnlyDictionary<ulong, long> RequestSizes { get; }

    /// <summary>Prepares <paramref name="operations"/> for replay.</summary>
    /// <exception cref="InvalidDataException">The trace uses a block id that is not live, or allocates one that is (the message names the operation).</exception>
    public static CompiledTrace Compile(IReadOnlyList<TraceOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var steps = new ReplayStep[operations.Count];
        var ids = new ulong[operations.Count];
        var live = new Dictionary<ulong, (int Slot, long Bytes)>();
        var freeSlots = new Stack<int>();
        var sizes = new Dictionary<ulong, long>();
        int slotCount = 0;
        long liveBytes = 0, peak = 0;
        int peakIndex = -1;
        for (int i = 0; i < operations.Count; i++)
        {
            TraceOperation operation = operations[i];
            ids[i] = operation.BlockId;
            switch (operation.Kind)
            {
                case TraceOperationKind.Allocate or TraceOperationKind.AllocateZeroed:
                {
                    if (live.ContainsKey(operation.BlockId))
                    {
                        throw Invalid(i, operation, "allocates a block id that is still live");
                    }

                    int slot = freeSlots.Count > 0 ? freeSlots.Pop() : slotCount++;
                    bool zeroed = operation.Kind == TraceOperationKind.AllocateZeroed;
                    ulong bytes = Bytes(i, operation);
                    steps[i] = new ReplayStep(zeroed ? ReplayKind.AllocateZeroed : ReplayKind.Allocate, slot, (nuint)operation.Size, zeroed ? (nuint)operation.Count : 1);
                    live.Add(operation.BlockId, (slot, (long)bytes));
                    liveBytes += (long)bytes;
                    Count(sizes, bytes);
                    break;
                }

                case TraceOperationKind.Reallocate:
                {
                    if (!live.TryGetValue(operation.BlockId, out var block))
                    {
                        throw Invalid(i, operation, "reallocates a block id that is not live");
                    }

                    steps[i] = new ReplayStep(ReplayKind.Reallocate, block.Slot, (nuint)operation.Size, 1);
                    live[operation.BlockId] = (block.Slot, (long)operation.Size);
                    liveBytes += (long)operation.Size - block.Bytes;
                    Count(sizes, operation.Size);
                    break;
                }

                case TraceOperationKind.Free:
                {
                    if (!live.Remove(operation.BlockId, out var block))
                    {
                        throw Invalid(i, operation, "frees a block id that is not live");
                    }

                    steps[i] = new ReplayStep(ReplayKind.Free, block.Slot, 0, 1);
                    freeSlots.Push(block.Slot);
                    liveBytes -= block.Bytes;
                    break;
                }

                default:
                    throw Invalid(i, operation, $"has an unknown kind {(int)operation.Kind}");
            }

            if (peakIndex < 0 || liveBytes > peak)
            {
                peak = liveBytes;
                peakIndex = i;
            }
        }

        return new CompiledTrace(steps, ids, slotCount, peak, peakIndex, sizes);
    }

    private static ulong Bytes(int index, TraceOperation operation)
    {
        UInt128 bytes = (UInt128)operation.Count * operation.Size;
        return bytes > (UInt128)(ulong)long.MaxValue ? throw Invalid(index, operation, "requests more bytes than fit in a long") : (ulong)bytes;
    }

    private static void Count(Dictionary<ulong, long> sizes, ulong size) =>
        sizes[size] = sizes.GetValueOrDefault(size) + 1;

    private static InvalidDataException Invalid(int index, TraceOperation operation, string problem) =>
        new($"Trace operation {index} ({operation.Kind} of block {operation.BlockId}) {problem}.");
}
