using AllocGen.Tracing;

namespace AllocGen.Tune.Tests;

/// <summary>Random traces for the tests, and an independent model of what they keep live.</summary>
public static class TestTraces
{
    /// <summary>
    /// A churn trace: allocations (some zeroed), reallocations and frees of sizes 0 to <paramref name="maxSize"/>,
    /// at most <paramref name="maxLive"/> blocks live; ids come back after their block is freed.
    /// </summary>
    public static List<TraceOperation> Churn(int seed, int operations, int maxLive, int maxSize)
    {
        var random = new Random(seed);
        var live = new List<ulong>();
        var freeIds = new Stack<ulong>();
        ulong nextId = 1;
        var trace = new List<TraceOperation>(operations);
        while (trace.Count < operations)
        {
            double roll = random.NextDouble();
            if (live.Count > 0 && (live.Count >= maxLive || roll < 0.4))
            {
                int index = random.Next(live.Count);
                ulong id = live[index];
                if (random.NextDouble() < 0.2)
                {
                    trace.Add(new TraceOperation(TraceOperationKind.Reallocate, id, (ulong)random.Next(0, maxSize + 1), 1, 0, 0));
                }
                else
                {
                    trace.Add(new TraceOperation(TraceOperationKind.Free, id, 0, 1, 0, 0));
                    live[index] = live[^1];
                    live.RemoveAt(live.Count - 1);
                    freeIds.Push(id);
                }
            }
            else
            {
                ulong id = freeIds.Count > 0 && random.NextDouble() < 0.5 ? freeIds.Pop() : nextId++;
                trace.Add(random.NextDouble() < 0.1
                    ? new TraceOperation(TraceOperationKind.AllocateZeroed, id, (ulong)random.Next(1, 9), (ulong)random.Next(0, (maxSize / 8) + 1), 0, 0)
                    : new TraceOperation(TraceOperationKind.Allocate, id, (ulong)random.Next(0, maxSize + 1), 1, 0, 0));
                live.Add(id);
            }
        }

        return trace;
    }

    /// <summary>The text form of a trace.</summary>
    public static string ToText(IEnumerable<TraceOperation> trace) =>
        "# written by the tests\n" + string.Join('\n', trace.Select(o => o.Kind switch
        {
            TraceOperationKind.Allocate => $"a {o.BlockId} {o.Size}",
            TraceOperationKind.AllocateZeroed => $"c {o.BlockId} {o.Count} {o.Size}",
            TraceOperationKind.Reallocate => $"r {o.BlockId} {o.Size}",
            _ => $"f {o.BlockId}",
        })) + "\n";

    /// <summary>The requested bytes live after each operation, by a dictionary of ids (independent of CompiledTrace).</summary>
    public static long[] LiveAfterEach(IReadOnlyList<TraceOperation> trace, out Dictionary<ulong, ulong>[] liveAtPeak)
    {
        var sizes = new Dictionary<ulong, ulong>();
        var live = new long[trace.Count];
        long bytes = 0, peak = -1;
        liveAtPeak = [new Dictionary<ulong, ulong>()];
        for (int i = 0; i < trace.Count; i++)
        {
            TraceOperation o = trace[i];
            if (sizes.Remove(o.BlockId, out ulong old))
            {
                bytes -= (long)old;
            }

            if (o.Kind != TraceOperationKind.Free)
            {
                sizes[o.BlockId] = o.Count * o.Size;
                bytes += (long)(o.Count * o.Size);
            }

            live[i] = bytes;
            if (bytes > peak)
            {
                peak = bytes;
                liveAtPeak[0] = new Dictionary<ulong, ulong>(sizes);
            }
        }

        return live;
    }
}
