namespace AllocGen.Tests.Pools;

/// <summary>
/// The generated members beyond <see cref="IAllocator"/> that the configuration-independent tests drive; the named
/// configurations' generated classes implement it with nothing written by hand.
/// </summary>
public interface IPoolHeapControls
{
    AllocGen.Pools.PoolReusePolicy ReusePolicy { get; set; }

    void Trim();
}

// The configurations below turn the medium tier off: the tests that share them (edge cases, stress, statistics) were
// written for the small tier and the system allocator, and some rely on it (a request above the small threshold is a
// system block of exactly its size). The differential test also runs their twins with the tier on (below them).

/// <summary>CPython's 64-bit defaults: 1 MiB arenas of 16 KiB pools, 32 classes of 16..512 bytes, 16-byte alignment (and, as in CPython, no medium tier).</summary>
[PoolAllocator(MediumRequestThreshold = 0)]
public sealed partial class DefaultHeap : IPoolHeapControls
{
}

/// <summary>Small pools and 64 KiB arenas (16 pools each), so arenas are taken, drained and released all the time.</summary>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024, MediumRequestThreshold = 0)]
public sealed partial class SmallPoolHeap : IPoolHeapControls
{
}

/// <summary>
/// <see cref="SmallPoolHeap"/>'s geometry with a heap per thread: the differential test drives it from one thread, where
/// it must behave as the single-threaded heap does (the thread stress tests share it from many).
/// </summary>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024, Threading = ThreadPolicy.PerThread, MediumRequestThreshold = 0)]
public sealed partial class PerThreadSmallPoolHeap : IPoolHeapControls
{
}

/// <summary>The smallest arena there is: two 4 KiB pools, one for the header table and one for blocks.</summary>
[PoolAllocator(ArenaSize = 8192, PoolSize = 4096, Alignment = 8, SmallRequestThreshold = 256, MediumRequestThreshold = 0)]
public sealed partial class TinyArenaHeap
{
}

/// <summary>An explicit, irregular class list: a request is served by the smallest class that holds it.</summary>
[PoolAllocator(ArenaSize = 256 * 1024, MediumRequestThreshold = 0)]
[SizeClasses(16, 32, 48, 64, 128, 256, 512)]
public sealed partial class IrregularHeap : IPoolHeapControls
{
}

/// <summary>
/// A threshold equal to the pool size, so the largest class's one block fills its pool to the last byte (pool headers
/// live in the arena's header table, not in the pool).
/// </summary>
[PoolAllocator(PoolSize = 4096, ArenaSize = 64 * 1024, Alignment = 32, SmallRequestThreshold = 4096, MediumRequestThreshold = 0)]
public sealed partial class PoolFillingHeap
{
}

/// <summary><see cref="DefaultHeap"/> with the generator's default medium tier: 16 KiB pools, classes from 640 B up to 64 KiB.</summary>
[PoolAllocator]
public sealed partial class DefaultTierHeap : IPoolHeapControls
{
}

/// <summary>
/// <see cref="SmallPoolHeap"/> with its default medium tier, up to a sixteenth of its 64 KiB arenas (4 KiB): classes of
/// 640 B to 4 KiB in spans of one to four of an arena's 15 pools, which they share with the small classes.
/// </summary>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024)]
public sealed partial class SmallPoolTierHeap : IPoolHeapControls
{
}

/// <summary><see cref="SmallPoolTierHeap"/> with a heap per thread, driven from one thread.</summary>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024, Threading = ThreadPolicy.PerThread)]
public sealed partial class PerThreadSmallPoolTierHeap : IPoolHeapControls
{
}

/// <summary>
/// <see cref="IrregularHeap"/>'s class list with the largest medium tier its 256 KiB arenas allow: up to a quarter of
/// the arena (64 KiB), so the largest spans take four of an arena's 15 pools.
/// </summary>
[PoolAllocator(ArenaSize = 256 * 1024, MediumRequestThreshold = 64 * 1024)]
[SizeClasses(16, 32, 48, 64, 128, 256, 512)]
public sealed partial class IrregularTierHeap : IPoolHeapControls
{
}

/// <summary>
/// The geometry of one generated allocator, read from its generated constants, plus a factory: what the
/// configuration-independent tests and the reference model need.
/// </summary>
public sealed class HeapGeometry
{
    private readonly byte[] _classOf;

    internal HeapGeometry(
        string name, int arenaSize, int poolSize, int alignment, int threshold, int headerPoolsPerArena, int poolsPerArena, int[] classes, Func<IAllocator> create,
        int mediumThreshold = 0, int[]? mediumClasses = null)
    {
        MediumThreshold = mediumThreshold;
        MediumClasses = mediumClasses ?? [];
        SpanPools = MediumTierSpec.SpanPools(MediumClasses, poolSize, poolsPerArena);
        Name = name;
        ArenaSize = arenaSize;
        PoolSize = poolSize;
        Alignment = alignment;
        Threshold = threshold;
        HeaderPoolsPerArena = headerPoolsPerArena;
        PoolsPerArena = poolsPerArena;
        Classes = classes;
        Create = create;
        _classOf = new byte[threshold + 1];
        int cls = 0;
        for (int size = 0; size <= threshold; size++)
        {
            while (classes[cls] < size)
            {
                cls++;
            }

            _classOf[size] = (byte)cls;
        }
    }

    public static HeapGeometry Default { get; } = new(
        nameof(DefaultHeap), DefaultHeap.ArenaSize, DefaultHeap.PoolSize, DefaultHeap.Alignment, DefaultHeap.SmallRequestThreshold,
        DefaultHeap.HeaderPoolsPerArena, DefaultHeap.PoolsPerArena, DefaultHeap.SizeClasses.ToArray(), () => new DefaultHeap());

    public static HeapGeometry SmallPool { get; } = new(
        nameof(SmallPoolHeap), SmallPoolHeap.ArenaSize, SmallPoolHeap.PoolSize, SmallPoolHeap.Alignment, SmallPoolHeap.SmallRequestThreshold,
        SmallPoolHeap.HeaderPoolsPerArena, SmallPoolHeap.PoolsPerArena, SmallPoolHeap.SizeClasses.ToArray(), () => new SmallPoolHeap());

    public static HeapGeometry PerThreadSmallPool { get; } = new(
        nameof(PerThreadSmallPoolHeap), PerThreadSmallPoolHeap.ArenaSize, PerThreadSmallPoolHeap.PoolSize, PerThreadSmallPoolHeap.Alignment, PerThreadSmallPoolHeap.SmallRequestThreshold,
        PerThreadSmallPoolHeap.HeaderPoolsPerArena, PerThreadSmallPoolHeap.PoolsPerArena, PerThreadSmallPoolHeap.SizeClasses.ToArray(), () => new PerThreadSmallPoolHeap());

    public static HeapGeometry Irregular { get; } = new(
        nameof(IrregularHeap), IrregularHeap.ArenaSize, IrregularHeap.PoolSize, IrregularHeap.Alignment, IrregularHeap.SmallRequestThreshold,
        IrregularHeap.HeaderPoolsPerArena, IrregularHeap.PoolsPerArena, IrregularHeap.SizeClasses.ToArray(), () => new IrregularHeap());

    public static HeapGeometry DefaultTier { get; } = new(
        nameof(DefaultTierHeap), DefaultTierHeap.ArenaSize, DefaultTierHeap.PoolSize, DefaultTierHeap.Alignment, DefaultTierHeap.SmallRequestThreshold,
        DefaultTierHeap.HeaderPoolsPerArena, DefaultTierHeap.PoolsPerArena, DefaultTierHeap.SizeClasses.ToArray(), () => new DefaultTierHeap(),
        DefaultTierHeap.MediumRequestThreshold, DefaultTierHeap.MediumSizeClasses.ToArray());

    public static HeapGeometry SmallPoolTier { get; } = new(
        nameof(SmallPoolTierHeap), SmallPoolTierHeap.ArenaSize, SmallPoolTierHeap.PoolSize, SmallPoolTierHeap.Alignment, SmallPoolTierHeap.SmallRequestThreshold,
        SmallPoolTierHeap.HeaderPoolsPerArena, SmallPoolTierHeap.PoolsPerArena, SmallPoolTierHeap.SizeClasses.ToArray(), () => new SmallPoolTierHeap(),
        SmallPoolTierHeap.MediumRequestThreshold, SmallPoolTierHeap.MediumSizeClasses.ToArray());

    public static HeapGeometry PerThreadSmallPoolTier { get; } = new(
        nameof(PerThreadSmallPoolTierHeap), PerThreadSmallPoolTierHeap.ArenaSize, PerThreadSmallPoolTierHeap.PoolSize, PerThreadSmallPoolTierHeap.Alignment, PerThreadSmallPoolTierHeap.SmallRequestThreshold,
        PerThreadSmallPoolTierHeap.HeaderPoolsPerArena, PerThreadSmallPoolTierHeap.PoolsPerArena, PerThreadSmallPoolTierHeap.SizeClasses.ToArray(), () => new PerThreadSmallPoolTierHeap(),
        PerThreadSmallPoolTierHeap.MediumRequestThreshold, PerThreadSmallPoolTierHeap.MediumSizeClasses.ToArray());

    public static HeapGeometry IrregularTier { get; } = new(
        nameof(IrregularTierHeap), IrregularTierHeap.ArenaSize, IrregularTierHeap.PoolSize, IrregularTierHeap.Alignment, IrregularTierHeap.SmallRequestThreshold,
        IrregularTierHeap.HeaderPoolsPerArena, IrregularTierHeap.PoolsPerArena, IrregularTierHeap.SizeClasses.ToArray(), () => new IrregularTierHeap(),
        IrregularTierHeap.MediumRequestThreshold, IrregularTierHeap.MediumSizeClasses.ToArray());

    public string Name { get; }

    public int ArenaSize { get; }

    public int PoolSize { get; }

    public int Alignment { get; }

    public int Threshold { get; }

    /// <summary>The generated <c>HeaderPoolsPerArena</c> constant: pools at the start of each arena holding the pool headers.</summary>
    public int HeaderPoolsPerArena { get; }

    /// <summary>The generated <c>PoolsPerArena</c> constant: pools per arena that serve blocks.</summary>
    public int PoolsPerArena { get; }

    public int[] Classes { get; }

    public Func<IAllocator> Create { get; }

    /// <summary>The generated <c>MediumRequestThreshold</c>: the largest request of the medium tier (0: no tier).</summary>
    public int MediumThreshold { get; }

    /// <summary>The generated <c>MediumSizeClasses</c>: the medium classes' block sizes, ascending (none without a tier).</summary>
    public int[] MediumClasses { get; }

    /// <summary>Pools per span of each medium class, by the span rule (MediumTierSpec).</summary>
    public int[] SpanPools { get; }

    public bool HasMediumTier => MediumThreshold != 0;

    /// <summary>Rows of <c>GetStats().SizeClasses</c>: the small classes, then the medium ones.</summary>
    public int StatsClassCount => Classes.Length + MediumClasses.Length;

    /// <summary>The smallest request the system allocator serves: above both tiers.</summary>
    public nuint LeastLargeSize => (nuint)Math.Max(Threshold, MediumThreshold) + 1;

    public static HeapGeometry Named(string name) => name switch
    {
        nameof(DefaultHeap) => Default,
        nameof(SmallPoolHeap) => SmallPool,
        nameof(PerThreadSmallPoolHeap) => PerThreadSmallPool,
        nameof(IrregularHeap) => Irregular,
        nameof(DefaultTierHeap) => DefaultTier,
        nameof(SmallPoolTierHeap) => SmallPoolTier,
        nameof(PerThreadSmallPoolTierHeap) => PerThreadSmallPoolTier,
        nameof(IrregularTierHeap) => IrregularTier,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The smallest class that holds <paramref name="size"/> (0 → the first class).</summary>
    public int ClassOf(nuint size) => _classOf[(int)size];

    public bool IsSmall(nuint size) => size <= (nuint)Threshold;

    public bool IsMedium(nuint size) => size > (nuint)Threshold && size <= (nuint)MediumThreshold;

    /// <summary>The medium class of a request of the tier, by the grid (the generated <c>MediumClassOf</c> is private).</summary>
    public int MediumClassOf(nuint size) => MediumTierSpec.ClassOf(size, Threshold);

    /// <summary>The row of <c>GetStats().SizeClasses</c> that counts a block of <paramref name="size"/>: its small or medium class, or -1 for a system block.</summary>
    public int StatsClassOf(nuint size) =>
        IsSmall(size) ? ClassOf(size) : IsMedium(size) ? Classes.Length + MediumClassOf(size) : -1;

    public int BlockSizeOfStatsClass(int statsClass) =>
        statsClass < Classes.Length ? Classes[statsClass] : MediumClasses[statsClass - Classes.Length];

    /// <summary>What <c>UsableSize</c> says of a block asked for with <paramref name="size"/>: its class's block size, or the size itself for a system block.</summary>
    public nuint UsableSizeOf(nuint size) => StatsClassOf(size) is var c and >= 0 ? (nuint)BlockSizeOfStatsClass(c) : size;

    /// <summary>The sizes that map to a class (a row of the statistics): one past the previous class's largest request up to its own.</summary>
    public (nuint Low, nuint High) RangeOfStatsClass(int statsClass)
    {
        if (statsClass < Classes.Length)
        {
            return (statsClass == 0 ? 0 : (nuint)Classes[statsClass - 1] + 1, (nuint)Classes[statsClass]);
        }

        (long low, long high) = MediumTierSpec.ClassRange(statsClass - Classes.Length, Threshold);
        return ((nuint)low, (nuint)high);
    }

    /// <summary>
    /// What a class takes from an arena at a time and how many blocks that holds: one pool for a small class, one span
    /// for a medium class (its blocks from the span's first byte, the tail left over).
    /// </summary>
    public (int Pools, int Blocks) CarvingUnit(int statsClass)
    {
        if (statsClass < Classes.Length)
        {
            return (1, BlocksPerPool(statsClass));
        }

        int m = statsClass - Classes.Length;
        return (SpanPools[m], SpanPools[m] * PoolSize / MediumClasses[m]);
    }

    /// <summary>Blocks one pool of a class holds, by the generated constants: PoolSize / blockSize (headers live elsewhere).</summary>
    public int BlocksPerPool(int sizeClass) => PoolSize / Classes[sizeClass];

    /// <summary>Where the header of the pool holding <paramref name="address"/> lives: its slot in the table at the start of the arena.</summary>
    public nint HeaderSlotOf(nint address) =>
        (address & ~(nint)(ArenaSize - 1)) + (((address & (ArenaSize - 1)) / PoolSize) * 64);

    public override string ToString() => Name;
}
