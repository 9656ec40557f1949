using AllocGen.Tests.Pools;

namespace AllocGen.Tests.Stats;

// No medium tier: the statistics models know the small tier and the system allocator only (see Pools/Configurations.cs).

/// <summary>4 KiB pools in 64 KiB arenas (one header pool, 15 that serve): arenas are taken and released all the time.</summary>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024, MediumRequestThreshold = 0)]
public sealed partial class StatsSmallHeap : IPoolHeapControls
{
}

/// <inheritdoc cref="StatsSmallHeap"/>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024, Threading = ThreadPolicy.Locked, MediumRequestThreshold = 0)]
public sealed partial class LockedStatsSmallHeap : IPoolHeapControls
{
}

/// <inheritdoc cref="StatsSmallHeap"/>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024, Threading = ThreadPolicy.PerThread, MediumRequestThreshold = 0)]
public sealed partial class PerThreadStatsSmallHeap : IPoolHeapControls
{
}

/// <summary>8 KiB arenas of two 4 KiB pools (the header table's and one that serves): smaller than a 16 or 64 KiB page.</summary>
[PoolAllocator(ArenaSize = 8192, PoolSize = 4096, Alignment = 8, SmallRequestThreshold = 256, MediumRequestThreshold = 0)]
public sealed partial class StatsTinyHeap : IPoolHeapControls
{
}

/// <inheritdoc cref="StatsTinyHeap"/>
[PoolAllocator(ArenaSize = 8192, PoolSize = 4096, Alignment = 8, SmallRequestThreshold = 256, Threading = ThreadPolicy.Locked, MediumRequestThreshold = 0)]
public sealed partial class LockedStatsTinyHeap : IPoolHeapControls
{
}

/// <inheritdoc cref="StatsTinyHeap"/>
[PoolAllocator(ArenaSize = 8192, PoolSize = 4096, Alignment = 8, SmallRequestThreshold = 256, Threading = ThreadPolicy.PerThread, MediumRequestThreshold = 0)]
public sealed partial class PerThreadStatsTinyHeap : IPoolHeapControls
{
}

/// <summary>The geometries of the heaps above, from their generated constants, with how to make one.</summary>
internal static class StatsTargets
{
    public static HeapGeometry Named(string name) => name switch
    {
        nameof(StatsSmallHeap) => new(name, StatsSmallHeap.ArenaSize, StatsSmallHeap.PoolSize, StatsSmallHeap.Alignment, StatsSmallHeap.SmallRequestThreshold, StatsSmallHeap.HeaderPoolsPerArena, StatsSmallHeap.PoolsPerArena, StatsSmallHeap.SizeClasses.ToArray(), () => new StatsSmallHeap()),
        nameof(LockedStatsSmallHeap) => new(name, LockedStatsSmallHeap.ArenaSize, LockedStatsSmallHeap.PoolSize, LockedStatsSmallHeap.Alignment, LockedStatsSmallHeap.SmallRequestThreshold, LockedStatsSmallHeap.HeaderPoolsPerArena, LockedStatsSmallHeap.PoolsPerArena, LockedStatsSmallHeap.SizeClasses.ToArray(), () => new LockedStatsSmallHeap()),
        nameof(PerThreadStatsSmallHeap) => new(name, PerThreadStatsSmallHeap.ArenaSize, PerThreadStatsSmallHeap.PoolSize, PerThreadStatsSmallHeap.Alignment, PerThreadStatsSmallHeap.SmallRequestThreshold, PerThreadStatsSmallHeap.HeaderPoolsPerArena, PerThreadStatsSmallHeap.PoolsPerArena, PerThreadStatsSmallHeap.SizeClasses.ToArray(), () => new PerThreadStatsSmallHeap()),
        nameof(StatsTinyHeap) => new(name, StatsTinyHeap.ArenaSize, StatsTinyHeap.PoolSize, StatsTinyHeap.Alignment, StatsTinyHeap.SmallRequestThreshold, StatsTinyHeap.HeaderPoolsPerArena, StatsTinyHeap.PoolsPerArena, StatsTinyHeap.SizeClasses.ToArray(), () => new StatsTinyHeap()),
        nameof(LockedStatsTinyHeap) => new(name, LockedStatsTinyHeap.ArenaSize, LockedStatsTinyHeap.PoolSize, LockedStatsTinyHeap.Alignment, LockedStatsTinyHeap.SmallRequestThreshold, LockedStatsTinyHeap.HeaderPoolsPerArena, LockedStatsTinyHeap.PoolsPerArena, LockedStatsTinyHeap.SizeClasses.ToArray(), () => new LockedStatsTinyHeap()),
        nameof(PerThreadStatsTinyHeap) => new(name, PerThreadStatsTinyHeap.ArenaSize, PerThreadStatsTinyHeap.PoolSize, PerThreadStatsTinyHeap.Alignment, PerThreadStatsTinyHeap.SmallRequestThreshold, PerThreadStatsTinyHeap.HeaderPoolsPerArena, PerThreadStatsTinyHeap.PoolsPerArena, PerThreadStatsTinyHeap.SizeClasses.ToArray(), () => new PerThreadStatsTinyHeap()),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
