using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using AllocGen.Stats;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace AllocGen.Tests.Threading;

/// <summary>
/// CsCheck's linearizability check: random Allocate / Free / UsableSize operations run in parallel on a heap that
/// already holds a few blocks; the end state (the sizes of the live blocks, the heap's per-class counts) must equal
/// that of some sequential order of the same operations, and every block must keep its contents throughout. CsCheck
/// shrinks a failure to the shortest sequence that shows it.
/// </summary>
[Collection(ThreadStressCollection.Name)]
public sealed class LinearizabilityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Heaps()
    {
        var data = new TheoryData<string>();
        // One geometry per policy: the check runs hundreds of short parallel scenarios, each on new threads.
        foreach (StressTarget target in StressTarget.All.Where(t => t.HasSmallArenas))
        {
            data.Add(target.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Heaps))]
    public void AllocateFreeAndUsableSizeAreLinearizable(string heap)
    {
        StressTarget target = StressTarget.Named(heap);
        var created = new ConcurrentBag<SharedHeap>();
        Gen<nuint> size = Gen.Frequency(
            (9, Gen.Int[1, target.Threshold].Select(s => (nuint)s)),
            (1, Gen.Int[target.Threshold + 1, target.Threshold + 4096].Select(s => (nuint)s)));
        try
        {
            size.Array[0, 6]
                .Select(sizes =>
                {
                    var state = new SharedHeap(target);
                    created.Add(state);
                    foreach (nuint s in sizes)
                    {
                        state.Allocate(s);
                    }

                    return state;
                })
                .SampleParallel(
                    size.Operation<SharedHeap>(s => $"Allocate({s})", (h, s) => h.Allocate(s)),
                    Gen.Operation<SharedHeap>("Free(oldest)", h => h.FreeOldest()),
                    Gen.Operation<SharedHeap>("UsableSize(oldest)", h => h.CheckOldest()),
                    equal: SharedHeap.SameState,
                    print: h => h.ToString(),
                    iter: 60,
                    threads: 1,
                    maxParallelOperations: 4,
                    writeLine: output.WriteLine);
        }
        finally
        {
            foreach (SharedHeap state in created)
            {
                state.Dispose();
            }
        }
    }

    /// <summary>
    /// A heap and its live blocks in allocation order. Each operation takes effect at one step on the queue (its
    /// linearization point): Allocate when it queues the new block, Free when it takes the oldest out, UsableSize when
    /// it looks at the oldest. The gate only keeps a Free from taking the block UsableSize is looking at; the heap
    /// calls of Allocate and Free run outside it, concurrently with everything. A block's pattern and usable size are
    /// checked whenever it is looked at or freed.
    /// </summary>
    private sealed unsafe class SharedHeap(StressTarget target) : IDisposable
    {
        private readonly IAllocator _heap = target.Create();
        private readonly ConcurrentQueue<(nint Pointer, nuint Size, byte Fill)> _live = new();
        private readonly Lock _gate = new();
        private int _fills;

        public void Allocate(nuint size)
        {
            var p = (byte*)_heap.Allocate(size);
            byte fill = (byte)Interlocked.Increment(ref _fills);
            new Span<byte>(p, (int)size).Fill(fill);
            _live.Enqueue(((nint)p, size, fill));
        }

        public void FreeOldest()
        {
            (nint Pointer, nuint Size, byte Fill) block;
            lock (_gate)
            {
                if (!_live.TryDequeue(out block))
                {
                    return;
                }
            }

            Check(block);
            _heap.Free((void*)block.Pointer);
        }

        public void CheckOldest()
        {
            lock (_gate)
            {
                if (_live.TryPeek(out var block))
                {
                    Check(block);
                }
            }
        }

        /// <summary>Same live sizes, same counts; and each heap's counts agree with its own blocks.</summary>
        public static bool SameState(SharedHeap actual, SharedHeap expected)
        {
            actual.CheckConsistent();
            expected.CheckConsistent();
            return actual.Sizes().SequenceEqual(expected.Sizes());
        }

        public void Dispose() => _heap.Dispose();

        public override string ToString() => $"live sizes [{string.Join(", ", Sizes())}]";

        private IEnumerable<nuint> Sizes() => _live.Select(b => b.Size).Order();

        private void Check((nint Pointer, nuint Size, byte Fill) block)
        {
            int bad = new ReadOnlySpan<byte>((void*)block.Pointer, (int)block.Size).IndexOfAnyExcept(block.Fill);
            if (bad >= 0)
            {
                throw new InvalidOperationException($"block 0x{block.Pointer:X} ({block.Size} bytes) corrupted at byte {bad}: 0x{((byte*)block.Pointer)[bad]:X2}, expected 0x{block.Fill:X2}");
            }

            nuint usable = _heap.UsableSize((void*)block.Pointer);
            if (usable < block.Size || (block.Size > (nuint)target.Threshold && usable != block.Size))
            {
                throw new InvalidOperationException($"UsableSize(0x{block.Pointer:X}) = {usable} for a block of {block.Size} bytes");
            }
        }

        private void CheckConsistent()
        {
            AllocatorStats stats = _heap.GetStats();
            long large = _live.Count(b => b.Size > (nuint)target.Threshold);
            if (stats.BlocksInUse != _live.Count || stats.LargeBlocks != large)
            {
                throw new InvalidOperationException(
                    $"{_live.Count} live blocks ({large} large), but the heap counts {stats.BlocksInUse} in use ({stats.LargeBlocks} large)");
            }

            foreach (var block in _live)
            {
                Check(block);
            }
        }
    }
}
