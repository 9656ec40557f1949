using AllocGen.Pools;
using AllocGen.Stats;
using AllocGen.Tests.Pools;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AllocGen.Tests.Threading;

/// <summary>
/// The stress harness catches what it is there to catch, and says so precisely: a block handed out twice, a block
/// whose bytes changed while it was live (naming whose pattern or what pointer is found there), and a worker's
/// failure, which stops the run and names the thread.
/// </summary>
public sealed unsafe class HarnessSelfTests(ITestOutputHelper output)
{
    private static readonly StressTarget Target = StressTarget.All[0];

    [Fact]
    public void ABlockHandedOutTwiceWhileLiveIsReportedWithBothOwners()
    {
        using var heap = new DuplicatingHeap();
        var ledger = new BlockLedger(heap, Target);
        var first = new StressWorker("alice", 1);
        var second = new StressWorker("bob", 2);
        LiveBlock block = ledger.Allocate(first, 40);

        StressFailure failure = Assert.Throws<StressFailure>(() => ledger.Allocate(second, 40));
        output.WriteLine(failure.Message);
        Assert.Contains("thread 'bob'", failure.Message);
        Assert.Contains($"0x{block.Pointer:X}, which is live", failure.Message);
        Assert.Contains($"block #{block.Id}", failure.Message);
        Assert.Contains("allocated by 'alice'", failure.Message);
        Assert.Contains("handed out twice", failure.Message);
        ledger.Free(first, block);
    }

    [Fact]
    public void AWriteIntoALiveBlockIsReportedWithExpectedAndFoundBytes()
    {
        using var heap = new LockedDefaultHeap();
        var ledger = new BlockLedger(heap, Target);
        var owner = new StressWorker("owner", 1);
        var freer = new StressWorker("freer", 2);
        LiveBlock victim = ledger.Allocate(owner, 100);
        LiveBlock other = ledger.Allocate(owner, 100);

        // Another block's pattern lands in the victim: the report names that block.
        ((ulong*)victim.Pointer)[3] = ((ulong*)other.Pointer)[0];
        StressFailure failure = Assert.Throws<StressFailure>(() => ledger.Free(freer, victim));
        output.WriteLine(failure.Message);
        Assert.Contains("thread 'freer'", failure.Message);
        Assert.Contains($"block #{victim.Id}", failure.Message);
        Assert.Contains("corrupted before Free", failure.Message);
        Assert.Contains("first bad byte 24 of 100 (", failure.Message);
        Assert.Contains("expected ", failure.Message);
        Assert.Contains("found ", failure.Message);
        Assert.Contains($"is the pattern of block #{other.Id}, live", failure.Message);

        // A heap address in a live block (what a free-list link written into it looks like).
        LiveBlock linked = ledger.Allocate(owner, 64);
        *(nint*)linked.Pointer = other.Pointer;
        failure = Assert.Throws<StressFailure>(() => ledger.Verify(freer, linked, "at hop 2"));
        output.WriteLine(failure.Message);
        Assert.Contains("the word at 0,", failure.Message);
        Assert.Contains("points into the heap: a free-list link?", failure.Message);

        // The last bytes past the last whole word are checked too.
        LiveBlock odd = ledger.Allocate(owner, 13);
        ((byte*)odd.Pointer)[12] ^= 0x40;
        failure = Assert.Throws<StressFailure>(() => ledger.Verify(freer, odd, "now"));
        Assert.Contains("first bad byte 12 of 13 (1 differ)", failure.Message);
    }

    [Fact]
    public void AFailingWorkerStopsTheRunAndIsNamed()
    {
        StressTarget duplicating = StressTarget.Custom("duplicating", () => new DuplicatingHeap());
        using var run = new StressRun(duplicating, "self-test", 3, output);
        for (int t = 0; t < 3; t++)
        {
            run.Start($"worker {t}", me =>
            {
                var mine = new List<LiveBlock>();
                for (int i = 0; i < 1_000_000; i++)
                {
                    run.Stopping.ThrowIfCancellationRequested();
                    mine.Add(run.Ledger.Allocate(me, 32));
                    if (mine.Count > 8)
                    {
                        run.Ledger.Free(me, mine[0]);
                        mine.RemoveAt(0);
                    }
                }
            });
        }

        run.Join();
        XunitException failure = Assert.ThrowsAny<XunitException>(run.ThrowIfFailed);
        output.WriteLine(failure.Message);
        Assert.Matches("thread 'worker [0-2]'", failure.Message);
        Assert.Contains("handed out twice", failure.Message);

        // Stopped early, not after their million steps each.
        Assert.True(run.Operations < 1_000_000, $"{run.Operations} operations");
    }

    /// <summary>A heap that hands out a live block again on every second call.</summary>
    private sealed class DuplicatingHeap : IAllocator, IPoolHeapControls
    {
        private readonly LockedDefaultHeap _heap = new();
        private readonly HashSet<nint> _given = [];
        private int _calls;

        public PoolReusePolicy ReusePolicy { get => _heap.ReusePolicy; set => _heap.ReusePolicy = value; }

        public bool IsThreadSafe => true;

        public void* AllocateAligned(nuint size, nuint alignment) => throw new NotSupportedException();

        public void* Allocate(nuint size)
        {
            lock (_given)
            {
                if (++_calls % 2 == 0 && _given.Count > 0)
                {
                    return (void*)_given.First();
                }

                var p = _heap.Allocate(size);
                _given.Add((nint)p);
                return p;
            }
        }

        public void Free(void* pointer)
        {
            lock (_given)
            {
                _given.Remove((nint)pointer);
                _heap.Free(pointer);
            }
        }

        public void* AllocateZeroed(nuint count, nuint size) => throw new NotSupportedException();

        public void* Reallocate(void* pointer, nuint newSize) => throw new NotSupportedException();

        public bool Owns(void* pointer) => _heap.Owns(pointer);

        public nuint UsableSize(void* pointer) => _heap.UsableSize(pointer);

        public AllocatorStats GetStats() => _heap.GetStats();

        public void Trim() => _heap.Trim();

        public void Dispose() => _heap.Dispose();
    }
}
