using System.Collections.Concurrent;
using AllocGen.Pools;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Threading;

/// <summary>
/// Dispose while other threads that used the heap are parked (alive, between calls) or have exited; then every
/// member, called from any thread, whether it used the heap before or not, throws ObjectDisposedException.
/// </summary>
[Collection(ThreadStressCollection.Name)]
public sealed unsafe class DisposeAcrossThreadsTests
{
    private const int ParkedThreads = 3;
    private const int FinishedThreads = 2;

    public static TheoryData<string, bool> Heaps()
    {
        var data = new TheoryData<string, bool>();
        foreach (StressTarget target in StressTarget.All)
        {
            data.Add(target.Name, false);
            data.Add(target.Name, true);
        }

        return data;
    }

    /// <param name="heap">The target's name.</param>
    /// <param name="disposeOnWorker">Dispose on a worker thread that did not create the heap, rather than on the test thread.</param>
    [Theory]
    [MemberData(nameof(Heaps))]
    public void EveryMemberThrowsOnEveryThreadAfterDispose(string heap, bool disposeOnWorker)
    {
        StressTarget target = StressTarget.Named(heap);
        IAllocator allocator = target.Create();
        var failures = new ConcurrentQueue<string>();
        var threads = new List<Thread>();
        using var ready = new CountdownEvent(ParkedThreads + (disposeOnWorker ? 1 : 0));
        using var disposed = new ManualResetEventSlim();

        // Blocks that stay live across Dispose: each thread's, and those of the threads that exited before it.
        var blocksOfExited = new ConcurrentBag<(nint Small, nint Large)>();
        for (int t = 0; t < FinishedThreads; t++)
        {
            threads.Add(Begin($"finished {t}", () => blocksOfExited.Add(AllocateSome(allocator, target))));
        }

        foreach (Thread finished in threads)
        {
            Assert.True(finished.Join(StressRun.JoinLimit), $"{finished.Name} did not finish");
        }

        (nint Small, nint Large) testThreadBlocks = AllocateSome(allocator, target);
        for (int t = 0; t < ParkedThreads; t++)
        {
            string name = $"parked {t}";
            threads.Add(Begin(name, () =>
            {
                (nint small, nint large) = AllocateSome(allocator, target);
                ready.Signal();
                if (!disposed.Wait(StressRun.JoinLimit))
                {
                    failures.Enqueue($"{name}: never told that the heap was disposed");
                    return;
                }

                CheckEveryMemberThrows(allocator, target, small, large, name, failures);
            }));
        }

        if (disposeOnWorker)
        {
            threads.Add(Begin("disposer", () =>
            {
                ready.Signal();
                Assert.True(ready.Wait(StressRun.JoinLimit));
                allocator.Dispose();
                disposed.Set();
            }));
        }

        Assert.True(ready.Wait(StressRun.JoinLimit), "the workers did not get ready");
        if (!disposeOnWorker)
        {
            allocator.Dispose();
            disposed.Set();
        }

        Assert.True(disposed.Wait(StressRun.JoinLimit), "the heap was not disposed");
        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(StressRun.JoinLimit), $"{thread.Name} did not finish");
        }

        // The test thread used the heap before; a new thread never did.
        CheckEveryMemberThrows(allocator, target, testThreadBlocks.Small, testThreadBlocks.Large, "test thread", failures);
        foreach ((nint small, nint large) in blocksOfExited)
        {
            Thread late = Begin("new thread", () => CheckEveryMemberThrows(allocator, target, small, large, "new thread, blocks of an exited thread", failures));
            Assert.True(late.Join(StressRun.JoinLimit), "the new thread did not finish");
        }

        // A second Dispose, from yet another thread, does nothing.
        Thread again = Begin("second disposer", allocator.Dispose);
        Assert.True(again.Join(StressRun.JoinLimit), "the second Dispose did not return");

        Assert.True(failures.IsEmpty, $"{heap}: {failures.Count} member(s) did not throw ObjectDisposedException after Dispose:{Environment.NewLine}" + string.Join(Environment.NewLine, failures));

        Thread Begin(string name, Action body)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    body();
                }
                catch (Exception e)
                {
                    failures.Enqueue($"{name}: {e}");
                }
            })
            { IsBackground = true, Name = name };
            thread.Start();
            return thread;
        }
    }

    /// <summary>A few small and large blocks, some freed again; one of each kind stays live.</summary>
    private static (nint Small, nint Large) AllocateSome(IAllocator allocator, StressTarget target)
    {
        for (int i = 0; i < 100; i++)
        {
            allocator.Free(allocator.Allocate((nuint)(1 + (i * 5 % target.Threshold))));
        }

        allocator.Free(allocator.Allocate((nuint)target.Threshold + 1));
        return ((nint)allocator.Allocate(24), (nint)allocator.Allocate((nuint)target.Threshold + 100));
    }

    private static void CheckEveryMemberThrows(IAllocator heap, StressTarget target, nint small, nint large, string who, ConcurrentQueue<string> failures)
    {
        var controls = (IPoolHeapControls)heap;
        Expect("Allocate(16)", () => heap.Allocate(16));
        Expect("Allocate(0)", () => heap.Allocate(0));
        Expect("Allocate(large)", () => heap.Allocate((nuint)target.Threshold + 1));
        Expect("AllocateZeroed(3, 8)", () => heap.AllocateZeroed(3, 8));
        Expect("Reallocate(null, 24)", () => heap.Reallocate(null, 24));
        Expect("Reallocate(small, 200)", () => heap.Reallocate((void*)small, 200));
        Expect("Reallocate(large, 8)", () => heap.Reallocate((void*)large, 8));
        Expect("Owns(small)", () => heap.Owns((void*)small));
        Expect("Owns(large)", () => heap.Owns((void*)large));
        Expect("UsableSize(small)", () => heap.UsableSize((void*)small));
        Expect("UsableSize(large)", () => heap.UsableSize((void*)large));
        Expect("Free(small)", () => heap.Free((void*)small));
        Expect("Free(large)", () => heap.Free((void*)large));
        Expect("GetStats()", () => heap.GetStats());
        Expect("Trim()", controls.Trim);
        Expect("ReusePolicy = Compact", () => controls.ReusePolicy = PoolReusePolicy.Compact);

        void Expect(string member, Action call)
        {
            try
            {
                call();
                failures.Enqueue($"{who}: {member} returned normally");
            }
            catch (ObjectDisposedException)
            {
            }
            catch (Exception e)
            {
                failures.Enqueue($"{who}: {member} threw {e.GetType().Name}: {e.Message}");
            }
        }
    }
}
