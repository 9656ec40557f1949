using System.Diagnostics;
using AllocGen.Stats;
using AllocGen.Threading;

namespace AllocGen.Tracing;

/// <summary>
/// An <see cref="IAllocator"/> that forwards every call to an inner allocator and records each allocate, zeroed
/// allocate, reallocate and free (with its size, a block id, a timestamp and the calling thread's id) to a binary
/// trace (docs/trace-format.md) that <see cref="AllocationTrace.Read"/> and <see cref="AllocationTrace.Load(string)"/>
/// read back. It can serve a domain through <c>SetAllocator</c>, like any allocator.
/// </summary>
/// <remarks>
/// <para>
/// <b>Block ids</b> come from a counter, one per block handed out, and stay with a block when it is resized, whether
/// it moves or not. <see cref="IAllocator.AllocateAligned"/> is recorded as an allocate; a reallocate of <c>null</c>
/// as an allocate. A pointer the recorder never handed out (a block allocated before it wrapped the allocator) is
/// forwarded without a record, so the trace stays consistent.
/// </para>
/// <para>
/// <b>Threads.</b> The recorder is exactly as thread-safe as its inner allocator (<see cref="IsThreadSafe"/> is the
/// inner one's). Its own state, the pointer-to-id table and the trace buffer, is guarded by one lock taken once per
/// call, after the inner allocation or before the inner free: so a free is always recorded before the address can
/// be handed out again, and the records are in an order that can be replayed. (So a free the inner allocator
/// rejects for a block the recorder handed out is in the trace all the same; a pointer it never handed out is not.)
/// </para>
/// <para>
/// <b>The trace</b> is written through a 64 KiB buffer. <see cref="Flush"/> writes out what is buffered; the trace is
/// complete, with its end record, only after <see cref="Dispose"/>. A stream that fails to write does not fail the
/// allocations: the recorder stops recording and <see cref="Flush"/> and <see cref="Dispose"/> throw the failure.
/// </para>
/// <para>
/// <b>Ownership.</b> The recorder never disposes the inner allocator (whoever made it does, after the recorder);
/// it closes the trace stream unless it was given <c>leaveOpen</c>.
/// </para>
/// </remarks>
public sealed unsafe class RecordingAllocator : IAllocator
{
    private readonly IAllocator _inner;
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly TraceEncoder _encoder;
    private readonly Dictionary<nuint, ulong> _ids = [];
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly double _nanosecondsPerTick = 1e9 / Stopwatch.Frequency;
    private readonly bool _timestamps;
    private HeapLock _lock;
    private ulong _nextId;
    private Exception? _writeFailure;
    private volatile bool _disposed;

    /// <summary>Records the calls to <paramref name="inner"/> to <paramref name="trace"/>.</summary>
    /// <param name="inner">The allocator that serves the calls; the caller keeps owning it.</param>
    /// <param name="trace">Where the binary trace goes; closed by <see cref="Dispose"/> unless <paramref name="leaveOpen"/>.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves <paramref name="trace"/> open.</param>
    /// <param name="timestamps">Whether records carry a timestamp. Reading the clock is most of what recording costs;
    /// without it every timestamp is 0 and the records are a byte shorter.</param>
    public RecordingAllocator(IAllocator inner, Stream trace, bool leaveOpen = false, bool timestamps = true)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(trace);
        if (!trace.CanWrite)
        {
            throw new ArgumentException("The trace stream must be writable.", nameof(trace));
        }

        _inner = inner;
        _stream = trace;
        _leaveOpen = leaveOpen;
        _timestamps = timestamps;
        _encoder = new TraceEncoder(trace, timestamps);

        // The header goes out at once: a recording that never gets further reads as truncated, not as an empty file.
        _encoder.Drain();
    }

    /// <summary>Records the calls to <paramref name="inner"/> to a new file at <paramref name="path"/> (replaced if it exists).</summary>
    /// <param name="inner">The allocator that serves the calls; the caller keeps owning it.</param>
    /// <param name="path">The trace file.</param>
    /// <param name="timestamps">Whether records carry a timestamp (see the other constructor).</param>
    public RecordingAllocator(IAllocator inner, string path, bool timestamps = true)
        : this(inner ?? throw new ArgumentNullException(nameof(inner)), File.Create(path), leaveOpen: false, timestamps)
    {
    }

    /// <summary>The allocator that serves the calls.</summary>
    public IAllocator Inner => _inner;

    /// <summary>Operations recorded so far.</summary>
    public long RecordCount
    {
        get
        {
            using HeapLock.Held held = _lock.Hold();
            return (long)_encoder.RecordCount;
        }
    }

    /// <summary>Blocks handed out through the recorder and not freed yet.</summary>
    public int LiveBlocks
    {
        get
        {
            using HeapLock.Held held = _lock.Hold();
            return _ids.Count;
        }
    }

    /// <inheritdoc/>
    public bool IsThreadSafe => _inner.IsThreadSafe;

    /// <inheritdoc/>
    public nuint BlockAlignment => _inner.BlockAlignment;

    /// <inheritdoc/>
    public void* Allocate(nuint size)
    {
        ThrowIfDisposed();
        void* block = _inner.Allocate(size);
        RecordNew(block, TraceOperationKind.Allocate, 1, size);
        return block;
    }

    /// <inheritdoc/>
    public void* AllocateAligned(nuint size, nuint alignment)
    {
        ThrowIfDisposed();
        void* block = _inner.AllocateAligned(size, alignment);
        RecordNew(block, TraceOperationKind.Allocate, 1, size);
        return block;
    }

    /// <inheritdoc/>
    public void* AllocateZeroed(nuint count, nuint size)
    {
        ThrowIfDisposed();
        void* block = _inner.AllocateZeroed(count, size);
        RecordNew(block, TraceOperationKind.AllocateZeroed, count, size);
        return block;
    }

    /// <inheritdoc/>
    public void* Reallocate(void* pointer, nuint newSize)
    {
        ThrowIfDisposed();
        if (pointer == null)
        {
            void* fresh = _inner.Reallocate(null, newSize);
            RecordNew(fresh, TraceOperationKind.Allocate, 1, newSize);
            return fresh;
        }

        // The id leaves the table before the inner call: once the block moves, its old address may be handed out
        // to another thread, whose allocate must not find it taken.
        bool known;
        ulong id;
        using (_lock.Hold())
        {
            known = _ids.Remove((nuint)pointer, out id);
        }

        void* moved;
        try
        {
            moved = _inner.Reallocate(pointer, newSize);
        }
        catch when (known)
        {
            using (_lock.Hold())
            {
                _ids[(nuint)pointer] = id; // nothing changed: the block is live where it was
            }

            throw;
        }

        if (!known)
        {
            // A block from before the recording: from the trace's point of view it starts here.
            RecordNew(moved, TraceOperationKind.Allocate, 1, newSize);
            return moved;
        }

        using (_lock.Hold())
        {
            Claim(moved, id);
            Append(TraceOperationKind.Reallocate, id, 1, newSize);
        }

        return moved;
    }

    /// <inheritdoc/>
    public void Free(void* pointer)
    {
        if (pointer == null)
        {
            return;
        }

        ThrowIfDisposed();
        using (_lock.Hold())
        {
            if (_ids.Remove((nuint)pointer, out ulong id))
            {
                Append(TraceOperationKind.Free, id, 1, 0);
            }
        }

        _inner.Free(pointer);
    }

    /// <inheritdoc/>
    public bool Owns(void* pointer)
    {
        ThrowIfDisposed();
        return _inner.Owns(pointer);
    }

    /// <inheritdoc/>
    public nuint UsableSize(void* pointer)
    {
        ThrowIfDisposed();
        return _inner.UsableSize(pointer);
    }

    /// <inheritdoc/>
    public AllocatorStats GetStats()
    {
        ThrowIfDisposed();
        return _inner.GetStats();
    }

    /// <inheritdoc/>
    public void DumpStats(TextWriter writer)
    {
        ThrowIfDisposed();
        _inner.DumpStats(writer);
    }

    /// <summary>
    /// Writes the records buffered so far to the stream and flushes it (the trace gets its end record at
    /// <see cref="Dispose"/>; until then a reader reports it truncated).
    /// </summary>
    /// <exception cref="IOException">The stream failed to take the trace; recording stopped then.</exception>
    public void Flush()
    {
        ThrowIfDisposed();
        using (_lock.Hold())
        {
            if (_writeFailure == null)
            {
                try
                {
                    _encoder.Drain();
                    _stream.Flush();
                }
                catch (Exception e) when (IsWriteFailure(e))
                {
                    _writeFailure = e;
                }
            }
        }

        ThrowIfWriteFailed();
    }

    /// <summary>
    /// Ends the trace (writes its end record and flushes it) and closes the stream unless it was left open. The inner
    /// allocator is not disposed, and its blocks stay live; later calls to the recorder throw
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    /// <exception cref="IOException">The stream failed to take the trace.</exception>
    public void Dispose()
    {
        using (_lock.Hold())
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_writeFailure == null)
            {
                try
                {
                    _encoder.Finish();
                }
                catch (Exception e) when (IsWriteFailure(e))
                {
                    _writeFailure = e;
                }
            }

            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }

        ThrowIfWriteFailed();
    }

    private void RecordNew(void* block, TraceOperationKind kind, nuint count, nuint size)
    {
        using HeapLock.Held held = _lock.Hold();
        ulong id = ++_nextId;
        Claim(block, id);
        Append(kind, id, count, size);
    }

    /// <summary>Gives <paramref name="block"/> its id; an address still in the table was freed behind the recorder's back, which the trace then says.</summary>
    private void Claim(void* block, ulong id)
    {
        if (!_ids.TryAdd((nuint)block, id))
        {
            Append(TraceOperationKind.Free, _ids[(nuint)block], 1, 0);
            _ids[(nuint)block] = id;
        }
    }

    /// <summary>Appends one record; the lock is held.</summary>
    private void Append(TraceOperationKind kind, ulong id, nuint count, nuint size)
    {
        if (_writeFailure != null || _disposed)
        {
            return;
        }

        long nanoseconds = _timestamps ? (long)((Stopwatch.GetTimestamp() - _start) * _nanosecondsPerTick) : 0;
        try
        {
            _encoder.Append(new TraceOperation(kind, id, size, count, nanoseconds, Environment.CurrentManagedThreadId));
        }
        catch (Exception e) when (IsWriteFailure(e))
        {
            _writeFailure = e;
        }
    }

    private static bool IsWriteFailure(Exception e) => e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException;

    private void ThrowIfWriteFailed()
    {
        if (_writeFailure != null)
        {
            throw new IOException("The allocation trace could not be written; recording stopped at the failure.", _writeFailure);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
