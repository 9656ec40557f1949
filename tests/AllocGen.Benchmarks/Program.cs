using AllocGen.Benchmarks;
using AllocGen.Benchmarks.Memory;
using AllocGen.Benchmarks.Peers;
using AllocGen.Benchmarks.Reporting;
using BenchmarkDotNet.Running;

// Modes (see README.md):
//   (default)                     BenchmarkDotNet: --filter '*' [--job default|dry|short|medium|long|verylong] [...]
//   --allocators a,b,...          restrict the allocator rows (combine with the default mode)
//   --peers                       which allocator rows can run here, and why not
//   --memory [--out file.md]      memory report: churn and spike (file.md), producer/consumer (file-threads.md)
//   --memory-threads [--out file.md]  the producer/consumer memory table alone
//   --render <results> <md> <svg> [--memory-md file.md] [--threads-memory-md file.md]   docs page + chart from the CSV results
//   --render-threads <results> <md> [--threads-memory-md file.md]   the docs page's "Threads" section alone
//   --chart <results> <svg>       the SVG chart alone
//   --loop <workload> <allocator> [seconds] [Property=Value ...]   one kernel back to back in this process (A/B runs, perf)
return Cli.Run(args);

namespace AllocGen.Benchmarks
{
    internal static class Cli
    {
        public static int Run(string[] args)
        {
            var rest = new List<string>(args);
            if (!TakeAllocators(rest))
                return 2;

            if (rest.Count > 0)
            {
                switch (rest[0])
                {
                    case "--peers":
                        return PrintPeers();
                    case "--loop":
                        return Loop.KernelLoop.Run(rest.Skip(1).ToList());
                    case "--memory":
                        return MemoryReport.RunAll(OptionValue(rest, "--out"));
                    case "--memory-mixed":
                        return MemoryReport.RunMixed(OptionValue(rest, "--out"));
                    case "--memory-threads":
                        return MemoryReport.RunThreads(OptionValue(rest, "--out"));
                    case MemoryReport.ChildFlag when rest.Count >= 2:
                        return MemoryReport.RunOne(Enum.Parse<Allocator>(rest[1]), rest.Count >= 3 ? rest[2] : null);
                    case "--render" when rest.Count >= 4:
                        return ReportRenderer.Render(rest[1], rest[2], rest[3], OptionValue(rest, "--memory-md"), OptionValue(rest, "--threads-memory-md"));
                    case "--render-threads" when rest.Count >= 3:
                        return ReportRenderer.RenderThreads(rest[1], rest[2], OptionValue(rest, "--threads-memory-md"));
                    case "--chart" when rest.Count >= 3:
                        return ReportRenderer.Chart(rest[1], rest[2]);
                    case "--render" or "--render-threads" or "--chart" or MemoryReport.ChildFlag:
                        Console.Error.WriteLine("usage: --render <results dir> <out.md> <out.svg> [--memory-md <file>] [--threads-memory-md <file>]"
                            + " | --render-threads <results dir> <out.md> [--threads-memory-md <file>] | --chart <results dir> <out.svg>");
                        return 2;
                }
            }

            var jobName = TakeJob(rest);
            if (jobName is null)
                return 2;
            var jitAndNativeAot = rest.Remove("--aot");
            BenchmarkSwitcher.FromAssembly(typeof(Cli).Assembly).Run([.. rest], BenchConfig.Create(jobName, jitAndNativeAot));
            return 0;
        }

        private static readonly string[] JobNames = ["default", "dry", "short", "medium", "long", "verylong"];

        /// <summary>Takes <c>--job X</c> / <c>-j X</c> / <c>--job=X</c> off the arguments (see BenchConfig.BaseJob).</summary>
        private static string? TakeJob(List<string> args)
        {
            var name = "default";
            for (var i = 0; i < args.Count; i++)
            {
                string? value = null;
                var count = 0;
                if (args[i] is "--job" or "-j" && i + 1 < args.Count)
                    (value, count) = (args[i + 1], 2);
                else if (args[i].StartsWith("--job=", StringComparison.Ordinal))
                    (value, count) = (args[i]["--job=".Length..], 1);
                if (value is null)
                    continue;
                if (!JobNames.Contains(value.ToLowerInvariant()))
                {
                    Console.Error.WriteLine($"unknown job '{value}'; use one of: {string.Join(", ", JobNames)}");
                    return null;
                }
                name = value;
                args.RemoveRange(i, count);
                i--;
            }
            return name;
        }

        private static bool TakeAllocators(List<string> args)
        {
            var i = args.IndexOf("--allocators");
            if (i < 0)
                return true;
            if (i + 1 >= args.Count)
            {
                Console.Error.WriteLine("--allocators needs a comma-separated list: " + string.Join(",", Enum.GetNames<Allocator>()));
                return false;
            }
            var selected = new List<Allocator>();
            foreach (var name in args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Enum.TryParse<Allocator>(name, ignoreCase: true, out var allocator))
                {
                    Console.Error.WriteLine($"unknown allocator '{name}'; known: {string.Join(",", Enum.GetNames<Allocator>())}");
                    return false;
                }
                selected.Add(allocator);
            }
            AllocatorCatalog.Select(selected);
            args.RemoveRange(i, 2);
            return true;
        }

        private static string? OptionValue(List<string> args, string name)
        {
            var i = args.IndexOf(name);
            return i >= 0 && i + 1 < args.Count ? args[i + 1] : null;
        }

        private static int PrintPeers()
        {
            Console.WriteLine($"{NativePeer.TlsTunableName}={Environment.GetEnvironmentVariable(NativePeer.TlsTunableName) ?? "(unset)"}");
            foreach (var allocator in Enum.GetValues<Allocator>())
            {
                var peer = AllocatorCatalog.PeerOf(allocator);
                string state;
                if (!AllocatorCatalog.IsAvailable(allocator, out var reason))
                    state = "skipped: " + reason;
                else if (peer is not null && !peer.IsLoaded)
                    state = $"available in benchmark processes (this one lacks the tunable: {peer.Failure})";
                else
                    state = "available";
                Console.WriteLine($"{allocator,-12} {state}");
            }
            return 0;
        }
    }
}
