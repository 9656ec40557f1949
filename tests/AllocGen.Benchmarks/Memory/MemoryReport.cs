using System.Diagnostics;
using System.Globalization;
using System.Text;
using AllocGen.Benchmarks.Peers;
using AllocGen.Benchmarks.Workloads;

namespace AllocGen.Benchmarks.Memory;

/// <summary>
/// The <c>--memory</c> mode: not a timed benchmark. Runs the churn workload (10,000 live blocks, sizes
/// uniform in [1, 512], <see cref="Ops"/> ops) once per allocator, each in a fresh child process so
/// that one allocator's leftovers do not show up in the next one's RSS, and prints the peak of the
/// live requested bytes against the bytes the allocator reserved from the OS.
/// </summary>
/// <remarks>
/// Reserved bytes come from the allocator itself where it can say (AllocGen: <c>GetStats().BytesCommitted</c>, the carved
/// pools plus large blocks; its never-carved pools are address space the OS has not backed;
/// Floor: its slabs), otherwise from the growth of the process's resident set (/proc/self/statm) over
/// the run, sampled every <see cref="Chunk"/> ops (peak). RSS counts touched pages only, so it
/// understates address space an allocator mapped but never touched.
/// </remarks>
public static class MemoryReport
{
    public const string ChildFlag = "--memory-one";
    public const int Ops = 1 << 20;
    public const int Chunk = 1 << 16;
    private const string ResultPrefix = "MEMORY-RESULT\t";

    private sealed record Row(Allocator Allocator, long PeakLive, long OwnReserved, long RssDelta, long InUseAtPeak, string? Skipped);

    /// <summary>The second scenario's child argument (see <see cref="MemorySpike"/>).</summary>
    public const string SpikeScenario = "spike";

    /// <summary>The mixed-sizes scenario's child argument (see <see cref="MemoryMixed"/>).</summary>
    public const string MixedScenario = "mixed";

    /// <summary>The cross-thread scenario's child argument (see <see cref="ProducerConsumerMemory"/>).</summary>
    public const string ProducerConsumerScenario = "producer-consumer";

    /// <summary>
    /// Parent: one child per available allocator and scenario, then the tables (and optionally markdown files: the
    /// single-threaded tables in <paramref name="markdownOut"/>, the producer/consumer table in
    /// <see cref="ThreadsMarkdownPath"/> of it).
    /// </summary>
    public static int RunAll(string? markdownOut)
    {
        var rows = new List<Row>();
        var spikes = new List<(Allocator Allocator, string[]? Fields, string? Skipped)>();
        var mixed = new List<Row>();
        // The Locked/PerThread rows are measured by the producer/consumer scenario (RunThreads).
        foreach (var allocator in AllocatorCatalog.Available().Where(a => !AllocatorCatalog.IsPairAndChurnRow(a)))
        {
            Console.WriteLine($"// memory: {allocator} ...");
            rows.Add(RunChild(allocator));
            Console.WriteLine($"// memory after a spike: {allocator} ...");
            var (fields, skipped) = RunChildRaw(allocator, SpikeScenario);
            spikes.Add((allocator, fields, skipped));
            Console.WriteLine($"// memory, mixed sizes: {allocator} ...");
            mixed.Add(RunChild(allocator, MixedScenario));
        }

        var markdown = ToMarkdown(rows, FormattableString.Invariant($"Churn, {ChurnWorkload.LiveBlocks:N0} live blocks, sizes uniform in [1, 512]"))
            + Environment.NewLine + MemorySpike.ToMarkdown(spikes)
            + Environment.NewLine + ToMarkdown(mixed, MemoryMixed.Description);
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (markdownOut is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(markdownOut))!);
            File.WriteAllText(markdownOut, markdown);
            Console.WriteLine($"// memory report written to {markdownOut}");
        }
        var threads = RunThreads(markdownOut is null ? null : ThreadsMarkdownPath(markdownOut));
        return rows.Any(r => r.Skipped is null) ? threads : 1;
    }

    /// <summary>The mixed-sizes scenario alone (<c>--memory-mixed</c>): its table, printed and optionally written.</summary>
    public static int RunMixed(string? markdownOut)
    {
        var rows = new List<Row>();
        foreach (var allocator in AllocatorCatalog.Available().Where(a => !AllocatorCatalog.IsThreadPolicyRow(a)))
        {
            Console.WriteLine($"// memory, mixed sizes: {allocator} ...");
            rows.Add(RunChild(allocator, MixedScenario));
        }
        var markdown = ToMarkdown(rows, MemoryMixed.Description);
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (markdownOut is not null)
            File.WriteAllText(markdownOut, markdown);
        return rows.Any(r => r.Skipped is null) ? 0 : 1;
    }

    /// <summary>Where <see cref="RunAll"/> writes the producer/consumer table: <c>memory.md</c> → <c>memory-threads.md</c>.</summary>
    public static string ThreadsMarkdownPath(string markdownOut) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(markdownOut))!,
            Path.GetFileNameWithoutExtension(markdownOut) + "-threads" + Path.GetExtension(markdownOut));

    /// <summary>
    /// The producer/consumer scenario alone (<c>--memory-threads</c>): <see cref="ProducerConsumerMemory.Runs"/> fresh
    /// children per cross-thread row (its RSS peak depends on how the two threads happened to interleave).
    /// </summary>
    public static int RunThreads(string? markdownOut)
    {
        var rows = new List<(Allocator Allocator, List<long[]> Runs, string? Skipped)>();
        foreach (var allocator in AllocatorCatalog.Available().Where(AllocatorCatalog.IsCrossThreadRow))
        {
            var runs = new List<long[]>();
            string? skipped = null;
            for (var run = 1; run <= ProducerConsumerMemory.Runs && skipped is null; run++)
            {
                Console.WriteLine($"// memory, producer/consumer: {allocator} ({run}/{ProducerConsumerMemory.Runs}) ...");
                var (fields, failure) = RunChildRaw(allocator, ProducerConsumerScenario);
                if (fields is null)
                    skipped = failure;
                else
                    runs.Add([.. fields.Select(f => long.Parse(f, CultureInfo.InvariantCulture))]);
            }
            rows.Add((allocator, runs, skipped));
        }
        var markdown = ProducerConsumerMemory.ToMarkdown(rows);
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (markdownOut is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(markdownOut))!);
            File.WriteAllText(markdownOut, markdown);
            Console.WriteLine($"// producer/consumer memory report written to {markdownOut}");
        }
        return rows.Any(r => r.Skipped is null) ? 0 : 1;
    }

    private static Row RunChild(Allocator allocator, string? scenario = null)
    {
        var (f, skipped) = RunChildRaw(allocator, scenario);
        if (f is null)
            return new Row(allocator, 0, -1, -1, -1, skipped);
        return new Row(allocator, long.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture),
            long.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture), null);
    }

    /// <summary>Runs one child process and returns the fields of its result line, or why there is none.</summary>
    private static (string[]? Fields, string? Skipped) RunChildRaw(Allocator allocator, string? scenario)
    {
        var psi = SelfProcess.StartInfo(scenario is null ? [ChildFlag, allocator.ToString()] : [ChildFlag, allocator.ToString(), scenario]);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        // The producer/consumer scenario samples the RSS while it runs: code compiled once, fully optimized, so no
        // tier-1 recompilation in the background adds JIT memory to what is measured in the middle of the run.
        if (scenario == ProducerConsumerScenario)
            psi.Environment["DOTNET_TieredCompilation"] = "0";

        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string? result = null;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
                result = line[ResultPrefix.Length..];
            else
                Console.WriteLine("   " + line);
        }
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return (null, "timed out");
        }
        if (process.ExitCode != 0 || result is null)
        {
            var error = stderr.Result.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
            return (null, $"child exited {process.ExitCode}: {error}");
        }
        return (result.Split('\t'), null);
    }

    /// <summary>Child: run one scenario (the churn, or <see cref="SpikeScenario"/>) for one allocator and print one result line.</summary>
    public static int RunOne(Allocator allocator, string? scenario = null)
    {
        if (!AllocatorCatalog.IsAvailable(allocator, out var reason))
        {
            Console.Error.WriteLine($"{allocator} unavailable: {reason}");
            return 3;
        }
        if (scenario == ProducerConsumerScenario)
        {
            using var producerConsumer = new ProducerConsumerMemory { Allocator = allocator };
            Console.WriteLine(ResultPrefix + string.Join('\t', producerConsumer.Measure().Select(v => v.ToString(CultureInfo.InvariantCulture))));
            return 0;
        }
        if (scenario == SpikeScenario)
        {
            using var spike = new MemorySpike { Allocator = allocator };
            Console.WriteLine(ResultPrefix + string.Join('\t', spike.Measure().Select(v => v.ToString(CultureInfo.InvariantCulture))));
            return 0;
        }
        using var run = scenario == MixedScenario ? new MemoryMixed { Allocator = allocator } : new MemoryChurn { Allocator = allocator };
        var (peakLive, ownReserved, rssDelta, inUse) = run.Measure();
        Console.WriteLine(FormattableString.Invariant($"{ResultPrefix}{peakLive}\t{ownReserved}\t{rssDelta}\t{inUse}"));
        return 0;
    }

    /// <summary>
    /// Resident set size of this process, from /proc/self/statm (-1 where unavailable). Reads into a
    /// stack buffer so sampling does not itself grow the managed heap (and so the RSS) much.
    /// </summary>
    public static long ResidentBytes()
    {
        try
        {
            using var handle = File.OpenHandle("/proc/self/statm");
            Span<byte> buffer = stackalloc byte[128];
            var length = RandomAccess.Read(handle, buffer, 0);
            var text = buffer[..length];
            var space = text.IndexOf((byte)' ');
            if (space < 0)
                return -1;
            long pages = 0;
            foreach (var b in text[(space + 1)..])
            {
                if (b is < (byte)'0' or > (byte)'9')
                    break;
                pages = (pages * 10) + (b - '0');
            }
            return pages * Environment.SystemPageSize;
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

    /// <summary>
    /// Resets the kernel's record of this process's peak resident set (VmHWM) to the current RSS (Linux:
    /// <c>/proc/self/clear_refs</c>, value 5); false where that is not possible.
    /// </summary>
    public static bool ResetPeakResident()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The peak resident set since the process started or since <see cref="ResetPeakResident"/> (VmHWM of
    /// /proc/self/status), -1 where unavailable. Unlike sampling, it cannot miss a short peak.
    /// </summary>
    public static long PeakResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    continue;
                var kb = line["VmHWM:".Length..].Trim();
                kb = kb.EndsWith(" kB", StringComparison.Ordinal) ? kb[..^3] : kb;
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return -1;
    }

    private static string ToMarkdown(List<Row> rows, string workload)
    {
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant($"{workload}, {Ops:N0} ops, one fresh process per allocator."));
        sb.AppendLine("Reserved = the allocator's own count where it has one (AllocGen `GetStats().BytesCommitted` (carved pools + large blocks; whole arenas are `BytesReserved`), Floor slabs), else the peak growth of the process RSS over the run.");
        sb.AppendLine("RSS counts touched pages only, so for a like-for-like comparison read the RSS columns; an allocator's own count also includes reserved pages it has not touched yet.");
        sb.AppendLine();
        sb.AppendLine("| Allocator | Peak live (requested) | Reserved | Reserved from | Reserved / peak live | RSS delta | RSS delta / peak live | In use (allocator) |");
        sb.AppendLine("|---|--:|--:|---|--:|--:|--:|--:|");
        foreach (var r in rows)
        {
            if (r.Skipped is not null)
            {
                sb.AppendLine($"| {r.Allocator} | - | - | skipped: {r.Skipped} | - | - | - | - |");
                continue;
            }
            var own = r.OwnReserved >= 0;
            var reserved = own ? r.OwnReserved : r.RssDelta;
            sb.AppendLine($"| {r.Allocator} | {Bytes(r.PeakLive)} | {Bytes(reserved)} | {(own ? "allocator" : "RSS delta")} | {Ratio(reserved, r.PeakLive)} | {Bytes(r.RssDelta)} | {Ratio(r.RssDelta, r.PeakLive)} | {(r.InUseAtPeak >= 0 ? Bytes(r.InUseAtPeak) : "-")} |");
        }
        return sb.ToString();
    }

    internal static string Ratio(long bytes, long peakLive) => peakLive > 0 && bytes >= 0
        ? ((double)bytes / peakLive).ToString("0.00", CultureInfo.InvariantCulture)
        : "-";

    internal static string Bytes(long b) => b < 0
        ? "-"
        : (b / 1024.0 / 1024.0).ToString("0.00", CultureInfo.InvariantCulture) + " MiB";
}

/// <summary>The churn workload, run once with sampling instead of timing.</summary>
internal class MemoryChurn : MemoryScenario
{
    /// <summary>Blocks live throughout the run.</summary>
    protected virtual int LiveCount => ChurnWorkload.LiveBlocks;

    /// <summary>The sizes of the blocks the run starts with.</summary>
    protected virtual int[] FillSizesFor(int count, int seed) => Inputs.UniformSizes(count, seed);

    /// <summary>The op stream (for the churn, the size each op allocates).</summary>
    protected virtual int[] OpStream(int count, int seed) => Inputs.UniformSizes(count, seed);

    /// <summary>Fills <see cref="MemoryScenario.Live"/> from <see cref="MemoryScenario.FillSizes"/>.</summary>
    protected virtual void Refill() => Fill();

    /// <summary>Runs one chunk of ops.</summary>
    protected virtual void Step(int[] slots, int[] sizes) => Churn(slots, sizes);

    private int[][] _slots = [];
    private int[][] _sizes = [];

    public (long PeakLive, long OwnReserved, long RssDelta, long InUseAtPeak) Measure()
    {
        var chunks = MemoryReport.Ops / MemoryReport.Chunk;
        FillSizes = FillSizesFor(LiveCount, Inputs.Seed);
        var slots = Inputs.Indices(MemoryReport.Ops, LiveCount, Inputs.Seed + 1);
        var sizes = OpStream(MemoryReport.Ops, Inputs.Seed + 2);
        _slots = new int[chunks][];
        _sizes = new int[chunks][];
        for (var c = 0; c < chunks; c++)
        {
            _slots[c] = slots.AsSpan(c * MemoryReport.Chunk, MemoryReport.Chunk).ToArray();
            _sizes[c] = sizes.AsSpan(c * MemoryReport.Chunk, MemoryReport.Chunk).ToArray();
        }
        var peakLive = PeakLiveBytes(FillSizes, slots, sizes);

        CreateAllocator();
        Live = NewBlockArray(LiveCount);
        WarmUp();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var rssBefore = MemoryReport.ResidentBytes();

        long peakRss = 0, peakOwn = -1, inUseAtPeak = -1;
        void Sample()
        {
            peakRss = Math.Max(peakRss, MemoryReport.ResidentBytes() - rssBefore);
            var (reserved, inUse) = OwnCounters();
            if (reserved > peakOwn)
            {
                peakOwn = reserved;
                inUseAtPeak = inUse;
            }
        }

        Refill();
        Sample();
        for (var c = 0; c < chunks; c++)
        {
            Step(_slots[c], _sizes[c]);
            Sample();
        }
        return (peakLive, peakOwn, rssBefore < 0 ? -1 : peakRss, inUseAtPeak);
    }

    /// <summary>
    /// JIT-compiles the fill/churn/drain loops and the sampling code before the RSS baseline, so code
    /// and runtime data do not count as allocator memory. Uses 64 blocks, freed again.
    /// </summary>
    private void WarmUp()
    {
        var live = Live;
        var fillSizes = FillSizes;
        Live = NewBlockArray(64);
        FillSizes = fillSizes[..64];
        var warmSlots = Inputs.Indices(4096, 64, Inputs.Seed + 9);
        var warmSizes = _sizes[0][..4096];
        for (var round = 0; round < 40; round++)
        {
            Refill();
            Step(warmSlots, warmSizes);
            Drain();
            _ = MemoryReport.ResidentBytes();
            _ = OwnCounters();
        }
        (Live, FillSizes) = (live, fillSizes);
    }

    /// <summary>The peak of the live requested bytes over the run (the same for every allocator).</summary>
    protected virtual long PeakLiveBytes(int[] fillSizes, int[] slots, int[] sizes)
    {
        var live = (int[])fillSizes.Clone();
        long total = 0;
        foreach (var s in live)
            total += s;
        var peak = total;
        for (var i = 0; i < slots.Length; i++)
        {
            // Each op frees first, then allocates: the peak is reached after the allocation.
            total += sizes[i] - live[slots[i]];
            live[slots[i]] = sizes[i];
            peak = Math.Max(peak, total);
        }
        return peak;
    }
}
