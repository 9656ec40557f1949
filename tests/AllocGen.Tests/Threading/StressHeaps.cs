using AllocGen.Tests.Pools;

namespace AllocGen.Tests.Threading;

// No medium tier: the stress workloads were written for the small tier and the system allocator (see
// Pools/Configurations.cs); every stress test also runs on a tier-on heap (StressTarget.WithMediumTier), and
// MediumThreadTests covers the tier on the hand-written geometries.

/// <summary>CPython's geometry behind one lock.</summary>
[PoolAllocator(Threading = ThreadPolicy.Locked, MediumRequestThreshold = 0)]
public sealed partial class LockedDefaultHeap : IPoolHeapControls
{
}

/// <summary><see cref="SmallPoolHeap"/>'s geometry (4 KiB pools in 64 KiB arenas) behind one lock: arenas come and go.</summary>
[PoolAllocator(PoolSize = 4096, Alignment = 8, ArenaSize = 64 * 1024, Threading = ThreadPolicy.Locked, MediumRequestThreshold = 0)]
public sealed partial class LockedSmallPoolHeap : IPoolHeapControls
{
}

/// <summary>CPython's geometry, a heap per thread. (The small-pool one, <see cref="PerThreadSmallPoolHeap"/>, is among the differential test's configurations.)</summary>
[PoolAllocator(Threading = ThreadPolicy.PerThread, MediumRequestThreshold = 0)]
public sealed partial class PerThreadDefaultHeap : IPoolHeapControls
{
}

/// <summary>
/// A heap the thread stress tests drive, by name (theory rows stay readable): how to create one, its policy and the
/// geometry the checks need.
/// </summary>
public sealed class StressTarget
{
    private StressTarget(string name, ThreadPolicy policy, int threshold, int arenaSize, Func<IAllocator> create, int mediumThreshold = 0, Func<nuint, nuint>? mediumBlockSize = null)
    {
        Name = name;
        Policy = policy;
        Threshold = threshold;
        ArenaSize = arenaSize;
        Create = create;
        MediumThreshold = mediumThreshold;
        MediumBlockSize = mediumBlockSize ?? (_ => throw new InvalidOperationException($"{name} has no medium tier"));
    }

    /// <summary>Every target, by name, for [MemberData].</summary>
    public static IReadOnlyList<StressTarget> All { get; } =
    [
        new(nameof(LockedDefaultHeap), LockedDefaultHeap.Threading, LockedDefaultHeap.SmallRequestThreshold, LockedDefaultHeap.ArenaSize, () => new LockedDefaultHeap()),
        new(nameof(LockedSmallPoolHeap), LockedSmallPoolHeap.Threading, LockedSmallPoolHeap.SmallRequestThreshold, LockedSmallPoolHeap.ArenaSize, () => new LockedSmallPoolHeap()),
        new(nameof(PerThreadDefaultHeap), PerThreadDefaultHeap.Threading, PerThreadDefaultHeap.SmallRequestThreshold, PerThreadDefaultHeap.ArenaSize, () => new PerThreadDefaultHeap()),
        new(nameof(PerThreadSmallPoolHeap), PerThreadSmallPoolHeap.Threading, PerThreadSmallPoolHeap.SmallRequestThreshold, PerThreadSmallPoolHeap.ArenaSize, () => new PerThreadSmallPoolHeap()),
    ];

    public string Name { get; }

    public ThreadPolicy Policy { get; }

    public int Threshold { get; }

    public int ArenaSize { get; }

    public Func<IAllocator> Create { get; }

    /// <summary>
    /// Generated heaps with a medium tier, not in <see cref="All"/> (the workloads' sizes above the small threshold,
    /// up to 4 KiB past it, are then mostly medium): <see cref="PerThreadSmallPoolTierHeap"/>, whose tier reaches 4 KiB.
    /// </summary>
    public static IReadOnlyList<StressTarget> WithMediumTier { get; } =
    [
        new(
            nameof(PerThreadSmallPoolTierHeap), PerThreadSmallPoolTierHeap.Threading, PerThreadSmallPoolTierHeap.SmallRequestThreshold, PerThreadSmallPoolTierHeap.ArenaSize,
            () => new PerThreadSmallPoolTierHeap(), PerThreadSmallPoolTierHeap.MediumRequestThreshold,
            size => (nuint)PerThreadSmallPoolTierHeap.MediumSizeClasses[MediumTierSpec.ClassOf(size, PerThreadSmallPoolTierHeap.SmallRequestThreshold)]),
    ];

    /// <summary>The largest request the medium tier serves (0: none, every request above <see cref="Threshold"/> is large).</summary>
    public int MediumThreshold { get; }

    /// <summary>The usable size of a medium block asked for with a size: its class's block size.</summary>
    public Func<nuint, nuint> MediumBlockSize { get; }

    /// <summary>64 KiB arenas: taken and released all the time, so the arena paths are the ones exercised.</summary>
    public bool HasSmallArenas => ArenaSize <= 64 << 10;

    /// <summary>A heap of the default geometry behind a lock, made by <paramref name="create"/>: for the harness's own tests.</summary>
    internal static StressTarget Custom(string name, Func<IAllocator> create) =>
        new(name, ThreadPolicy.Locked, LockedDefaultHeap.SmallRequestThreshold, LockedDefaultHeap.ArenaSize, create);

    /// <summary>A runtime heap of a hand-written geometry with a medium tier, behind <paramref name="policy"/>.</summary>
    internal static StressTarget Medium(MediumLayout layout, ThreadPolicy policy) =>
        new(
            $"{layout.Name} medium geometry, {policy}",
            policy,
            layout.SmallThreshold,
            layout.ArenaSize,
            () => layout.Create(policy),
            layout.MediumThreshold,
            size => (nuint)layout.MediumClasses[layout.MediumClassOf(size)]);

    public static StressTarget Named(string name) =>
        All.Concat(WithMediumTier).FirstOrDefault(t => t.Name == name) ?? throw new ArgumentOutOfRangeException(nameof(name), name, null);

    /// <summary>
    /// The most arenas a heap whose blocks are all freed may hold: one idle arena per live thread heap for PerThread,
    /// one for a heap behind a lock.
    /// </summary>
    public long MaxIdleArenas(int liveThreadHeaps) => Policy == ThreadPolicy.PerThread ? liveThreadHeaps : 1;

    public override string ToString() => Name;
}

