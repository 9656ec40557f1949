using System.Collections.Concurrent;
using AllocGen.Pools;
using AllocGen.Threading;
using Xunit;

namespace AllocGen.Tests.Threading;

/// <summary>Small pools and 64 KiB arenas behind one lock, so arenas are taken and released while threads contend.</summary>
[PoolAllocator(Threading = ThreadPolicy.Locked, PoolSize = 4096, ArenaSize = 64 * 1024)]
public sealed partial class LockedSmallHeap
{
}

/// <summary>
/// <c>[PoolAllocator(Threading = ThreadPolicy.Locked)]</c>: one heap behind one lock, correct from any thread. The
/// generated class is shared by several threads; the runtime struct is driven directly to show that every member
/// waits for the lock, that the lock is released when a call throws, and that Dispose takes it too.
/// </summary>
public sealed unsafe class LockedPoolHeapTests
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a call is watched while the test holds the lock. With the lock the call cannot return at all, so this
    /// is no timing assumption: it only bounds how long a missing lock could go unseen.
    /// </summary>
    private static readonly TimeSpan HeldFor = TimeSpan.FromMilliseconds(100);

    /// <summary>The struct lives in a field, as in the generated class, so every call works on the one instance.</summary>
    private sealed class Holder
    {
        public LockedPoolHeap<SmallArenaGeometry64> Heap = LockedPoolHeap<SmallArenaGeometry64>.Create();
    }

    [Fact]
    public void TheGeneratedClassDeclaresItsPolicy()
    {
        Assert.Equal(ThreadPolicy.Locked, LockedSmallHeap.Threading);
        Assert.Equal(ThreadPolicy.SingleThreaded, AllocGen.Tests.Pools.DefaultHeap.Threading);
    }

    [Fact]
    public void FourThreadsShareOneHeapWithoutHandingABlockOutTwiceOrLosingContents()
    {
        // Each thread runs its own seeded workload: sizes 0..512 and some large blocks, reallocations, zeroed blocks,
        // and a quarter of its blocks handed to the other threads through a shared queue, freed there.
        const int Threads = 4;
        const int OperationsPerThread = 150_000;
        const int MaxLivePerThread = 2_000;
        using var heap = new LockedSmallHeap();
        var live = new ConcurrentDictionary<nint, nuint>();
        var handedOver = new ConcurrentQueue<(nint Block, nuint Size)>();
        var failures = new ConcurrentQueue<string>();

        void Allocated(void* block, nuint size)
        {
            if (!live.TryAdd((nint)block, size))
            {
                failures.Enqueue($"0x{(nint)block:X} handed out while live");
            }

            Fill((byte*)block, size);
        }

        void Freeing(nint block, nuint size)
        {
            if (!Check((byte*)block, size))
            {
                failures.Enqueue($"0x{block:X} ({size} bytes) was overwritten while live");
            }

            if (!live.TryRemove(block, out _))
            {
                failures.Enqueue($"0x{block:X} freed but not live");
            }

            heap.Free((void*)block);
        }

        void Work(int seed)
        {
            var random = new Random(seed);
            var mine = new List<(nint Block, nuint Size)>();
            for (int i = 0; i < OperationsPerThread && failures.IsEmpty; i++)
            {
                int choice = random.Next(100);
                if (mine.Count < MaxLivePerThread && choice < 50)
                {
                    nuint size = random.Next(50) == 0 ? (nuint)random.Next(513, 5_000) : (nuint)random.Next(0, 513);
                    bool zeroed = random.Next(10) == 0;
                    void* block = zeroed ? heap.AllocateZeroed(1, size) : heap.Allocate(size);
                    if (zeroed && !IsZero((byte*)block, size))
                    {
                        failures.Enqueue($"0x{(nint)block:X} from AllocateZeroed is not zero");
                    }

                    Allocated(block, size);
                    if (random.Next(4) == 0)
                    {
                        handedOver.Enqueue(((nint)block, size));
                    }
                    else
                    {
                        mine.Add(((nint)block, size));
                    }
                }
                else if (choice < 60 && mine.Count > 0)
                {
                    // Reallocate: the kept prefix must survive, the block may move.
                    int at = random.Next(mine.Count);
                    (nint block, nuint size) = mine[at];
                    if (!Check((byte*)block, size) || !live.TryRemove(block, out _))
                    {
                        failures.Enqueue($"0x{block:X} corrupted or not live before Reallocate");
                    }

                    nuint newSize = (nuint)random.Next(0, 700);
                    var moved = (byte*)heap.Reallocate((void*)block, newSize);
                    if (!Check(moved, Math.Min(size, newSize), Seed((byte*)block, size)))
                    {
                        failures.Enqueue($"Reallocate 0x{block:X} to 0x{(nint)moved:X} lost contents");
                    }

                    Allocated(moved, newSize);
                    mine[at] = ((nint)moved, newSize);
                }
                else if (choice < 63 && mine.Count > 0)
                {
                    (nint block, nuint size) = mine[random.Next(mine.Count)];
                    if (!heap.Owns((void*)block) || heap.UsableSize((void*)block) < size)
                    {
                        failures.Enqueue($"0x{block:X} not owned or too small");
                    }
                }
                else if (handedOver.TryDequeue(out var other))
                {
                    Freeing(other.Block, other.Size);
                }
                else if (mine.Count > 0)
                {
                    int at = random.Next(mine.Count);
                    (nint block, nuint size) = mine[at];
                    mine[at] = mine[^1];
                    mine.RemoveAt(mine.Count - 1);
                    Freeing(block, size);
                }
            }

            foreach ((nint block, nuint size) in mine)
            {
                Freeing(block, size);
            }
        }

        PerThreadPoolHeapTests.RunAll(Threads, Work);
        while (handedOver.TryDequeue(out var left))
        {
            Freeing(left.Block, left.Size);
        }

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        Assert.Empty(live);
        AllocatorStatsAssert.Empty(heap.GetStats(), maxArenas: 1);
    }

    [Fact]
    public void TwoThreadsHammeringOneHeapNeverOverlapInIt()
    {
        // The same workload that a Debug runtime catches on a SingleThreaded heap within 2 million calls
        // (SingleThreadedUseTests): here the lock keeps the calls apart, so the heap never sees two at once, and its
        // books balance at the end. (A Release runtime has no detector; the balanced books still have to hold.)
        const int Iterations = 300_000;
        using var heap = new LockedSmallHeap();
        int caught = 0;
        void Hammer(int seed)
        {
            var kept = new nint[64];
            for (int i = 0; i < Iterations; i++)
            {
                try
                {
                    int slot = (i * 7 + seed) & 63;
                    if (kept[slot] != 0)
                    {
                        heap.Free((void*)kept[slot]);
                    }

                    kept[slot] = (nint)heap.Allocate((nuint)((i + seed) % 512));
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref caught);
                    return;
                }
            }

            foreach (nint block in kept)
            {
                heap.Free((void*)block);
            }
        }

        PerThreadPoolHeapTests.RunAll(2, Hammer);
        Assert.Equal(0, caught);
        AllocatorStatsAssert.Empty(heap.GetStats(), maxArenas: 1);
    }

    public static TheoryData<string> Members() => new(
        "Allocate", "AllocateSmall(int)", "AllocateSmall(int, uint)", "AllocateLarge(nuint)", "AllocateLarge(nuint, nuint)",
        "AllocateZeroed", "Reallocate", "Free", "Owns", "UsableSize", "GetStats", "Trim", "ReusePolicy.get", "ReusePolicy.set",
        "IsDisposed", "Dispose");

    [Theory]
    [MemberData(nameof(Members))]
    public void EveryMemberWaitsForTheLock(string member)
    {
        var holder = new Holder();
        void* block = holder.Heap.AllocateSmall(1, 32);
        using var started = new ManualResetEventSlim();
        using var returned = new ManualResetEventSlim();
        Exception? failure = null;
        var caller = new Thread(() =>
        {
            started.Set();
            try
            {
                Call(ref holder.Heap, member, block);
            }
            catch (Exception e)
            {
                failure = e;
            }

            returned.Set();
        });

        holder.Heap.Lock.Enter();
        try
        {
            caller.Start();
            Assert.True(started.Wait(JoinTimeout));

            // Held by this thread, so the call cannot have got past its Enter: it never returns while we hold it.
            Assert.False(returned.Wait(HeldFor), $"{member} returned while another thread held the heap's lock");
            Assert.True(holder.Heap.Lock.IsHeld);
        }
        finally
        {
            holder.Heap.Lock.Exit();
        }

        Assert.True(caller.Join(JoinTimeout), $"{member} did not finish once the lock was free");
        Assert.Null(failure);
        Assert.False(holder.Heap.Lock.IsHeld);
        if (member != "Dispose")
        {
            if (member != "Free")
            {
                holder.Heap.Free(block);
            }

            holder.Heap.Dispose();
        }
    }

    [Fact]
    public void ACallThatThrowsReleasesTheLock()
    {
        var holder = new Holder();
        var foreign = (nint)System.Runtime.InteropServices.NativeMemory.Alloc(64);
        try
        {
            Assert.Throws<ArgumentException>(() => holder.Heap.Free((void*)foreign));
            Assert.False(holder.Heap.Lock.IsHeld);
            Assert.Throws<ArgumentException>(() => holder.Heap.UsableSize((void*)foreign));
            Assert.False(holder.Heap.Lock.IsHeld);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free((void*)foreign);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => holder.Heap.AllocateLarge(100, 3));
        Assert.False(holder.Heap.Lock.IsHeld);
        Assert.Throws<ArgumentOutOfRangeException>(() => holder.Heap.ReusePolicy = (PoolReusePolicy)42);
        Assert.False(holder.Heap.Lock.IsHeld);

        // And the heap still serves, from another thread too (a lock left taken would make this wait forever).
        PerThreadPoolHeapTests.RunAll(1, _ => holder.Heap.Free(holder.Heap.AllocateSmall(0, 16)));
        holder.Heap.Dispose();
        Assert.False(holder.Heap.Lock.IsHeld);
    }

    [Fact]
    public void AfterDisposeOnOneThreadEveryThreadGetsObjectDisposedException()
    {
        var heap = new LockedSmallHeap();
        void* block = heap.Allocate(48);
        PerThreadPoolHeapTests.RunAll(1, _ => heap.Dispose());

        // Twice each, from two threads: the first throw must leave the lock free for the second.
        PerThreadPoolHeapTests.RunAll(2, _ =>
        {
            for (int i = 0; i < 2; i++)
            {
                Assert.Throws<ObjectDisposedException>(() => heap.Allocate(16));
                Assert.Throws<ObjectDisposedException>(() => heap.Allocate(4096));
                Assert.Throws<ObjectDisposedException>(() => heap.AllocateZeroed(2, 8));
                Assert.Throws<ObjectDisposedException>(() => heap.GetStats());
                Assert.Throws<ObjectDisposedException>(() => heap.Trim());
                Assert.Throws<ObjectDisposedException>(() => heap.Owns(block));
                Assert.Throws<ObjectDisposedException>(() => heap.ReusePolicy = PoolReusePolicy.Compact);
            }
        });
        heap.Dispose();
    }

    [Fact]
    public void DisposeWaitsForACallInProgressAndTheWaitingCallThenThrows()
    {
        var holder = new Holder();
        holder.Heap.AllocateSmall(2, 48); // something for Dispose to give back
        using var disposing = new ManualResetEventSlim();
        Exception? lateCall = null;

        // This thread is "in a call" (holds the lock); Dispose on another thread waits for it, and a call queued
        // behind Dispose then finds the heap disposed.
        holder.Heap.Lock.Enter();
        var disposer = new Thread(() =>
        {
            disposing.Set();
            holder.Heap.Dispose();
        });
        disposer.Start();
        Assert.True(disposing.Wait(JoinTimeout));
        Assert.False(disposer.Join(HeldFor), "Dispose went ahead while another thread held the heap's lock");
        holder.Heap.Lock.Exit();
        Assert.True(disposer.Join(JoinTimeout));
        Assert.True(holder.Heap.IsDisposed);

        PerThreadPoolHeapTests.RunAll(1, _ =>
        {
            try
            {
                holder.Heap.Allocate(16);
            }
            catch (Exception e)
            {
                lateCall = e;
            }
        });
        Assert.IsType<ObjectDisposedException>(lateCall);
        Assert.False(holder.Heap.Lock.IsHeld);
    }

    // ---- Helpers -------------------------------------------------------------------------------------------

    private static void Call(ref LockedPoolHeap<SmallArenaGeometry64> heap, string member, void* block)
    {
        switch (member)
        {
            case "Allocate": heap.Free(heap.Allocate(40)); break;
            case "AllocateSmall(int)": heap.Free(heap.AllocateSmall(0)); break;
            case "AllocateSmall(int, uint)": heap.Free(heap.AllocateSmall(3, 64)); break;
            case "AllocateLarge(nuint)": heap.Free(heap.AllocateLarge(1000)); break;
            case "AllocateLarge(nuint, nuint)": heap.Free(heap.AllocateLarge(1000, 256)); break;
            case "AllocateZeroed": heap.Free(heap.AllocateZeroed(4, 4)); break;
            case "Reallocate": heap.Free(heap.Reallocate(null, 16)); break;
            case "Free": heap.Free(block); break;
            case "Owns": Assert.True(heap.Owns(block)); break;
            case "UsableSize": Assert.Equal((nuint)32, heap.UsableSize(block)); break;
            case "GetStats": Assert.Equal(1, heap.GetStats().BlocksInUse); break;
            case "Trim": heap.Trim(); break;
            case "ReusePolicy.get": Assert.Equal(PoolReusePolicy.Fast, heap.ReusePolicy); break;
            case "ReusePolicy.set": heap.ReusePolicy = PoolReusePolicy.Compact; break;
            case "IsDisposed": Assert.False(heap.IsDisposed); break;
            case "Dispose": heap.Dispose(); break;
            default: throw new ArgumentOutOfRangeException(nameof(member), member, "no such member");
        }
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="count"/> new threads (argument: the thread's index) and rethrows the first failure.</summary>
    /// <summary>The first byte of a block's pattern: from its address and size, so a block another owner wrote is seen.</summary>
    private static byte Seed(byte* block, nuint size) => (byte)(((nuint)block >> 4) ^ size);

    private static void Fill(byte* block, nuint size)
    {
        byte seed = Seed(block, size);
        for (nuint i = 0; i < size; i++)
        {
            block[i] = (byte)(seed + i);
        }
    }

    /// <summary>Whether <paramref name="block"/> holds its own pattern.</summary>
    private static bool Check(byte* block, nuint size) => Check(block, size, Seed(block, size));

    /// <summary>Whether the first <paramref name="size"/> bytes of <paramref name="block"/> hold the pattern starting at <paramref name="seed"/>.</summary>
    private static bool Check(byte* block, nuint size, byte seed)
    {
        for (nuint i = 0; i < size; i++)
        {
            if (block[i] != (byte)(seed + i))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsZero(byte* block, nuint size)
    {
        for (nuint i = 0; i < size; i++)
        {
            if (block[i] != 0)
            {
                return false;
            }
        }

        return true;
    }
}
