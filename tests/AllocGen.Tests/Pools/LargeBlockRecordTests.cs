using AllocGen.Memory;
using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// Large blocks are recorded before they are committed: the record table makes room before the system allocator is
/// asked, so when the table cannot grow (made to fail here through a test hook) nothing is allocated, and a resize
/// never loses the record of the block it moved.
/// </summary>
public sealed unsafe class LargeBlockRecordTests
{
    /// <summary>Records a fresh table holds before its first growth (64 slots, at most half of them used).</summary>
    private const int RecordsBeforeGrowth = 32;

    [Theory]
    [InlineData(nameof(DefaultHeap))]
    [InlineData(nameof(SmallPoolHeap))]
    public void WhenTheTableCannotGrowNothingIsAllocatedOrLost(string configuration)
    {
        HeapGeometry g = HeapGeometry.Named(configuration);
        using IAllocator heap = g.Create();
        nuint size = (nuint)g.Threshold + 100;
        var blocks = new List<nint>();
        for (int i = 0; i < RecordsBeforeGrowth; i++)
        {
            var p = (byte*)heap.Allocate(size);
            new Span<byte>(p, (int)size).Fill((byte)i);
            blocks.Add((nint)p);
        }

        var small = (byte*)heap.Allocate(64);
        new Span<byte>(small, 64).Fill(0xEE);
        string before = heap.GetStats().ToString();

        using (GrowthFails())
        {
            // The table is full to its growth point: one more large block needs a larger table.
            OutOfMemoryException e = Assert.Throws<OutOfMemoryException>(() => { heap.Allocate(size); });
            Assert.Contains("Injected", e.Message, StringComparison.Ordinal);

            // The room is made before the system is asked: a request the system would refuse fails on the table
            // first, so no request can reach the system and then go unrecorded.
            e = Assert.Throws<OutOfMemoryException>(() => { heap.Allocate((nuint)1 << 62); });
            Assert.Contains("Injected", e.Message, StringComparison.Ordinal);

            // Growing a small block into a large one needs a record too: the small block stays as it was.
            Assert.Throws<OutOfMemoryException>(() => { heap.Reallocate(small, size); });
            Assert.Equal(before, heap.GetStats().ToString());
            Assert.True(new Span<byte>(small, 64).IndexOfAnyExcept((byte)0xEE) < 0);

            // A large block that moves swaps its record for another: no room needed, nothing lost.
            for (int i = 0; i < blocks.Count; i++)
            {
                nuint newSize = size * (nuint)(2 + (i % 3));
                var moved = (byte*)heap.Reallocate((void*)blocks[i], newSize);
                Assert.True(new Span<byte>(moved, (int)size).IndexOfAnyExcept((byte)i) < 0, $"block {i} lost its contents");
                Assert.Equal(newSize, heap.UsableSize(moved));
                Assert.True(moved == (byte*)blocks[i] || !heap.Owns((void*)blocks[i]), $"block {i} moved but its old address is still recorded");
                blocks[i] = (nint)moved;
            }

            // A move the system refuses leaves the block where it was, recorded and intact.
            Assert.Throws<OutOfMemoryException>(() => { heap.Reallocate((void*)blocks[0], (nuint)1 << 62); });
            Assert.Equal(size * 2, heap.UsableSize((void*)blocks[0]));
            Assert.True(new Span<byte>((void*)blocks[0], (int)size).IndexOfAnyExcept((byte)0) < 0);
        }

        AllocatorStats stats = heap.GetStats();
        Assert.Equal(RecordsBeforeGrowth, stats.LargeBlocks);
        Assert.Equal(Enumerable.Range(0, RecordsBeforeGrowth).Sum(i => (long)size * (2 + (i % 3))), stats.LargeBytes);

        // The table grows again once it can, and every block frees.
        void* more = heap.Allocate(size);
        Assert.Equal(RecordsBeforeGrowth + 1, heap.GetStats().LargeBlocks);
        heap.Free(more);
        foreach (nint p in blocks)
        {
            heap.Free((void*)p);
        }

        heap.Free(small);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void AFreshHeapWhoseTableCannotGrowAllocatesNoLargeBlock()
    {
        using var heap = new DefaultHeap();
        using (GrowthFails())
        {
            Assert.Throws<OutOfMemoryException>(() => { heap.Allocate(5000); });
            Assert.Throws<OutOfMemoryException>(() => { heap.AllocateZeroed(10, 500); });
            Assert.Throws<OutOfMemoryException>(() => { heap.Reallocate(null, 5000); });

            // Pool blocks need no record.
            heap.Free(heap.Allocate(100));
        }

        Assert.Equal(0, heap.GetStats().LargeBlocks);
        heap.Free(heap.Allocate(5000));
    }

    private static GrowthFailure GrowthFails() => new();

    private readonly struct GrowthFailure : IDisposable
    {
        public GrowthFailure() => LargeBlockTable.t_growthFailsForTesting = true;

        public void Dispose() => LargeBlockTable.t_growthFailsForTesting = false;
    }
}
