using AllocGen.Tests.Pools;

namespace AllocGen.Tests.Stats;

/// <summary>4 KiB pools in 64 KiB arenas (one header pool, 15 that serve): arenas are taken and released all the time.</summary>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024)]
public sealed partial class StatsSmallHeap : IPoolHeapControls
{
}

/// <inheritdoc cref="StatsSmallHeap"/>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024, Threading = ThreadPolicy.Locked)]
public sealed partial class LockedStatsSmallHeap : IPoolHeapControls
{
}

/// <inheritdoc cref="StatsSmallHeap"/>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024, Threading = ThreadPolicy.PerThread)]
public sealed partial class PerThreadStatsSmallHeap : IPoolHeapControls
{
}

/// <summary>8 KiB arenas of two 4 KiB pools (the header table's and one that serves): smaller than a 16 or 64 KiB page.</summary>
[PoolAllocator(ArenaSize = 8192, PoolSize = 4096, Alignment = 8, SmallRequestThreshold = 256)]
public sealed partial class StatsTinyHeap : IPoolHeapControls
{
}

/// <inheritdoc cref="StatsTinyHeap"/>
[PoolAllocator(ArenaSize = 8192, PoolSize = 4096, Alignment = 8, SmallRequestThreshold = 256, Threading = ThreadPolicy.Locked)]
public sealed partial class LockedStatsTinyHeap : IPoolHeapControls
{
}

/// <inheritdoc cref="StatsTinyHeap"/>
[PoolAllocator(ArenaSize = 8192, PoolSize = 4096, Alignment = 8, SmallRequestThreshold = 256, Threading = ThreadPolicy.PerThread)]
public sealed partial class PerThreadStatsTinyHeap : IPoolHeapControls
{
}

/// <summary>The geometry of one of the heaps above, from its generated constants, and how to make one.</summary>
public sealed class StatsTarget
{
    private StatsTarget(string name, int arenaSize, int poolSize, int headerPoolsPerArena, int poolsPerArena, int threshold, ReadOnlySpan<int> classes, Func<IAllocator> create)
    {
        Name = name;
        ArenaSize = arenaSize;
        PoolSize = poolSize;
        HeaderPoolsPerArena = headerPoolsPerArena;
        PoolsPerArena = poolsPerArena;
        Threshold = threshold;
        Classes = classes.ToArray();
        Create = create;
    }

    public string Name { get; }

    public int ArenaSize { get; }

    public int PoolSize { get; }

    public int HeaderPoolsPerArena { get; }

    public int PoolsPerArena { get; }

    public int Threshold { get; }

    public int[] Classes { get; }

    public Func<IAllocator> Create { get; }

    public static StatsTarget Named(string name) => name switch
    {
        nameof(StatsSmallHeap) => new(name, StatsSmallHeap.ArenaSize, StatsSmallHeap.PoolSize, StatsSmallHeap.HeaderPoolsPerArena, StatsSmallHeap.PoolsPerArena, StatsSmallHeap.SmallRequestThreshold, StatsSmallHeap.SizeClasses, () => new StatsSmallHeap()),
        nameof(LockedStatsSmallHeap) => new(name, LockedStatsSmallHeap.ArenaSize, LockedStatsSmallHeap.PoolSize, LockedStatsSmallHeap.HeaderPoolsPerArena, LockedStatsSmallHeap.PoolsPerArena, LockedStatsSmallHeap.SmallRequestThreshold, LockedStatsSmallHeap.SizeClasses, () => new LockedStatsSmallHeap()),
        nameof(PerThreadStatsSmallHeap) => new(name, PerThreadStatsSmallHeap.ArenaSize, PerThreadStatsSmallHeap.PoolSize, PerThreadStatsSmallHeap.HeaderPoolsPerArena, PerThreadStatsSmallHeap.PoolsPerArena, PerThreadStatsSmallHeap.SmallRequestThreshold, PerThreadStatsSmallHeap.SizeClasses, () => new PerThreadStatsSmallHeap()),
        nameof(StatsTinyHeap) => new(name, StatsTinyHeap.ArenaSize, StatsTinyHeap.PoolSize, StatsTinyHeap.HeaderPoolsPerArena, StatsTinyHeap.PoolsPerArena, StatsTinyHeap.SmallRequestThreshold, StatsTinyHeap.SizeClasses, () => new StatsTinyHeap()),
        nameof(LockedStatsTinyHeap) => new(name, LockedStatsTinyHeap.ArenaSize, LockedStatsTinyHeap.PoolSize, LockedStatsTinyHeap.HeaderPoolsPerArena, LockedStatsTinyHeap.PoolsPerArena, LockedStatsTinyHeap.SmallRequestThreshold, LockedStatsTinyHeap.SizeClasses, () => new LockedStatsTinyHeap()),
        nameof(PerThreadStatsTinyHeap) => new(name, PerThreadStatsTinyHeap.ArenaSize, PerThreadStatsTinyHeap.PoolSize, PerThreadStatsTinyHeap.HeaderPoolsPerArena, PerThreadStatsTinyHeap.PoolsPerArena, PerThreadStatsTinyHeap.SmallRequestThreshold, PerThreadStatsTinyHeap.SizeClasses, () => new PerThreadStatsTinyHeap()),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The smallest class that holds <paramref name="size"/>.</summary>
    public int ClassOf(nuint size) => Array.FindIndex(Classes, c => (nuint)c >= size);

    public int BlocksPerPool(int sizeClass) => PoolSize / Classes[sizeClass];

    public override string ToString() => Name;
}
