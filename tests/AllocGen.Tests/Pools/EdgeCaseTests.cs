using System.Runtime.InteropServices;
using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>The corners of the generated pool allocator API: sizes, bad pointers, disposal, pool and arena life cycles.</summary>
public sealed unsafe class EdgeCaseTests
{
    public static TheoryData<string> Configurations => new() { nameof(DefaultHeap), nameof(SmallPoolHeap), nameof(IrregularHeap) };

    // -------------------------------------------------------------------------------------------------------------
    // Configuration
    // -------------------------------------------------------------------------------------------------------------

    [Fact]
    public void GeneratedConstantsFollowTheAttributes()
    {
        Assert.Equal(1 << 20, DefaultHeap.ArenaSize);
        Assert.Equal(16 << 10, DefaultHeap.PoolSize);
        Assert.Equal(16, DefaultHeap.Alignment);
        Assert.Equal(512, DefaultHeap.SmallRequestThreshold);
        Assert.Equal(63, DefaultHeap.PoolsPerArena);
        Assert.Equal(1, DefaultHeap.HeaderPoolsPerArena);
        Assert.Equal(Enumerable.Range(1, 32).Select(i => i * 16), DefaultHeap.SizeClasses.ToArray());
        Assert.Equal(32, DefaultHeap.SizeClassCount);

        Assert.Equal(64 << 10, SmallPoolHeap.ArenaSize);
        Assert.Equal(4096, SmallPoolHeap.PoolSize);
        Assert.Equal(8, SmallPoolHeap.Alignment);
        Assert.Equal(512, SmallPoolHeap.SmallRequestThreshold);
        Assert.Equal(15, SmallPoolHeap.PoolsPerArena);
        Assert.Equal(1, SmallPoolHeap.HeaderPoolsPerArena);
        Assert.Equal(Enumerable.Range(1, 64).Select(i => i * 8), SmallPoolHeap.SizeClasses.ToArray());

        Assert.Equal(256 << 10, IrregularHeap.ArenaSize);
        Assert.Equal(16 << 10, IrregularHeap.PoolSize);
        Assert.Equal(16, IrregularHeap.Alignment);
        Assert.Equal(15, IrregularHeap.PoolsPerArena);
        Assert.Equal(1, IrregularHeap.HeaderPoolsPerArena);
        Assert.Equal(new[] { 16, 32, 48, 64, 128, 256, 512 }, IrregularHeap.SizeClasses.ToArray());
        Assert.Equal(7, IrregularHeap.SizeClassCount);
    }

    /// <summary>Every size up to one past the last tier: its small or medium class (the least block holding it, found by search), or a system block of exactly its size.</summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    [InlineData(nameof(DefaultTierHeap))]
    [InlineData(nameof(SmallPoolTierHeap))]
    [InlineData(nameof(IrregularTierHeap))]
    public void EverySizeUpToTheFirstSystemBlockGetsTheSmallestClassThatHoldsIt(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        for (nuint size = 0; size <= g.LeastLargeSize; size++)
        {
            void* p = heap.Allocate(size);
            nuint expected = size;
            foreach (int blockSize in g.Classes.Concat(g.MediumClasses))
            {
                if ((nuint)blockSize >= size)
                {
                    expected = (nuint)blockSize;
                    break;
                }
            }

            Assert.Equal(expected, heap.UsableSize(p));
            heap.Free(p);
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Sizes
    // -------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Configurations))]
    public void FreeNullIsANoOp(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        heap.Free(null);
        void* p = heap.Allocate(40);
        heap.Free(null);
        heap.Free(p);
        heap.Free(null);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AllocateZeroGivesUniquePointersThatCanBeFreed(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var seen = new HashSet<nint>();
        var blocks = new List<nint>();
        for (int i = 0; i < 3000; i++)
        {
            var p = (nint)heap.Allocate(0);
            Assert.NotEqual(0, p);
            Assert.True(seen.Add(p), $"Allocate(0) returned 0x{p:X} twice");
            Assert.Equal((nuint)g.Classes[0], heap.UsableSize((void*)p));
            Assert.Equal(0, p & (g.Alignment - 1));
            blocks.Add(p);
        }

        Assert.Equal(3000, heap.GetStats().SizeClasses[0].BlocksInUse);
        foreach (nint p in blocks)
        {
            heap.Free((void*)p);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AllocateZeroedThrowsOnOverflowAndZeroesRecycledMemory(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        Assert.Throws<OverflowException>(() => { heap.AllocateZeroed(nuint.MaxValue, 2); });
        Assert.Throws<OverflowException>(() => { heap.AllocateZeroed(2, nuint.MaxValue); });
        Assert.Throws<OverflowException>(() => { heap.AllocateZeroed((nuint)1 << 32, (nuint)1 << 32); });
        Assert.Equal(0, heap.GetStats().BlocksInUse);

        // A dirty small block comes back (LIFO) zeroed.
        var dirty = (byte*)heap.Allocate(32);
        new Span<byte>(dirty, 32).Fill(0xAB);
        heap.Free(dirty);
        var zeroed = (byte*)heap.AllocateZeroed(4, 8);
        Assert.Equal((nint)dirty, (nint)zeroed);
        Assert.Equal(-1, new ReadOnlySpan<byte>(zeroed, 32).IndexOfAnyExcept((byte)0));
        heap.Free(zeroed);

        // Large, and the degenerate products.
        var large = (byte*)heap.AllocateZeroed(100, 50);
        Assert.Equal((nuint)5000, heap.UsableSize(large));
        Assert.Equal(-1, new ReadOnlySpan<byte>(large, 5000).IndexOfAnyExcept((byte)0));
        void* none = heap.AllocateZeroed(0, 8);
        void* nothing = heap.AllocateZeroed(8, 0);
        Assert.NotEqual((nint)none, (nint)nothing);
        Assert.Equal((nuint)g.Classes[0], heap.UsableSize(none));
        heap.Free(large);
        heap.Free(none);
        heap.Free(nothing);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [StructLayout(LayoutKind.Sequential, Size = 1)]
    private struct Size1
    {
        public byte A;
    }

    [StructLayout(LayoutKind.Sequential, Size = 16)]
    private struct Size16
    {
        public long A;
    }

    [StructLayout(LayoutKind.Sequential, Size = 24)]
    private struct Size24
    {
        public long A;
    }

    [StructLayout(LayoutKind.Sequential, Size = 512)]
    private struct Size512
    {
        public long A;
    }

    [StructLayout(LayoutKind.Sequential, Size = 513)]
    private struct Size513
    {
        public byte A;
    }

    [Fact]
    public void TypedAllocationUsesTheClassThatFitsTheStruct()
    {
        Assert.Equal(1, sizeof(Size1));
        Assert.Equal(24, sizeof(Size24));
        Assert.Equal(513, sizeof(Size513));

        using (var heap = new DefaultHeap())
        {
            CheckTyped(heap, HeapGeometry.Default, heap.Allocate<Size1>(), 1, 16);
            CheckTyped(heap, HeapGeometry.Default, heap.Allocate<Size16>(), 16, 16);
            CheckTyped(heap, HeapGeometry.Default, heap.Allocate<Size24>(), 24, 32);
            CheckTyped(heap, HeapGeometry.Default, heap.Allocate<Size512>(), 512, 512);
            CheckTyped(heap, HeapGeometry.Default, heap.Allocate<Size513>(), 513, 513);
        }

        using (var heap = new SmallPoolHeap())
        {
            CheckTyped(heap, HeapGeometry.SmallPool, heap.Allocate<Size1>(), 1, 8);
            CheckTyped(heap, HeapGeometry.SmallPool, heap.Allocate<Size16>(), 16, 16);
            CheckTyped(heap, HeapGeometry.SmallPool, heap.Allocate<Size24>(), 24, 24);
            CheckTyped(heap, HeapGeometry.SmallPool, heap.Allocate<Size512>(), 512, 512);
            CheckTyped(heap, HeapGeometry.SmallPool, heap.Allocate<Size513>(), 513, 513);
        }

        using (var heap = new IrregularHeap())
        {
            CheckTyped(heap, HeapGeometry.Irregular, heap.Allocate<Size1>(), 1, 16);
            CheckTyped(heap, HeapGeometry.Irregular, heap.Allocate<Size16>(), 16, 16);
            CheckTyped(heap, HeapGeometry.Irregular, heap.Allocate<Size24>(), 24, 32);
            CheckTyped(heap, HeapGeometry.Irregular, heap.Allocate<Size512>(), 512, 512);
            CheckTyped(heap, HeapGeometry.Irregular, heap.Allocate<Size513>(), 513, 513);
        }
    }

    private static void CheckTyped(IAllocator heap, HeapGeometry g, void* p, int size, int usable)
    {
        Assert.True(p != null);
        Assert.Equal(0, (nint)p & (g.Alignment - 1));
        Assert.True(heap.Owns(p));
        Assert.Equal((nuint)usable, heap.UsableSize(p));
        AllocatorStats stats = heap.GetStats();
        if (size <= g.Threshold)
        {
            Assert.Equal(1, stats.SizeClasses[g.ClassOf((nuint)size)].BlocksInUse);
            Assert.Equal(0, stats.LargeBlocks);
        }
        else
        {
            Assert.Equal(1, stats.LargeBlocks);
            Assert.Equal(size, stats.LargeBytes);
        }

        new Span<byte>(p, usable).Fill(0x5A);
        heap.Free(p);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Bad pointers
    // -------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Configurations))]
    public void FreeingAPointerFromElsewhereThrowsAndLeavesTheHeapUsable(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        using IAllocator other = g.Create();
        void* mine = heap.Allocate(48);
        void* mineLarge = heap.Allocate(3000);

        void* native = NativeMemory.Alloc(64);
        void* nativeLarge = NativeMemory.Alloc(5000);
        void* otherSmall = other.Allocate(48);
        void* otherLarge = other.Allocate(3000);
        byte* stack = stackalloc byte[64];
        try
        {
            foreach (nint foreign in new[] { (nint)native, (nint)nativeLarge, (nint)otherSmall, (nint)otherLarge, (nint)stack, (nint)(stack + 16) })
            {
                Assert.False(heap.Owns((void*)foreign));
                Assert.Throws<ArgumentException>(() => heap.Free((void*)foreign));
                Assert.Throws<ArgumentException>(() => { heap.UsableSize((void*)foreign); });
                Assert.Throws<ArgumentException>(() => { heap.Reallocate((void*)foreign, 16); });
                Assert.Throws<ArgumentException>(() => { heap.Reallocate((void*)foreign, 4000); });
            }

            // The heap is untouched and still works; so is the other one.
            AllocatorStats stats = heap.GetStats();
            Assert.Equal(2, stats.BlocksInUse);
            Assert.Equal(1, stats.LargeBlocks);
            Assert.Equal((nuint)3000, heap.UsableSize(mineLarge));
            var fresh = new List<nint>();
            for (int i = 0; i < 500; i++)
            {
                fresh.Add((nint)heap.Allocate((nuint)(i % 700)));
            }

            foreach (nint p in fresh)
            {
                heap.Free((void*)p);
            }

            heap.Free(mine);
            heap.Free(mineLarge);
            Assert.Equal(0, heap.GetStats().BlocksInUse);
            other.Free(otherSmall);
            other.Free(otherLarge);
            Assert.Equal(0, other.GetStats().BlocksInUse);
        }
        finally
        {
            NativeMemory.Free(native);
            NativeMemory.Free(nativeLarge);
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void DoubleFreeOfALargeBlockThrows(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        void* keep = heap.Allocate(600);
        void* p = heap.Allocate(5000);
        heap.Free(p);
        Assert.False(heap.Owns(p));
        Assert.Throws<ArgumentException>(() => heap.Free(p));
        Assert.Equal(1, heap.GetStats().LargeBlocks);
        heap.Free(keep);
        Assert.Equal(0, heap.GetStats().LargeBlocks);
        Assert.Equal(0, heap.GetStats().LargeBytes);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void DoubleFreeOfASmallBlockRightAfterItsFreeThrows(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        void* a = heap.Allocate(32);
        void* b = heap.Allocate(32);
        void* c = heap.Allocate(32);
        heap.Free(b);
        Assert.Throws<ArgumentException>(() => heap.Free(b));
        Assert.Equal(2, heap.GetStats().BlocksInUse);

        // Still consistent: b comes back first, everything frees.
        Assert.Equal((nint)b, (nint)heap.Allocate(32));
        heap.Free(a);
        heap.Free(b);
        heap.Free(c);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void FreeingTheLastBlockOfAPoolTwiceThrows(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();

        // The only block of the only pool.
        void* only = heap.Allocate(64);
        heap.Free(only);
        Assert.Throws<ArgumentException>(() => heap.Free(only));
        Assert.Throws<ArgumentException>(() => { heap.UsableSize(only); });

        // The only block of a second pool of a class whose first pool is full.
        List<nint> first = FillOnePool(heap, g, 64, out nint spill);
        heap.Free((void*)spill);
        Assert.Throws<ArgumentException>(() => heap.Free((void*)spill));
        Assert.Equal(first.Count, heap.GetStats().SizeClasses[g.ClassOf(64)].BlocksInUse);
        foreach (nint p in first)
        {
            heap.Free((void*)p);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
        Assert.Throws<ArgumentException>(() => heap.Free((void*)first[^1]));
    }

    [Theory]
    [InlineData(nameof(DefaultHeap))]
    [InlineData(nameof(IrregularHeap))]
    public void FreeingAnInteriorPointerThrows(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var a = (byte*)heap.Allocate(32);
        var b = (byte*)heap.Allocate(32);
        var c = (byte*)heap.Allocate(32);
        var large = (byte*)heap.Allocate(2000);
        Assert.Equal((nuint)32, heap.UsableSize(b));

        Assert.Throws<ArgumentException>(() => heap.Free(b + 8));
        Assert.Throws<ArgumentException>(() => heap.Free(b + 1));
        Assert.Throws<ArgumentException>(() => heap.Free(large + 16));
        Assert.Equal(4, heap.GetStats().BlocksInUse);

        heap.Free(a);
        heap.Free(b);
        heap.Free(c);
        heap.Free(large);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    /// <summary>
    /// An interior pointer at a multiple of the alignment (block + 8 at alignment 8, block + 16 of a 48-byte block at
    /// alignment 16) passes any alignment test: <c>Free</c>'s fast path must reject it by the divisibility test against
    /// the block size, or it would be pushed on the free list as if it were a block, and the next allocation would
    /// hand out memory overlapping a live block. It throws ArgumentException and the heap is unchanged.
    /// </summary>
    [Theory]
    [InlineData(nameof(SmallPoolHeap), 32, 8)]
    [InlineData(nameof(DefaultHeap), 48, 16)]
    [InlineData(nameof(IrregularHeap), 128, 64)]
    public void FreeingAnInteriorPointerAtAnAlignedOffsetThrows(string configuration, int size, int offset)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var a = (byte*)heap.Allocate((nuint)size);
        var b = (byte*)heap.Allocate((nuint)size);
        var c = (byte*)heap.Allocate((nuint)size);
        Assert.Equal(0, offset % g.Alignment);

        Assert.Throws<ArgumentException>(() => heap.Free(b + offset));
        Assert.Equal(3, heap.GetStats().BlocksInUse);
        heap.Free(a);
        heap.Free(b);
        heap.Free(c);
    }

    /// <summary>
    /// The heap writes into a block only when it is freed: handing out never-used blocks (the frontier) reads and
    /// writes nothing in them, so their pages stay untouched until the program uses them. A canary written into the
    /// frontier block before it is handed out survives both the handout of the block before it and its own.
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void NeverUsedBlocksAreHandedOutUntouched(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        int blockSize = g.Classes[g.ClassOf(40)];
        var first = (byte*)heap.Allocate(40);
        byte* frontier = first + blockSize;

        // The frontier and the block after it are not live yet, but they lie in the heap's pool: a test may scribble
        // on them. Handing out the frontier must neither follow a link in it nor write one into the next block.
        new Span<byte>(frontier, 2 * blockSize).Fill(0x5A);
        var second = (byte*)heap.Allocate(40);
        Assert.Equal((nint)frontier, (nint)second);
        Assert.True(new Span<byte>(second, 2 * blockSize).IndexOfAnyExcept((byte)0x5A) < 0, "the heap wrote into a never-used block");
        var third = (byte*)heap.Allocate(40);
        Assert.Equal((nint)(second + blockSize), (nint)third);
        heap.Free(third);

        // A freed block does carry the link; once handed out again, its contents are the program's.
        heap.Free(first);
        var again = (byte*)heap.Allocate(40);
        Assert.Equal((nint)first, (nint)again);
        heap.Free(again);
        heap.Free(second);
    }

    /// <summary>
    /// Pool headers live in a table at the start of each arena. Every address in it is aligned and inside the arena,
    /// so only the header checks stand between a bad free and a header pushed on a free list: the slot of a live
    /// pool (aligned to 64), the start of the arena, and the last byte of the table's pools are all rejected.
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void FreeingAnAddressInTheHeaderTableThrows(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var a = (byte*)heap.Allocate(32);
        var b = (byte*)heap.Allocate(32);
        var c = (byte*)heap.Allocate(32);
        var arena = (byte*)((nint)b & ~(nint)(g.ArenaSize - 1));
        var slot = (byte*)g.HeaderSlotOf((nint)b);
        byte* tableEnd = arena + (g.HeaderPoolsPerArena * g.PoolSize) - g.Alignment;
        Assert.True(heap.Owns(slot));
        Assert.True(slot < tableEnd);

        Assert.Throws<ArgumentException>(() => heap.Free(slot));
        Assert.Throws<ArgumentException>(() => heap.Free(arena));
        Assert.Throws<ArgumentException>(() => heap.Free(tableEnd));
        Assert.Equal(3, heap.GetStats().BlocksInUse);
        heap.Free(a);
        heap.Free(b);
        heap.Free(c);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AFailedSystemAllocationLeavesTheHeapAndTheOldBlockIntact(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        nuint huge = (nuint)1 << 62;
        var large = (byte*)heap.Allocate(1000);
        var small = (byte*)heap.Allocate(100);
        Sequence(large, 1000, 3);
        Sequence(small, 100, 5);

        Assert.Throws<OutOfMemoryException>(() => { heap.Allocate(huge); });
        Assert.Throws<OutOfMemoryException>(() => { heap.AllocateZeroed(1, huge); });
        Assert.Throws<OutOfMemoryException>(() => { heap.Reallocate(large, huge); });
        Assert.Throws<OutOfMemoryException>(() => { heap.Reallocate(small, huge); });

        Assert.Equal((nuint)1000, heap.UsableSize(large));
        AssertSequence(large, 1000, 3);
        AssertSequence(small, 100, 5);
        AllocatorStats stats = heap.GetStats();
        Assert.Equal(2, stats.BlocksInUse);
        Assert.Equal(1, stats.LargeBlocks);
        Assert.Equal(1000, stats.LargeBytes);
        heap.Free(large);
        heap.Free(small);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Disposal
    // -------------------------------------------------------------------------------------------------------------

    [Fact]
    public void EveryMemberThrowsAfterDispose()
    {
        var heap = new DefaultHeap();
        void* small = heap.Allocate(32);
        void* large = heap.Allocate(5000);
        Assert.True(heap.Owns(small));
        heap.Dispose();

        Assert.Throws<ObjectDisposedException>(() => { heap.Allocate(32); });
        Assert.Throws<ObjectDisposedException>(() => { heap.Allocate(0); });
        Assert.Throws<ObjectDisposedException>(() => { heap.Allocate(5000); });
        Assert.Throws<ObjectDisposedException>(() => { heap.Allocate<Size16>(); });
        Assert.Throws<ObjectDisposedException>(() => { heap.Allocate<Size513>(); });
        Assert.Throws<ObjectDisposedException>(() => heap.Free(small));
        Assert.Throws<ObjectDisposedException>(() => heap.Free(large));
        Assert.Throws<ObjectDisposedException>(() => { heap.Reallocate(small, 64); });
        Assert.Throws<ObjectDisposedException>(() => { heap.Reallocate(small, 16); });
        Assert.Throws<ObjectDisposedException>(() => { heap.Reallocate(large, 10); });
        Assert.Throws<ObjectDisposedException>(() => { heap.Reallocate(null, 16); });
        Assert.Throws<ObjectDisposedException>(() => { heap.Reallocate(null, 5000); });
        Assert.Throws<ObjectDisposedException>(() => { heap.UsableSize(small); });
        Assert.Throws<ObjectDisposedException>(() => { heap.UsableSize(large); });
        Assert.Throws<ObjectDisposedException>(() => { heap.AllocateZeroed(4, 4); });
        Assert.Throws<ObjectDisposedException>(() => { heap.AllocateZeroed(1, 5000); });
        Assert.Throws<ObjectDisposedException>(() => heap.Owns(small));
        Assert.Throws<ObjectDisposedException>(() => heap.Owns(large));
        Assert.Throws<ObjectDisposedException>(() => heap.Owns(null));
        Assert.Throws<ObjectDisposedException>(() => heap.GetStats());
        Assert.Throws<ObjectDisposedException>(() => heap.Trim());
        Assert.Throws<ObjectDisposedException>(() => heap.ReusePolicy = AllocGen.Pools.PoolReusePolicy.Compact);

        heap.Dispose();
        Assert.Throws<ObjectDisposedException>(() => { heap.Allocate(32); });
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void EveryInterfaceMemberThrowsAfterDispose(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        IAllocator heap = g.Create();
        void* small = heap.Allocate(8);
        void* large = heap.Allocate((nuint)g.Threshold + 1);
        heap.Dispose();
        heap.Dispose();

        foreach (nuint size in new nuint[] { 0, 1, (nuint)g.Threshold, (nuint)g.Threshold + 1 })
        {
            Assert.Throws<ObjectDisposedException>(() => { heap.Allocate(size); });
            Assert.Throws<ObjectDisposedException>(() => { heap.AllocateZeroed(1, size); });
            Assert.Throws<ObjectDisposedException>(() => { heap.Reallocate(null, size); });
            Assert.Throws<ObjectDisposedException>(() => { heap.Reallocate(small, size); });
            Assert.Throws<ObjectDisposedException>(() => { heap.Reallocate(large, size); });
        }

        Assert.Throws<ObjectDisposedException>(() => heap.Free(small));
        Assert.Throws<ObjectDisposedException>(() => heap.Free(large));
        Assert.Throws<ObjectDisposedException>(() => { heap.UsableSize(small); });
        Assert.Throws<ObjectDisposedException>(() => { heap.UsableSize(large); });
        Assert.Throws<ObjectDisposedException>(() => heap.Owns(small));
        Assert.Throws<ObjectDisposedException>(() => heap.Owns(large));
        Assert.Throws<ObjectDisposedException>(() => heap.GetStats());

        // Another instance of the same type is not affected.
        using IAllocator fresh = g.Create();
        fresh.Free(fresh.Allocate(8));
    }

    // -------------------------------------------------------------------------------------------------------------
    // Reallocate
    // -------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ReallocateNullAllocates(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        void* small = heap.Reallocate(null, 20);
        void* large = heap.Reallocate(null, 4000);
        Assert.True(heap.Owns(small));
        Assert.True(heap.Owns(large));
        Assert.Equal((nuint)g.Classes[g.ClassOf(20)], heap.UsableSize(small));
        Assert.Equal((nuint)4000, heap.UsableSize(large));
        Assert.Equal(2, heap.GetStats().BlocksInUse);
        heap.Free(small);
        heap.Free(large);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ReallocateSmallToLargeToSmallPreservesContents(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var p = (byte*)heap.Allocate(100);
        Sequence(p, 100, 0);

        var large = (byte*)heap.Reallocate(p, 3000);
        Assert.NotEqual((nint)p, (nint)large);
        Assert.Equal((nuint)3000, heap.UsableSize(large));
        AssertSequence(large, 100, 0);
        Sequence(large, 3000, 7);
        Assert.Equal(1, heap.GetStats().LargeBlocks);
        Assert.Equal(0, heap.GetStats().SizeClasses.Sum(c => c.BlocksInUse));

        var bigger = (byte*)heap.Reallocate(large, 4090);
        AssertSequence(bigger, 3000, 7);
        Assert.Equal(4090, heap.GetStats().LargeBytes);

        var small = (byte*)heap.Reallocate(bigger, 200);
        Assert.True(heap.Owns(small));
        Assert.Equal((nuint)g.Classes[g.ClassOf(200)], heap.UsableSize(small));
        AssertSequence(small, 200, 7);
        Assert.Equal(0, heap.GetStats().LargeBlocks);
        Assert.Equal(1, heap.GetStats().BlocksInUse);

        // Within the class: same pointer, same bytes.
        nuint sameClass = (nuint)g.Classes[g.ClassOf(200)];
        Assert.Equal((nint)small, (nint)heap.Reallocate(small, sameClass));
        AssertSequence(small, 200, 7);
        heap.Free(small);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Independence, pools and arenas
    // -------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Configurations))]
    public void TwoHeapsAreIndependent(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator first = g.Create();
        using IAllocator second = g.Create();
        void* a = first.Allocate(24);
        void* aLarge = first.Allocate(1000);
        void* b = second.Allocate(24);
        void* bLarge = second.Allocate(1000);

        Assert.True(first.Owns(a) && first.Owns(aLarge));
        Assert.True(second.Owns(b) && second.Owns(bLarge));
        Assert.False(first.Owns(b) || first.Owns(bLarge));
        Assert.False(second.Owns(a) || second.Owns(aLarge));
        Assert.Throws<ArgumentException>(() => second.Free(a));

        var more = new List<nint>();
        for (int i = 0; i < 2000; i++)
        {
            more.Add((nint)second.Allocate(24));
        }

        Assert.Equal(2, first.GetStats().BlocksInUse);
        Assert.Equal(2002, second.GetStats().BlocksInUse);
        foreach (nint p in more)
        {
            second.Free((void*)p);
        }

        first.Free(a);
        first.Free(aLarge);
        second.Free(b);
        second.Free(bLarge);
        Assert.Equal(0, first.GetStats().BlocksInUse);
        Assert.Equal(0, second.GetStats().BlocksInUse);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void APoolThatWasFullRejoinsItsClassBehindThePoolsWithFreeBlocks(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        List<nint> full = FillOnePool(heap, g, 32, out nint spill);
        Assert.True(full.Count > 2);
        Assert.Equal(full.Count + 1, heap.GetStats().SizeClasses[g.ClassOf(32)].BlocksInUse);
        Assert.Equal(2, heap.GetStats().SizeClasses[g.ClassOf(32)].Pools);
        nint poolMask = ~(nint)(g.PoolSize - 1);
        nint firstPool = full[0] & poolMask;
        nint secondPool = spill & poolMask;

        // The first pool is full; a block freed into it puts it back at the end of the class's list, so the
        // second pool (which has free blocks) keeps serving instead of the first filling again at once.
        nint freed = full[full.Count / 2];
        heap.Free((void*)freed);
        var fromSecond = new List<nint>();
        nint next;
        while (((next = (nint)heap.Allocate(32)) & poolMask) == secondPool)
        {
            fromSecond.Add(next);
        }

        // Once the second pool is full, the freed block of the first is the next one served.
        Assert.Equal(full.Count, fromSecond.Count + 1);
        Assert.Equal(freed, next);
        Assert.Equal(firstPool, next & poolMask);

        heap.Free((void*)next);
        heap.Free((void*)spill);
        foreach (nint p in fromSecond)
        {
            heap.Free((void*)p);
        }

        foreach (nint p in full)
        {
            if (p != freed)
            {
                heap.Free((void*)p);
            }
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AFullyFreedArenaIsKeptAsASpareAndASecondOneIsReleased(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        nuint size = (nuint)g.Threshold;
        nint arenaMask = ~(nint)(g.ArenaSize - 1);

        // Fill two arenas and start a third.
        var byArena = new List<List<nint>>();
        while (byArena.Count < 3)
        {
            var p = (nint)heap.Allocate(size);
            if (byArena.Count == 0 || (byArena[^1][0] & arenaMask) != (p & arenaMask))
            {
                byArena.Add(new List<nint>());
            }

            byArena[^1].Add(p);
        }

        AssertArenas(heap.GetStats(), current: 3, allocated: 3, released: 0);
        Assert.Single(byArena[2]);

        foreach (nint p in byArena[0])
        {
            heap.Free((void*)p);
        }

        AllocatorStats stats = heap.GetStats();
        AssertArenas(stats, current: 3, allocated: 3, released: 0);
        Assert.Equal(g.PoolsPerArena + g.PoolsPerArena - 1, stats.PoolsFree + stats.PoolsRetained);
        Assert.True(heap.Owns((void*)byArena[0][0]));

        foreach (nint p in byArena[1])
        {
            heap.Free((void*)p);
        }

        // Two idle arenas: one goes back to the OS (which one is the heap's policy), the other stays as the spare.
        AssertArenas(heap.GetStats(), current: 2, allocated: 3, released: 1);
        bool keptFirst = heap.Owns((void*)byArena[0][0]);
        bool keptSecond = heap.Owns((void*)byArena[1][0]);
        Assert.True(keptFirst != keptSecond, $"owns first idle arena: {keptFirst}, second: {keptSecond}");
        List<nint> released = keptFirst ? byArena[1] : byArena[0];
        Assert.Throws<ArgumentException>(() => heap.Free((void*)released[^1]));
        Assert.Throws<ArgumentException>(() => { heap.UsableSize((void*)released[0]); });

        heap.Free((void*)byArena[2][0]);
        stats = heap.GetStats();
        AssertArenas(stats, current: 1, allocated: 3, released: 2);
        Assert.Equal(g.PoolsPerArena, stats.PoolsFree + stats.PoolsRetained);
        Assert.Equal(0, stats.PoolsInUse);
        Assert.Equal(Math.Max(g.ArenaSize, Environment.SystemPageSize), stats.BytesReserved);
        Assert.Equal(3, stats.ArenasHighWater);
        Assert.Equal(1, new[] { byArena[0][0], byArena[1][0], byArena[2][0] }.Count(p => heap.Owns((void*)p)));

        // The spare serves the next allocations: no new arena.
        void* again = heap.Allocate(size);
        AssertArenas(heap.GetStats(), current: 1, allocated: 3, released: 2);
        heap.Free(again);
        Assert.Equal(1, heap.GetStats().ArenasCurrent);
    }

    /// <summary>
    /// When a full pool gets a block back and rejoins its class while the class's only other pool is its retained,
    /// empty one, that pool stops being retained and must go back to its arena: left in the used list with Count 0
    /// and Retained 0, the statistics would count it as neither in use, retained nor free. Every pool of every arena
    /// held is counted exactly once, through each step.
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void EveryPoolOfAHeldArenaIsInUseRetainedOrFree(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        List<nint> full = FillOnePool(heap, g, 32, out nint spill);
        heap.Free((void*)spill);       // the second pool empties while it is the only pool in its class's list
        AssertPoolsAccounted(heap.GetStats(), g, "after the second pool emptied");
        heap.Free((void*)full[1]);     // the full pool rejoins its class, and the retained empty one goes back
        AssertPoolsAccounted(heap.GetStats(), g, "after the full pool got a block back");
        foreach (nint p in full)
        {
            if (p != full[1])
            {
                heap.Free((void*)p);
            }
        }

        AssertPoolsAccounted(heap.GetStats(), g, "after everything was freed");
    }

    /// <summary>
    /// The same, end to end over two arenas: an arena whose only non-free pool were an empty pool left unretained in
    /// its class's list would never count as idle, so a heap whose blocks were all freed would keep more than one
    /// arena. It holds at most one.
    /// </summary>
    [Fact]
    public void AHeapWhoseBlocksWereAllFreedHoldsAtMostOneArena()
    {
        HeapGeometry g = HeapGeometry.SmallPool;
        using IAllocator heap = g.Create();
        nint arenaMask = ~(nint)(g.ArenaSize - 1);
        var fillers = new List<nint>();
        var pools = new List<(List<nint> Full, nint Spill)>();

        // In each of two arenas: one class with a full pool and a second pool holding one block.
        pools.Add((FillOnePool(heap, g, 64, out nint spillA), spillA));
        nint firstArena = spillA & arenaMask;
        while (true)
        {
            var p = (nint)heap.Allocate((nuint)g.Threshold);
            fillers.Add(p);
            if ((p & arenaMask) != firstArena)
            {
                break;
            }
        }

        pools.Add((FillOnePool(heap, g, 128, out nint spillB), spillB));
        Assert.NotEqual(firstArena, spillB & arenaMask);
        Assert.Equal(2, heap.GetStats().ArenasCurrent);

        foreach ((List<nint> full, nint spill) in pools)
        {
            heap.Free((void*)spill);
            foreach (nint p in full)
            {
                heap.Free((void*)p);
            }
        }

        foreach (nint p in fillers)
        {
            heap.Free((void*)p);
        }

        AllocatorStats stats = heap.GetStats();
        Assert.Equal(0, stats.BlocksInUse);
        Assert.True(stats.ArenasCurrent <= 1, $"{stats.ArenasCurrent} arenas held with no live block:{Environment.NewLine}{stats}");
    }

    // -------------------------------------------------------------------------------------------------------------
    // The generated layout constants and the runtime's arena layout
    // -------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// The first block of a fresh heap is the first byte of the first pool after the header table, and a pool holds
    /// PoolSize / blockSize blocks, as the generated constants (and the generator's PoolHeaderSize) say.
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void PoolsHoldWhatTheGeneratedConstantsSay(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        void* first = heap.Allocate(1);
        nuint offsetInArena = (nuint)first & (nuint)(g.ArenaSize - 1);
        SizeClassStats c = heap.GetStats().SizeClasses[0];
        heap.Free(first);

        Assert.Equal((nuint)(g.HeaderPoolsPerArena * g.PoolSize), offsetInArena);
        Assert.Equal(g.BlocksPerPool(0), c.BlocksInUse + c.FreeBlocks);
        Assert.Equal(g.ArenaSize / g.PoolSize, g.PoolsPerArena + g.HeaderPoolsPerArena);
        Assert.True(g.ArenaSize / g.PoolSize * 64 <= g.HeaderPoolsPerArena * g.PoolSize, "the header table does not fit its pools");
    }

    /// <summary>
    /// The memory-safety side of the one above: the largest threshold the generator accepts (the pool size) gives
    /// blocks that fill their pools exactly, each in its own pool, and they can be written end to end.
    /// </summary>
    [Fact]
    public void ABlockOfTheLargestClassStaysInsideItsPool()
    {
        using var heap = new PoolFillingHeap();
        Assert.Equal(4096, PoolFillingHeap.SmallRequestThreshold);
        var q = (byte*)heap.Allocate(PoolFillingHeap.SmallRequestThreshold);
        new Span<byte>(q, PoolFillingHeap.SmallRequestThreshold).Fill(0xAB);
        void* p = heap.Allocate(PoolFillingHeap.SmallRequestThreshold);
        new Span<byte>(p, PoolFillingHeap.SmallRequestThreshold).Fill(0xCD);
        Assert.Equal(0, ((nint)p - (nint)q) % PoolFillingHeap.PoolSize);
        Assert.True(new Span<byte>(q, PoolFillingHeap.SmallRequestThreshold).IndexOfAnyExcept((byte)0xAB) < 0);
        heap.Free(q);
        nuint offset = (nuint)p & (PoolFillingHeap.PoolSize - 1);
        nuint end = offset + heap.UsableSize(p);
        SizeClassStats c = heap.GetStats().SizeClasses[PoolFillingHeap.SizeClassCount - 1];
        heap.Free(p);

        Assert.True(end <= PoolFillingHeap.PoolSize, $"the block spans pool offsets [{offset}, {end}) of a {PoolFillingHeap.PoolSize}-byte pool");
        Assert.True(c.FreeBlocks >= 0, $"{c.FreeBlocks} free blocks");
    }

    // -------------------------------------------------------------------------------------------------------------
    // Helpers
    // -------------------------------------------------------------------------------------------------------------

    /// <summary>Allocates blocks of one size in a fresh class until one lands in a second pool.</summary>
    private static List<nint> FillOnePool(IAllocator heap, HeapGeometry g, nuint size, out nint spill)
    {
        nint poolMask = ~(nint)(g.PoolSize - 1);
        var blocks = new List<nint> { (nint)heap.Allocate(size) };
        while (true)
        {
            var p = (nint)heap.Allocate(size);
            if ((p & poolMask) != (blocks[0] & poolMask))
            {
                spill = p;
                return blocks;
            }

            blocks.Add(p);
        }
    }

    private static void AssertPoolsAccounted(AllocatorStats stats, HeapGeometry g, string when)
    {
        long total = stats.ArenasCurrent * g.PoolsPerArena;
        long accounted = stats.PoolsInUse + stats.PoolsRetained + stats.PoolsFree;
        Assert.True(
            accounted == total,
            $"{when}: {stats.PoolsInUse} in use + {stats.PoolsRetained} retained + {stats.PoolsFree} free = {accounted}, but {stats.ArenasCurrent} arena(s) hold {total} pools");
    }

    private static void AssertArenas(AllocatorStats stats, long current, long allocated, long released)
    {
        Assert.Equal(current, stats.ArenasCurrent);
        Assert.Equal(allocated, stats.ArenasAllocated);
        Assert.Equal(released, stats.ArenasReleased);
        Assert.True(stats.ArenasCurrent <= stats.ArenasHighWater);
        Assert.Equal((stats.ArenasCurrent * Math.Max(stats.ArenaSize, Environment.SystemPageSize)) + stats.LargeBytes, stats.BytesReserved);
    }

    private static void Sequence(byte* p, int length, int start)
    {
        for (int i = 0; i < length; i++)
        {
            p[i] = (byte)((i * 7) + start);
        }
    }

    private static void AssertSequence(byte* p, int length, int start)
    {
        for (int i = 0; i < length; i++)
        {
            if (p[i] != (byte)((i * 7) + start))
            {
                Assert.Fail($"byte {i} is {p[i]}, expected {(byte)((i * 7) + start)}");
            }
        }
    }
}
