using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Memory;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// The allocator lives in native memory: allocating and freeing, even when that takes new pools and arenas from the
/// OS, must not allocate on the managed heap. Each body runs once first, so JIT and first-call work are not counted;
/// the OS calls are warmed up beforehand as well (see <see cref="WarmUpEveryOsCall"/>).
/// </summary>
public sealed unsafe class AllocationFreeTests
{
    private const int Pairs = 100_000;

    public AllocationFreeTests() => WarmUpEveryOsCall();

    /// <summary>
    /// Makes every OS call a heap can make (map, unmap, and both ways of giving pages back) once, so that the one-time
    /// work of each P/Invoke's first call, which allocates managed memory, is done before any measurement. Running a
    /// body once does not guarantee it: a released arena keeps its pages for a second of heap activity
    /// (<c>PageDecayMs</c>), so whether the warm-up run or the measured one gives pages back first depends on how
    /// long they take, and on a loaded machine the first <c>madvise</c> fell inside the measured window.
    /// </summary>
    private static void WarmUpEveryOsCall()
    {
        nuint size = OsPages.PageSize * 2;
        byte* region = OsPages.AllocateAligned(size);
        Assert.True(OsPages.Decommit(region, size));
        Assert.True(OsPages.Release(region, size));
        OsPages.Free(region, size);
    }

    public static TheoryData<string> Configurations => new() { nameof(DefaultHeap), nameof(SmallPoolHeap), nameof(IrregularHeap) };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void SmallAllocateFreePairsAllocateNothingManaged(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var random = new Random(11);
        var sizes = new nuint[Pairs];
        for (int i = 0; i < sizes.Length; i++)
        {
            sizes[i] = (nuint)random.Next(0, g.Threshold + 1);
        }

        var window = new nint[257];
        SmallPairs(heap, sizes, window);
        long allocated = SteadyStateManagedBytes(() => SmallPairs(heap, sizes, window));

        Assert.Equal(0, allocated);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [StructLayout(LayoutKind.Sequential, Size = 24)]
    private struct Vertex
    {
        public long A;
    }

    [StructLayout(LayoutKind.Sequential, Size = 600)]
    private struct Big
    {
        public long A;
    }

    [Fact]
    public void TypedAllocateFreeAllocatesNothingManaged()
    {
        using var heap = new DefaultHeap();
        var window = new nint[64];
        TypedPairs(heap, window);
        long allocated = SteadyStateManagedBytes(() => TypedPairs(heap, window));

        Assert.Equal(0, allocated);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void NewPoolsAndArenasAllocateNothingManaged(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var blocks = new nint[50_000];
        FillAndDrain(heap, (nuint)g.Threshold, blocks);
        long arenasBefore = heap.GetStats().ArenasAllocated;

        long allocated = SteadyStateManagedBytes(() => FillAndDrain(heap, (nuint)g.Threshold, blocks));

        Assert.Equal(0, allocated);

        // The measured run really did take arenas from the OS (and released them again).
        Assert.True(heap.GetStats().ArenasAllocated > arenasBefore + 1, $"{arenasBefore} → {heap.GetStats().ArenasAllocated}");
        Assert.InRange(heap.GetStats().ArenasCurrent, 0, 1);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void LargeAllocateFreeAndReallocateAllocateNothingManaged(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var random = new Random(5);
        var sizes = new nuint[20_000];
        for (int i = 0; i < sizes.Length; i++)
        {
            sizes[i] = (nuint)random.Next(0, 3 * g.Threshold);
        }

        var window = new nint[300];
        MixedWithReallocate(heap, sizes, window);
        long allocated = SteadyStateManagedBytes(() => MixedWithReallocate(heap, sizes, window));

        Assert.Equal(0, allocated);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    /// <summary>
    /// The managed bytes one run of <paramref name="body"/> allocates on this thread, the least over three runs: work
    /// the runtime does once (a P/Invoke's first call, a type load, an on-stack replacement compiled on this thread)
    /// can fall into any one run on a loaded machine, while an allocation of the allocator itself happens in every run.
    /// </summary>
    private static long SteadyStateManagedBytes(Action body)
    {
        long least = long.MaxValue;
        for (int run = 0; run < 3 && least != 0; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            body();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }

    /// <summary>Allocate/free pairs over a small window of live blocks, so pools fill, empty and come back.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SmallPairs(IAllocator heap, nuint[] sizes, nint[] window)
    {
        for (int i = 0; i < sizes.Length; i++)
        {
            int slot = i % window.Length;
            heap.Free((void*)window[slot]);
            window[slot] = (nint)heap.Allocate(sizes[i]);
        }

        for (int slot = 0; slot < window.Length; slot++)
        {
            heap.Free((void*)window[slot]);
            window[slot] = 0;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TypedPairs(DefaultHeap heap, nint[] window)
    {
        for (int i = 0; i < Pairs; i++)
        {
            int slot = i % window.Length;
            heap.Free((void*)window[slot]);
            window[slot] = (i % 3) switch
            {
                0 => (nint)heap.Allocate<Vertex>(),
                1 => (nint)heap.Allocate<long>(),
                _ => (nint)heap.Allocate<Big>(),
            };
        }

        for (int slot = 0; slot < window.Length; slot++)
        {
            heap.Free((void*)window[slot]);
            window[slot] = 0;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FillAndDrain(IAllocator heap, nuint size, nint[] blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = (nint)heap.Allocate(size);
        }

        for (int i = 0; i < blocks.Length; i++)
        {
            heap.Free((void*)blocks[i]);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MixedWithReallocate(IAllocator heap, nuint[] sizes, nint[] window)
    {
        for (int i = 0; i < sizes.Length; i++)
        {
            int slot = i % window.Length;
            if (window[slot] != 0 && (i & 3) == 0)
            {
                window[slot] = (nint)heap.Reallocate((void*)window[slot], sizes[i]);
                continue;
            }

            heap.Free((void*)window[slot]);
            window[slot] = (i & 7) == 1 ? (nint)heap.AllocateZeroed(1, sizes[i]) : (nint)heap.Allocate(sizes[i]);
        }

        for (int slot = 0; slot < window.Length; slot++)
        {
            heap.Free((void*)window[slot]);
            window[slot] = 0;
        }
    }
}
