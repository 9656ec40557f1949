#if DEBUG
using AllocGen.Pools;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Threading;

/// <summary>
/// A Debug build of the runtime (what <c>dotnet test</c> builds) reports a SingleThreaded heap used by a second thread
/// while a call is in progress, naming both threads, instead of letting the two corrupt its lists.
/// </summary>
public sealed unsafe class SingleThreadedUseTests
{
    [Fact]
    public void ACallWhileAnotherThreadsCallIsInProgressThrowsNamingBoth()
    {
        var heap = PoolHeap<SmallArenaGeometry64>.Create();
        void* block = heap.AllocateSmall(1, 32);
        int other = Environment.CurrentManagedThreadId + 1_000;
        heap.State->BusyThread = other;
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() => heap.AllocateSmall(0, 16));
            Assert.Contains($"thread {Environment.CurrentManagedThreadId}", e.Message);
            Assert.Contains($"thread {other}", e.Message);
            Assert.Throws<InvalidOperationException>(() => heap.Free(block));
            Assert.Throws<InvalidOperationException>(() => heap.GetStats());
        }
        finally
        {
            heap.State->BusyThread = 0;
        }

        heap.Free(block);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
        heap.Dispose();
    }

    [Fact]
    public void TwoThreadsSharingAGeneratedHeapAreCaught()
    {
        using var heap = new DefaultHeap();
        using var stop = new ManualResetEventSlim();
        int caught = 0;
        void Hammer()
        {
            for (int i = 0; i < 2_000_000 && !stop.IsSet; i++)
            {
                try
                {
                    void* p = heap.Allocate((nuint)(i % 512));
                    heap.Free(p);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref caught);
                    stop.Set();
                }
            }
        }

        var threads = new[] { new Thread(Hammer), new Thread(Hammer) };
        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(60)));
        }

        Assert.True(caught > 0, "two threads used one SingleThreaded heap at once for 2 million calls each, undetected");
    }
}
#endif
