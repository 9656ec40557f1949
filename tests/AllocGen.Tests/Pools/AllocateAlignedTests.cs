using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// <c>IAllocator.AllocateAligned</c> on the generated pool allocators: an over-aligned request is served by the
/// smallest class whose block size is a multiple of the alignment (blocks sit at multiples of their size from a
/// pool-aligned base), else by the system allocator with that alignment; the block is freed like any other.
/// </summary>
public sealed unsafe class AllocateAlignedTests
{
    [Theory]
    [InlineData(nameof(DefaultHeap))]
    [InlineData(nameof(SmallPoolHeap))]
    [InlineData(nameof(IrregularHeap))]
    public void EveryBlockIsAlignedAndComesFromTheFirstClassThatCanServeIt(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        var live = new List<nint>();
        for (nuint alignment = 1; alignment <= 4096; alignment *= 2)
        {
            foreach (nuint size in new nuint[] { 0, 1, 8, 24, 100, (nuint)g.Threshold, (nuint)g.Threshold + 1, 5000 })
            {
                long largeBefore = heap.GetStats().LargeBlocks;
                byte* p = (byte*)heap.AllocateAligned(size, alignment);
                long largeAdded = heap.GetStats().LargeBlocks - largeBefore;
                Assert.True((nuint)p % alignment == 0, $"{(nuint)p:X} is not aligned to {alignment} (size {size})");
                int expectedClass = Array.FindIndex(g.Classes, c => (nuint)c >= size && (nuint)c % alignment == 0);
                nuint usable = heap.UsableSize(p);
                if (expectedClass >= 0)
                {
                    Assert.Equal((nuint)g.Classes[expectedClass], usable);
                    Assert.Equal(0, largeAdded);
                }
                else
                {
                    Assert.True(usable >= size, $"usable {usable} < {size}");
                    Assert.Equal(1, largeAdded);
                }

                new Span<byte>(p, (int)size).Fill(0x5A);
                live.Add((nint)p);
            }
        }

        Assert.Equal(live.Count, live.Distinct().Count());
        foreach (nint p in live)
        {
            heap.Free((void*)p);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    [InlineData(48u)]
    public void AnAlignmentThatIsNotAPowerOfTwoIsRejected(uint alignment)
    {
        using var heap = new DefaultHeap();
        using var system = new SystemAllocator();
        Assert.Throws<ArgumentException>(() => heap.AllocateAligned(16, alignment));
        Assert.Throws<ArgumentException>(() => system.AllocateAligned(16, alignment));
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void BlockAlignmentIsTheDeclaredAlignmentAndTheDebugHooksKeepIt()
    {
        using var small = new SmallPoolHeap();
        using var filling = new PoolFillingHeap();
        using var system = new SystemAllocator();
        Assert.Equal((nuint)SmallPoolHeap.Alignment, ((IAllocator)small).BlockAlignment);
        Assert.Equal((nuint)PoolFillingHeap.Alignment, ((IAllocator)filling).BlockAlignment);
        Assert.Equal((nuint)(2 * sizeof(nint)), ((IAllocator)system).BlockAlignment);

        using var hooked = new DebugAllocator(filling, AllocDomain.Mem);
        Assert.Equal((nuint)PoolFillingHeap.Alignment, hooked.BlockAlignment);
        void* p = hooked.Allocate(5);
        Assert.Equal(0u, (nuint)p % (nuint)PoolFillingHeap.Alignment);
        hooked.Free(p);
    }

    [Fact]
    public void IsThreadSafeFollowsTheThreadPolicy()
    {
        using var single = new DefaultHeap();
        using var perThread = new PerThreadSmallPoolHeap();
        using var system = new SystemAllocator();
        Assert.False(single.IsThreadSafe);
        Assert.True(perThread.IsThreadSafe);
        Assert.True(system.IsThreadSafe);
    }
}
