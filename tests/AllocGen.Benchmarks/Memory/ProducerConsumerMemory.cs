using System.Globalization;
using System.Text;
using AllocGen.Benchmarks.Peers;
using AllocGen.Benchmarks.Workloads;

namespace AllocGen.Benchmarks.Memory;

/// <summary>
/// The memory report's cross-thread scenario: the producer/consumer workload (<see cref="ProducerConsumerBenchmarks"/>:
/// worker 0 allocates, worker 1 frees, at most a ring of <see cref="ProducerConsumerBenchmarks.Window"/> blocks live)
/// run for <see cref="Blocks"/> blocks with the consumer waiting for a full ring, so that each block is freed exactly
/// <see cref="ProducerConsumerBenchmarks.Window"/> blocks after it was allocated and the live set stays at the window
/// whichever thread is faster, while a third thread samples the process RSS and the allocator's own count
/// (AllocGen <c>GetStats().BytesCommitted</c>) over the whole run. What piles up when one thread frees what another
/// allocates (mimalloc issue 1364) shows as a peak far above the live bytes.
/// </summary>
internal sealed class ProducerConsumerMemory : WorkloadBase, IDisposable
{
    /// <summary>Blocks allocated and freed over the run: 64 times the benchmark's invoke.</summary>
    public const int Rounds = 64;
    public const long Blocks = (long)Rounds * ProducerConsumerBenchmarks.OpsPerInvoke;

    /// <summary>
    /// How often the sampler reads the RSS (/proc/self/statm: no managed allocation). Where Linux lets the process
    /// reset its RSS high-water mark (/proc/self/clear_refs), that mark gives the peak instead; the samples remain
    /// as a floor.
    /// </summary>
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
        // The sampler runs from before the warm-up, so its thread, its code and (for a PerThread heap) its empty
        // thread heap are in the baseline, as are both workers'.
        using var sampler = new Sampler(this);

        // JIT the loops, and let both workers meet the allocator, on a tiny ring (few pools touched).
        Build(sizes[..4096], window: 64, rounds: 4);
        for (var i = 0; i < 16; i++)
            _workers.Run(_work!);
        Build(sizes, ProducerConsumerBenchmarks.Window, Rounds);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var kernelPeak = MemoryReport.ResetPeakResident();
        var rssBefore = MemoryReport.ResidentBytes();
        sampler.Begin(rssBefore);
        _workers.Run(_work!);
        var (peakRss, peakOwn, samples) = sampler.End();

        var rssEnd = MemoryReport.ResidentBytes() - rssBefore;
        // The kernel's high-water mark sees every peak; the samples only those the sampler was scheduled for (two
        // spinning workers on a shared 2-core machine can starve it).
        var highWater = kernelPeak ? MemoryReport.PeakResidentBytes() : -1;
        peakRss = Math.Max(Math.Max(peakRss, rssEnd), highWater >= 0 ? highWater - rssBefore : 0);
        var ownEnd = OwnCounters().Reserved;
        var peakLive = PeakLiveBytes(sizes, ProducerConsumerBenchmarks.Window + 2);
        return [peakLive, peakOwn, ownEnd, rssBefore < 0 ? -1 : peakRss, rssBefore < 0 ? -1 : rssEnd, samples];
    }

    /// <summary>
    /// A thread that reads the RSS every <see cref="RssEveryMs"/> ms and the allocator's own count every
    /// <see cref="OwnEveryMs"/> ms, from construction on; only the samples between <see cref="Begin"/> and
    /// <see cref="End"/> count.
    /// </summary>
    private sealed class Sampler : IDisposable
    {
        private readonly ProducerConsumerMemory _scenario;
        private readonly Thread _thread;
        private volatile bool _stop;
        private volatile bool _counting;
        private long _rssBefore;
        private long _peakRss, _peakOwn = -1, _samples;

        public Sampler(ProducerConsumerMemory scenario)
        {
            _scenario = scenario;
            _thread = new Thread(Loop) { IsBackground = true, Name = "AllocGen.Benchmarks memory sampler" };
            _thread.Start();
        }

        public void Begin(long rssBefore)
        {
            _rssBefore = rssBefore;
            _counting = true; // volatile write: the baseline is visible to the sampler before it counts
        }

        public (long PeakRss, long PeakOwn, long Samples) End()
        {
            _counting = false;
            Dispose();
            return (_peakRss, _peakOwn, _samples);
        }

        private void Loop()
        {
            var sinceOwn = OwnEveryMs;
            while (!_stop)
            {
                var rss = MemoryReport.ResidentBytes();
                long own = -1;
                if ((sinceOwn += RssEveryMs) >= OwnEveryMs)
                {
                    own = _scenario.OwnCounters().Reserved;
                    sinceOwn = 0;
                }
                if (_counting)
                {
                    _peakRss = Math.Max(_peakRss, rss - _rssBefore);
                    _peakOwn = Math.Max(_peakOwn, own);
                    _samples++;
                }
                Thread.Sleep(RssEveryMs);
            }
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join(); // after it, the peaks the sampler wrote are visible here
        }
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

    /// <summary>Fresh processes per allocator; the table gives the median of each column and the range of the RSS peak.</summary>
    public const int Runs = 5;

    /// <summary>The report's table for this scenario (rows: the cross-thread rows; each with the fields of its runs).</summary>
    public static string ToMarkdown(List<(Allocator Allocator, List<long[]> Runs, string? Skipped)> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant(
            $"Producer/consumer, 2 threads: one allocates {Blocks:N0} blocks (sizes uniform in [{CrossThreadWorkload.MinSize}, {CrossThreadWorkload.MaxSize}]), the other frees each one when {ProducerConsumerBenchmarks.Window:N0} more have been allocated after it (it waits for a full ring), so the live set stays at that window whichever thread is faster; {Runs} fresh processes per allocator, the median of each column."));
        sb.AppendLine(FormattableString.Invariant(
            $"Live = the most {ProducerConsumerBenchmarks.Window:N0} consecutive blocks plus the one each thread holds add up to. Peak RSS = the growth of the process's RSS high-water mark (VmHWM, reset at the start of the run; samples every {RssEveryMs} ms where it cannot be reset). A third thread samples the allocator's own count (AllocGen `GetStats().BytesCommitted`: carved pools + large blocks) every {OwnEveryMs} ms over the whole run. Both peaks are divided by live. \"At end\" is after every block was freed, without a trim call. Pages given back with `MADV_FREE` (glibc, mimalloc, jemalloc; AllocGen's released arenas after their decay) stay in the RSS until the kernel needs them."));
        sb.AppendLine();
        sb.AppendLine("| Allocator | Live | Peak own count | Peak own / live | Peak RSS | Peak RSS / live | Peak RSS, min-max of runs | Own count at end | RSS at end |");
        sb.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var (allocator, runs, skipped) in rows)
        {
            if (skipped is not null || runs.Count == 0)
            {
                sb.AppendLine($"| {allocator} | skipped: {skipped} | - | - | - | - | - | - | - |");
                continue;
            }
            long Median(int field)
            {
                var values = runs.Select(r => r[field]).Order().ToList();
                return values[values.Count / 2];
            }
            var (live, peakOwn, ownEnd, peakRss, rssEnd) = (Median(0), Median(1), Median(2), Median(3), Median(4));
            var range = $"{MemoryReport.Bytes(runs.Min(r => r[3]))} - {MemoryReport.Bytes(runs.Max(r => r[3]))}";
            sb.AppendLine(
                $"| {allocator} | {MemoryReport.Bytes(live)} | {MemoryReport.Bytes(peakOwn)} | {MemoryReport.Ratio(peakOwn, live)} | {MemoryReport.Bytes(peakRss)} | {MemoryReport.Ratio(peakRss, live)} | {range} | {MemoryReport.Bytes(ownEnd)} | {MemoryReport.Bytes(rssEnd)} |");
        }
        return sb.ToString();
    }

    private readonly struct BuildAction(ProducerConsumerMemory w, int[] sizes, int window, int rounds) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => w._work = new ProducerConsumerWork<TA, TB, TP>(a, sizes, window, rounds, lag: window);
    }
}
