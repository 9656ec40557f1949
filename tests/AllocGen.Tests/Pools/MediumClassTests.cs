using System.Reflection;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>A medium tier whose alignment is coarser than the grid: the first four classes all round up to 8192.</summary>
[PoolAllocator(Alignment = 4096, SmallRequestThreshold = 4096, MediumRequestThreshold = 64 << 10)]
public sealed partial class CoarseMediumHeap
{
}

/// <summary>The default configuration, with its medium tier of 640 B..64 KiB.</summary>
[PoolAllocator]
public sealed partial class MediumDefaultHeap
{
}

/// <summary>The default configuration behind one lock.</summary>
[PoolAllocator(Threading = ThreadPolicy.Locked)]
public sealed partial class LockedMediumHeap
{
}

/// <summary>The default configuration, a heap per thread.</summary>
[PoolAllocator(Threading = ThreadPolicy.PerThread)]
public sealed partial class PerThreadMediumHeap
{
}

/// <summary>4 KiB pools in 64 KiB arenas: a medium tier up to a sixteenth of the arena, 4 KiB.</summary>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024)]
public sealed partial class SmallPoolMediumHeap
{
}

/// <summary>
/// The generated medium tier (docs/medium-tier.md) as a running allocator sees it: every request above the small
/// threshold up to the medium one is served by the medium class with the least block that holds it, and the requests
/// above both tiers still go to the system.
/// </summary>
public sealed unsafe class MediumClassTests
{
    [Fact]
    public void TheDefaultTierHasFourClassesPerPowerOfTwoUpTo64KiB()
    {
        int[] expected = Enumerable.Range(9, 7).SelectMany(k => new[] { 5, 6, 7, 8 }.Select(q => q << (k - 2))).ToArray();

        Assert.Equal(64 << 10, MediumDefaultHeap.MediumRequestThreshold);
        Assert.Equal(expected, MediumDefaultHeap.MediumSizeClasses.ToArray());
    }

    [Fact]
    public void ATierTurnedOffHasNoClassesAndSendsLargerRequestsToTheSystem()
    {
        Assert.Equal(0, DefaultHeap.MediumRequestThreshold);
        Assert.Equal(0, DefaultHeap.MediumSizeClasses.Length);
        using var heap = new DefaultHeap();
        void* block = heap.Allocate(DefaultHeap.SmallRequestThreshold + 1);
        Assert.Equal((nuint)DefaultHeap.SmallRequestThreshold + 1, heap.UsableSize(block));
        heap.Free(block);
    }

    /// <summary>
    /// MediumClassOf, for every size of the tier: its class's block holds the size and the class before does not (the
    /// default classes are distinct), and its block size is the least of MediumSizeClasses that holds it.
    /// </summary>
    [Fact]
    public void MediumClassOfMapsEverySizeOfTheDefaultTierToTheLeastClassThatHoldsIt()
    {
        (Func<nuint, int> classOf, Func<int, int> blockSize, int count) = Geometry(typeof(MediumDefaultHeap));
        int[] sizes = MediumDefaultHeap.MediumSizeClasses.ToArray();
        Assert.Equal(sizes.Length, count);
        Assert.Equal(sizes, Enumerable.Range(0, count).Select(blockSize));

        int expected = 0;
        for (int size = MediumDefaultHeap.SmallRequestThreshold + 1; size <= MediumDefaultHeap.MediumRequestThreshold; size++)
        {
            if (size > sizes[expected])
            {
                expected++;
            }

            int actual = classOf((nuint)size);
            if (actual != expected || blockSize(actual) < size || (actual > 0 && blockSize(actual - 1) >= size))
            {
                Assert.Fail($"MediumClassOf({size}) = {actual}, expected {expected} (block {sizes[expected]})");
            }
        }
    }

    [Fact]
    public void MediumClassOfWithACoarseAlignmentServesEachSizeFromTheLeastBlockThatHoldsIt()
    {
        (Func<nuint, int> classOf, Func<int, int> blockSize, int count) = Geometry(typeof(CoarseMediumHeap));
        int[] sizes = CoarseMediumHeap.MediumSizeClasses.ToArray();
        Assert.Equal([8192, 8192, 8192, 8192, 12288, 12288, 16384, 16384], sizes.Take(8));

        for (int size = CoarseMediumHeap.SmallRequestThreshold + 1; size <= CoarseMediumHeap.MediumRequestThreshold; size++)
        {
            int actual = classOf((nuint)size);
            int least = sizes.First(s => s >= size);
            if (actual < 0 || actual >= count || blockSize(actual) != least)
            {
                Assert.Fail($"MediumClassOf({size}) = {actual}, whose block is not the least that holds it, {least}");
            }
        }
    }

    public static TheoryData<string> Heaps => new() { nameof(MediumDefaultHeap), nameof(LockedMediumHeap), nameof(PerThreadMediumHeap), nameof(SmallPoolMediumHeap) };

    /// <summary>
    /// Allocate, through the generated class: a request of the tier gets the block of its class (UsableSize is the
    /// block size), one above it a system block of exactly its size. Every size for the default heap, a sample for
    /// the others.
    /// </summary>
    [Theory]
    [MemberData(nameof(Heaps))]
    public void AllocateServesTheTierFromItsClassesAndLargerRequestsFromTheSystem(string name)
    {
        (IAllocator heap, int small, int medium, int[] sizes) = name switch
        {
            nameof(MediumDefaultHeap) => ((IAllocator)new MediumDefaultHeap(), MediumDefaultHeap.SmallRequestThreshold, MediumDefaultHeap.MediumRequestThreshold, MediumDefaultHeap.MediumSizeClasses.ToArray()),
            nameof(LockedMediumHeap) => (new LockedMediumHeap(), LockedMediumHeap.SmallRequestThreshold, LockedMediumHeap.MediumRequestThreshold, LockedMediumHeap.MediumSizeClasses.ToArray()),
            nameof(PerThreadMediumHeap) => (new PerThreadMediumHeap(), PerThreadMediumHeap.SmallRequestThreshold, PerThreadMediumHeap.MediumRequestThreshold, PerThreadMediumHeap.MediumSizeClasses.ToArray()),
            _ => (new SmallPoolMediumHeap(), SmallPoolMediumHeap.SmallRequestThreshold, SmallPoolMediumHeap.MediumRequestThreshold, SmallPoolMediumHeap.MediumSizeClasses.ToArray()),
        };
        using (heap)
        {
            int step = name == nameof(MediumDefaultHeap) ? 1 : 97;
            var requests = new SortedSet<int> { small + 1, medium };
            for (int size = small + 1; size <= medium; size += step)
            {
                requests.Add(size);
            }

            foreach (int blockSize in sizes)
            {
                requests.UnionWith(new[] { blockSize - 1, blockSize, blockSize + 1 }.Where(s => s > small && s <= medium));
            }

            int cls = 0;
            foreach (int size in requests)
            {
                while (sizes[cls] < size)
                {
                    cls++;
                }

                void* block = heap.Allocate((nuint)size);
                nuint usable = heap.UsableSize(block);
                heap.Free(block);
                if (usable != (nuint)sizes[cls])
                {
                    Assert.Fail($"{name}: UsableSize of Allocate({size}) is {usable}, expected the block of medium class {cls}, {sizes[cls]}");
                }
            }

            void* large = heap.Allocate((nuint)medium + 1);
            Assert.Equal((nuint)medium + 1, heap.UsableSize(large));
            heap.Free(large);
        }
    }

    /// <summary>The private generated geometry's MediumClassOf, MediumBlockSize and MediumClassCount, as delegates.</summary>
    private static (Func<nuint, int> ClassOf, Func<int, int> BlockSize, int Count) Geometry(Type heap)
    {
        Type geometry = heap.GetNestedType("AllocGenGeometry", BindingFlags.NonPublic)!;
        MethodInfo Method(string methodName) => geometry.GetMethod(methodName, BindingFlags.Public | BindingFlags.Static)!;
        return (
            Method("MediumClassOf").CreateDelegate<Func<nuint, int>>(),
            Method("MediumBlockSize").CreateDelegate<Func<int, int>>(),
            (int)geometry.GetProperty("MediumClassCount", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!);
    }
}
