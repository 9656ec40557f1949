using System.Globalization;
using AllocGen.Tracing;

namespace AllocGen.Examples.Ast;

/// <summary>
/// <c>AstArena --record &lt;path&gt; [parses=2] [megabytes=0.05]</c>: the parse workload with every node a block of an
/// <see cref="AstPool"/> behind a <see cref="RecordingAllocator"/>, which writes the allocation trace to the path
/// (examples/Tune/samples/astarena.agtrace was made so). Each parse builds the trees, evaluates them against the GC
/// tree's results and frees every node. Exit code 1 when a result differs.
/// </summary>
internal static unsafe class TraceRecording
{
    public const string Flag = "--record";

    public static int Run(string[] args, int seed)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: AstArena --record <path> [parses=2] [megabytes=0.05]");
            return 2;
        }

        string path = args[1];
        int parses = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        double megabytes = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 0.05;

        string source = InputGenerator.Generate(seed, (int)(megabytes * 1024 * 1024));
        ReadOnlySpan<double> variables = Variables.Values;
        List<Expr> roots = Parser<Expr, GcTreeBuilder>.Parse(source, new GcTreeBuilder()).Roots;
        double[] expected = [.. roots.Select(root => root.Evaluate(Variables.Values))];

        int mismatches = 0;
        using var pool = new AstPool();
        long operations;
        using (var recorder = new RecordingAllocator(pool, path))
        {
            for (int p = 0; p < parses; p++)
            {
                PoolTreeBuilder tree = Parser<NodeRef, PoolTreeBuilder>.Parse(source, new PoolTreeBuilder(recorder));
                int i = 0;
                for (RootCell* cell = tree.First; cell != null; cell = cell->Next, i++)
                {
                    if (i >= expected.Length || !Node.Evaluate(cell->Expression, variables).Equals(expected[i]))
                    {
                        mismatches++;
                    }
                }

                mismatches += Math.Abs(expected.Length - i);
                tree.Free();
            }

            operations = recorder.RecordCount;
        }

        AllocationTrace trace = AllocationTrace.Load(path);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Recorded {operations:N0} operations ({parses} parses of {source.Length:N0} bytes, {expected.Length:N0} expressions) to {path}: {new FileInfo(path).Length:N0} bytes, peak {trace.PeakLiveBytes:N0} live bytes requested."));
        if (mismatches != 0 || trace.OperationCount != operations)
        {
            Console.WriteLine($"FAILED: {mismatches} results differ, or the trace holds {trace.OperationCount} of {operations} operations.");
            return 1;
        }

        return 0;
    }
}
