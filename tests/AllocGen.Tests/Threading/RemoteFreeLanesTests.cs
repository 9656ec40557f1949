using System.Runtime.InteropServices;
using AllocGen.Threading;
using Xunit;

namespace AllocGen.Tests.Threading;

/// <summary>
/// The single-producer lanes of remote frees on their own: a lane per producer, claimed once and kept; none for a
/// producer beyond <see cref="RemoteFreeLanes.LaneCount"/>; full at its capacity and reusable once taken; and, with
/// every lane's producer appending at once while one thread takes, every block taken exactly once or refused. The
/// "producers" and "blocks" are distinct non-zero numbers: the lanes read neither.
/// </summary>
[Collection(ThreadStressCollection.Name)]
public sealed unsafe class RemoteFreeLanesTests
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void EachProducerKeepsItsLaneAndOneTooManyGetsNone()
    {
        RemoteFreeLanes* lanes = NewLanes();
        try
        {
            Assert.True(lanes->IsEmpty);
            for (int round = 0; round < 3; round++)
            {
                for (int p = 1; p <= RemoteFreeLanes.LaneCount; p++)
                {
                    Assert.True(lanes->TryPush(Producer(p), Block(p, round)), $"producer {p} refused in round {round}");
                }

                Assert.False(lanes->TryPush(Producer(RemoteFreeLanes.LaneCount + 1), Block(99, round)), "a producer beyond the lanes got one");
            }

            Assert.False(lanes->IsEmpty);
            void** taken = stackalloc void*[64];
            int count = lanes->Take(taken, 64);
            Assert.Equal(3 * RemoteFreeLanes.LaneCount, count);

            // Lane by lane, each in its producer's order: so each producer had one lane in every round.
            for (int p = 1; p <= RemoteFreeLanes.LaneCount; p++)
            {
                for (int round = 0; round < 3; round++)
                {
                    Assert.Equal((nint)Block(p, round), (nint)taken[((p - 1) * 3) + round]);
                }
            }

            Assert.True(lanes->IsEmpty);
            Assert.Equal(0, lanes->Take(taken, 64));
        }
        finally
        {
            NativeMemory.AlignedFree(lanes);
        }
    }

    [Fact]
    public void ALaneRefusesWhenFullAndTakesAgainOnceTaken()
    {
        RemoteFreeLanes* lanes = NewLanes();
        try
        {
            for (int i = 0; i < RemoteFreeLanes.Capacity; i++)
            {
                Assert.True(lanes->TryPush(Producer(1), Block(1, i)), $"push {i} of {RemoteFreeLanes.Capacity} refused");
            }

            Assert.False(lanes->TryPush(Producer(1), Block(1, -1)), "a full lane took one more");
            Assert.True(lanes->TryPush(Producer(2), Block(2, 0)), "another producer's lane was full too");

            var visited = new WaitingCounter();
            lanes->ForEachWaiting(ref visited);
            Assert.Equal(RemoteFreeLanes.Capacity + 1, visited.Count);

            void** taken = stackalloc void*[10];
            Assert.Equal(10, lanes->Take(taken, 10));
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal((nint)Block(1, i), (nint)taken[i]);
            }

            for (int i = 0; i < 10; i++)
            {
                Assert.True(lanes->TryPush(Producer(1), Block(3, i)), "a slot taken was not reusable");
            }

            Assert.False(lanes->TryPush(Producer(1), Block(3, -1)));

            lanes->Clear();
            Assert.True(lanes->IsEmpty);
            visited = new WaitingCounter();
            lanes->ForEachWaiting(ref visited);
            Assert.Equal(0, visited.Count);
        }
        finally
        {
            NativeMemory.AlignedFree(lanes);
        }
    }

    /// <summary>One more producer than there are lanes, all racing to claim one; each block is then taken exactly once or refused.</summary>
    [Fact]
    public void ConcurrentProducersAreTakenExactlyOnceOrRefused()
    {
        const int Producers = RemoteFreeLanes.LaneCount + 1;
        const int PerProducer = 200_000;
        RemoteFreeLanes* lanes = NewLanes();
        try
        {
            var refused = new List<nint>[Producers];
            var producers = new Thread[Producers];
            int running = Producers;
            using var start = new ManualResetEventSlim();
            for (int p = 0; p < Producers; p++)
            {
                int me = p;
                refused[me] = new List<nint>();
                producers[me] = new Thread(() =>
                {
                    start.Wait();
                    for (int i = 0; i < PerProducer; i++)
                    {
                        if (!lanes->TryPush(Producer(me + 1), Block(me + 1, i)))
                        {
                            refused[me].Add((nint)Block(me + 1, i));
                        }
                    }

                    Interlocked.Decrement(ref running);
                });
                producers[me].Start();
            }

            var seen = new HashSet<nint>();
            var lastOf = new Dictionary<nint, int>();
            void** taken = stackalloc void*[64];
            start.Set();
            DateTime deadline = DateTime.UtcNow + JoinTimeout;
            while ((Volatile.Read(ref running) != 0 || !lanes->IsEmpty) && DateTime.UtcNow < deadline)
            {
                int count = lanes->Take(taken, 64);
                for (int i = 0; i < count; i++)
                {
                    nint block = (nint)taken[i];
                    Assert.True(seen.Add(block), $"block {block:x} taken twice");

                    // A lane is one producer's, in its order.
                    nint producer = block >> 40;
                    int index = (int)((block & 0xFF_FFFF_FFFF) >> 4);
                    Assert.True(!lastOf.TryGetValue(producer, out int last) || index > last, $"producer {producer}'s blocks out of order");
                    lastOf[producer] = index;
                }
            }

            foreach (Thread producer in producers)
            {
                Assert.True(producer.Join(JoinTimeout), "a producer did not finish");
            }

            int refusedCount = 0;
            int producersRefusedAll = 0;
            foreach (List<nint> list in refused)
            {
                refusedCount += list.Count;
                producersRefusedAll += list.Count == PerProducer ? 1 : 0;
                foreach (nint block in list)
                {
                    Assert.True(seen.Add(block), $"block {block:x} was both refused and taken");
                }
            }

            Assert.Equal(Producers * PerProducer, seen.Count);
            Assert.Equal(1, producersRefusedAll); // exactly one producer found every lane claimed
            Assert.True(refusedCount < Producers * PerProducer, "every append was refused");
        }
        finally
        {
            NativeMemory.AlignedFree(lanes);
        }
    }

    private static void* Producer(int p) => (void*)(nint)(p * 4096);

    private static void* Block(int producer, int index) => (void*)(((nint)producer << 40) | ((nint)(index + 1) << 4));

    private static RemoteFreeLanes* NewLanes()
    {
        var lanes = (RemoteFreeLanes*)NativeMemory.AlignedAlloc((nuint)sizeof(RemoteFreeLanes), 64);
        NativeMemory.Clear(lanes, (nuint)sizeof(RemoteFreeLanes));
        return lanes;
    }

    private struct WaitingCounter : IBlockVisitor
    {
        public int Count;

        public void Visit(void* block) => Count++;
    }
}
