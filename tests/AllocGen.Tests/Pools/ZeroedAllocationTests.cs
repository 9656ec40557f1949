using System.Runtime.InteropServices;
using AllocGen.Memory;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// <c>AllocateZeroed</c> skips writing memory it knows to be zero (a pool's never-used frontier while the pool's memory
/// is fresh, a large block mapped fresh), so every way memory can come back dirty must still come back zeroed: recycled
/// blocks, pools recycled for another class, arenas reused from the kept ranges, and memory given back by Trim.
/// </summary>
public sealed unsafe class ZeroedAllocationTests
{
    public static string[] ConfigurationNames { get; } =
        [nameof(DefaultHeap), nameof(SmallPoolHeap), nameof(IrregularHeap), nameof(PerThreadSmallPoolHeap)];

    public static TheoryData<string> Configurations => new(ConfigurationNames);

    private const byte Dirt = 0xAB;

    [Theory]
    [MemberData(nameof(Configurations))]
    public void PoolsRecycledForAnotherClassComeBackZeroed(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();

        // Several pools of the smallest class, dirtied to the last byte, then all emptied: they go back to their arena.
        int count = 4 * g.PoolSize / g.Classes[0];
        List<nint> dirty = AllocateDirty(heap, (nuint)g.Classes[0], count);
        FreeAll(heap, dirty);

        // The same pools, laid out for the largest class: the frontier of each is dirty memory.
        AssertZeroedBlocks(heap, (nuint)g.Threshold, count * g.Classes[0] / g.Threshold);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ArenasReusedFromTheKeptRangesComeBackZeroed(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();

        // Three arenas' worth of dirty blocks; freed, all but one arena go back to the heap's kept ranges with their
        // pages (which are given back only after a decay, so they are still dirty when they are taken again).
        int perArena = g.PoolsPerArena * (g.PoolSize / g.Threshold);
        List<nint> dirty = AllocateDirty(heap, (nuint)g.Threshold, 3 * perArena);
        FreeAll(heap, dirty);
        Assert.True(heap.GetStats().ArenasReleased > 0);

        AssertZeroedBlocks(heap, (nuint)g.Threshold, 3 * perArena);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void MemoryTrimGaveBackComesBackZeroed(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var controls = (IPoolHeapControls)heap;

        // Live blocks spread over the arenas keep them, so Trim gives back the empty pools between them; the rest of
        // the arenas go whole.
        int perArena = g.PoolsPerArena * (g.PoolSize / g.Threshold);
        List<nint> dirty = AllocateDirty(heap, (nuint)g.Threshold, 3 * perArena);
        var kept = new List<nint>();
        for (int i = 0; i < dirty.Count; i++)
        {
            if (i % (perArena / 2) == 0)
            {
                kept.Add(dirty[i]);
            }
            else
            {
                heap.Free((void*)dirty[i]);
            }
        }

        controls.Trim();
        AssertZeroedBlocks(heap, (nuint)g.Classes[0], 3 * perArena);
        AssertZeroedBlocks(heap, (nuint)g.Threshold, perArena);

        // Blocks freed next to the live ones, without a Trim, are recycled dirty: zeroed on the way out.
        FreeAll(heap, kept);
        AssertZeroedBlocks(heap, (nuint)g.Threshold, kept.Count);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void LargeBlocksComeBackZeroedAndResizeKeepingTheirContents(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        nuint[] sizes = [(nuint)g.Threshold + 1, 5000, LargeBlockTable.DirectMappingThreshold - 1, LargeBlockTable.DirectMappingThreshold, 1 << 20];
        foreach (nuint size in sizes)
        {
            // The system allocator hands the freed block's memory out again (dirty) to the zeroed request.
            List<nint> dirty = AllocateDirty(heap, size, 2);
            FreeAll(heap, dirty);
            var p = (byte*)heap.AllocateZeroed(1, size);
            Assert.True(IsZero(p, size), $"a zeroed block of {size} bytes holds dirt");
            Assert.Equal(size, heap.UsableSize(p));
            Assert.Equal(0, (nint)p & (g.Alignment - 1));
            new Span<byte>(p, (int)size).Fill(Dirt);

            // Grown and shrunk across the direct-mapping threshold: the contents stay, a grown mapping's tail is zero.
            nuint grown = size * 3;
            p = (byte*)heap.Reallocate(p, grown);
            Assert.Equal(-1, new ReadOnlySpan<byte>(p, (int)size).IndexOfAnyExcept(Dirt));
            Assert.Equal(grown, heap.UsableSize(p));
            Assert.Equal(0, (nint)p & (g.Alignment - 1));
            nuint shrunk = (nuint)g.Threshold + 8;
            p = (byte*)heap.Reallocate(p, shrunk);
            Assert.Equal(-1, new ReadOnlySpan<byte>(p, (int)Math.Min(size, shrunk)).IndexOfAnyExcept(Dirt));
            Assert.Equal(shrunk, heap.UsableSize(p));
            Assert.Equal(0, (nint)p & (g.Alignment - 1));
            heap.Free(p);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    /// <summary>
    /// A fresh 1 MiB zeroed block is a mapping none of whose pages is touched: allocating it costs (almost) no minor
    /// page fault; writing it then faults in every page, which shows the count sees those pages.
    /// </summary>
    [Fact]
    public void AFreshLargeZeroedBlockCostsNoPageFaultUntilWritten()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        const int size = 1 << 20;
        using var warmUp = new DefaultHeap();
        WriteEveryPage((byte*)warmUp.AllocateZeroed(1, size), size);

        ThreadMinorFaults();   // its first call faults in its own stub

        using var heap = new DefaultHeap();
        long before = ThreadMinorFaults();
        var p = (byte*)heap.AllocateZeroed(1, size);
        long allocating = ThreadMinorFaults() - before;
        WriteEveryPage(p, size);
        long writing = ThreadMinorFaults() - before - allocating;

        Assert.True(allocating <= 4, $"AllocateZeroed of 1 MiB took {allocating} minor faults");
        Assert.True(writing >= (size / Environment.SystemPageSize) * 3 / 4, $"writing 1 MiB took only {writing} minor faults");
        heap.Free(p);
    }

    /// <summary>Zeroed small blocks from a fresh heap are its pools' frontier: handed out without touching their pages.</summary>
    [Fact]
    public void ZeroedSmallBlocksFromFreshPoolsCostNoPageFaultUntilWritten()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        const int blocks = 512;   // 256 KiB of 512-byte blocks: 16 pools, 64 pages
        nint* pointers = stackalloc nint[blocks];
        using var warmUp = new DefaultHeap();
        AllocateZeroedInto(warmUp, pointers, blocks);
        WriteEveryBlock(pointers, blocks);
        ThreadMinorFaults();

        using var heap = new DefaultHeap();
        long before = ThreadMinorFaults();
        AllocateZeroedInto(heap, pointers, blocks);
        long allocating = ThreadMinorFaults() - before;
        WriteEveryBlock(pointers, blocks);
        long writing = ThreadMinorFaults() - before - allocating;

        // The arena's header table, the heap's state and an arena-map leaf may fault in; the 64 pool pages must not.
        Assert.True(allocating <= 8, $"512 zeroed 512-byte blocks took {allocating} minor faults");
        Assert.True(writing >= 48, $"writing 256 KiB took only {writing} minor faults");
    }

    private static void AllocateZeroedInto(DefaultHeap heap, nint* pointers, int count)
    {
        for (int i = 0; i < count; i++)
        {
            pointers[i] = (nint)heap.AllocateZeroed(1, 512);
        }
    }

    private static void WriteEveryBlock(nint* pointers, int count)
    {
        for (int i = 0; i < count; i++)
        {
            *(byte*)pointers[i] = 1;
        }
    }

    internal static void WriteEveryPage(byte* p, int size)
    {
        for (int i = 0; i < size; i += Environment.SystemPageSize)
        {
            p[i] = 1;
        }
    }

    private static List<nint> AllocateDirty(IAllocator heap, nuint size, int count)
    {
        var blocks = new List<nint>(count);
        for (int i = 0; i < count; i++)
        {
            var p = (byte*)heap.Allocate(size);
            new Span<byte>(p, (int)size).Fill(Dirt);
            blocks.Add((nint)p);
        }

        return blocks;
    }

    private static void FreeAll(IAllocator heap, List<nint> blocks)
    {
        foreach (nint p in blocks)
        {
            heap.Free((void*)p);
        }

        blocks.Clear();
    }

    /// <summary>Allocates zeroed blocks, checks each is zero (and dirties it, so the next user of its memory sees dirt), then frees them.</summary>
    private static void AssertZeroedBlocks(IAllocator heap, nuint size, int count)
    {
        var blocks = new List<nint>(count);
        for (int i = 0; i < count; i++)
        {
            var p = (byte*)heap.AllocateZeroed(size, 1);
            Assert.True(IsZero(p, size), $"zeroed block {i} of {count} ({size} bytes, at 0x{(nint)p:X}) holds dirt");
            new Span<byte>(p, (int)size).Fill(Dirt);
            blocks.Add((nint)p);
        }

        FreeAll(heap, blocks);
    }

    private static bool IsZero(byte* p, nuint size) => new ReadOnlySpan<byte>(p, (int)size).IndexOfAnyExcept((byte)0) < 0;

    /// <summary>Minor page faults of the calling thread (getrusage RUSAGE_THREAD), so other threads' faults do not count.</summary>
    internal static long ThreadMinorFaults()
    {
        // struct rusage: two struct timevals (4 longs), then maxrss, ixrss, idrss, isrss, minflt, ...
        long* usage = stackalloc long[18];
        Assert.Equal(0, getrusage(RusageThread, usage));
        return usage[8];
    }

    private const int RusageThread = 1;

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, long* usage);
}
