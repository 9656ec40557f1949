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

// The reference models of the tests that share these configurations (differential, edge cases, stress, statistics)
// know the small tier and the system allocator only, so the configurations turn the medium tier off; MediumClassTests
// covers the tier.

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

/// <summary>
/// The geometry of one generated allocator, read from its generated constants, plus a factory: what the
/// configuration-independent tests and the reference model need.
/// </summary>
public sealed class HeapGeometry
{
    private readonly byte[] _classOf;

    internal HeapGeometry(string name, int arenaSize, int poolSize, int alignment, int threshold, int headerPoolsPerArena, int poolsPerArena, int[] classes, Func<IAllocator> create)
    {
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

    public static HeapGeometry Named(string name) => name switch
    {
        nameof(DefaultHeap) => Default,
        nameof(SmallPoolHeap) => SmallPool,
        nameof(PerThreadSmallPoolHeap) => PerThreadSmallPool,
        nameof(IrregularHeap) => Irregular,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The smallest class that holds <paramref name="size"/> (0 → the first class).</summary>
    public int ClassOf(nuint size) => _classOf[(int)size];

    public bool IsSmall(nuint size) => size <= (nuint)Threshold;

    /// <summary>Blocks one pool of a class holds, by the generated constants: PoolSize / blockSize (headers live elsewhere).</summary>
    public int BlocksPerPool(int sizeClass) => PoolSize / Classes[sizeClass];

    /// <summary>Where the header of the pool holding <paramref name="address"/> lives: its slot in the table at the start of the arena.</summary>
    public nint HeaderSlotOf(nint address) =>
        (address & ~(nint)(ArenaSize - 1)) + (((address & (ArenaSize - 1)) / PoolSize) * 64);

    public override string ToString() => Name;
}
