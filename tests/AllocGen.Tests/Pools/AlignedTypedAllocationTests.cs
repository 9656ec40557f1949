using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// Size classes that are all odd multiples of 8, so no block of a pool is aligned beyond 8 bytes at every index, and no
/// medium tier (whose classes would serve them): a <c>T</c> aligned to 16 or more can only be served by the system allocator.
/// </summary>
[PoolAllocator(PoolSize = 4096, ArenaSize = 64 * 1024, Alignment = 8, SmallRequestThreshold = 520, MediumRequestThreshold = 0)]
[SizeClasses(8, 24, 40, 72, 136, 264, 520)]
public sealed partial class OddClassHeap
{
}

/// <summary><see cref="OddClassHeap"/>'s classes with the default medium tier (to 4 KiB in 64 KiB arenas).</summary>
[PoolAllocator(PoolSize = 4096, ArenaSize = 64 * 1024, Alignment = 8, SmallRequestThreshold = 520)]
[SizeClasses(8, 24, 40, 72, 136, 264, 520)]
public sealed partial class OddClassTierHeap
{
}

/// <summary>Alignment 16 with a 48-byte class: its blocks at odd indexes sit at 16 mod 32.</summary>
[PoolAllocator(ArenaSize = 256 * 1024)]
[SizeClasses(16, 48, 64, 96, 128, 512)]
public sealed partial class SkipClassHeap
{
}

/// <summary>
/// <c>Allocate&lt;T&gt;</c> honours <c>T</c>'s alignment when it exceeds the heap's: the smallest class that holds
/// <c>T</c> and whose block size is a multiple of its alignment, else the system allocator with that alignment.
/// </summary>
public sealed unsafe class AlignedTypedAllocationTests
{
#pragma warning disable CS0649 // The test types' fields exist only for their layout.
    private struct Aligned32
    {
        public Vector256<byte> Value;
    }

    /// <summary>Size 64, alignment 32.</summary>
    private struct Aligned32Wide
    {
        public Vector256<byte> Value;
        public byte Tag;
    }

    /// <summary>Size 544, alignment 32: above every threshold here.</summary>
    [InlineArray(17)]
    private struct Aligned32Large
    {
        private Vector256<byte> _element;
    }

    /// <summary>Size 96, alignment 32.</summary>
    [InlineArray(3)]
    private struct Aligned32Triple
    {
        private Vector256<byte> _element;
    }

    /// <summary>Size 32, alignment 16.</summary>
    private struct Aligned16
    {
        public Int128 Value;
        public long Tag;
    }
#pragma warning restore CS0649

    [Fact]
    public void TheTestTypesHaveTheAlignmentsTheTestsNeed()
    {
        Assert.Equal((nuint)32, TypeLayout.AlignmentOf<Aligned32>());
        Assert.Equal((nuint)32, TypeLayout.AlignmentOf<Aligned32Wide>());
        Assert.Equal((nuint)32, TypeLayout.AlignmentOf<Aligned32Large>());
        Assert.Equal((nuint)32, TypeLayout.AlignmentOf<Aligned32Triple>());
        Assert.Equal((nuint)16, TypeLayout.AlignmentOf<Aligned16>());
        Assert.Equal(new[] { 32, 64, 544, 96, 32 }, new[] { sizeof(Aligned32), sizeof(Aligned32Wide), sizeof(Aligned32Large), sizeof(Aligned32Triple), sizeof(Aligned16) });
        Assert.Equal((nuint)1, TypeLayout.AlignmentOf<byte>());
        Assert.Equal((nuint)8, TypeLayout.AlignmentOf<long>());
        Assert.Equal(TypeLayout.AlignmentOf<Int128>(), AllocGen.Arenas.BumpArenaCore.AlignmentOf<Int128>());
    }

    [Fact]
    public void OverAlignedTypesAreAlignedOnAHeapOfAlignment8()
    {
        using var heap = new SmallPoolHeap();
        Assert.Equal(8, SmallPoolHeap.Alignment);
        int threshold = SmallPoolHeap.SmallRequestThreshold;
        Check<Aligned32>(heap, threshold, () => (nint)heap.Allocate<Aligned32>(), expectedUsable: 32);
        Check<Aligned32Wide>(heap, threshold, () => (nint)heap.Allocate<Aligned32Wide>(), expectedUsable: 64);
        Check<Aligned32Triple>(heap, threshold, () => (nint)heap.Allocate<Aligned32Triple>(), expectedUsable: 96);
        Check<Aligned16>(heap, threshold, () => (nint)heap.Allocate<Aligned16>(), expectedUsable: 32);
        Check<Aligned32Large>(heap, threshold, () => (nint)heap.Allocate<Aligned32Large>(), expectedUsable: 544, large: true);
    }

    [Fact]
    public void OverAlignedTypesAreAlignedOnAHeapOfAlignment16()
    {
        using var heap = new DefaultHeap();
        Assert.Equal(16, DefaultHeap.Alignment);
        int threshold = DefaultHeap.SmallRequestThreshold;
        Check<Aligned32>(heap, threshold, () => (nint)heap.Allocate<Aligned32>(), expectedUsable: 32);
        Check<Aligned32Wide>(heap, threshold, () => (nint)heap.Allocate<Aligned32Wide>(), expectedUsable: 64);
        Check<Aligned32Triple>(heap, threshold, () => (nint)heap.Allocate<Aligned32Triple>(), expectedUsable: 96);
        Check<Aligned16>(heap, threshold, () => (nint)heap.Allocate<Aligned16>(), expectedUsable: 32);
        Check<Aligned32Large>(heap, threshold, () => (nint)heap.Allocate<Aligned32Large>(), expectedUsable: 544, large: true);
    }

    /// <summary>The first class that holds <c>T</c> is skipped when its blocks are not all aligned for it.</summary>
    [Fact]
    public void AClassWhoseBlocksAreNotAllAlignedIsSkipped()
    {
        using var heap = new SkipClassHeap();
        int threshold = SkipClassHeap.SmallRequestThreshold;
        Check<Aligned32>(heap, threshold, () => (nint)heap.Allocate<Aligned32>(), expectedUsable: 64);
        Check<Aligned32Triple>(heap, threshold, () => (nint)heap.Allocate<Aligned32Triple>(), expectedUsable: 96);

        // Alignment 16 is the heap's own: the 48-byte class serves.
        Check<Aligned16>(heap, threshold, () => (nint)heap.Allocate<Aligned16>(), expectedUsable: 48);
    }

    /// <summary>With no class whose blocks are all aligned for <c>T</c>, the system allocator serves it, aligned.</summary>
    [Fact]
    public void WithNoAlignedClassTheSystemAllocatorServesAligned()
    {
        using var heap = new OddClassHeap();
        int threshold = OddClassHeap.SmallRequestThreshold;
        Check<Aligned32>(heap, threshold, () => (nint)heap.Allocate<Aligned32>(), expectedUsable: 32, large: true);
        Check<Aligned16>(heap, threshold, () => (nint)heap.Allocate<Aligned16>(), expectedUsable: 32, large: true);
        Check<Aligned32Large>(heap, threshold, () => (nint)heap.Allocate<Aligned32Large>(), expectedUsable: 544, large: true);

        // Types the heap's alignment covers still come from the pools.
        long* p = heap.Allocate<long>();
        Assert.Equal((nuint)8, heap.UsableSize(p));
        Assert.Equal(0, heap.GetStats().LargeBlocks);
        heap.Free(p);
    }

    /// <summary>
    /// With a medium tier, a type above the small threshold that no small class aligns comes from the tier; a small one
    /// still goes to the system, where it costs its size and alignment rather than a medium block of 640 bytes.
    /// </summary>
    [Fact]
    public void WithAMediumTierOnlyRequestsAboveTheSmallThresholdTakeAMediumBlock()
    {
        using var heap = new OddClassTierHeap();

        // Check resizes a system block to this threshold and more, so that it stays a system block.
        int threshold = OddClassTierHeap.MediumRequestThreshold;
        Assert.NotEqual(0, threshold);
        Check<Aligned32>(heap, threshold, () => (nint)heap.Allocate<Aligned32>(), expectedUsable: 32, large: true);
        Check<Aligned16>(heap, threshold, () => (nint)heap.Allocate<Aligned16>(), expectedUsable: 32, large: true);
        Check<Aligned32>(heap, threshold, () => (nint)heap.AllocateAligned(32, 32), expectedUsable: 32, large: true);
        Check<Aligned32Large>(heap, threshold, () => (nint)heap.Allocate<Aligned32Large>(), expectedUsable: 640);
        Check<Aligned32Large>(heap, threshold, () => (nint)heap.AllocateAligned(544, 32), expectedUsable: 640);
    }

    /// <summary>
    /// Allocates many <typeparamref name="T"/>s: every one aligned, its usable size as expected and writable end to
    /// end; a large one keeps its alignment through Reallocate; all of them free.
    /// </summary>
    private static void Check<T>(IAllocator heap, int threshold, Func<nint> allocate, int expectedUsable, bool large = false)
        where T : unmanaged
    {
        nuint alignment = TypeLayout.AlignmentOf<T>();
        var blocks = new List<nint>();
        for (int i = 0; i < 1000; i++)
        {
            nint p = allocate();
            Assert.True((nuint)p % alignment == 0, $"{typeof(T).Name} #{i} at 0x{p:X} is not aligned to {alignment}");
            Assert.True(heap.Owns((void*)p));
            Assert.Equal((nuint)expectedUsable, heap.UsableSize((void*)p));
            new Span<byte>((void*)p, expectedUsable).Fill((byte)i);
            blocks.Add(p);
        }

        AllocatorStats stats = heap.GetStats();
        Assert.Equal(blocks.Count, stats.BlocksInUse);
        Assert.Equal(large ? blocks.Count : 0, stats.LargeBlocks);

        for (int i = 0; i < blocks.Count; i++)
        {
            var p = (byte*)blocks[i];
            Assert.True(new Span<byte>(p, expectedUsable).IndexOfAnyExcept((byte)i) < 0, $"{typeof(T).Name} #{i} was overwritten");
            if (i % 2 == 0)
            {
                // A resize within the class, or from large to large, keeps the alignment too.
                nuint newSize = large ? (nuint)(threshold + expectedUsable) : (nuint)expectedUsable;
                var moved = (byte*)heap.Reallocate(p, newSize);
                Assert.True((nuint)moved % alignment == 0, $"{typeof(T).Name} #{i} reallocated to 0x{(nint)moved:X}, not aligned to {alignment}");
                Assert.Equal(newSize, heap.UsableSize(moved));
                Assert.True(new Span<byte>(moved, expectedUsable).IndexOfAnyExcept((byte)i) < 0, $"{typeof(T).Name} #{i} lost its contents when reallocated");
                blocks[i] = (nint)moved;
            }

            heap.Free((void*)blocks[i]);
        }

        stats = heap.GetStats();
        Assert.Equal(0, stats.BlocksInUse);
        Assert.Equal(0, stats.LargeBytes);
    }
}
