using System.Runtime;
using System.Runtime.CompilerServices;
using AllocGen.Arenas;
using AllocGen.Pools;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>8 MiB arenas, so that a few dozen forgotten heaps are hundreds of MiB of address space.</summary>
[PoolAllocator(ArenaSize = 8 << 20)]
public sealed partial class WideArenaHeap
{
}

/// <summary>The largest blocks there are: the system allocator maps each one on its own and unmaps it when freed.</summary>
[BumpArena(BlockSize = 64 << 20)]
public sealed partial class HugeBlockArena
{
}

/// <summary>Runs alone, after the parallel tests, so that the process's address space moves only with these tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AddressSpaceCollection
{
    public const string Name = "AddressSpace";
}

/// <summary>
/// A heap or arena that is never disposed returns its memory once the garbage collector has found it unreachable
/// (at the second finalization, see <c>NativeMemoryOwner</c>); disposing stays the immediate way, and is idempotent.
/// Memory is measured as the process's mapped address space (VmSize), which the kernel keeps anyway.
/// </summary>
[Collection(AddressSpaceCollection.Name)]
public sealed unsafe class UndisposedAllocatorTests
{
    private const int HeapCount = 64;
    private const int ArenaCount = 8;
    private const long Mapped = 512L << 20;

    /// <summary>A slack far below <see cref="Mapped"/>, above what a thread or two could map meanwhile (stacks, malloc arenas).</summary>
    private const long Slack = Mapped / 4;

    [LinuxFact]
    public void ForgottenHeapsReturnTheirArenasAfterTheSecondFinalization()
    {
        Assert.Equal(Mapped, (long)HeapCount * WideArenaHeap.ArenaSize);
        CollectFully();
        long before = VmSizeBytes();

        // No collection may find the heaps unreachable before the one below (it would be their first finalization):
        // the no-GC region lasts until that induced collection ends it.
        Assert.True(GC.TryStartNoGCRegion(16 << 20));
        long whileAlive = AllocateInForgottenHeaps();

        // One finalization only re-registers the owners: a last call may still be running on the state.
        GC.Collect();
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            GC.EndNoGCRegion();
        }

        GC.WaitForPendingFinalizers();
        long afterOne = VmSizeBytes();
        Assert.True(whileAlive - before >= Mapped - Slack, $"the heaps' arenas should be mapped: {Mib(whileAlive - before)} more");
        Assert.True(afterOne - before >= Mapped - Slack, $"the first finalization should keep the arenas: {Mib(afterOne - before)} more");

        CollectFully();
        long afterTwo = VmSizeBytes();
        Assert.True(afterTwo - before <= Slack, $"the forgotten heaps' arenas should be unmapped: still {Mib(afterTwo - before)} more");
    }

    [LinuxFact]
    public void ForgottenArenasReturnTheirBlocks()
    {
        Assert.Equal(Mapped, (long)ArenaCount * HugeBlockArena.BlockSize);
        CollectFully();
        BlockCache.Trim();
        long before = VmSizeBytes();
        long whileAlive = AllocateInForgottenArenas();
        Assert.True(whileAlive - before >= Mapped - Slack, $"the arenas' blocks should be mapped: {Mib(whileAlive - before)} more");

        CollectFully();
        BlockCache.Trim();
        long after = VmSizeBytes();
        Assert.True(after - before <= Slack, $"the forgotten arenas' blocks should be freed: still {Mib(after - before)} more");
    }

    [LinuxFact]
    public void DisposedHeapsAndArenasReturnTheirMemoryAtOnceAndTheFinalizerAddsNothing()
    {
        CollectFully();
        BlockCache.Trim();
        long before = VmSizeBytes();
        var heaps = new WideArenaHeap[HeapCount];
        for (int i = 0; i < heaps.Length; i++)
        {
            heaps[i] = new WideArenaHeap();
            heaps[i].Allocate(16);
        }

        var arenas = new HugeBlockArena[ArenaCount];
        for (int i = 0; i < arenas.Length; i++)
        {
            arenas[i] = new HugeBlockArena();
            arenas[i].Allocate(16);
        }

        Assert.True(VmSizeBytes() - before >= (2 * Mapped) - Slack, "heaps and arenas should be mapped");
        foreach (WideArenaHeap heap in heaps)
        {
            heap.Dispose();
            heap.Dispose();
            Assert.Throws<ObjectDisposedException>(() => heap.Allocate(16));
        }

        foreach (HugeBlockArena arena in arenas)
        {
            arena.Dispose();
            arena.Dispose();
            Assert.Throws<ObjectDisposedException>(() => arena.Allocate(16));
        }

        BlockCache.Trim();
        Assert.True(VmSizeBytes() - before <= Slack, "Dispose should return the memory at once");

        // Dropping the disposed instances finalizes nothing: the shared disposed state of the heap type stays valid.
        heaps = null!;
        arenas = null!;
        CollectFully();
        using var later = new WideArenaHeap();
        later.Dispose();
        Assert.Throws<ObjectDisposedException>(() => later.Allocate(16));
        Assert.Throws<ObjectDisposedException>(() => later.Allocate(100_000));
    }

    [Fact]
    public void CopiesOfAHeapShareOneOwnerSoDisposingBothFreesOnce()
    {
        PoolHeap<HandWrittenGeometry> heap = PoolHeap<HandWrittenGeometry>.Create();
        heap.Free(heap.Allocate(16));
        PoolHeap<HandWrittenGeometry> copy = heap;
        heap.Dispose();
        copy.Dispose();
        heap.Dispose();
        Assert.True(heap.IsDisposed);
        Assert.True(copy.IsDisposed);
    }

    [Fact]
    public void CopiesOfAnArenaShareOneOwnerSoDisposingBothFreesOnce()
    {
        var core = new BumpArenaCore(8, 256, "copied");
        core.Allocate(100, 8, 256);
        core.Allocate(1000, 8, 256);
        BumpArenaCore copy = core;
        core.Dispose();
        copy.Dispose();
        Assert.Equal(0, core.BlockCount);
        Assert.Equal(0, copy.BlockCount);
    }

    [Fact]
    public void TheFinalizerDoesNotDisposeOwnedObjects()
    {
        var owned = new DisposeCounter();
        OwnInForgottenArena(owned);
        CollectFully();
        Assert.Equal(0, owned.Disposals);
    }

    /// <summary>Two full collections, each followed by the finalizers it queued: what a forgotten owner needs.</summary>
    private static void CollectFully()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>Creates the heaps and takes an arena in each; returns VmSize while they are alive, then forgets them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long AllocateInForgottenHeaps()
    {
        var heaps = new WideArenaHeap[HeapCount];
        for (int i = 0; i < heaps.Length; i++)
        {
            heaps[i] = new WideArenaHeap();
            byte* p = (byte*)heaps[i].Allocate(16);
            *p = 1;
            heaps[i].Allocate(100_000);
        }

        long size = VmSizeBytes();
        GC.KeepAlive(heaps);
        return size;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long AllocateInForgottenArenas()
    {
        var arenas = new HugeBlockArena[ArenaCount];
        for (int i = 0; i < arenas.Length; i++)
        {
            arenas[i] = new HugeBlockArena();
            byte* p = (byte*)arenas[i].Allocate(16);
            *p = 1;
        }

        long size = VmSizeBytes();
        GC.KeepAlive(arenas);
        return size;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OwnInForgottenArena(IDisposable owned)
    {
        var arena = new HugeBlockArena();
        arena.Allocate(16);
        arena.Own(owned);
    }

    private static long VmSizeBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmSize:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(7).Trim().TrimEnd("kB").Trim()) << 10;
            }
        }

        throw new InvalidOperationException("/proc/self/status has no VmSize line.");
    }

    private static string Mib(long bytes) => $"{bytes / (1 << 20)} MiB";

    private sealed class DisposeCounter : IDisposable
    {
        public int Disposals;

        public void Dispose() => Disposals++;
    }
}

/// <summary>A fact that needs Linux's /proc (skipped elsewhere).</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Reads /proc/self/status.";
        }
    }
}
