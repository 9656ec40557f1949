using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Domains;

/// <summary>The debug hooks as an allocator of their own: layout, fill patterns, alignment, sizes, ownership, statistics.</summary>
public sealed unsafe class DebugAllocatorTests
{
    [Fact]
    public void FreshBytesAreCDGuardsFDAndFreedBytesDD()
    {
        using var heap = new DefaultHeap();
        using var hooks = new DebugAllocator(heap, AllocDomain.Mem);
        var p = (byte*)hooks.Allocate(20);
        TestDomains.AssertFilled(p, 20, 0xCD);
        TestDomains.AssertFilled(p - 15, 15, 0xFD);
        TestDomains.AssertFilled(p + 20, 8, 0xFD);
        Assert.Equal(20UL, *(ulong*)(p - 32));
        Assert.Equal((byte)AllocDomain.Mem, p[-16]);
        hooks.Free(p);

        // Quarantined, so still held by the hooks and readable.
        TestDomains.AssertFilled(p, 20, 0xDD);

        var z = (byte*)hooks.AllocateZeroed(3, 7);
        TestDomains.AssertFilled(z, 21, 0);
        Assert.Equal(21U, (uint)hooks.UsableSize(z));
        hooks.Free(z);
    }

    [Fact]
    public void UserPointersKeepTheInnerAlignmentAndAllocateAlignedGivesMore()
    {
        using var small = new SmallPoolHeap();
        using var filling = new PoolFillingHeap();
        using var system = new SystemAllocator();
        foreach ((IAllocator inner, int alignment) in new (IAllocator, int)[] { (small, SmallPoolHeap.Alignment), (filling, PoolFillingHeap.Alignment), (system, 2 * sizeof(nint)) })
        {
            using var hooks = new DebugAllocator(inner);
            var pointers = new List<nint>();
            for (nuint size = 0; size < 300; size += 7)
            {
                var p = hooks.Allocate(size);
                Assert.Equal(0U, (uint)((nuint)p % (nuint)alignment));
                pointers.Add((nint)p);
            }

            foreach (nuint a in new nuint[] { 64, 256, 4096 })
            {
                var p = (byte*)hooks.AllocateAligned(100, a);
                Assert.Equal(0U, (uint)((nuint)p % a));
                Assert.Equal(100U, (uint)hooks.UsableSize(p));
                TestDomains.Fill(p, 100, 1);
                p = (byte*)hooks.Reallocate(p, 300);
                TestDomains.AssertFilled(p, 100, 1);
                pointers.Add((nint)p);
            }

            Assert.Throws<ArgumentException>(() => hooks.AllocateAligned(8, 24));
            foreach (nint p in pointers)
            {
                hooks.Free((void*)p);
            }
        }
    }

    [Fact]
    public void ReallocKeepsTheContentsAndFillsTheNewBytes()
    {
        using var heap = new DefaultHeap();
        using var hooks = new DebugAllocator(heap);
        var p = (byte*)hooks.Reallocate(null, 10);
        TestDomains.Fill(p, 10, 3);
        var q = (byte*)hooks.Reallocate(p, 40);
        Assert.NotEqual((nint)p, (nint)q);
        TestDomains.AssertFilled(q, 10, 3);
        TestDomains.AssertFilled(q + 10, 30, 0xCD);
        var r = (byte*)hooks.Reallocate(q, 4);
        TestDomains.AssertFilled(r, 4, 3);
        Assert.Equal(4U, (uint)hooks.UsableSize(r));

        // The block it moved from is freed.
        Assert.Equal(AllocatorFault.DoubleFree, Assert.Throws<AllocatorFaultException>(() => hooks.Free(q)).Fault);
        hooks.Free(r);
    }

    [Fact]
    public void OwnsIsExactAndReadsNothing()
    {
        using var heap = new DefaultHeap();
        using var hooks = new DebugAllocator(heap);
        var other = new DebugAllocator(heap);
        var p = (byte*)hooks.Allocate(30);
        var unhooked = heap.Allocate(30);
        Assert.True(hooks.Owns(p));
        Assert.False(hooks.Owns(p + 1));
        Assert.False(hooks.Owns(p - 32));
        Assert.False(hooks.Owns(unhooked));
        Assert.False(other.Owns(p));
        Assert.False(hooks.Owns((void*)Environment.SystemPageSize));
        hooks.Free(p);
        Assert.False(hooks.Owns(p));
        heap.Free(unhooked);
        Assert.Equal(AllocatorFault.ForeignPointer, Assert.Throws<AllocatorFaultException>(() => other.Free(p + 8)).Fault);
    }

    [Fact]
    public void StatsThreadSafetyAndOwnershipAreTheInnerAllocators()
    {
        using var heap = new DefaultHeap();
        using var system = new SystemAllocator();
        var overHeap = new DebugAllocator(heap);
        var overSystem = new DebugAllocator(system);
        Assert.False(overHeap.IsThreadSafe);
        Assert.True(overSystem.IsThreadSafe);
        var p = overHeap.Allocate(40);
        Assert.Equal(heap.GetStats().BlocksInUse, overHeap.GetStats().BlocksInUse);
        Assert.Equal(1, heap.GetStats().BlocksInUse);
        overHeap.Free(p);

        // Held in quarantine until the layer is disposed, which returns it but leaves the heap usable.
        Assert.Equal(1, heap.GetStats().BlocksInUse);
        overHeap.Dispose();
        Assert.Equal(0, heap.GetStats().BlocksInUse);
        Assert.Throws<ObjectDisposedException>(() => overHeap.Allocate(1));
        heap.Free(heap.Allocate(1));
        overSystem.Dispose();
        system.Free(system.Allocate(1));
    }

    [Fact]
    public void TheQuarantineHoldsTheLastFreedBlocksThenReturnsThemOldestFirst()
    {
        using var heap = new DefaultHeap();
        using var hooks = new DebugAllocator(heap);
        var blocks = Enumerable.Range(0, DebugHooks.QuarantineBlocks + 10).Select(_ => (nint)hooks.Allocate(16)).ToList();
        foreach (nint p in blocks)
        {
            hooks.Free((void*)p);
        }

        Assert.Equal(DebugHooks.QuarantineBlocks, heap.GetStats().BlocksInUse);

        // Returned blocks are still named as freed, without being read.
        foreach (nint p in blocks)
        {
            AllocatorFaultException e = Assert.Throws<AllocatorFaultException>(() => hooks.Free((void*)p));
            Assert.Equal(AllocatorFault.DoubleFree, e.Fault);
            Assert.Equal(blocks.IndexOf(p) < 10, e.Message.Contains("returned to the allocator under the hooks", StringComparison.Ordinal));
        }
    }
}
