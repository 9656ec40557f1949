using System.Runtime.InteropServices;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>The part of a cross-thread workload that one worker runs; <see cref="WorkerThreads.Run"/> runs all of them at once.</summary>
public interface IThreadWork
{
    /// <summary>Runs worker <paramref name="worker"/>'s share (0 is the calling thread).</summary>
    void Run(int worker);

    /// <summary>Another worker failed: leave any wait for the others (throw) instead of spinning forever.</summary>
    void Abort();
}

/// <summary>
/// A fixed set of threads that run one <see cref="IThreadWork"/> together: the calling thread is worker 0 and the
/// helpers (1..n-1) are started once, in the constructor, and then wait for work. So a benchmark's timed call pays
/// a wake-up and a join per invoke (microseconds against milliseconds of work), never a thread start, and every
/// worker stays the same thread across invokes (which a per-thread heap sees as the same thread heap).
/// </summary>
public sealed class WorkerThreads : IDisposable
{
    private readonly Thread[] _helpers;
    private readonly SemaphoreSlim[] _start;
    private readonly SemaphoreSlim[] _done;
    private readonly Exception?[] _failures;
    private IThreadWork? _work;
    private volatile bool _stopping;

    /// <param name="workers">All workers, the calling thread included.</param>
    public WorkerThreads(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var helpers = workers - 1;
        _helpers = new Thread[helpers];
        _start = new SemaphoreSlim[helpers];
        _done = new SemaphoreSlim[helpers];
        _failures = new Exception?[helpers];
        for (var i = 0; i < helpers; i++)
        {
            _start[i] = new SemaphoreSlim(0);
            _done[i] = new SemaphoreSlim(0);
            var index = i;
            _helpers[i] = new Thread(() => HelperLoop(index))
            {
                IsBackground = true, // a hung helper must not keep the benchmark process alive
                Name = $"AllocGen.Benchmarks worker {i + 1}",
            };
            _helpers[i].Start();
        }
    }

    public int Count => _helpers.Length + 1;

    /// <summary>Runs <paramref name="work"/> on every worker and returns when all are done; rethrows the first failure.</summary>
    public void Run(IThreadWork work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _work = work;
        foreach (var start in _start)
            start.Release();
        Exception? failure = null;
        try
        {
            work.Run(0);
        }
        catch (Exception ex)
        {
            failure = ex;
            work.Abort();
        }
        for (var i = 0; i < _helpers.Length; i++)
        {
            _done[i].Wait();
            if (_failures[i] is { } helperFailure)
            {
                _failures[i] = null;
                // The helper's exception is the cause; the caller's is usually the abort it triggered.
                failure = failure is null or OperationCanceledException ? helperFailure : failure;
            }
        }
        _work = null;
        if (failure is not null)
            throw new InvalidOperationException($"a worker of {work.GetType().Name} failed: {failure.Message}", failure);
    }

    private void HelperLoop(int index)
    {
        while (true)
        {
            _start[index].Wait();
            if (_stopping)
                return;
            try
            {
                _work!.Run(index + 1);
            }
            catch (Exception ex)
            {
                _failures[index] = ex;
                _work!.Abort();
            }
            _done[index].Release();
        }
    }

    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        foreach (var start in _start)
            start.Release();
        foreach (var helper in _helpers)
            helper.Join(TimeSpan.FromSeconds(10));
        foreach (var semaphore in _start.Concat(_done))
            semaphore.Dispose();
    }
}

/// <summary>
/// A bounded single-producer/single-consumer ring: one thread pushes, one other thread pops. Each side publishes its
/// index with one release store and caches the other side's index, so in the common case a push or pop touches
/// only its own cache line and the slot. The two index lines are padded apart (no false sharing between them).
/// </summary>
public sealed class SpscRing<T>
{
    private readonly T[] _slots;
    private readonly int _mask;
    private RingSide _producer; // Index = next slot to write (published), Cached = the consumer's index last seen
    private RingSide _consumer; // Index = next slot to read (published), Cached = the producer's index last seen

    /// <param name="capacity">A power of two.</param>
    public SpscRing(int capacity)
    {
        if (capacity < 1 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a power of two");
        _slots = new T[capacity];
        _mask = capacity - 1;
        // Touch every slot now: the ring's pages become resident before any measurement starts, so the memory
        // report's RSS growth is the allocator's, not the ring's.
        _slots.AsSpan().Clear();
    }

    public int Capacity => _slots.Length;

    /// <summary>How many items are in the ring (exact only while neither side is running).</summary>
    public int Count => Volatile.Read(ref _producer.Index) - Volatile.Read(ref _consumer.Index);

    /// <summary>Producer side: adds <paramref name="item"/>, or returns false when the ring is full.</summary>
    public bool TryPush(T item)
    {
        var tail = _producer.Index;
        if (tail - _producer.Cached == _slots.Length)
        {
            _producer.Cached = Volatile.Read(ref _consumer.Index);
            if (tail - _producer.Cached == _slots.Length)
                return false;
        }
        _slots[tail & _mask] = item;
        Volatile.Write(ref _producer.Index, tail + 1);
        return true;
    }

    /// <summary>Consumer side: takes the oldest item, or returns false when the ring is empty.</summary>
    public bool TryPop(out T item) => TryPop(out item, 1);

    /// <summary>
    /// Consumer side: takes the oldest item if at least <paramref name="minimumCount"/> items are in the ring, else
    /// returns false. A consumer that waits for a full ring frees each item exactly a ring's length after it was made.
    /// </summary>
    public bool TryPop(out T item, int minimumCount)
    {
        var head = _consumer.Index;
        if (_consumer.Cached - head < minimumCount)
        {
            _consumer.Cached = Volatile.Read(ref _producer.Index);
            if (_consumer.Cached - head < minimumCount)
            {
                item = default!;
                return false;
            }
        }
        item = _slots[head & _mask];
        Volatile.Write(ref _consumer.Index, head + 1);
        return true;
    }
}

/// <summary>
/// One side of a <see cref="SpscRing{T}"/>: its index and its cache of the other side's, with 64 bytes of padding
/// before and 120 after, so the two sides never share a cache line or an adjacent-line prefetch pair. (Outside the
/// ring: a struct nested in a generic type is generic, and generic types cannot have explicit layout.)
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal struct RingSide
{
    [FieldOffset(64)] public int Index;
    [FieldOffset(68)] public int Cached;
}

/// <summary>What a worker does while it waits for the other one (ring full or empty).</summary>
internal static class Backoff
{
    /// <summary>
    /// Spins, then yields (never sleeps a whole millisecond: on a loaded 2-core machine the other worker may only
    /// need the core back). Throws when the work was aborted because another worker failed.
    /// </summary>
    public static void Wait(ref SpinWait spinner, bool aborted)
    {
        if (aborted)
            throw new OperationCanceledException("another worker failed");
        spinner.SpinOnce(sleep1Threshold: -1);
    }
}
