using System.Collections.Concurrent;
using Xunit;

namespace AllocGen.Tests.Domains;

/// <summary>
/// The Raw domain is safe from any thread, its hooks included: four threads allocate, resize and free through it at
/// once, free each other's blocks, and commit faults now and then, which are reported to the thread that made them.
/// </summary>
public sealed unsafe class RawDomainThreadTests
{
    private const int OperationsPerThread = 50_000;

    [Theory]
    [InlineData("debug")]
    [InlineData("malloc")]
    public void FourThreadsShareTheRawDomain(string mode)
    {
        using var t = new TestDomains(mode);
        bool hooked = mode == "debug";
        var handoff = new ConcurrentQueue<(nint Pointer, nuint Size, byte Fill)>();
        long faults = 0;
        TestDomains.RunThreads(4, id =>
        {
            var random = new Random(id);
            var live = new List<(nint Pointer, nuint Size, byte Fill)>();
            for (int op = 0; op < OperationsPerThread; op++)
            {
                int action = random.Next(100);
                if (action < 45 || live.Count == 0)
                {
                    var size = (nuint)random.Next(0, 600);
                    var fill = (byte)random.Next(256);
                    var p = (byte*)t.Set.Allocate(AllocDomain.Raw, size);
                    TestDomains.Fill(p, size, fill);
                    live.Add(((nint)p, size, fill));
                    continue;
                }

                int k = random.Next(live.Count);
                (nint block, nuint blockSize, byte blockFill) = live[k];
                TestDomains.AssertFilled((byte*)block, blockSize, blockFill);
                if (action < 55)
                {
                    var size = (nuint)random.Next(0, 600);
                    var p = (byte*)t.Set.Reallocate(AllocDomain.Raw, (void*)block, size);
                    TestDomains.AssertFilled(p, Math.Min(size, blockSize), blockFill);
                    TestDomains.Fill(p, size, blockFill);
                    live[k] = ((nint)p, size, blockFill);
                }
                else if (action < 65)
                {
                    live.RemoveAt(k);
                    handoff.Enqueue((block, blockSize, blockFill));
                }
                else if (action < 67 && hooked)
                {
                    // A free through the wrong domain and an interior pointer: reported, the block still this thread's.
                    // (A double free is left to the one-thread tests: here other threads' frees may push the block out
                    // of the quarantine and the system allocator hand its address out again before the second free.)
                    Assert.Equal(AllocatorFault.WrongDomain, Assert.Throws<AllocatorFaultException>(() => t.Set.Free(AllocDomain.Object, (void*)block)).Fault);
                    Assert.Equal(AllocatorFault.ForeignPointer, Assert.Throws<AllocatorFaultException>(() => t.Set.Free(AllocDomain.Raw, (byte*)block + 1)).Fault);
                    Interlocked.Increment(ref faults);
                }
                else
                {
                    t.Set.Free(AllocDomain.Raw, (void*)block);
                    live.RemoveAt(k);
                }

                // Another thread's block.
                if (handoff.TryDequeue(out var theirs))
                {
                    TestDomains.AssertFilled((byte*)theirs.Pointer, theirs.Size, theirs.Fill);
                    t.Set.Free(AllocDomain.Raw, (void*)theirs.Pointer);
                }
            }

            foreach ((nint p, _, _) in live)
            {
                t.Set.Free(AllocDomain.Raw, (void*)p);
            }
        });

        while (handoff.TryDequeue(out var left))
        {
            t.Set.Free(AllocDomain.Raw, (void*)left.Pointer);
        }

        Assert.Equal(hooked, faults > 0);
        t.AssertNoBlockLeft();
    }
}
