using AllocGen.Tracing;
using CsCheck;

namespace AllocGen.Tests.Tracing;

/// <summary>Traces for the tracing tests: a small hand-written one and random consistent ones.</summary>
internal static class TraceSamples
{
    /// <summary>Every kind, a thread switch, a reused id, a zero size and large numbers (multi-byte varints).</summary>
    public static AllocationTrace Small(bool timestamps = true) => new(
    [
        new(TraceOperationKind.Allocate, 1, 24, 1, timestamps ? 100 : 0, 1),
        new(TraceOperationKind.AllocateZeroed, 2, 16, 300, timestamps ? 250 : 0, 1),
        new(TraceOperationKind.Reallocate, 1, 70_000, 1, timestamps ? 900 : 0, 7),
        new(TraceOperationKind.Free, 2, 0, 1, timestamps ? 901 : 0, 7),
        new(TraceOperationKind.Allocate, 2, 0, 1, timestamps ? 850 : 0, 1), // time may go back (other sources)
        new(TraceOperationKind.Allocate, ulong.MaxValue, 1UL << 40, 1, timestamps ? long.MaxValue : 0, -3),
        new(TraceOperationKind.Free, 1, 0, 1, timestamps ? 5 : 0, 1),
    ]);

    /// <summary>Random consistent traces: steps that allocate, resize or free among the live blocks.</summary>
    public static readonly Gen<AllocationTrace> Random =
        Gen.Select(Gen.Int[0, 9], Gen.ULong[0, 1UL << 34], Gen.ULong[0, 1000], Gen.Long[-5, 1_000_000], Gen.Int[0, 3], Gen.Int)
            .Array[0, 200]
            .Select(Build);

    private static AllocationTrace Build((int Choice, ulong Size, ulong Count, long Step, int Thread, int Pick)[] steps)
    {
        var operations = new List<TraceOperation>();
        var live = new List<ulong>();
        ulong nextId = 0;
        long time = 0;
        foreach ((int choice, ulong size, ulong count, long step, int thread, int pick) in steps)
        {
            time += step;
            if (choice < 4 || live.Count == 0)
            {
                // Ids mostly count up; sometimes a freed id comes back, sometimes one jumps far.
                ulong id = choice == 0 ? (ulong)pick * 0x9E37_79B9_7F4A_7C15 : ++nextId;
                if (live.Contains(id))
                {
                    id = ++nextId;
                }

                bool zeroed = choice == 1;
                operations.Add(new TraceOperation(zeroed ? TraceOperationKind.AllocateZeroed : TraceOperationKind.Allocate,
                    id, zeroed ? size % 4096 : size, zeroed ? count : 1, time, thread));
                live.Add(id);
            }
            else
            {
                int index = (int)((uint)pick % (uint)live.Count);
                ulong id = live[index];
                if (choice < 6)
                {
                    operations.Add(new TraceOperation(TraceOperationKind.Reallocate, id, size, 1, time, thread));
                }
                else
                {
                    operations.Add(new TraceOperation(TraceOperationKind.Free, id, 0, 1, time, thread));
                    live.RemoveAt(index);
                }
            }
        }

        return new AllocationTrace(operations);
    }

    public static byte[] ToBytes(AllocationTrace trace)
    {
        var stream = new MemoryStream();
        trace.Write(stream);
        return stream.ToArray();
    }

    public static AllocationTrace FromBytes(byte[] bytes) => AllocationTrace.Read(new MemoryStream(bytes));

    public static string ToText(AllocationTrace trace)
    {
        var writer = new StringWriter();
        trace.WriteText(writer);
        return writer.ToString();
    }

    public static AllocationTrace FromText(string text, out TraceImportReport report) =>
        AllocationTrace.ReadText(new StringReader(text), out report);
}
