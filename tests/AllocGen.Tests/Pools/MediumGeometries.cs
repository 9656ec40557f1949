using AllocGen.Pools;
using AllocGen.Threading;

namespace AllocGen.Tests.Pools;

/// <summary>
/// The default small tier with the largest medium tier its 1 MiB arenas allow: 16 KiB pools (63 serve), alignment
/// 16, classes of every multiple of 16 up to 512, medium classes from 640 B up to 256 KiB (a quarter of the arena,
/// four times the generator's default of 64 KiB; 36 classes). Spans are one pool up to 4 KiB blocks, two to six
/// pools up to 64 KiB, and from 80 KiB the block itself (5 to 16 pools, one block each).
/// </summary>
internal struct DefaultTierGeometry : IPoolGeometry
{
    private static readonly int[] s_blockSizes = MediumTierSpec.BlockSizes(512, 256 << 10, 16);
    private static readonly int[] s_spanPools = MediumTierSpec.SpanPools(s_blockSizes, 1 << 14, MediumTierSpec.PoolsPerArena(20, 14));

    public static int ArenaShift => 20;

    public static int PoolShift => 14;

    public static int Alignment => 16;

    public static int SmallRequestThreshold => 512;

    public static int ClassCount => 32;

    public static int BlockSize(int sizeClass) => (sizeClass + 1) * 16;

    public static int ClassOf(nuint size) => size == 0 ? 0 : (int)((size + 15) >> 4) - 1;

    public static int MediumRequestThreshold => 256 << 10;

    public static int MediumClassCount => s_blockSizes.Length;

    public static int MediumBlockSize(int mediumClass) => s_blockSizes[mediumClass];

    public static int MediumSpanPools(int mediumClass) => s_spanPools[mediumClass];

    public static int MediumClassOf(nuint size) => MediumTierSpec.ClassOf(size, 512);
}

/// <summary>
/// 64 KiB arenas of 4 KiB pools (15 serve), classes of every multiple of 16 up to 256, medium classes from 320 B up
/// to 16 KiB (a quarter of the arena, four times the default of a sixteenth): spans of one to six pools (the 12 KiB
/// class's six hold two blocks, the 16 KiB class's four one), so an arena holds only two or three of the larger spans,
/// spans compete for few pools with each other and with the small classes, and arenas fill up and are given back all
/// the time.
/// </summary>
internal struct SmallTierGeometry : IPoolGeometry
{
    private static readonly int[] s_blockSizes = MediumTierSpec.BlockSizes(256, 16 << 10, 16);
    private static readonly int[] s_spanPools = MediumTierSpec.SpanPools(s_blockSizes, 1 << 12, MediumTierSpec.PoolsPerArena(16, 12));

    public static int ArenaShift => 16;

    public static int PoolShift => 12;

    public static int Alignment => 16;

    public static int SmallRequestThreshold => 256;

    public static int ClassCount => 16;

    public static int BlockSize(int sizeClass) => (sizeClass + 1) * 16;

    public static int ClassOf(nuint size) => size == 0 ? 0 : (int)((size + 15) >> 4) - 1;

    public static int MediumRequestThreshold => 16 << 10;

    public static int MediumClassCount => s_blockSizes.Length;

    public static int MediumBlockSize(int mediumClass) => s_blockSizes[mediumClass];

    public static int MediumSpanPools(int mediumClass) => s_spanPools[mediumClass];

    public static int MediumClassOf(nuint size) => MediumTierSpec.ClassOf(size, 256);
}

/// <summary>
/// A coarse alignment: 256 KiB arenas of 8 KiB pools (31 serve), alignment 256, two small classes (256, 512), medium
/// classes up to 64 KiB (a quarter of the arena; spans of one to eight pools). Rounded up to 256, the grid's 640 and
/// 768 are both 768 and its 896 and 1024 both 1024: neighbouring medium classes share a block size.
/// </summary>
internal struct CoarseTierGeometry : IPoolGeometry
{
    private static readonly int[] s_blockSizes = MediumTierSpec.BlockSizes(512, 64 << 10, 256);
    private static readonly int[] s_spanPools = MediumTierSpec.SpanPools(s_blockSizes, 1 << 13, MediumTierSpec.PoolsPerArena(18, 13));

    public static int ArenaShift => 18;

    public static int PoolShift => 13;

    public static int Alignment => 256;

    public static int SmallRequestThreshold => 512;

    public static int ClassCount => 2;

    public static int BlockSize(int sizeClass) => (sizeClass + 1) * 256;

    public static int ClassOf(nuint size) => size <= 256 ? 0 : 1;

    public static int MediumRequestThreshold => 64 << 10;

    public static int MediumClassCount => s_blockSizes.Length;

    public static int MediumBlockSize(int mediumClass) => s_blockSizes[mediumClass];

    public static int MediumSpanPools(int mediumClass) => s_spanPools[mediumClass];

    public static int MediumClassOf(nuint size) => MediumTierSpec.ClassOf(size, 512);
}

/// <summary>
/// One geometry with a medium tier, read through its <see cref="IPoolGeometry"/> members (what the heap itself reads),
/// and how to make a heap of it for each thread policy: what the medium-tier tests and their model need.
/// </summary>
internal sealed class MediumLayout
{
    private MediumLayout(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public int ArenaSize { get; private init; }

    public int PoolSize { get; private init; }

    public int Alignment { get; private init; }

    public int SmallThreshold { get; private init; }

    public int MediumThreshold { get; private init; }

    public int HeaderPoolsPerArena { get; private init; }

    public int PoolsPerArena { get; private init; }

    public int[] SmallClasses { get; private init; } = [];

    public int[] MediumClasses { get; private init; } = [];

    public int[] SpanPools { get; private init; } = [];

    private Func<nuint, int> ClassOfMedium { get; init; } = _ => throw new InvalidOperationException();

    /// <summary>A heap of the geometry behind the given policy (SingleThreaded, Locked, PerThread), as an <see cref="IAllocator"/> with Trim.</summary>
    public Func<ThreadPolicy, RuntimeHeap> Create { get; private init; } = _ => throw new InvalidOperationException();

    public static MediumLayout Default { get; } = Of<DefaultTierGeometry>(nameof(Default));

    public static MediumLayout Small { get; } = Of<SmallTierGeometry>(nameof(Small));

    public static MediumLayout Coarse { get; } = Of<CoarseTierGeometry>(nameof(Coarse));

    public static MediumLayout Named(string name) => name switch
    {
        nameof(Default) => Default,
        nameof(Small) => Small,
        nameof(Coarse) => Coarse,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public int MediumClassCount => MediumClasses.Length;

    /// <summary>The index of a medium class among all classes in the statistics: after the small ones.</summary>
    public int StatsIndex(int mediumClass) => SmallClasses.Length + mediumClass;

    public bool IsSmall(nuint size) => size <= (nuint)SmallThreshold;

    public bool IsMedium(nuint size) => size > (nuint)SmallThreshold && size <= (nuint)MediumThreshold;

    public int SmallClassOf(nuint size)
    {
        int c = 0;
        while (SmallClasses[c] < (int)size)
        {
            c++;
        }

        return c;
    }

    /// <summary>The medium class the geometry's <c>MediumClassOf</c> gives a size (where classes share a block size, either may).</summary>
    public int MediumClassOf(nuint size) => ClassOfMedium(size);

    /// <summary>The sizes the geometry's <c>MediumClassOf</c> maps to a class: one past the previous grid size up to the class's grid size (or its block size).</summary>
    public (nuint Low, nuint High) MediumClassRange(int mediumClass)
    {
        // MediumClassOf is non-decreasing in the size: search for the first size of the class, and of the next.
        nuint FirstOf(int m)
        {
            nuint low = (nuint)SmallThreshold + 1, high = (nuint)MediumThreshold + 1;
            while (low < high)
            {
                nuint mid = low + ((high - low) / 2);
                if (MediumClassOf(mid) >= m)
                {
                    high = mid;
                }
                else
                {
                    low = mid + 1;
                }
            }

            return low;
        }

        return (FirstOf(mediumClass), FirstOf(mediumClass + 1) - 1);
    }

    /// <summary>The least medium block size that holds a size, found by search (not by the grid).</summary>
    public int LeastMediumBlockHolding(nuint size) => MediumClasses.First(b => b >= (long)size);

    public int SpanBytes(int mediumClass) => SpanPools[mediumClass] * PoolSize;

    public int BlocksPerSpan(int mediumClass) => SpanBytes(mediumClass) / MediumClasses[mediumClass];

    public int SpanLeftover(int mediumClass) => SpanBytes(mediumClass) % MediumClasses[mediumClass];

    public override string ToString() => Name;

    private static MediumLayout Of<TGeometry>(string name)
        where TGeometry : struct, IPoolGeometry
    {
        int poolSize = 1 << TGeometry.PoolShift;
        int slots = 1 << (TGeometry.ArenaShift - TGeometry.PoolShift);
        int headerPools = ((slots * 64) + poolSize - 1) / poolSize;
        return new MediumLayout(name)
        {
            ArenaSize = 1 << TGeometry.ArenaShift,
            PoolSize = poolSize,
            Alignment = TGeometry.Alignment,
            SmallThreshold = TGeometry.SmallRequestThreshold,
            MediumThreshold = TGeometry.MediumRequestThreshold,
            HeaderPoolsPerArena = headerPools,
            PoolsPerArena = slots - headerPools,
            SmallClasses = [.. Enumerable.Range(0, TGeometry.ClassCount).Select(TGeometry.BlockSize)],
            MediumClasses = [.. Enumerable.Range(0, TGeometry.MediumClassCount).Select(TGeometry.MediumBlockSize)],
            SpanPools = [.. Enumerable.Range(0, TGeometry.MediumClassCount).Select(TGeometry.MediumSpanPools)],
            ClassOfMedium = TGeometry.MediumClassOf,
            Create = policy => policy switch
            {
                ThreadPolicy.SingleThreaded => new RuntimeHeap<TGeometry, PoolHeap<TGeometry>>(policy),
                ThreadPolicy.Locked => new RuntimeHeap<TGeometry, LockedPoolHeap<TGeometry>>(policy),
                ThreadPolicy.PerThread => new RuntimeHeap<TGeometry, PerThreadPoolHeap<TGeometry>>(policy),
                _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
            },
        };
    }
}

/// <summary>A runtime heap of some policy driven directly, as an <see cref="IAllocator"/> with the controls the tests use.</summary>
internal abstract unsafe class RuntimeHeap : IAllocator, IPoolHeapControls
{
    private protected RuntimeHeap(ThreadPolicy policy)
    {
        Policy = policy;
    }

    public ThreadPolicy Policy { get; }

    public bool IsThreadSafe => Policy != ThreadPolicy.SingleThreaded;

    public abstract PoolReusePolicy ReusePolicy { get; set; }

    /// <summary>Routes a request as the generated <c>Allocate</c> does: a small class, a medium class, or the system.</summary>
    public abstract void* Allocate(nuint size);

    /// <summary>The medium entry point itself, with a class chosen by the caller.</summary>
    public abstract void* AllocateMedium(int mediumClass);

    public abstract void* AllocateAligned(nuint size, nuint alignment);

    /// <summary>The heap's own aligned entry point, zeroed or not, as the generated AllocateAligned and rentals call it.</summary>
    public abstract void* AllocateAligned(nuint size, nuint alignment, bool zeroed);

    public abstract void* AllocateZeroed(nuint count, nuint size);

    public abstract void* Reallocate(void* pointer, nuint newSize);

    public abstract void Free(void* pointer);

    public abstract bool Owns(void* pointer);

    public abstract nuint UsableSize(void* pointer);

    public abstract AllocGen.Stats.AllocatorStats GetStats();

    public abstract void Trim();

    public abstract void Dispose();
}

/// <summary><see cref="RuntimeHeap"/> over one policy's heap struct (kept in a field, as the generated classes keep it).</summary>
internal sealed unsafe class RuntimeHeap<TGeometry, THeap>(ThreadPolicy policy) : RuntimeHeap(policy)
    where TGeometry : struct, IPoolGeometry
    where THeap : struct, IThreadPolicyHeap<THeap>
{
    private THeap _heap = THeap.Create();

    public override PoolReusePolicy ReusePolicy
    {
        get => _heap.ReusePolicy;
        set => _heap.ReusePolicy = value;
    }

    public override void* Allocate(nuint size) =>
        size <= (nuint)TGeometry.SmallRequestThreshold ? _heap.AllocateSmall(TGeometry.ClassOf(size))
        : size <= (nuint)TGeometry.MediumRequestThreshold ? _heap.AllocateMedium(TGeometry.MediumClassOf(size))
        : _heap.AllocateLarge(size, (nuint)TGeometry.Alignment);

    public override void* AllocateMedium(int mediumClass) => _heap.AllocateMedium(mediumClass);

    public override void* AllocateAligned(nuint size, nuint alignment) => _heap.AllocateAligned(size, alignment, zeroed: false);

    public override void* AllocateAligned(nuint size, nuint alignment, bool zeroed) => _heap.AllocateAligned(size, alignment, zeroed);

    public override void* AllocateZeroed(nuint count, nuint size) => _heap.AllocateZeroed(count, size);

    public override void* Reallocate(void* pointer, nuint newSize) => _heap.Reallocate(pointer, newSize);

    public override void Free(void* pointer) => _heap.Free(pointer);

    public override bool Owns(void* pointer) => _heap.Owns(pointer);

    public override nuint UsableSize(void* pointer) => _heap.UsableSize(pointer);

    public override AllocGen.Stats.AllocatorStats GetStats() => _heap.GetStats();

    public override void Trim() => _heap.Trim();

    public override void Dispose() => _heap.Dispose();
}
