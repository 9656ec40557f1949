using System.Collections.Concurrent;
using System.Diagnostics;
using AllocGen.Stats;
using Xunit;
using Xunit.Abstractions;

namespace AllocGen.Tests.Threading;

/// <summary>One thread of a workload (or the test thread itself): its name, its random stream, what it did.</summary>
internal sealed class StressWorker(string name, int seed)
{
    private string _call = "nothing yet";
    private LiveBlock? _block;
    private nuint _size;

    public string Name { get; } = name;

    public Random Random { get; } = new(seed);

    public long Allocations { get; set; }

    public long Frees { get; set; }

    /// <summary>Frees (and moving reallocations) of blocks another worker allocated.</summary>
    public long CrossThreadFrees { get; set; }

    public long Reallocations { get; set; }

    public long Operations => Allocations + Frees + Reallocations;

    public Thread? Thread { get; set; }

    /// <summary>The call in progress or made last, for a report on a thread that hangs or throws.</summary>
    public string LastCall => (_block, _size) switch
    {
        (null, 0) => _call,
        (null, _) => $"{_call}({_size})",
        (_, 0) => $"{_call}({_block})",
        _ => $"{_call}({_block}, {_size})",
    };

    public void Doing(string call, LiveBlock? block, nuint size)
    {
        _call = call;
        _block = block;
        _size = size;
    }

    public override string ToString() => Name;
}

/// <summary>
/// Runs one workload: the heap under test, the ledger of its live blocks, the worker threads, and their failures.
/// A worker that throws stops the others (through <see cref="Stopping"/>) so the test fails fast with the first
/// failure's story; a worker that does not finish in <see cref="JoinLimit"/> is reported with the call it was in.
/// The limits guard against hangs only: every workload is a fixed amount of work that takes well under a second per
/// thread on an idle machine.
/// </summary>
internal sealed class StressRun : IDisposable
{
    /// <summary>The longest a worker waits for a hand-off (a full or empty queue) before it reports a stall.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    /// <summary>The longest the test waits for all workers of a run to finish.</summary>
    public static readonly TimeSpan JoinLimit = TimeSpan.FromSeconds(20);

    private readonly ConcurrentQueue<string> _failures = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<StressWorker> _workers = [];
    private readonly ITestOutputHelper _output;
    private readonly string _title;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly int _seed;
    private bool _allJoined = true;

    public StressRun(StressTarget target, string workload, int threads, ITestOutputHelper output, int seed = 16)
    {
        Target = target;
        Heap = target.Create();
        Ledger = new BlockLedger(Heap, target);
        Main = new StressWorker("test thread", seed);
        _output = output;
        _seed = seed;
        _title = $"{workload} on {threads} threads, {target.Name}";
    }

    public StressTarget Target { get; }

    public IAllocator Heap { get; }

    public BlockLedger Ledger { get; }

    /// <summary>The test thread as a worker, for the calls it makes itself.</summary>
    public StressWorker Main { get; }

    public CancellationToken Stopping => _stop.Token;

    public long Operations => _workers.Sum(w => w.Operations) + Main.Operations;

    public long Frees => _workers.Sum(w => w.Frees + w.Reallocations) + Main.Frees + Main.Reallocations;

    public long CrossThreadFrees => _workers.Sum(w => w.CrossThreadFrees) + Main.CrossThreadFrees;

    public StressWorker Start(string name, Action<StressWorker> body)
    {
        var worker = new StressWorker(name, (_seed * 1000) + _workers.Count + 1);
        worker.Thread = new Thread(() => Run(worker, body)) { IsBackground = true, Name = name };
        _workers.Add(worker);
        worker.Thread.Start();
        return worker;
    }

    /// <summary>Waits for the given workers (all by default) to finish; a worker past the limit is a failure.</summary>
    public void Join(IEnumerable<StressWorker>? workers = null)
    {
        DateTime deadline = DateTime.UtcNow + JoinLimit;
        foreach (StressWorker worker in (workers ?? _workers).ToList())
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (!worker.Thread!.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                _allJoined = false;
                _failures.Enqueue(
                    $"thread '{worker.Name}' still running {JoinLimit.TotalSeconds:0} s after the join started, in {worker.LastCall} after {worker.Operations} operations");
                _stop.Cancel();
            }
        }
    }

    /// <summary>Fails the test with every worker failure (the first one is the cause, later ones mostly echoes).</summary>
    public void ThrowIfFailed()
    {
        if (!_failures.IsEmpty)
        {
            string[] all = _failures.ToArray();
            Assert.Fail($"{_title}: {all.Length} failure(s):{Environment.NewLine}" + string.Join(Environment.NewLine, all.Take(6)));
        }
    }

    /// <summary>Calls a worker body on the test thread with the same failure handling as a worker thread.</summary>
    public void OnTestThread(Action<StressWorker> body)
    {
        Run(Main, body);
        ThrowIfFailed();
    }

    /// <summary>
    /// After every block was freed: the ledger is empty, and the heap's statistics, read on the test thread (a live
    /// thread, which adopts the heaps of exited ones), show no block in use and at most one idle arena per live
    /// thread heap.
    /// </summary>
    public AllocatorStats AssertEverythingFreed(int liveThreadHeaps, string when) => AssertEverythingFreed(Ledger, liveThreadHeaps, when);

    /// <summary>
    /// No block in use, while some owners are idle: blocks other threads freed to a live owner that has not taken
    /// them back yet are not in use, but their pools (and arenas) stay the owner's until it next allocates from an
    /// exhausted class, or calls GetStats or Trim itself (see the README's Threads section).
    /// </summary>
    public AllocatorStats AssertNoBlockInUse(string when)
    {
        ThrowIfFailed();
        Assert.True(Ledger.LiveCount == 0, $"{_title}: harness error: {Ledger.LiveCount} blocks still in the ledger {when}");
        AllocatorStats stats = Ledger.Heap.GetStats();
        Assert.True(
            stats.BlocksInUse == 0 && stats.LargeBytes == 0,
            $"{_title}, {when}, every block freed: {stats.BlocksInUse} blocks in use, {stats.LargeBytes} large bytes{Environment.NewLine}{stats}");
        return stats;
    }

    /// <summary>The same for another heap of the run (its own ledger).</summary>
    public AllocatorStats AssertEverythingFreed(BlockLedger ledger, int liveThreadHeaps, string when)
    {
        ThrowIfFailed();
        Assert.True(ledger.LiveCount == 0, $"{_title}: harness error: {ledger.LiveCount} blocks still in the ledger {when}");
        AllocatorStats stats = ledger.Heap.GetStats();

        // Every rule that fails, not just the first: together they tell where the memory went.
        var problems = new List<string>();
        if (stats.BlocksInUse != 0)
        {
            problems.Add($"expected 0 blocks in use, found {stats.BlocksInUse} ("
                + string.Join(", ", stats.SizeClasses.Where(c => c.BlocksInUse != 0).Select(c => $"class {c.Index} ({c.BlockSize} B): {c.BlocksInUse}"))
                + (stats.LargeBlocks != 0 ? $"; {stats.LargeBlocks} large" : string.Empty) + ")");
        }

        if (stats.PoolsInUse != 0)
        {
            problems.Add($"expected no pool in use, found {stats.PoolsInUse}");
        }

        if (stats.LargeBytes != 0)
        {
            problems.Add($"expected no large bytes, found {stats.LargeBytes}");
        }

        long maxArenas = Target.MaxIdleArenas(liveThreadHeaps);
        if (stats.ArenasCurrent > maxArenas)
        {
            problems.Add($"expected at most {maxArenas} idle arena(s) ({liveThreadHeaps} live thread heap(s), {Target.Policy}), found {stats.ArenasCurrent}");
        }

        if (stats.ArenasAllocated - stats.ArenasReleased != stats.ArenasCurrent)
        {
            problems.Add($"{stats.ArenasAllocated} arenas allocated - {stats.ArenasReleased} released != {stats.ArenasCurrent} current");
        }

        Assert.True(
            problems.Count == 0,
            $"{_title}, {when}, every block freed: {string.Join("; ", problems)}{Environment.NewLine}{stats}");
        return stats;
    }

    /// <summary>Writes what the run did: operations, how many frees crossed threads, and how long it took.</summary>
    public void Report(string extra = "")
    {
        _output.WriteLine(
            $"{_title}: {Operations:N0} operations ({Ledger.Allocated:N0} blocks, {CrossThreadFrees:N0} of {Frees:N0} frees on another thread){extra} in {_clock.ElapsedMilliseconds} ms");
    }

    public void Dispose()
    {
        // When the test failed before joining its workers, they are stopped and waited for (bounded) here: a worker
        // that fails after the cancellation source is gone would crash the test host, which then reports only the
        // tests that had finished. A worker still inside the heap would touch freed memory: then the heap, and the
        // source it may still cancel, are left to leak.
        _stop.Cancel();
        Join();
        if (_allJoined)
        {
            Heap.Dispose();
            _stop.Dispose();
        }
    }

    private void Run(StressWorker worker, Action<StressWorker> body)
    {
        try
        {
            body(worker);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Another worker failed first and stopped this one.
        }
        catch (StressFailure failure)
        {
            _failures.Enqueue(failure.Message);
            _stop.Cancel();
        }
        catch (Exception e)
        {
            _failures.Enqueue($"thread '{worker.Name}' threw in {worker.LastCall} after {worker.Operations} operations: {e}");
            _stop.Cancel();
        }
    }
}
