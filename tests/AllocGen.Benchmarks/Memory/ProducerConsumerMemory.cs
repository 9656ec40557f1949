using System.Globalization;
using System.Text;
using AllocGen.Benchmarks.Peers;
using AllocGen.Benchmarks.Workloads;

namespace AllocGen.Benchmarks.Memory;

/// <summary>
/// The memory report's cross-thread scenario: the producer/consumer workload (<see cref="ProducerConsumerBenchmarks"/>:
/// worker 0 allocates, worker 1 frees, at most a ring of <see cref="ProducerConsumerBenchmarks.Window"/> blocks live)
/// run for <see cref="Blocks"/> blocks, while a third thread samples the process RSS and the allocator's own count
/// (AllocGen <c>GetStats().BytesCommitted</c>) over the whole run. What piles up when one thread frees what another
/// allocates (mimalloc issue 1364) shows as a peak far above the live bytes.
/// </summary>
internal sealed class ProducerConsumerMemory : WorkloadBase, IDisposable
{
    /// <summary>Blocks allocated and freed over the run: 64 times the benchmark's invoke.</summary>
    public const int Rounds = 64;
    public const long Blocks = (long)Rounds * ProducerConsumerBenchmarks.OpsPerInvoke;

    /// <summary>How often the sampler reads the RSS (/proc/self/statm: no managed allocation).</summary>
    public const int RssEveryMs = 1;

    /// <summary>
    /// How often it asks the allocator itself: <c>GetStats()</c> allocates its snapshot on the managed heap, and a
    /// sample every millisecond would grow the RSS of the AllocGen rows with garbage the peers' rows do not make.
    /// </summary>
    public const int OwnEveryMs = 16;

    private WorkerThreads? _workers;
    private IThreadWork? _work;

    /// <summary>
    /// Peak live bytes (the most a full ring plus the block each worker holds can hold), the allocator's own count
    /// at its peak and at the end, the RSS growth at its peak and at the end (everything freed, nothing trimmed),
    /// and the number of RSS samples; -1 where the allocator or the platform cannot say.
    /// </summary>
    public long[] Measure()
    {
        var sizes = Inputs.UniformSizes(ProducerConsumerBenchmarks.OpsPerInvoke, Inputs.Seed + 30,
            CrossThreadWorkload.MinSize, CrossThreadWorkload.MaxSize);
        CreateAllocator();
        _workers = new WorkerThreads(CrossThreadWorkload.Workers);

        // JIT the loops and the sampling, and let both workers meet the allocator, on a tiny ring (few pools touched).
        Build(sizes[..4096], window: 64, rounds: 4);
        _workers.Run(_work!);
        for (var i = 0; i < 64; i++)
        {
            _ = MemoryReport.ResidentBytes();
            _ = OwnCounters();
        }
        Build(sizes, ProducerConsumerBenchmarks.Window, Rounds);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var rssBefore = MemoryReport.ResidentBytes();
        long peakRss = 0, peakOwn = -1, samples = 0;
        var stop = false;
        var sampler = new Thread(() =>
        {
            var sinceOwn = OwnEveryMs;
            while (!Volatile.Read(ref stop))
            {
                peakRss = Math.Max(peakRss, MemoryReport.ResidentBytes() - rssBefore);
                samples++;
                if ((sinceOwn += RssEveryMs) >= OwnEveryMs)
                {
                    peakOwn = Math.Max(peakOwn, OwnCounters().Reserved);
                    sinceOwn = 0;
                }
                Thread.Sleep(RssEveryMs);
            }
        })
        { IsBackground = true, Name = "AllocGen.Benchmarks memory sampler" };
        sampler.Start();
        _workers.Run(_work!);
        Volatile.Write(ref stop, true);
        sampler.Join();

        var rssEnd = MemoryReport.ResidentBytes() - rssBefore;
        peakRss = Math.Max(peakRss, rssEnd);
        var ownEnd = OwnCounters().Reserved;
        var peakLive = PeakLiveBytes(sizes, ProducerConsumerBenchmarks.Window + 2);
        return [peakLive, peakOwn, ownEnd, rssBefore < 0 ? -1 : peakRss, rssBefore < 0 ? -1 : rssEnd, samples];
    }

    private void Build(int[] sizes, int window, int rounds)
    {
        var build = new BuildAction(this, sizes, window, rounds);
        Dispatch(ref build);
    }

    /// <summary>The most any <paramref name="count"/> consecutive blocks of the cyclic size stream hold.</summary>
    private static long PeakLiveBytes(int[] sizes, int count)
    {
        long sum = 0;
        for (var i = 0; i < count; i++)
            sum += sizes[i % sizes.Length];
        var peak = sum;
        for (var i = count; i < sizes.Length + count; i++)
        {
            sum += sizes[i % sizes.Length] - sizes[(i - count) % sizes.Length];
            peak = Math.Max(peak, sum);
        }
        return peak;
    }

    public void Dispose()
    {
        _workers?.Dispose(); // every run ends with the ring empty: nothing is live
        _workers = null;
        DestroyAllocator();
    }

    /// <summary>The report's table for this scenario (rows: the cross-thread rows).</summary>
    public static string ToMarkdown(List<(Allocator Allocator, string[]? Fields, string? Skipped)> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant(
            $"Producer/consumer, 2 threads: one allocates {Blocks:N0} blocks (sizes uniform in [{CrossThreadWorkload.MinSize}, {CrossThreadWorkload.MaxSize}]), the other frees each after it passed a ring of {ProducerConsumerBenchmarks.Window:N0} blocks; one fresh process per allocator."));
        sb.AppendLine(FormattableString.Invariant(
            $"Live = the most the ring's {ProducerConsumerBenchmarks.Window:N0} blocks plus the one each thread holds can add up to. A third thread samples the growth of the process RSS every {RssEveryMs} ms and the allocator's own count (AllocGen `GetStats().BytesCommitted`: carved pools + large blocks) every {OwnEveryMs} ms over the whole run; the peak of each is divided by live. \"At end\" is after every block was freed, without a trim call."));
        sb.AppendLine();
        sb.AppendLine("| Allocator | Live | Peak own count | Peak own / live | Peak RSS | Peak RSS / live | Own count at end | RSS at end | RSS samples |");
        sb.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var (allocator, fields, skipped) in rows)
        {
            if (fields is null)
            {
                sb.AppendLine($"| {allocator} | skipped: {skipped} | - | - | - | - | - | - | - |");
                continue;
            }
            var v = fields.Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            sb.AppendLine(FormattableString.Invariant(
                $"| {allocator} | {MemoryReport.Bytes(v[0])} | {MemoryReport.Bytes(v[1])} | {MemoryReport.Ratio(v[1], v[0])} | {MemoryReport.Bytes(v[3])} | {MemoryReport.Ratio(v[3], v[0])} | {MemoryReport.Bytes(v[2])} | {MemoryReport.Bytes(v[4])} | {v[5]:N0} |"));
        }
        return sb.ToString();
    }

    private readonly struct BuildAction(ProducerConsumerMemory w, int[] sizes, int window, int rounds) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => w._work = new ProducerConsumerWork<TA, TB, TP>(a, sizes, window, rounds);
    }
}
