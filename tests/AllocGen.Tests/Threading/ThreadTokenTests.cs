using AllocGen.Pools;
using AllocGen.Threading;
using Xunit;
using Xunit.Abstractions;

namespace AllocGen.Tests.Threading;

/// <summary>
/// The stack tokens the PerThread fast paths find the calling thread's heap by: a token owns its thread's stack and
/// nothing else, stops owning anything when its thread exits (before the stack can serve a new thread), and is
/// reused once no heap names it. In the stress collection: other tests' threads would otherwise make tokens of their
/// own while these count them.
/// </summary>
[Collection(ThreadStressCollection.Name)]
public sealed unsafe class ThreadTokenTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void TokensAreSupportedOnLinux()
    {
        bool disabled = Environment.GetEnvironmentVariable("ALLOCGEN_NO_THREAD_TOKENS") == "1";
        Assert.Equal(OperatingSystem.IsLinux() && !disabled, ThreadTokens.Supported);
    }

    [Fact]
    public void ATokenOwnsItsThreadsStackAndNoOtherThreads()
    {
        if (!ThreadTokens.Supported)
        {
            Assert.True(ThreadTokens.Current == ThreadToken.Nobody, "an unsupported platform gave a thread a token");
            return;
        }

        ThreadToken* mine = ThreadTokens.Current;
        nuint here = ThreadToken.CurrentStackAddress();
        Assert.True(mine->Owns(here), "the calling thread's token does not own its own stack address");
        Assert.True(mine == ThreadTokens.Current, "a thread got a second token");

        nint other = 0;
        nuint there = 0;
        PerThreadPoolHeapTests.RunOn(() =>
        {
            other = (nint)ThreadTokens.Current;
            there = ThreadToken.CurrentStackAddress();
            Assert.True(((ThreadToken*)other)->Owns(there), "the other thread's token does not own its stack address");
            Assert.False(((ThreadToken*)other)->Owns(here), "the other thread's token owns this thread's stack address");
            Assert.False(mine->Owns(there), "this thread's token owns the other thread's stack address");
        });

        Assert.True((ThreadToken*)other != mine, "two live threads shared a token");
        Assert.False(ThreadToken.Nobody->Owns(here), "Nobody owns a stack address");
    }

    [Fact]
    public void AnExitedThreadsTokenOwnsNothing()
    {
        if (!ThreadTokens.Supported)
        {
            return;
        }

        nint token = 0;
        nuint there = 0;
        PerThreadPoolHeapTests.RunOn(() =>
        {
            token = (nint)ThreadTokens.Current;
            there = ThreadToken.CurrentStackAddress();
        });

        Assert.True(WaitUntilDead((ThreadToken*)token), "the exited thread's token still has a stack range");
        Assert.False(((ThreadToken*)token)->Owns(there), "the exited thread's token still owns its stack address");
    }

    [Fact]
    public void TokensOfExitedThreadsAreReusedOnceTheirHeapsWereAdopted()
    {
        if (!ThreadTokens.Supported)
        {
            return;
        }

        const int Threads = 40;
        var heap = PerThreadPoolHeap<SmallArenaGeometry256>.Create();
        int madeBefore = ThreadTokens.MadeCount;
        for (int t = 0; t < Threads; t++)
        {
            nint token = 0;
            PerThreadPoolHeapTests.RunOn(() =>
            {
                heap.Free(heap.Allocate(64));
                token = (nint)ThreadTokens.Current;
            });

            Assert.True(WaitUntilDead((ThreadToken*)token), "an exited thread's token still has a stack range");

            // Adopting the exited thread's heap is what releases its token.
            _ = heap.GetStats();
            Assert.Equal(0, ((ThreadToken*)token)->HeapStates);
        }

        int made = ThreadTokens.MadeCount - madeBefore;
        output.WriteLine($"{Threads} threads, one after another, made {made} new tokens");
        Assert.True(made <= 4, $"{Threads} threads that lived one after another made {made} tokens: exited threads' tokens are not reused");
        heap.Dispose();
    }

    /// <summary>
    /// A thread that exits with live blocks, then a new thread (which glibc often starts on the exited thread's cached
    /// stack) whose first call frees one of them: the free does not pass as the exited thread's own, so it goes
    /// through the new thread's registration, which takes the exited heap over (its token becomes the new thread's).
    /// With a token still matching after its thread's exit, the new thread would free straight into a heap that no
    /// live thread owns, while another thread may be adopting it.
    /// </summary>
    [Fact]
    public void AThreadOnAnExitedThreadsStackFreesThroughItsOwnRegistration()
    {
        if (!ThreadTokens.Supported)
        {
            return;
        }

        const int Attempts = 8;
        const int Count = 64;
        int sameStack = 0;
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            var heap = PerThreadPoolHeap<SmallArenaGeometry256>.Create();
            var blocks = new nint[Count];
            nuint low = 0, size = 0;
            PerThreadPoolHeapTests.RunOn(() =>
            {
                for (int i = 0; i < Count; i++)
                {
                    blocks[i] = (nint)heap.Allocate(48);
                }

                (low, size) = (ThreadTokens.Current->StackLow, ThreadTokens.Current->StackSize);
            });

            HeapState* exited = PoolHeap<SmallArenaGeometry256>.HeaderOf((void*)blocks[0])->Owner;
            Assert.True(WaitUntilDead(exited->Token), "the exited thread's token still has a stack range");
            nint freer = 0;
            PerThreadPoolHeapTests.RunOn(() =>
            {
                sameStack += ThreadToken.CurrentStackAddress() - low < size ? 1 : 0;
                heap.Free((void*)blocks[0]);
                freer = (nint)ThreadTokens.Current;
                for (int i = 1; i < Count; i++)
                {
                    heap.Free((void*)blocks[i]);
                }
            });

            Assert.True(exited->Token == (ThreadToken*)freer, "the first free did not go through the freeing thread's registration");
            AllocatorStatsAssert.Empty(heap.GetStats(), maxArenas: 1);
            heap.Dispose();
        }

        // glibc caches exited threads' stacks for new ones: without a reuse, this test would not have tested anything.
        output.WriteLine($"the freeing thread started on the exited thread's stack in {sameStack} of {Attempts} attempts");
        Assert.True(sameStack > 0, "no freeing thread started on the exited thread's stack");
    }

    /// <summary>
    /// Two live threads whose stacks fall into the same slot of the instance's table (made so by writing one's state
    /// into the other's slot): the second never takes the first's state, allocates and frees through its own, and
    /// leaves the slot to the first.
    /// </summary>
    [Fact]
    public void AThreadWhoseSlotHoldsAnotherLiveThreadsStateUsesItsOwnHeap()
    {
        if (!ThreadTokens.Supported)
        {
            return;
        }

        var heap = PerThreadPoolHeap<SmallArenaGeometry256>.Create();
        void* first = heap.Allocate(32);
        HeapState* mine = PoolHeap<SmallArenaGeometry256>.HeaderOf(first)->Owner;
        Assert.True(mine->Token == ThreadTokens.Current, "this thread's heap does not carry its token");
        PerThreadPoolHeapTests.RunOn(() =>
        {
            ref nint slot = ref ((nint*)heap.StatesByStack)[ThreadRegistry<SmallArenaGeometry256>.StackSlot(ThreadToken.CurrentStackAddress())];
            slot = (nint)mine;
            var blocks = new nint[1_000];
            for (int i = 0; i < blocks.Length; i++)
            {
                blocks[i] = (nint)heap.Allocate((nuint)(16 + i % 200));
                HeapState* owner = PoolHeap<SmallArenaGeometry256>.HeaderOf((void*)blocks[i])->Owner;
                Assert.True(owner != mine, "the second thread allocated from the first thread's heap");
                Assert.True(owner->Token == ThreadTokens.Current, "the second thread's block is not in its own heap");
            }

            foreach (nint block in blocks)
            {
                heap.Free((void*)block);
            }

            Assert.True(slot == (nint)mine, "the second thread took the slot from a live thread");
        });

        Assert.True(mine->Remote.IsEmpty, "the second thread's own blocks went to the first thread's remote stack");
        heap.Free(first);
        AllocatorStatsAssert.Empty(heap.GetStats(), maxArenas: 2);
        heap.Dispose();
    }

    private static bool WaitUntilDead(ThreadToken* token)
    {
        // Thread.Join may return before the C library has run the exiting thread's destructors.
        DateTime deadline = DateTime.UtcNow + ExitTimeout;
        while (token->IsLive && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
        }

        return !token->IsLive;
    }
}
