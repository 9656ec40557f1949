using System.Diagnostics;
using System.Globalization;

namespace AllocGen.Examples.Ast;

/// <summary>
/// Parses a generated program of at least 1 MB N times into GC objects and N times into an <see cref="AstArena"/>,
/// evaluates every tree, checks that all results agree, and prints the time per parse and the garbage collections.
/// Usage: <c>AstArena [parses=10] [megabytes=1]</c>. Exit code 1 when a result differs. <c>AstArena --record
/// &lt;path&gt;</c> records an allocation trace of the parse workload instead (see <see cref="TraceRecording"/>).
/// </summary>
internal static unsafe class Program
{
    private const int Seed = 1_234_567;

    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == TraceRecording.Flag)
        {
            return TraceRecording.Run(args, Seed);
        }

        int parses = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        double megabytes = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1.0;

        if (!SelfTest())
        {
            return 1;
        }

        string source = InputGenerator.Generate(Seed, (int)(megabytes * 1024 * 1024));
        ReadOnlySpan<double> variables = Variables.Values;

        // The reference results come from a tree evaluated once; every later tree must reproduce them exactly.
        GcTreeBuilder reference = Parser<Expr, GcTreeBuilder>.Parse(source, new GcTreeBuilder());
        double[] expected = new double[reference.Roots.Count];
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] = reference.Roots[i].Evaluate(variables);
        }

        int nodes = reference.NodeCount;
        reference = default;

        var arena = new AstArena();
        try
        {
            // Warm up (JIT, tiering) with untimed parses, then measure.
            RunGc(source, expected, 2);
            RunArena(arena, source, expected, 2);
            // Start each run from a collected heap, so that neither pays for the other's garbage.
            GC.Collect();
            Result gc = RunGc(source, expected, parses);
            GC.Collect();
            Result bump = RunArena(arena, source, expected, parses);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"AstArena example: {source.Length:N0} bytes of input, {expected.Length:N0} expressions, {nodes:N0} nodes per tree, {parses} parses each way."));
            Console.WriteLine();
            Console.WriteLine("                     parse ms (mean / best)   eval ms   managed bytes per parse   GC collections gen0/gen1/gen2");
            Print("GC objects", gc, parses);
            Print("AstArena (bump)", bump, parses);
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Arena after a parse: {arena.BytesAllocated:N0} bytes allocated, {arena.BytesReserved:N0} reserved in {arena.BlockCount:N0} blocks of {AstArena.BlockSize:N0} (alignment {AstArena.Alignment})."));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Parse speed-up with the arena: {(double)gc.ParseTicks / bump.ParseTicks:0.00}x."));

            int mismatches = gc.Mismatches + bump.Mismatches;
            if (mismatches != 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"FAILED: {gc.Mismatches} GC results and {bump.Mismatches} arena results differ from the reference."));
                return 1;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Results agree: {expected.Length:N0} expressions x {parses} parses x 2 trees."));
            return 0;
        }
        finally
        {
            arena.Dispose();
        }
    }

    private static Result RunGc(string source, double[] expected, int parses)
    {
        ReadOnlySpan<double> variables = Variables.Values;
        var results = new double[expected.Length];
        var counter = new Counter();
        for (int p = 0; p < parses; p++)
        {
            long start = Stopwatch.GetTimestamp();
            GcTreeBuilder tree = Parser<Expr, GcTreeBuilder>.Parse(source, new GcTreeBuilder());
            long parsed = Stopwatch.GetTimestamp();

            List<Expr> roots = tree.Roots;
            int count = Math.Min(roots.Count, results.Length);
            for (int i = 0; i < count; i++)
            {
                results[i] = roots[i].Evaluate(variables);
            }

            counter.Add(start, parsed, Stopwatch.GetTimestamp(), Compare(results, roots.Count, expected));
        }

        return counter.Finish();
    }

    private static Result RunArena(AstArena arena, string source, double[] expected, int parses)
    {
        ReadOnlySpan<double> variables = Variables.Values;
        var results = new double[expected.Length];
        var counter = new Counter();
        for (int p = 0; p < parses; p++)
        {
            long start = Stopwatch.GetTimestamp();
            arena.Reset(); // frees the previous tree at once, keeps the first block
            ArenaTreeBuilder tree = Parser<NodeRef, ArenaTreeBuilder>.Parse(source, new ArenaTreeBuilder(arena));
            long parsed = Stopwatch.GetTimestamp();

            int count = 0;
            for (RootCell* cell = tree.First; cell != null; cell = cell->Next)
            {
                if (count < results.Length)
                {
                    results[count] = Node.Evaluate(cell->Expression, variables);
                }

                count++;
            }

            counter.Add(start, parsed, Stopwatch.GetTimestamp(), Compare(results, count, expected));
        }

        return counter.Finish();
    }

    private static int Compare(double[] results, int count, double[] expected)
    {
        if (count != expected.Length)
        {
            return Math.Max(count, expected.Length);
        }

        int mismatches = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            // Equals, not ==: NaN (from 0/0 or sqrt of a negative) must match NaN.
            if (!results[i].Equals(expected[i]))
            {
                mismatches++;
            }
        }

        return mismatches;
    }

    private static void Print(string name, Result r, int parses)
    {
        double ms = 1000.0 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-18} {r.ParseTicks * ms / parses,10:0.00} / {r.BestParseTicks * ms,-10:0.00}  {r.EvalTicks * ms / parses,8:0.00}   {r.AllocatedBytes / parses,21:N0}   {r.Gen0,6} / {r.Gen1} / {r.Gen2}"));
    }

    /// <summary>Known expressions and errors, through both trees.</summary>
    private static bool SelfTest()
    {
        double x = Variables.Values[Variables.IndexOf("x")];
        (string Source, double Value)[] cases =
        [
            ("1 + 2 * 3", 7),
            ("2 - 3 - 4", -5),
            ("8 / 4 / 2", 1),
            ("--2", 2),
            ("-x * 2", -x * 2),
            ("(1 + 2) * -(3 - 5)", 6),
            ("min(4, max(2, 3)) - abs(-5) / sqrt(16)", 1.75),
            ("sqrt(abs(x - 10.25)) * .5", Math.Sqrt(Math.Abs(x - 10.25)) * .5),
            ("1 / offset", double.PositiveInfinity),
        ];
        string[] invalid = ["min(1)", "abs(1, 2)", "1 +", "1 2", "foo", "bar(1)", "(1", "1 $ 2", "1.2.3"];

        bool ok = true;
        var arena = new AstArena();
        try
        {
            foreach ((string source, double value) in cases)
            {
                arena.Reset();
                double viaGc = Parser<Expr, GcTreeBuilder>.Parse(source, new GcTreeBuilder()).Roots.Single().Evaluate(Variables.Values);
                ArenaTreeBuilder tree = Parser<NodeRef, ArenaTreeBuilder>.Parse(source, new ArenaTreeBuilder(arena));
                double viaArena = tree.First->Next == null ? Node.Evaluate(tree.First->Expression, Variables.Values) : double.NaN;
                if (!viaGc.Equals(value) || !viaArena.Equals(value))
                {
                    Console.WriteLine($"Self-test failed: {source} = {value}, GC tree {viaGc}, arena tree {viaArena}.");
                    ok = false;
                }
            }

            foreach (string source in invalid)
            {
                try
                {
                    Parser<NodeRef, ArenaTreeBuilder>.Parse(source, new ArenaTreeBuilder(arena));
                    Console.WriteLine($"Self-test failed: '{source}' was accepted.");
                    ok = false;
                }
                catch (FormatException)
                {
                }
            }
        }
        finally
        {
            arena.Dispose();
        }

        return ok;
    }

    private readonly record struct Result(
        long ParseTicks, long BestParseTicks, long EvalTicks, long AllocatedBytes, int Gen0, int Gen1, int Gen2, int Mismatches);

    /// <summary>Accumulates the measurements of one way of parsing.</summary>
    private struct Counter()
    {
        private readonly int _gen0 = GC.CollectionCount(0);
        private readonly int _gen1 = GC.CollectionCount(1);
        private readonly int _gen2 = GC.CollectionCount(2);
        private readonly long _allocated = GC.GetAllocatedBytesForCurrentThread();
        private long _parse;
        private long _best = long.MaxValue;
        private long _eval;
        private int _mismatches;

        public void Add(long start, long parsed, long evaluated, int mismatches)
        {
            _parse += parsed - start;
            _best = Math.Min(_best, parsed - start);
            _eval += evaluated - parsed;
            _mismatches += mismatches;
        }

        public readonly Result Finish() => new(
            _parse, _best, _eval, GC.GetAllocatedBytesForCurrentThread() - _allocated,
            GC.CollectionCount(0) - _gen0, GC.CollectionCount(1) - _gen1, GC.CollectionCount(2) - _gen2, _mismatches);
    }
}
