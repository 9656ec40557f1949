using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AllocGen.Memory;
using AllocGen.Safe;
using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>The typed members of the generated pool allocators, so that one test drives every heap.</summary>
public unsafe interface ITypedAllocations : IAllocator
{
    T* Allocate<T>()
        where T : unmanaged;

    T* AllocateZeroed<T>()
        where T : unmanaged;

    SpanOwner<T> RentSpan<T>(int length, bool clear = false)
        where T : unmanaged;
}

public sealed partial class MediumDefaultHeap : ITypedAllocations
{
}

public sealed partial class LockedMediumHeap : ITypedAllocations
{
}

public sealed partial class PerThreadMediumHeap : ITypedAllocations
{
}

public sealed partial class CoarseMediumHeap : ITypedAllocations
{
}

public sealed partial class SmallPoolMediumHeap : ITypedAllocations
{
}

/// <summary>
/// Over-aligned and typed requests above the small classes come from the medium tier (docs/medium-tier.md): a medium
/// class serves (size, alignment) when its block holds the size, is a multiple of the alignment, and the alignment is at
/// most the pool size (a span starts at a multiple of it, its blocks lie at multiples of the block size from there).
/// The block is an ordinary medium block: in the heap's own arenas, counted in its class, resized and freed as one.
/// </summary>
public sealed unsafe class MediumAlignedAllocationTests
{
#pragma warning disable CS0169, CS0649 // The test types' fields exist only for their layout.
    [StructLayout(LayoutKind.Sequential, Size = 1000)]
    private struct Plain1000
    {
        public byte First;
    }

    [StructLayout(LayoutKind.Sequential, Size = 4096)]
    private struct Plain4K
    {
        public byte First;
    }

    [StructLayout(LayoutKind.Sequential, Size = 40 << 10)]
    private struct Plain40K
    {
        public byte First;
    }

    /// <summary>With an alignment of 4096, four medium classes share the block of 8192 that serves it.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 6000)]
    private struct Plain6000
    {
        public byte First;
    }

    /// <summary>992 bytes, alignment 32: between the medium classes of 896 and 1024.</summary>
    [InlineArray(31)]
    private struct Vector992
    {
        private Vector256<byte> _element;
    }

    [InlineArray(128)]
    private struct Vector4K
    {
        private Vector256<byte> _element;
    }

    /// <summary>1 KiB, alignment 64.</summary>
    /// <remarks>
    /// Not a 1000-byte struct with a Vector512 field: the runtime lays that out 1000 bytes long, not a multiple of its
    /// alignment, and TypeLayout.AlignmentOf (a probe's size less the type's) then reads 88.
    /// </remarks>
    [InlineArray(16)]
    private struct Wide1K
    {
        private Vector512<byte> _element;
    }

    /// <summary>40 KiB, alignment 64.</summary>
    [InlineArray(640)]
    private struct Wide40K
    {
        private Vector512<byte> _element;
    }

    /// <summary>128 KiB, alignment 64: above every medium class here, and large enough for a fresh mapping.</summary>
    [InlineArray(2048)]
    private struct Wide128K
    {
        private Vector512<byte> _element;
    }
#pragma warning restore CS0169, CS0649

    /// <summary>A heap under test and the geometry the expectations are computed from (its generated constants, or its IPoolGeometry).</summary>
    public sealed record Subject(string Name, IAllocator Heap, int PoolSize, int Alignment, int[] SmallClasses, int[] MediumClasses);

    public static TheoryData<string> Heaps => new()
    {
        nameof(MediumDefaultHeap), nameof(LockedMediumHeap), nameof(PerThreadMediumHeap), nameof(CoarseMediumHeap), nameof(SmallPoolMediumHeap),
        "Runtime.Default.SingleThreaded", "Runtime.Coarse.Locked", "Runtime.Coarse.PerThread", "Runtime.Small.SingleThreaded",
    };

    [Fact]
    public void TheTestTypesHaveTheLayoutsTheTestsNeed()
    {
        Assert.Equal([1000, 4096, 40 << 10, 992, 4096, 1024, 40 << 10, 128 << 10], [sizeof(Plain1000), sizeof(Plain4K), sizeof(Plain40K), sizeof(Vector992), sizeof(Vector4K), sizeof(Wide1K), sizeof(Wide40K), sizeof(Wide128K)]);
        Assert.Equal((nuint)1, TypeLayout.AlignmentOf<Plain40K>());
        Assert.Equal((nuint)32, TypeLayout.AlignmentOf<Vector992>());
        Assert.Equal((nuint)32, TypeLayout.AlignmentOf<Vector4K>());
        Assert.Equal((nuint)64, TypeLayout.AlignmentOf<Wide1K>());
        Assert.Equal((nuint)64, TypeLayout.AlignmentOf<Wide40K>());
        Assert.Equal((nuint)64, TypeLayout.AlignmentOf<Wide128K>());
    }

    /// <summary>
    /// For every medium block size, the least request of it and the block size itself, at every alignment up to twice
    /// the pool size: the block comes from the class the rule picks (or the system, above the pool size), aligned; a
    /// Reallocate to its usable size keeps it in place, one to the next class and one down to the small classes move the
    /// contents; it frees.
    /// </summary>
    [Theory]
    [MemberData(nameof(Heaps))]
    public void AllocateAlignedServesTheMediumClassesFromTheHeapsOwnArenas(string name)
    {
        Subject subject = Create(name);
        using IAllocator heap = subject.Heap;
        int checkedMedium = 0;
        int previous = subject.SmallClasses[^1];
        foreach (int blockSize in subject.MediumClasses.Distinct())
        {
            foreach (nuint size in new[] { (nuint)previous + 1, (nuint)blockSize })
            {
                for (nuint alignment = 1; alignment <= 2 * (nuint)subject.PoolSize; alignment *= 2)
                {
                    checkedMedium += CheckAligned(subject, size, alignment) == Tier.Medium ? 1 : 0;
                }
            }

            previous = blockSize;
        }

        // Small requests no small class serves aligned go to the medium tier too.
        for (nuint alignment = 1; alignment <= 2 * (nuint)subject.PoolSize; alignment *= 2)
        {
            CheckAligned(subject, 1, alignment);
        }

        Assert.True(checkedMedium > subject.MediumClasses.Distinct().Count() * 4, $"only {checkedMedium} requests were medium");
        AllocatorStats stats = heap.GetStats();
        Assert.Equal(0, stats.BlocksInUse);
        Assert.Equal(0, stats.LargeBlocks);
    }

    /// <summary>
    /// An alignment above the pool size is left to the system even where a block size is a multiple of it (a span
    /// starts at a multiple of the pool size only); at the pool size, the medium class serves.
    /// </summary>
    [Fact]
    public void AnAlignmentAboveThePoolSizeGoesToTheSystem()
    {
        using var heap = new CoarseMediumHeap();
        nuint poolSize = CoarseMediumHeap.PoolSize;
        Assert.Contains(2 * CoarseMediumHeap.PoolSize, CoarseMediumHeap.MediumSizeClasses.ToArray());

        void* atPoolSize = heap.AllocateAligned(2 * poolSize, poolSize);
        void* above = heap.AllocateAligned(2 * poolSize, 2 * poolSize);
        Assert.Equal(0u, (nuint)atPoolSize % poolSize);
        Assert.Equal(0u, (nuint)above % (2 * poolSize));
        Assert.Equal(1, heap.GetStats().LargeBlocks);
        Assert.Equal(2 * poolSize, heap.UsableSize(atPoolSize));
        heap.Free(atPoolSize);
        heap.Free(above);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    /// <summary>
    /// The zeroed aligned path: a block that was written, freed and handed out again comes back zero (it is cleared), and
    /// so does a fresh one (its memory is zero already), at every medium block size and an alignment it serves.
    /// </summary>
    [Theory]
    [InlineData("Runtime.Default.SingleThreaded")]
    [InlineData("Runtime.Coarse.Locked")]
    [InlineData("Runtime.Coarse.PerThread")]
    public void AllocateAlignedZeroedReturnsZeroedMediumBlocks(string name)
    {
        Subject subject = Create(name);
        var heap = (RuntimeHeap)subject.Heap;
        using (heap)
        {
            foreach (int blockSize in subject.MediumClasses.Distinct())
            {
                nuint alignment = Math.Min((nuint)(blockSize & -blockSize), (nuint)subject.PoolSize);
                nuint size = (nuint)blockSize - 1;
                var fresh = (byte*)heap.AllocateAligned(size, alignment, zeroed: true);
                AssertZero(fresh, size, $"{name}: fresh block of {blockSize}");
                new Span<byte>(fresh, (int)size).Fill(0xA5);
                heap.Free(fresh);

                var again = (byte*)heap.AllocateAligned(size, alignment, zeroed: true);
                Assert.True(again == fresh, $"{name}: the freed block of {blockSize} was not handed out again");
                Assert.Equal(0u, (nuint)again % alignment);
                AssertZero(again, size, $"{name}: reused block of {blockSize}");
                (Tier tier, _, int statsIndex) = Expected(subject, size, alignment);
                Assert.Equal(Tier.Medium, tier);
                Assert.Equal(1, heap.GetStats().SizeClasses[statsIndex].BlocksInUse);
                heap.Free(again);
            }

            Assert.Equal(0, heap.GetStats().LargeBlocks);
        }
    }

    /// <summary>
    /// The zeroed aligned path where the system serves: an alignment above the pool size, and requests above the medium
    /// tier (below and from the size a fresh mapping serves). Each comes back zero, aligned and a large block of its
    /// size, also where the system hands out again the memory of a block just dirtied and freed.
    /// </summary>
    [Theory]
    [InlineData("Runtime.Default.SingleThreaded")]
    [InlineData("Runtime.Coarse.Locked")]
    [InlineData("Runtime.Small.SingleThreaded")]
    public void AllocateAlignedZeroedReturnsZeroedSystemBlocks(string name)
    {
        Subject subject = Create(name);
        var heap = (RuntimeHeap)subject.Heap;
        using (heap)
        {
            nuint poolSize = (nuint)subject.PoolSize;
            nuint aboveTheTier = (nuint)subject.MediumClasses[^1] + 64;
            nuint mapped = Math.Max(aboveTheTier, LargeBlockTable.DirectMappingThreshold);
            (nuint Size, nuint Alignment)[] requests =
                [(2 * poolSize, 2 * poolSize), (aboveTheTier, 64), (mapped, 128), (1 << 20, 64), (1 << 20, 4 * poolSize)];
            foreach ((nuint size, nuint alignment) in requests)
            {
                string what = $"{name}: AllocateAligned({size}, {alignment}, zeroed)";
                var dirty = (byte*)heap.AllocateAligned(size, alignment, zeroed: false);
                new Span<byte>(dirty, (int)size).Fill(0x5C);
                heap.Free(dirty);

                var zeroed = (byte*)heap.AllocateAligned(size, alignment, zeroed: true);
                Assert.True((nuint)zeroed % alignment == 0, $"{what} = 0x{(nuint)zeroed:X}, not aligned");
                Assert.Equal(1, heap.GetStats().LargeBlocks);
                Assert.Equal(size, heap.UsableSize(zeroed));
                AssertZero(zeroed, size, what);
                heap.Free(zeroed);
            }

            Assert.Equal(0, heap.GetStats().BlocksInUse);
        }
    }

    /// <summary>
    /// Allocate&lt;T&gt; of medium-sized types, plain and over-aligned: the class the rule picks (as AllocateAligned picks
    /// at run time), aligned, in the heap's arenas; a Reallocate to its usable size keeps it in place.
    /// </summary>
    [Theory]
    [InlineData(nameof(MediumDefaultHeap))]
    [InlineData(nameof(LockedMediumHeap))]
    [InlineData(nameof(PerThreadMediumHeap))]
    [InlineData(nameof(CoarseMediumHeap))]
    [InlineData(nameof(SmallPoolMediumHeap))]
    public void AllocateOfAMediumTypeComesFromItsMediumClass(string name)
    {
        Subject subject = Create(name);
        var heap = (ITypedAllocations)subject.Heap;
        using (heap)
        {
            CheckTyped<Plain1000>(subject, () => (nint)heap.Allocate<Plain1000>());
            CheckTyped<Plain4K>(subject, () => (nint)heap.Allocate<Plain4K>());
            CheckTyped<Plain6000>(subject, () => (nint)heap.Allocate<Plain6000>());
            CheckTyped<Plain40K>(subject, () => (nint)heap.Allocate<Plain40K>());
            CheckTyped<Vector992>(subject, () => (nint)heap.Allocate<Vector992>());
            CheckTyped<Vector4K>(subject, () => (nint)heap.Allocate<Vector4K>());
            CheckTyped<Wide1K>(subject, () => (nint)heap.Allocate<Wide1K>());
            CheckTyped<Wide40K>(subject, () => (nint)heap.Allocate<Wide40K>());
            Assert.Equal(0, heap.GetStats().BlocksInUse);
        }
    }

    /// <summary>AllocateZeroed&lt;T&gt; and RentSpan with clear of over-aligned medium types: zero, also in a block written and freed before.</summary>
    [Theory]
    [InlineData(nameof(MediumDefaultHeap))]
    [InlineData(nameof(LockedMediumHeap))]
    [InlineData(nameof(PerThreadMediumHeap))]
    [InlineData(nameof(SmallPoolMediumHeap))]
    public void ZeroedOverAlignedMediumTypesAreZero(string name)
    {
        Subject subject = Create(name);
        var heap = (ITypedAllocations)subject.Heap;
        using (heap)
        {
            CheckZeroed<Vector992>(subject, 1, () => (nint)heap.AllocateZeroed<Vector992>());
            CheckZeroed<Wide1K>(subject, 1, () => (nint)heap.AllocateZeroed<Wide1K>());
            CheckZeroed<Vector4K>(subject, 1, () => (nint)heap.AllocateZeroed<Vector4K>());
            CheckZeroed<Wide40K>(subject, 1, () => (nint)heap.AllocateZeroed<Wide40K>());
            CheckZeroed<Wide128K>(subject, 1, () => (nint)heap.AllocateZeroed<Wide128K>());
            CheckZeroed<Vector256<byte>>(subject, 100, () => Rented<Vector256<byte>>(heap, 100));
            CheckZeroed<Vector512<byte>>(subject, 600, () => Rented<Vector512<byte>>(heap, 600));
            Assert.Equal(0, heap.GetStats().BlocksInUse);
        }

        static nint Rented<T>(ITypedAllocations heap, int length)
            where T : unmanaged
        {
            // The owner is not disposed: the check frees the block itself.
            SpanOwner<T> owner = heap.RentSpan<T>(length, clear: true);
            return (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(owner.Span));
        }
    }

    /// <summary>
    /// AllocateZeroed&lt;T&gt; of an over-aligned type above the small classes takes the block Allocate&lt;T&gt; takes:
    /// the one Allocate handed out and freed just before (a medium block), or a system block of the type's size.
    /// </summary>
    [Theory]
    [InlineData(nameof(MediumDefaultHeap))]
    [InlineData(nameof(LockedMediumHeap))]
    [InlineData(nameof(PerThreadMediumHeap))]
    [InlineData(nameof(SmallPoolMediumHeap))]
    public void ZeroedOverAlignedTypesTakeTheBlockAllocateTakes(string name)
    {
        Subject subject = Create(name);
        var heap = (ITypedAllocations)subject.Heap;
        using (heap)
        {
            CheckSameBlock<Vector992>(subject, () => (nint)heap.Allocate<Vector992>(), () => (nint)heap.AllocateZeroed<Vector992>());
            CheckSameBlock<Wide1K>(subject, () => (nint)heap.Allocate<Wide1K>(), () => (nint)heap.AllocateZeroed<Wide1K>());
            CheckSameBlock<Vector4K>(subject, () => (nint)heap.Allocate<Vector4K>(), () => (nint)heap.AllocateZeroed<Vector4K>());
            CheckSameBlock<Wide40K>(subject, () => (nint)heap.Allocate<Wide40K>(), () => (nint)heap.AllocateZeroed<Wide40K>());
            CheckSameBlock<Wide128K>(subject, () => (nint)heap.Allocate<Wide128K>(), () => (nint)heap.AllocateZeroed<Wide128K>());
            Assert.Equal(0, heap.GetStats().BlocksInUse);
        }
    }

    /// <summary>
    /// On a fresh heap, zeroed over-aligned medium blocks (the frontier of fresh spans) and a zeroed over-aligned block
    /// above the medium tier (a fresh mapping) are handed out without writing their pages: allocating them costs (almost)
    /// no minor page fault, writing them then faults in their pages, which shows the count sees them.
    /// </summary>
    [Theory]
    [InlineData(nameof(MediumDefaultHeap))]
    [InlineData(nameof(LockedMediumHeap))]
    [InlineData(nameof(PerThreadMediumHeap))]
    public void ZeroedOverAlignedTypesAboveTheSmallClassesLeaveFreshMemoryUntouched(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        const int Count = 8;
        nint* blocks = stackalloc nint[3 * Count + 1];

        // The same calls on another heap first: the code they run and the managed memory they use are faulted in then.
        using (var warmUp = (ITypedAllocations)Create(name).Heap)
        {
            AllocateZeroedInto(warmUp, blocks, Count);
            WriteEveryBlock(blocks, Count);
        }

        ZeroedAllocationTests.ThreadMinorFaults();
        var heap = (ITypedAllocations)Create(name).Heap;
        using (heap)
        {
            long before = ZeroedAllocationTests.ThreadMinorFaults();
            nuint bytes = AllocateZeroedInto(heap, blocks, Count);
            long allocating = ZeroedAllocationTests.ThreadMinorFaults() - before;
            WriteEveryBlock(blocks, Count);
            long writing = ZeroedAllocationTests.ThreadMinorFaults() - before - allocating;

            // The arena's header table, the heap's state and an arena-map leaf may fault in; the blocks' pages must not.
            long pages = (long)bytes / Environment.SystemPageSize;
            Assert.True(allocating <= 8, $"{name}: zeroed over-aligned blocks of {bytes} bytes took {allocating} minor faults");
            Assert.True(writing >= pages * 3 / 4, $"{name}: writing {pages} pages took only {writing} minor faults");
            Assert.Equal(1, heap.GetStats().LargeBlocks);
        }

        // Count blocks of each medium type and one above the tier; the bytes they hold.
        static nuint AllocateZeroedInto(ITypedAllocations heap, nint* blocks, int count)
        {
            for (int i = 0; i < count; i++)
            {
                blocks[i] = (nint)heap.AllocateZeroed<Vector4K>();
                blocks[count + i] = (nint)heap.AllocateZeroed<Wide1K>();
                blocks[(2 * count) + i] = (nint)heap.AllocateZeroed<Wide40K>();
            }

            blocks[3 * count] = (nint)heap.AllocateZeroed<Wide128K>();
            return (nuint)count * (nuint)(sizeof(Vector4K) + sizeof(Wide1K) + sizeof(Wide40K)) + (nuint)sizeof(Wide128K);
        }

        static void WriteEveryBlock(nint* blocks, int count)
        {
            for (int i = 0; i < count; i++)
            {
                ZeroedAllocationTests.WriteEveryPage((byte*)blocks[i], sizeof(Vector4K));
                ZeroedAllocationTests.WriteEveryPage((byte*)blocks[count + i], sizeof(Wide1K));
                ZeroedAllocationTests.WriteEveryPage((byte*)blocks[(2 * count) + i], sizeof(Wide40K));
            }

            ZeroedAllocationTests.WriteEveryPage((byte*)blocks[3 * count], sizeof(Wide128K));
        }
    }

    private enum Tier
    {
        Small,
        Medium,
        System,
    }

    /// <summary>Allocates (size, alignment), checks where the block comes from and what Reallocate and Free do with it.</summary>
    private static Tier CheckAligned(Subject subject, nuint size, nuint alignment)
    {
        IAllocator heap = subject.Heap;
        string what = $"{subject.Name}: AllocateAligned({size}, {alignment})";
        (Tier tier, int blockSize, int statsIndex) = Expected(subject, size, alignment);
        var p = (byte*)heap.AllocateAligned(size, alignment);
        Assert.True((nuint)p % alignment == 0, $"{what} = 0x{(nuint)p:X}, not aligned");
        Assert.True(heap.Owns(p), $"{what}: not owned");
        AllocatorStats stats = heap.GetStats();
        Assert.Equal(tier == Tier.System ? 1 : 0, stats.LargeBlocks);
        if (tier == Tier.System)
        {
            Assert.Equal(size, heap.UsableSize(p));
            heap.Free(p);
            return tier;
        }

        Assert.True((nuint)blockSize == heap.UsableSize(p), $"{what}: UsableSize {heap.UsableSize(p)}, expected {blockSize} ({tier})");
        Assert.True(stats.SizeClasses[statsIndex].BlocksInUse == 1, $"{what}: class row {stats.SizeClasses[statsIndex]}");

        // In place at its usable size (so aligned still), even where neighbouring classes share the block size.
        Fill(p, (nuint)blockSize, seed: (int)size);
        Assert.True(heap.Reallocate(p, (nuint)blockSize) == p, $"{what}: moved when resized to its usable size");

        // Across classes: the contents move (the new block has the heap's alignment, as with realloc).
        var up = (byte*)heap.Reallocate(p, (nuint)blockSize + 1);
        Assert.True(heap.UsableSize(up) > (nuint)blockSize, $"{what}: resized up, UsableSize {heap.UsableSize(up)}");
        Verify(up, (nuint)blockSize, seed: (int)size, $"{what}, resized up");
        var down = (byte*)heap.Reallocate(up, 100);
        Verify(down, Math.Min((nuint)blockSize, 100), seed: (int)size, $"{what}, resized down");
        Assert.Equal(0, heap.GetStats().LargeBlocks);
        heap.Free(down);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
        return tier;
    }

    /// <summary>A typed allocation: aligned, from the expected class (the one AllocateAligned picks too), resized in place to its usable size, freed.</summary>
    private static void CheckTyped<T>(Subject subject, Func<nint> allocate)
        where T : unmanaged
    {
        IAllocator heap = subject.Heap;
        nuint size = (nuint)sizeof(T);
        nuint alignment = Math.Max(TypeLayout.AlignmentOf<T>(), (nuint)subject.Alignment);
        string what = $"{subject.Name}: Allocate<{typeof(T).Name}>";
        (Tier tier, int blockSize, int statsIndex) = Expected(subject, size, alignment);
        var p = (byte*)allocate();
        Assert.True((nuint)p % alignment == 0, $"{what} = 0x{(nuint)p:X}, not aligned to {alignment}");
        Assert.True(heap.Owns(p), $"{what}: not owned");
        var byRuntime = (byte*)heap.AllocateAligned(size, alignment);
        Assert.Equal(heap.UsableSize(byRuntime), heap.UsableSize(p));
        heap.Free(byRuntime);
        AllocatorStats stats = heap.GetStats();
        if (tier == Tier.System)
        {
            Assert.Equal(1, stats.LargeBlocks);
            Assert.Equal(size, heap.UsableSize(p));
            heap.Free(p);
            return;
        }

        Assert.Equal(0, stats.LargeBlocks);
        Assert.True((nuint)blockSize == heap.UsableSize(p), $"{what}: UsableSize {heap.UsableSize(p)}, expected {blockSize} ({tier})");
        Assert.True(stats.SizeClasses[statsIndex].BlocksInUse == 1, $"{what}: class row {stats.SizeClasses[statsIndex]}");
        Fill(p, size, seed: 3);
        Assert.True(heap.Reallocate(p, (nuint)blockSize) == p, $"{what}: moved when resized to its usable size");
        Verify(p, size, seed: 3, what);
        heap.Free(p);
    }

    /// <summary>
    /// <paramref name="count"/> zeroed <typeparamref name="T"/>s are zero and aligned, from the tier the rule picks;
    /// again after the block was written and freed (a medium block is then handed out again and must be cleared).
    /// </summary>
    private static void CheckZeroed<T>(Subject subject, int count, Func<nint> allocateZeroed)
        where T : unmanaged
    {
        IAllocator heap = subject.Heap;
        nuint size = (nuint)count * (nuint)sizeof(T);
        nuint alignment = TypeLayout.AlignmentOf<T>();
        string what = $"{subject.Name}: {count} zeroed {typeof(T).Name}";
        (Tier tier, int blockSize, _) = Expected(subject, size, Math.Max(alignment, (nuint)subject.Alignment));
        var first = (byte*)allocateZeroed();
        Assert.True((nuint)first % alignment == 0, $"{what} = 0x{(nuint)first:X}, not aligned to {alignment}");
        Assert.Equal(tier == Tier.System ? size : (nuint)blockSize, heap.UsableSize(first));
        Assert.Equal(tier == Tier.System ? 1 : 0, heap.GetStats().LargeBlocks);
        AssertZero(first, size, what);
        new Span<byte>(first, (int)size).Fill(0xC3);
        heap.Free(first);

        var second = (byte*)allocateZeroed();
        Assert.True(tier == Tier.System || second == first, $"{what}: the freed block was not handed out again");
        AssertZero(second, size, what + ", reused");
        heap.Free(second);
    }

    /// <summary>
    /// The zeroed typed allocation of <typeparamref name="T"/> takes the block the plain one takes: freed, a medium block
    /// is handed out again to the zeroed request, which clears the dirt left in it; a system block holds the type's size.
    /// </summary>
    private static void CheckSameBlock<T>(Subject subject, Func<nint> allocate, Func<nint> allocateZeroed)
        where T : unmanaged
    {
        IAllocator heap = subject.Heap;
        nuint size = (nuint)sizeof(T);
        nuint alignment = TypeLayout.AlignmentOf<T>();
        string what = $"{subject.Name}: AllocateZeroed<{typeof(T).Name}>";
        var plain = (byte*)allocate();
        nuint usable = heap.UsableSize(plain);
        long largeBlocks = heap.GetStats().LargeBlocks;
        new Span<byte>(plain, (int)size).Fill(0x3C);
        heap.Free(plain);

        var zeroed = (byte*)allocateZeroed();
        Assert.True((nuint)zeroed % alignment == 0, $"{what} = 0x{(nuint)zeroed:X}, not aligned to {alignment}");
        Assert.True(usable == heap.UsableSize(zeroed), $"{what}: UsableSize {heap.UsableSize(zeroed)}, Allocate's block {usable}");
        Assert.True(largeBlocks == heap.GetStats().LargeBlocks, $"{what}: {heap.GetStats().LargeBlocks} large blocks, Allocate's {largeBlocks}");
        Assert.True(largeBlocks == 1 || zeroed == plain, $"{what}: not the medium block Allocate handed out and freed");
        AssertZero(zeroed, size, what);
        heap.Free(zeroed);
    }

    /// <summary>Where a request goes, by the rule: the least small block that holds it and is a multiple of the alignment, else medium one (alignment at most the pool size), else the system.</summary>
    /// <remarks>
    /// The statistics row of a medium block is that of the last class of its block size, the one MediumClassOf gives
    /// the size (where neighbouring classes share it).
    /// </remarks>
    private static (Tier Tier, int BlockSize, int StatsIndex) Expected(Subject subject, nuint size, nuint alignment)
    {
        int small = Array.FindIndex(subject.SmallClasses, b => (nuint)b >= size && (nuint)b % alignment == 0);
        if (small >= 0)
        {
            return (Tier.Small, subject.SmallClasses[small], small);
        }

        int medium = Array.FindIndex(subject.MediumClasses, b => (nuint)b >= size && (nuint)b % alignment == 0);
        if (medium >= 0 && alignment <= (nuint)subject.PoolSize)
        {
            int blockSize = subject.MediumClasses[medium];
            return (Tier.Medium, blockSize, subject.SmallClasses.Length + Array.LastIndexOf(subject.MediumClasses, blockSize));
        }

        return (Tier.System, 0, -1);
    }

    private static Subject Create(string name)
    {
        if (name.StartsWith("Runtime.", StringComparison.Ordinal))
        {
            string[] parts = name.Split('.');
            MediumLayout layout = MediumLayout.Named(parts[1]);
            RuntimeHeap heap = layout.Create(Enum.Parse<ThreadPolicy>(parts[2]));
            return new Subject(name, heap, layout.PoolSize, layout.Alignment, layout.SmallClasses, layout.MediumClasses);
        }

        return name switch
        {
            nameof(MediumDefaultHeap) => new Subject(name, new MediumDefaultHeap(), MediumDefaultHeap.PoolSize, MediumDefaultHeap.Alignment, MediumDefaultHeap.SizeClasses.ToArray(), MediumDefaultHeap.MediumSizeClasses.ToArray()),
            nameof(LockedMediumHeap) => new Subject(name, new LockedMediumHeap(), LockedMediumHeap.PoolSize, LockedMediumHeap.Alignment, LockedMediumHeap.SizeClasses.ToArray(), LockedMediumHeap.MediumSizeClasses.ToArray()),
            nameof(PerThreadMediumHeap) => new Subject(name, new PerThreadMediumHeap(), PerThreadMediumHeap.PoolSize, PerThreadMediumHeap.Alignment, PerThreadMediumHeap.SizeClasses.ToArray(), PerThreadMediumHeap.MediumSizeClasses.ToArray()),
            nameof(CoarseMediumHeap) => new Subject(name, new CoarseMediumHeap(), CoarseMediumHeap.PoolSize, CoarseMediumHeap.Alignment, CoarseMediumHeap.SizeClasses.ToArray(), CoarseMediumHeap.MediumSizeClasses.ToArray()),
            nameof(SmallPoolMediumHeap) => new Subject(name, new SmallPoolMediumHeap(), SmallPoolMediumHeap.PoolSize, SmallPoolMediumHeap.Alignment, SmallPoolMediumHeap.SizeClasses.ToArray(), SmallPoolMediumHeap.MediumSizeClasses.ToArray()),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
    }

    private static void Fill(byte* block, nuint size, int seed)
    {
        for (nuint i = 0; i < size; i++)
        {
            block[i] = (byte)((int)i * 7 + seed);
        }
    }

    private static void Verify(byte* block, nuint size, int seed, string what)
    {
        for (nuint i = 0; i < size; i++)
        {
            if (block[i] != (byte)((int)i * 7 + seed))
            {
                Assert.Fail($"{what}: byte {i} changed");
            }
        }
    }

    private static void AssertZero(byte* block, nuint size, string what)
    {
        int nonZero = new ReadOnlySpan<byte>(block, (int)size).IndexOfAnyExcept((byte)0);
        Assert.True(nonZero < 0, $"{what}: byte {nonZero} is not zero");
    }
}
