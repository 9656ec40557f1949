using AllocGen.Domains;
using AllocGen.Tests.Domains;
using AllocGen.Tracing;
using Xunit;

namespace AllocGen.Tests.Tracing;

/// <summary>The pool heap the recorder wraps in these tests, Locked so that several threads may share it.</summary>
[PoolAllocator(Threading = ThreadPolicy.Locked)]
public sealed partial class TraceTestHeap
{
}

/// <summary>
/// <see cref="RecordingAllocator"/>: forwards every member, records every operation with ids that replay, from
/// several threads at once, and serves a domain.
/// </summary>
public sealed unsafe class RecordingAllocatorTests
{
    private static AllocationTrace Record(IAllocator inner, Action<RecordingAllocator> use)
    {
        var stream = new MemoryStream();
        using (var recorder = new RecordingAllocator(inner, stream, leaveOpen: true))
        {
            use(recorder);
        }

        stream.Position = 0;
        return AllocationTrace.Read(stream);
    }

    [Fact]
    public void RecordsEveryOperationWithSizesAndIds()
    {
        using var heap = new TraceTestHeap();
        AllocationTrace trace = Record(heap, r =>
        {
            var a = (byte*)r.Allocate(24);
            a[0] = 42;
            void* b = r.AllocateZeroed(10, 8);
            void* c = r.AllocateAligned(100, 256);
            Assert.Equal(0, (nint)c % 256);
            a = (byte*)r.Reallocate(a, 2000);  // moves to a large block, keeps its id
            Assert.Equal(42, a[0]);
            void* d = r.Reallocate(null, 5);   // an allocate
            r.Free(null);                      // a no-op, not recorded
            r.Free(b);
            r.Free(a);
            r.Free(c);
            r.Free(d);
            Assert.Equal(0, r.LiveBlocks);
            Assert.Equal(9, r.RecordCount);
        });

        int me = Environment.CurrentManagedThreadId;
        Assert.Equal(
        [
            (TraceOperationKind.Allocate, 1UL, 24UL, 1UL),
            (TraceOperationKind.AllocateZeroed, 2UL, 8UL, 10UL),
            (TraceOperationKind.Allocate, 3UL, 100UL, 1UL),
            (TraceOperationKind.Reallocate, 1UL, 2000UL, 1UL),
            (TraceOperationKind.Allocate, 4UL, 5UL, 1UL),
            (TraceOperationKind.Free, 2UL, 0UL, 1UL),
            (TraceOperationKind.Free, 1UL, 0UL, 1UL),
            (TraceOperationKind.Free, 3UL, 0UL, 1UL),
            (TraceOperationKind.Free, 4UL, 0UL, 1UL),
        ], trace.Operations.Select(op => (op.Kind, op.BlockId, op.Size, op.Count)));
        Assert.All(trace.Operations, op => Assert.Equal(me, op.ThreadId));
        Assert.True(trace.Operations.Zip(trace.Operations.Skip(1)).All(p => p.First.TimestampNanoseconds <= p.Second.TimestampNanoseconds));
        Assert.Equal(80UL + 100 + 2000 + 5, trace.PeakLiveBytes); // a, once resized, with b, c and d
    }

    [Fact]
    public void WithoutTheClockRecordsCarryNoTimestamp()
    {
        using var heap = new TraceTestHeap();
        var stream = new MemoryStream();
        using (var recorder = new RecordingAllocator(heap, stream, leaveOpen: true, timestamps: false))
        {
            recorder.Free(recorder.Allocate(8));
        }

        Assert.Equal(0, stream.GetBuffer()[6]); // header flags: no timestamps
        AllocationTrace trace = AllocationTrace.Read(new MemoryStream(stream.ToArray()));
        Assert.Equal(2, trace.OperationCount);
        Assert.All(trace.Operations, op => Assert.Equal(0, op.TimestampNanoseconds));
    }

    [Fact]
    public void ForwardsTheQueriesAndLeavesTheInnerAllocatorToItsOwner()
    {
        using var heap = new TraceTestHeap();
        var recorder = new RecordingAllocator(heap, Stream.Null);
        void* p = recorder.Allocate(40);
        Assert.True(recorder.Owns(p));
        Assert.Equal(heap.UsableSize(p), recorder.UsableSize(p));
        Assert.Equal(((IAllocator)heap).BlockAlignment, recorder.BlockAlignment);
        Assert.Equal(heap.IsThreadSafe, recorder.IsThreadSafe);
        Assert.Equal(heap.GetStats().BytesInUse, recorder.GetStats().BytesInUse);
        var dump = new StringWriter();
        recorder.DumpStats(dump);
        Assert.NotEmpty(dump.ToString());
        Assert.Same(heap, recorder.Inner);
        recorder.Dispose();

        Assert.Throws<ObjectDisposedException>(() => recorder.Allocate(8));
        Assert.Throws<ObjectDisposedException>(() => recorder.Free(p));
        heap.Free(p); // the heap is not disposed and still serves
        heap.Free(heap.Allocate(8));
    }

    [Fact]
    public void ForeignPointerIsForwardedNotRecorded()
    {
        using var heap = new TraceTestHeap();
        void* before = heap.Allocate(16); // allocated before the recording
        AllocationTrace trace = Record(heap, r =>
        {
            void* moved = r.Reallocate(before, 32); // from the trace's point of view a new block
            r.Free(moved);
            Assert.ThrowsAny<ArgumentException>(() => r.Free((void*)0x1000));
        });
        Assert.Equal([TraceOperationKind.Allocate, TraceOperationKind.Free], trace.Operations.Select(op => op.Kind));
    }

    [Fact]
    public void FlushedTraceIsTruncatedUntilDisposed()
    {
        using var heap = new TraceTestHeap();
        var stream = new MemoryStream();
        var recorder = new RecordingAllocator(heap, stream, leaveOpen: true);
        Assert.Equal(8, stream.Length); // the header is written at once
        recorder.Free(recorder.Allocate(8));
        recorder.Flush();
        TraceFormatException e = Assert.Throws<TraceFormatException>(() => AllocationTrace.Read(new MemoryStream(stream.ToArray())));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        recorder.Dispose();
        recorder.Dispose(); // idempotent
        Assert.Equal(2, AllocationTrace.Read(new MemoryStream(stream.ToArray())).OperationCount);
    }

    [Fact]
    public void WriteFailureDoesNotFailAllocations()
    {
        using var heap = new TraceTestHeap();
        var recorder = new RecordingAllocator(heap, new FailingStream());
        for (int i = 0; i < 10_000; i++)
        {
            recorder.Free(recorder.Allocate(64)); // more than the 64 KiB buffer holds
        }

        Assert.Throws<IOException>(recorder.Flush);
        IOException e = Assert.Throws<IOException>(recorder.Dispose);
        Assert.IsType<IOException>(e.InnerException);
    }

    [Fact]
    public void FourThreadsRecordATraceThatReplays()
    {
        const int Threads = 4;
        const int OperationsPerThread = 5_000;
        using var heap = new TraceTestHeap();
        var threadIds = new int[Threads];
        AllocationTrace trace = Record(heap, r =>
        {
            var workers = new Thread[Threads];
            for (int t = 0; t < Threads; t++)
            {
                int index = t;
                workers[t] = new Thread(() =>
                {
                    threadIds[index] = Environment.CurrentManagedThreadId;
                    var random = new Random(index);
                    var live = new List<nint>();
                    for (int i = 0; i < OperationsPerThread; i++)
                    {
                        int choice = random.Next(10);
                        if (choice < 5 || live.Count == 0)
                        {
                            live.Add((nint)r.Allocate((nuint)random.Next(1, 700)));
                        }
                        else if (choice < 7)
                        {
                            int k = random.Next(live.Count);
                            live[k] = (nint)r.Reallocate((void*)live[k], (nuint)random.Next(1, 700));
                        }
                        else
                        {
                            int k = random.Next(live.Count);
                            r.Free((void*)live[k]);
                            live.RemoveAt(k);
                        }
                    }

                    foreach (nint p in live)
                    {
                        r.Free((void*)p);
                    }
                });
                workers[t].Start();
            }

            foreach (Thread worker in workers)
            {
                Assert.True(worker.Join(TimeSpan.FromSeconds(60)), "a worker did not finish");
            }

            Assert.Equal(0, r.LiveBlocks);
        });

        // Replay accounting, independent of the reader's own check: every id allocated before it is resized or
        // freed, by the thread that holds it, and all freed at the end.
        var owner = new Dictionary<ulong, int>();
        var perThread = new Dictionary<int, int>();
        foreach (TraceOperation op in trace.Operations)
        {
            perThread[op.ThreadId] = perThread.GetValueOrDefault(op.ThreadId) + 1;
            if (op.Kind == TraceOperationKind.Allocate)
            {
                owner.Add(op.BlockId, op.ThreadId);
                continue;
            }

            Assert.True(owner.TryGetValue(op.BlockId, out int thread), $"id {op.BlockId} used before it was allocated");
            Assert.Equal(thread, op.ThreadId);
            if (op.Kind == TraceOperationKind.Free)
            {
                owner.Remove(op.BlockId);
            }
        }

        Assert.Empty(owner);
        Assert.Equal(threadIds.Order(), perThread.Keys.Order());
        Assert.All(perThread.Values, count => Assert.True(count >= OperationsPerThread));
    }

    [Fact]
    public void ServesADomainThroughSetAllocator()
    {
        using var domains = new TestDomains();
        var stream = new MemoryStream();
        void* early = domains.Set.Allocate(AllocDomain.Mem, 40); // the declared heap's block, freed by it
        using var recorder = new RecordingAllocator(domains.Heap, stream, leaveOpen: true);
        domains.Set.SetAllocator(AllocDomain.Mem, recorder);

        void* p = domains.Set.Allocate(AllocDomain.Mem, 100);
        p = domains.Set.Reallocate(AllocDomain.Mem, p, 300);
        void* z = domains.Set.AllocateZeroed(AllocDomain.Mem, 4, 16);
        domains.Set.Free(AllocDomain.Mem, z);
        domains.Set.Free(AllocDomain.Mem, p);
        domains.Set.Free(AllocDomain.Mem, early);
        Assert.Same(recorder, domains.Set.GetAllocator(AllocDomain.Mem));
        recorder.Dispose();

        AllocationTrace trace = AllocationTrace.Read(new MemoryStream(stream.ToArray()));
        Assert.Equal(
            [TraceOperationKind.Allocate, TraceOperationKind.Reallocate, TraceOperationKind.AllocateZeroed, TraceOperationKind.Free, TraceOperationKind.Free],
            trace.Operations.Select(op => op.Kind));
        Assert.Equal(300UL + 64, trace.PeakLiveBytes);
    }

    /// <summary>A stream that takes the first write (the header) and refuses the others, as a disk that fills up would.</summary>
    private sealed class FailingStream : Stream
    {
        private int _writes;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => throw new IOException("disk full");

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_writes++ > 0)
            {
                throw new IOException("disk full");
            }
        }
    }
}
