using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using AllocGen.Benchmarks.Peers;
using AllocGen.Benchmarks.Workloads;
using BenchmarkDotNet.Attributes;

namespace AllocGen.Benchmarks.Loop;

/// <summary>
/// <c>--loop &lt;workload&gt; &lt;allocator&gt; [seconds] [Property=Value ...]</c>: runs one benchmark's kernel back to back
/// in this process for a few seconds (after a warm-up) and prints, over the invocations, the median, minimum, mean, 90th
/// and 99th percentile of the time per op, the process's CPU time per op (every thread's, over every op) and its minor
/// page faults per 1,000 ops, and, where the allocator counts them, the bytes it holds and hands out at the end. The
/// "kernel loop" figures of docs/benchmarks.md come from it.
/// </summary>
/// <remarks>
/// It is for A/B comparisons on a noisy machine: two builds run alternately, a few seconds each, compared by their
/// minima and medians, and for <c>perf record</c>, which sees one long run of the kernel instead of BenchmarkDotNet's
/// many processes. The workload is a benchmark class (<c>Pair</c>, <c>Churn</c>, <c>Skewed</c>, <c>Burst</c>,
/// <c>Realloc</c>, <c>Typed</c>, <c>Mixed</c>, <c>ProducerConsumer</c>, <c>Larson</c>), run through its own
/// <c>[GlobalSetup]</c>, <c>[Benchmark]</c> and <c>[GlobalCleanup]</c> methods, so it measures exactly BenchmarkDotNet's
/// kernel; <c>Property=Value</c> sets another parameter of the class (<c>Order=Random</c> for Burst).
/// </remarks>
internal static class KernelLoop
{
    private const double WarmupSeconds = 0.5;
    private const int MinWarmupInvocations = 20;

    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count < 2 || !Enum.TryParse(args[1], ignoreCase: true, out Allocator allocator))
        {
            Console.Error.WriteLine("usage: --loop <workload> <allocator> [seconds] [Property=Value ...]; allocators: "
                + string.Join(", ", Enum.GetNames<Allocator>()));
            return 2;
        }

        Type? workload = FindWorkload(args[0]);
        if (workload is null)
        {
            Console.Error.WriteLine($"no workload '{args[0]}'; one of: {string.Join(", ", AllWorkloads().Select(ShortName))}");
            return 2;
        }

        var seconds = 5.0;
        var settings = new List<string>();
        foreach (var arg in args.Skip(2))
        {
            if (arg.Contains('=', StringComparison.Ordinal))
                settings.Add(arg);
            else if (!double.TryParse(arg, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || seconds <= 0)
            {
                Console.Error.WriteLine($"not a number of seconds: '{arg}'");
                return 2;
            }
        }

        if (NeedsTunable(allocator))
            return RelaunchWithTunable(args);

        var instance = (WorkloadBase)Activator.CreateInstance(workload)!;
        var rows = instance.Allocators().ToList();
        if (!rows.Contains(allocator))
        {
            // As in BenchmarkDotNet: a row the workload does not take (a SingleThreaded heap on two threads) or whose
            // library is missing here (--peers says why).
            Console.Error.WriteLine($"{ShortName(workload)} has no {allocator} row here; its rows: {string.Join(", ", rows)}");
            return 2;
        }

        instance.Allocator = allocator;
        foreach (var setting in settings)
        {
            if (!TrySet(instance, setting))
                return 2;
        }

        MethodInfo benchmark = workload.GetMethods().Single(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null);
        int opsPerInvoke = benchmark.GetCustomAttribute<BenchmarkAttribute>()!.OperationsPerInvoke;
        var run = benchmark.CreateDelegate<Action>(instance);
        MarkedMethod<GlobalSetupAttribute>(workload)?.Invoke(instance, null);
        try
        {
            var warmup = Stopwatch.StartNew();
            for (var i = 0; i < MinWarmupInvocations || warmup.Elapsed.TotalSeconds < WarmupSeconds; i++)
                run();

            var times = new List<double>();
            long faults0 = MinorFaults();
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            long ops = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                long start = Stopwatch.GetTimestamp();
                run();
                times.Add((Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / opsPerInvoke);
                ops += opsPerInvoke;
            }

            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            long faults = MinorFaults() - faults0;
            times.Sort();
            var (reserved, inUse) = instance.OwnCounters();
            string own = reserved < 0 ? "" : string.Create(CultureInfo.InvariantCulture,
                $"  own: reserved {reserved / 1048576.0:F2} MiB, in use {(inUse < 0 ? "-" : (inUse / 1048576.0).ToString("F2", CultureInfo.InvariantCulture))} MiB");
            string faultsPerKop = faults0 < 0 ? "-" : (faults * 1000.0 / ops).ToString("F2", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{ShortName(workload)} {allocator}{string.Concat(settings.Select(s => " " + s))}: median {Percentile(times, 0.5):F2} ns  min {times[0]:F2}  mean {times.Average():F2}  p90 {Percentile(times, 0.9):F2}  p99 {Percentile(times, 0.99):F2}  cpu {cpu.TotalNanoseconds / ops:F2}  faults/kop {faultsPerKop}  ({times.Count} invocations of {opsPerInvoke} ops){own}"));
        }
        finally
        {
            MarkedMethod<GlobalCleanupAttribute>(workload)?.Invoke(instance, null);
        }

        return 0;
    }

    private static IEnumerable<Type> AllWorkloads() =>
        typeof(KernelLoop).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.IsSubclassOf(typeof(WorkloadBase))
                && t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
            .OrderBy(t => t.Name, StringComparer.Ordinal);

    private static string ShortName(Type workload) =>
        workload.Name.EndsWith("Benchmarks", StringComparison.Ordinal) ? workload.Name[..^"Benchmarks".Length] : workload.Name;

    private static Type? FindWorkload(string name) =>
        AllWorkloads().FirstOrDefault(t => string.Equals(ShortName(t), name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    private static MethodInfo? MarkedMethod<TAttribute>(Type workload) where TAttribute : Attribute =>
        workload.GetMethods().FirstOrDefault(m => m.GetCustomAttribute<TAttribute>() is not null);

    private static bool TrySet(object instance, string setting)
    {
        var (name, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
        PropertyInfo? property = instance.GetType().GetProperty(name);
        if (property is null || !property.CanWrite)
        {
            Console.Error.WriteLine($"{instance.GetType().Name} has no settable property '{name}'");
            return false;
        }

        try
        {
            property.SetValue(instance, property.PropertyType.IsEnum
                ? Enum.Parse(property.PropertyType, value, ignoreCase: true)
                : Convert.ChangeType(value, property.PropertyType, CultureInfo.InvariantCulture));
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            Console.Error.WriteLine($"'{value}' is not a value of {name} ({property.PropertyType.Name})");
            return false;
        }
    }

    private static double Percentile(List<double> sorted, double fraction) =>
        sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * fraction))];

    /// <summary>The process's minor page faults so far (Linux), or -1.</summary>
    private static long MinorFaults()
    {
        try
        {
            // /proc/self/stat: the fields after the command's closing parenthesis; minflt is the 8th of them.
            string stat = File.ReadAllText("/proc/self/stat");
            return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>jemalloc loads only into a process that started with the static-TLS tunable (see <see cref="NativePeer"/>).</summary>
    private static bool NeedsTunable(Allocator allocator) =>
        allocator == Allocator.jemalloc && OperatingSystem.IsLinux()
        && Environment.GetEnvironmentVariable(NativePeer.TlsTunableName) != NativePeer.TlsTunableValue;

    private static int RelaunchWithTunable(IReadOnlyList<string> args)
    {
        using var process = Process.Start(SelfProcess.StartInfo(args.Prepend("--loop")))!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
