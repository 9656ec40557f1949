using AllocGen.Benchmarks.Peers;
using BenchmarkDotNet.Attributes;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>
/// What the cross-thread workloads share: two workers (<see cref="WorkerThreads"/>, started once in GlobalSetup),
/// the rows that may be used from several threads at once (<see cref="AllocatorCatalog.IsCrossThreadRow"/>), and
/// one <see cref="IThreadWork"/> built for the row's allocator adapter, so the workers' loops call it directly.
/// </summary>
public abstract class CrossThreadWorkload : WorkloadBase
{
    public const int Workers = 2;

    /// <summary>Request sizes of the cross-thread workloads: uniform in [16, 512] B (xmalloc-test and larson start above the smallest sizes).</summary>
    public const int MinSize = 16;
    public const int MaxSize = 512;

    private WorkerThreads? _workers;

    /// <summary>The work of the timed method, built for the row's allocator in <see cref="SetUpWorkers"/>.</summary>
    protected IThreadWork? Work;

    protected override bool RunsOn(Allocator allocator) => AllocatorCatalog.IsCrossThreadRow(allocator);

    /// <summary>Creates the allocator, starts the helper thread and lets <paramref name="build"/> make the work for the row's adapter.</summary>
    protected void SetUpWorkers<TBuild>(ref TBuild build) where TBuild : struct, IAllocatorAction
    {
        CreateAllocator();
        _workers = new WorkerThreads(Workers);
        Dispatch(ref build);
    }

    protected void RunOnWorkers(IThreadWork work) => _workers!.Run(work);

    /// <summary>Stops the helper thread and releases the allocator (after the subclass freed its blocks).</summary>
    protected void TearDownWorkers()
    {
        _workers?.Dispose();
        _workers = null;
        DestroyAllocator();
    }
}

/// <summary>
/// Producer/consumer (xmalloc-test-like): worker 0 allocates blocks of random sizes and hands each through a bounded
/// single-producer/single-consumer ring of <see cref="Window"/> blocks to worker 1, which frees it. Nearly every free
/// is a free from a thread that did not allocate the block.
/// </summary>
public class ProducerConsumerBenchmarks : CrossThreadWorkload
{
    /// <summary>Blocks per invoke; each is allocated on worker 0 and freed on worker 1.</summary>
    public const int OpsPerInvoke = 65_536;

    /// <summary>The ring's capacity: at most this many blocks (plus the one each worker holds) are live.</summary>
    public const int Window = 16_384;

    [GlobalSetup]
    public void Setup()
    {
        var build = new BuildAction(this, Inputs.UniformSizes(OpsPerInvoke, Inputs.Seed + 30, MinSize, MaxSize));
        SetUpWorkers(ref build);
    }

    /// <summary>Wall time per allocate (worker 0) + free (worker 1) pair, both workers running at once.</summary>
    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void ProducerConsumer() => RunOnWorkers(Work!);

    [GlobalCleanup]
    public void Cleanup() => TearDownWorkers(); // every invoke ends with the ring empty: nothing is live

    private readonly struct BuildAction(ProducerConsumerBenchmarks w, int[] sizes) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => w.Work = new ProducerConsumerWork<TA, TB, TP>(a, sizes, Window, rounds: 1, lag: 1);
    }
}

/// <summary>
/// The producer/consumer workers: worker 0 allocates (and writes one byte), worker 1 frees. With a lag of 1 the consumer
/// frees each block as soon as it arrives (the ring only bounds how far the producer runs ahead: the timed workload);
/// with a lag of the ring's capacity it waits for a full ring, so each block is freed exactly that many blocks after
/// it was allocated and the live set stays at the window whichever thread is faster (the memory report).
/// </summary>
public sealed class ProducerConsumerWork<TA, TB, TP> : IThreadWork
    where TA : struct, IBenchAllocator<TB, TP>
{
    private readonly TA _allocator;
    private readonly int[] _sizes;
    private readonly int _rounds;
    private readonly int _lag;
    private volatile bool _aborted;

    /// <param name="rounds">How many times one run goes through <paramref name="sizes"/> (the memory report runs longer than an invoke).</param>
    /// <param name="lag">How many blocks must be in the ring before the consumer takes one (1 to <paramref name="window"/>).</param>
    public ProducerConsumerWork(TA allocator, int[] sizes, int window, int rounds, int lag)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lag, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lag, window);
        _allocator = allocator;
        _sizes = sizes;
        _rounds = rounds;
        _lag = lag;
        Ring = new SpscRing<TB>(window);
    }

    /// <summary>The hand-over ring; its <see cref="SpscRing{T}.Count"/> is the number of blocks in flight.</summary>
    public SpscRing<TB> Ring { get; }

    /// <summary>Blocks one run allocates and frees.</summary>
    public long Blocks => (long)_sizes.Length * _rounds;

    public void Run(int worker)
    {
        if (worker == 0)
            Produce();
        else if (worker == 1)
            Consume();
    }

    public void Abort() => _aborted = true;

    private void Produce()
    {
        var a = _allocator;
        var ring = Ring;
        var sizes = _sizes;
        for (var round = 0; round < _rounds; round++)
        {
            for (var i = 0; i < sizes.Length; i++)
            {
                var block = a.Allocate(sizes[i]);
                a.Write(block, 0);
                if (ring.TryPush(block))
                    continue;
                var spinner = default(SpinWait);
                do
                    Backoff.Wait(ref spinner, _aborted);
                while (!ring.TryPush(block));
            }
        }
    }

    private void Consume()
    {
        var a = _allocator;
        var ring = Ring;
        var lag = _lag;
        for (var n = Blocks; n > 0; n--)
        {
            // The last blocks of the run come without a full ring behind them.
            var need = n < lag ? (int)n : lag;
            if (!ring.TryPop(out var block, need))
            {
                var spinner = default(SpinWait);
                do
                    Backoff.Wait(ref spinner, _aborted);
                while (!ring.TryPop(out block, need));
            }
            a.Free(block);
        }
    }
}

/// <summary>
/// Larson-like: each of the 2 workers owns a window of <see cref="WindowPerWorker"/> live blocks; each op allocates a
/// block of random size and puts it into a random slot of the window, freeing the block that was there. One block in
/// <see cref="HandOffOneIn"/> is handed to the other worker instead (through a ring), which puts it into its own
/// window: so those blocks are freed by the thread that did not allocate them, and each window holds blocks of both.
/// </summary>
public class LarsonBenchmarks : CrossThreadWorkload
{
    public const int OpsPerWorker = 32_768;

    /// <summary>Allocate+free pairs per invoke, both workers together.</summary>
    public const int OpsPerInvoke = Workers * OpsPerWorker;

    public const int WindowPerWorker = 4_096;
    public const int HandOffOneIn = 8;

    /// <summary>Capacity of each worker's inbox; a hand-off that finds it full stays with its own worker.</summary>
    public const int InboxCapacity = 1_024;

    private LarsonWork? _larson;

    [GlobalSetup]
    public void Setup()
    {
        var build = new BuildAction(this);
        SetUpWorkers(ref build);
        _larson = (LarsonWork)Work!;
        _larson.Phase = LarsonPhase.Fill; // each worker fills its own window, from its own thread
        RunOnWorkers(_larson);
        _larson.Phase = LarsonPhase.Churn;
    }

    /// <summary>Wall time per allocate+free pair, counting both workers' pairs (2 × 32,768 per invoke).</summary>
    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void Larson() => RunOnWorkers(Work!);

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_larson is not null)
        {
            _larson.Phase = LarsonPhase.Drain;
            RunOnWorkers(_larson);
            _larson = null;
        }
        TearDownWorkers();
    }

    private readonly struct BuildAction(LarsonBenchmarks w) : IAllocatorAction
    {
        public void Run<TA, TB, TP>(ref TA a) where TA : struct, IBenchAllocator<TB, TP>
            => w.Work = new LarsonWork<TA, TB, TP>(a);
    }
}

public enum LarsonPhase
{
    /// <summary>Each worker allocates its window (untimed setup).</summary>
    Fill,

    /// <summary>The timed ops.</summary>
    Churn,

    /// <summary>Each worker frees its window and its inbox (untimed cleanup).</summary>
    Drain,
}

/// <summary>The non-generic face of <see cref="LarsonWork{TA, TB, TP}"/>, so the workload can switch its phase.</summary>
public abstract class LarsonWork : IThreadWork
{
    public LarsonPhase Phase { get; set; }

    public abstract void Run(int worker);

    public abstract void Abort();
}

/// <summary>The larson-like workers (see <see cref="LarsonBenchmarks"/>); all random streams are per worker and precomputed.</summary>
public sealed class LarsonWork<TA, TB, TP> : LarsonWork
    where TA : struct, IBenchAllocator<TB, TP>
{
    private readonly TA _allocator;
    private readonly TB[][] _windows = new TB[CrossThreadWorkload.Workers][];
    private readonly SpscRing<TB>[] _inboxes = new SpscRing<TB>[CrossThreadWorkload.Workers];
    private readonly int[][] _sizes = new int[CrossThreadWorkload.Workers][];
    private readonly int[][] _slots = new int[CrossThreadWorkload.Workers][];
    private readonly bool[][] _handOff = new bool[CrossThreadWorkload.Workers][];
    private readonly int[][] _receiveSlots = new int[CrossThreadWorkload.Workers][];
    private readonly int[] _receiveCursor = new int[CrossThreadWorkload.Workers];

    public LarsonWork(TA allocator)
    {
        _allocator = allocator;
        for (var w = 0; w < CrossThreadWorkload.Workers; w++)
        {
            var seed = Inputs.Seed + 40 + (10 * w);
            _windows[w] = new TB[LarsonBenchmarks.WindowPerWorker];
            _inboxes[w] = new SpscRing<TB>(LarsonBenchmarks.InboxCapacity);
            _sizes[w] = Inputs.UniformSizes(LarsonBenchmarks.OpsPerWorker, seed, CrossThreadWorkload.MinSize, CrossThreadWorkload.MaxSize);
            _slots[w] = Inputs.Indices(LarsonBenchmarks.OpsPerWorker, LarsonBenchmarks.WindowPerWorker, seed + 1);
            _receiveSlots[w] = Inputs.Indices(LarsonBenchmarks.OpsPerWorker, LarsonBenchmarks.WindowPerWorker, seed + 2);
            var handOff = Inputs.Indices(LarsonBenchmarks.OpsPerWorker, LarsonBenchmarks.HandOffOneIn, seed + 3);
            _handOff[w] = [.. handOff.Select(x => x == 0)];
        }
    }

    public override void Abort() { } // no worker ever waits for the other: a full inbox keeps the block at home

    public override void Run(int worker)
    {
        switch (Phase)
        {
            case LarsonPhase.Fill:
                Fill(worker);
                break;
            case LarsonPhase.Churn:
                Churn(worker);
                break;
            case LarsonPhase.Drain:
                Drain(worker);
                break;
        }
    }

    private void Fill(int worker)
    {
        var a = _allocator;
        var window = _windows[worker];
        var sizes = _sizes[worker];
        for (var i = 0; i < window.Length; i++)
        {
            window[i] = a.Allocate(sizes[i % sizes.Length]);
            a.Write(window[i], 0);
        }
    }

    private void Churn(int worker)
    {
        var a = _allocator;
        var window = _windows[worker];
        var inbox = _inboxes[worker];
        var outbox = _inboxes[1 - worker];
        var sizes = _sizes[worker];
        var slots = _slots[worker];
        var handOff = _handOff[worker];
        var receiveSlots = _receiveSlots[worker];
        var cursor = _receiveCursor[worker];
        for (var i = 0; i < sizes.Length; i++)
        {
            var block = a.Allocate(sizes[i]);
            a.Write(block, 0);
            if (!handOff[i] || !outbox.TryPush(block))
            {
                ref var slot = ref window[slots[i]];
                var victim = slot;
                slot = block;
                a.Free(victim);
            }
            while (inbox.TryPop(out var received))
            {
                ref var slot = ref window[receiveSlots[cursor]];
                if (++cursor == receiveSlots.Length)
                    cursor = 0;
                var victim = slot;
                slot = received;
                a.Free(victim);
            }
        }
        _receiveCursor[worker] = cursor;
    }

    private void Drain(int worker)
    {
        var a = _allocator;
        var window = _windows[worker];
        for (var i = 0; i < window.Length; i++)
        {
            a.Free(window[i]);
            window[i] = default!;
        }
        // Nobody pushes during this phase; what the other worker handed over at the end of the last invoke is here.
        while (_inboxes[worker].TryPop(out var received))
            a.Free(received);
    }
}
