using System.Reflection;
using AllocGen.Pools;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// A hand-written <see cref="IPoolGeometry"/> is checked when its first heap is created: each broken rule fails
/// <see cref="PoolHeap{TGeometry}.Create"/> with a message naming the type and the rule, on every call, before any
/// memory is touched. Every geometry the generator emitted in this assembly passes.
/// </summary>
public sealed unsafe class GeometryValidationTests
{
    public static TheoryData<Type, string> BrokenGeometries => new()
    {
        { typeof(ArenaTooLarge), "ArenaShift 40 is outside 13..30" },
        { typeof(PoolTooSmall), "PoolShift 11 is outside 12..19" },
        { typeof(PoolAsLargeAsArena), "PoolShift 14 is outside 12..13" },
        { typeof(AlignmentNotPowerOfTwo), "Alignment 24 is not a power of two in 8..4096" },
        { typeof(AlignmentTooSmall), "Alignment 4 is not a power of two in 8..4096" },
        { typeof(NoClasses), "ClassCount 0 is outside 1..255" },
        { typeof(TooManyClasses), "ClassCount 256 is outside 1..255" },
        { typeof(ThresholdAbovePool), "SmallRequestThreshold 8192 exceeds the pool size 4096" },
        { typeof(BlockSizesRepeat), "BlockSize(1) = 16 is not above the previous class's 16" },
        { typeof(BlockSizeNotAligned), "BlockSize(1) = 40 is not a multiple of Alignment 16" },
        { typeof(LastClassBelowThreshold), "the last class's BlockSize(1) = 32 differs from SmallRequestThreshold 64" },
        { typeof(ClassOfOneTooHigh), "ClassOf(16) = 1, but the smallest class holding 16 bytes is 0 (BlockSize 16)" },
        { typeof(ClassOfThrows), "one of its members threw IndexOutOfRangeException" },
    };

    [Theory]
    [MemberData(nameof(BrokenGeometries))]
    public void ABrokenGeometryFailsEveryCreateNamingTheTypeAndTheRule(Type geometry, string rule)
    {
        Action create = typeof(GeometryValidationTests).GetMethod(nameof(CreateAndDispose), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(geometry)
            .CreateDelegate<Action>();

        // Twice: the check's result is kept per type, and a plain exception (not a TypeInitializationException) each time.
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var error = Assert.Throws<InvalidOperationException>(create);
            Assert.Contains(geometry.FullName!, error.Message);
            Assert.Contains(rule, error.Message);
        }
    }

    [Fact]
    public void AValidHandWrittenGeometryServesAndReleases()
    {
        Assert.Null(GeometryValidator.FindError<HandWrittenGeometry>());
        PoolHeap<HandWrittenGeometry> heap = PoolHeap<HandWrittenGeometry>.Create();
        byte* small = (byte*)heap.Allocate(17);
        byte* large = (byte*)heap.Allocate(100);
        small[31] = 1;
        large[99] = 2;
        Assert.Equal((nuint)32, heap.UsableSize(small));
        heap.Free(small);
        heap.Free(large);
        heap.Dispose();
        Assert.True(heap.IsDisposed);
    }

    [Fact]
    public void EveryGeneratedGeometryInThisAssemblyPasses()
    {
        Type[] allocators = typeof(DefaultHeap).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<PoolAllocatorAttribute>() is not null)
            .ToArray();
        Type[] geometries = typeof(DefaultHeap).Assembly.GetTypes()
            .Where(t => t.IsValueType && typeof(IPoolGeometry).IsAssignableFrom(t) && t.DeclaringType is { } d && allocators.Contains(d))
            .ToArray();

        Assert.NotEmpty(allocators);
        Assert.Equal(allocators.Length, geometries.Length);
        MethodInfo findError = typeof(GeometryValidator).GetMethod(nameof(GeometryValidator.FindError))!;
        Assert.All(geometries, g => Assert.Null(findError.MakeGenericMethod(g).Invoke(null, null)));
    }

    private static void CreateAndDispose<TGeometry>()
        where TGeometry : struct, IPoolGeometry
    {
        PoolHeap<TGeometry> heap = PoolHeap<TGeometry>.Create();
        heap.Dispose();
    }

    // Variants of the valid HandWrittenGeometry that each break one rule.

    private struct ArenaTooLarge : IPoolGeometry
    {
        public static int ArenaShift => 40;
        public static int PoolShift => HandWrittenGeometry.PoolShift;
        public static int Alignment => HandWrittenGeometry.Alignment;
        public static int SmallRequestThreshold => HandWrittenGeometry.SmallRequestThreshold;
        public static int ClassCount => HandWrittenGeometry.ClassCount;
        public static int BlockSize(int sizeClass) => HandWrittenGeometry.BlockSize(sizeClass);
        public static int ClassOf(nuint size) => HandWrittenGeometry.ClassOf(size);
    }

    private struct PoolTooSmall : IPoolGeometry
    {
        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => 11;
        public static int Alignment => HandWrittenGeometry.Alignment;
        public static int SmallRequestThreshold => HandWrittenGeometry.SmallRequestThreshold;
        public static int ClassCount => HandWrittenGeometry.ClassCount;
        public static int BlockSize(int sizeClass) => HandWrittenGeometry.BlockSize(sizeClass);
        public static int ClassOf(nuint size) => HandWrittenGeometry.ClassOf(size);
    }

    private struct PoolAsLargeAsArena : IPoolGeometry
    {
        public static int ArenaShift => 14;
        public static int PoolShift => 14;
        public static int Alignment => HandWrittenGeometry.Alignment;
        public static int SmallRequestThreshold => HandWrittenGeometry.SmallRequestThreshold;
        public static int ClassCount => HandWrittenGeometry.ClassCount;
        public static int BlockSize(int sizeClass) => HandWrittenGeometry.BlockSize(sizeClass);
        public static int ClassOf(nuint size) => HandWrittenGeometry.ClassOf(size);
    }

    private struct AlignmentNotPowerOfTwo : IPoolGeometry
    {
        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => HandWrittenGeometry.PoolShift;
        public static int Alignment => 24;
        public static int SmallRequestThreshold => 48;
        public static int ClassCount => 2;
        public static int BlockSize(int sizeClass) => (sizeClass + 1) * 24;
        public static int ClassOf(nuint size) => size <= 24 ? 0 : 1;
    }

    private struct AlignmentTooSmall : IPoolGeometry
    {
        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => HandWrittenGeometry.PoolShift;
        public static int Alignment => 4;
        public static int SmallRequestThreshold => HandWrittenGeometry.SmallRequestThreshold;
        public static int ClassCount => HandWrittenGeometry.ClassCount;
        public static int BlockSize(int sizeClass) => HandWrittenGeometry.BlockSize(sizeClass);
        public static int ClassOf(nuint size) => HandWrittenGeometry.ClassOf(size);
    }

    private struct NoClasses : IPoolGeometry
    {
        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => HandWrittenGeometry.PoolShift;
        public static int Alignment => HandWrittenGeometry.Alignment;
        public static int SmallRequestThreshold => HandWrittenGeometry.SmallRequestThreshold;
        public static int ClassCount => 0;
        public static int BlockSize(int sizeClass) => HandWrittenGeometry.BlockSize(sizeClass);
        public static int ClassOf(nuint size) => HandWrittenGeometry.ClassOf(size);
    }

    private struct TooManyClasses : IPoolGeometry
    {
        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => HandWrittenGeometry.PoolShift;
        public static int Alignment => 8;
        public static int SmallRequestThreshold => 256 * 8;
        public static int ClassCount => 256;
        public static int BlockSize(int sizeClass) => (sizeClass + 1) * 8;
        public static int ClassOf(nuint size) => size == 0 ? 0 : (int)((size - 1) >> 3);
    }

    private struct ThresholdAbovePool : IPoolGeometry
    {
        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => 12;
        public static int Alignment => 16;
        public static int SmallRequestThreshold => 8192;
        public static int ClassCount => 2;
        public static int BlockSize(int sizeClass) => sizeClass == 0 ? 4096 : 8192;
        public static int ClassOf(nuint size) => size <= 4096 ? 0 : 1;
    }

    private struct BlockSizesRepeat : IPoolGeometry
    {
        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => HandWrittenGeometry.PoolShift;
        public static int Alignment => HandWrittenGeometry.Alignment;
        public static int SmallRequestThreshold => 32;
        public static int ClassCount => 3;
        public static int BlockSize(int sizeClass) => sizeClass == 2 ? 32 : 16;
        public static int ClassOf(nuint size) => size <= 16 ? 0 : 2;
    }

    private struct BlockSizeNotAligned : IPoolGeometry
    {
        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => HandWrittenGeometry.PoolShift;
        public static int Alignment => 16;
        public static int SmallRequestThreshold => 64;
        public static int ClassCount => 3;
        public static int BlockSize(int sizeClass) => sizeClass switch { 0 => 16, 1 => 40, _ => 64 };
        public static int ClassOf(nuint size) => size <= 16 ? 0 : size <= 40 ? 1 : 2;
    }

    private struct LastClassBelowThreshold : IPoolGeometry
    {
        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => HandWrittenGeometry.PoolShift;
        public static int Alignment => 16;
        public static int SmallRequestThreshold => 64;
        public static int ClassCount => 2;
        public static int BlockSize(int sizeClass) => (sizeClass + 1) * 16;
        public static int ClassOf(nuint size) => size <= 16 ? 0 : 1;
    }

    /// <summary>A classic off-by-one: size >> 4 puts every exact multiple of 16 one class too high.</summary>
    private struct ClassOfOneTooHigh : IPoolGeometry
    {
        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => HandWrittenGeometry.PoolShift;
        public static int Alignment => HandWrittenGeometry.Alignment;
        public static int SmallRequestThreshold => HandWrittenGeometry.SmallRequestThreshold;
        public static int ClassCount => HandWrittenGeometry.ClassCount;
        public static int BlockSize(int sizeClass) => HandWrittenGeometry.BlockSize(sizeClass);
        public static int ClassOf(nuint size) => Math.Min((int)(size >> 4), 3);
    }

    private struct ClassOfThrows : IPoolGeometry
    {
        private static readonly byte[] s_table = [0, 0, 1];

        public static int ArenaShift => HandWrittenGeometry.ArenaShift;
        public static int PoolShift => HandWrittenGeometry.PoolShift;
        public static int Alignment => HandWrittenGeometry.Alignment;
        public static int SmallRequestThreshold => HandWrittenGeometry.SmallRequestThreshold;
        public static int ClassCount => HandWrittenGeometry.ClassCount;
        public static int BlockSize(int sizeClass) => HandWrittenGeometry.BlockSize(sizeClass);
        public static int ClassOf(nuint size) => s_table[(int)((size + 15) >> 4)];
    }
}

/// <summary>A valid hand-written geometry: 16 KiB pools in 1 MiB arenas, classes of 16, 32, 48 and 64 bytes.</summary>
internal struct HandWrittenGeometry : IPoolGeometry
{
    public static int ArenaShift => 20;
    public static int PoolShift => 14;
    public static int Alignment => 16;
    public static int SmallRequestThreshold => 64;
    public static int ClassCount => 4;
    public static int BlockSize(int sizeClass) => (sizeClass + 1) * 16;
    public static int ClassOf(nuint size) => size == 0 ? 0 : (int)((size - 1) >> 4);
}
