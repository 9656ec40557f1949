using System.Runtime.InteropServices;
using AllocGen.Threading;
using Xunit;

namespace AllocGen.Tests.Threading;

/// <summary>
/// The ring of remote frees on its own: oldest first, full at its capacity, and, with several threads appending while
/// one takes, every block taken exactly once or refused (then it would go onto the stack), none lost or duplicated.
/// The "blocks" are distinct non-zero numbers: the ring never reads them.
/// </summary>
[Collection(ThreadStressCollection.Name)]
public sealed unsafe class RemoteFreeRingTests
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void TakesOldestFirstAndRefusesWhenFull()
    {
        RemoteFreeRing* ring = NewRing();
        try
        {
            Assert.True(ring->IsEmpty);
            for (int i = 1; i <= RemoteFreeRing.Capacity; i++)
            {
                Assert.True(ring->TryPush((void*)(nint)(i * 16)), $"push {i} of {RemoteFreeRing.Capacity} refused");
            }

            Assert.False(ring->TryPush((void*)(nint)0x10000), "a full ring took one more");
            Assert.False(ring->IsEmpty);

            void** taken = stackalloc void*[10];
            Assert.Equal(10, ring->Take(taken, 10));
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal((nint)((i + 1) * 16), (nint)taken[i]);
            }

            // Room for ten again, at the slots just taken.
            for (int i = 0; i < 10; i++)
            {
                Assert.True(ring->TryPush((void*)(nint)(0x20000 + i * 16)), "a slot taken was not reusable");
            }

            Assert.False(ring->TryPush((void*)(nint)0x30000));
            int total = 0;
            int count;
            while ((count = ring->Take(taken, 10)) != 0)
            {
                total += count;
            }

            Assert.Equal(RemoteFreeRing.Capacity, total);
            Assert.True(ring->IsEmpty);
        }
        finally
        {
            NativeMemory.AlignedFree(ring);
        }
    }

    /// <summary>
    /// A slot reserved but not yet written (its thread was preempted between the two steps of a push) stops the take
    /// there, even when the ring has wrapped over a slot that held a block before; the block is taken once written.
    /// </summary>
    [Fact]
    public void ATakeStopsAtASlotReservedButNotYetWritten()
    {
        RemoteFreeRing* ring = NewRing();
        try
        {
            void** taken = stackalloc void*[RemoteFreeRing.Capacity];
            for (int i = 1; i <= RemoteFreeRing.Capacity; i++)
            {
                Assert.True(ring->TryPush((void*)(nint)(i * 16)));
            }

            Assert.Equal(RemoteFreeRing.Capacity, ring->Take(taken, RemoteFreeRing.Capacity));
            Assert.True(ring->TryReserve(out long reserved), "an empty ring refused a reservation");
            Assert.True(ring->TryPush((void*)(nint)0x5000), "the push after the reservation was refused");
            Assert.False(ring->IsEmpty);
            Assert.Equal(0, ring->Take(taken, RemoteFreeRing.Capacity));

            ring->Publish(reserved, (void*)(nint)0x4000);
            Assert.Equal(2, ring->Take(taken, RemoteFreeRing.Capacity));
            Assert.Equal((nint)0x4000, (nint)taken[0]);
            Assert.Equal((nint)0x5000, (nint)taken[1]);
            Assert.True(ring->IsEmpty);
        }
        finally
        {
            NativeMemory.AlignedFree(ring);
        }
    }

    [Fact]
    public void ConcurrentAppendsAreTakenExactlyOnceOrRefused()
    {
        const int Producers = 3;
        const int PerProducer = 200_000;
        RemoteFreeRing* ring = NewRing();
        try
        {
            var refused = new List<nint>[Producers];
            var producers = new Thread[Producers];
            int running = Producers;
            for (int p = 0; p < Producers; p++)
            {
                int me = p;
                refused[me] = new List<nint>();
                producers[me] = new Thread(() =>
                {
                    for (int i = 0; i < PerProducer; i++)
                    {
                        nint block = ((nint)me << 40) | ((nint)(i + 1) << 4);
                        if (!ring->TryPush((void*)block))
                        {
                            refused[me].Add(block);
                        }
                    }

                    Interlocked.Decrement(ref running);
                });
            }

            var seen = new HashSet<nint>();
            void** taken = stackalloc void*[64];
            foreach (Thread producer in producers)
            {
                producer.Start();
            }

            DateTime deadline = DateTime.UtcNow + JoinTimeout;
            while ((Volatile.Read(ref running) != 0 || !ring->IsEmpty) && DateTime.UtcNow < deadline)
            {
                int count = ring->Take(taken, 64);
                for (int i = 0; i < count; i++)
                {
                    Assert.True(seen.Add((nint)taken[i]), $"block {(nint)taken[i]:x} taken twice");
                }
            }

            foreach (Thread producer in producers)
            {
                Assert.True(producer.Join(JoinTimeout), "a producer did not finish");
            }

            int refusedCount = 0;
            foreach (List<nint> list in refused)
            {
                refusedCount += list.Count;
                foreach (nint block in list)
                {
                    Assert.True(seen.Add(block), $"block {block:x} was both refused and taken");
                }
            }

            Assert.Equal(Producers * PerProducer, seen.Count);
            Assert.True(refusedCount < Producers * PerProducer, "every append was refused");
        }
        finally
        {
            NativeMemory.AlignedFree(ring);
        }
    }

    private static RemoteFreeRing* NewRing()
    {
        var ring = (RemoteFreeRing*)NativeMemory.AlignedAlloc((nuint)sizeof(RemoteFreeRing), 64);
        NativeMemory.Clear(ring, (nuint)sizeof(RemoteFreeRing));
        return ring;
    }
}
