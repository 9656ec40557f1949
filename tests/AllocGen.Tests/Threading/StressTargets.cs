using AllocGen.Pools;
using AllocGen.Stats;
using AllocGen.Tests.Pools;

namespace AllocGen.Tests.Threading;

/// <summary>
/// A heap the thread stress tests drive, by name (theory rows stay readable): how to create one, its policy and the
/// geometry the checks need.
/// </summary>
public sealed class StressTarget
{
    private StressTarget(string name, ThreadPolicy policy, int threshold, int arenaSize, Func<IAllocator> create)
    {
        Name = name;
        Policy = policy;
        Threshold = threshold;
        ArenaSize = arenaSize;
        Create = create;
    }

    /// <summary>Every target, by name, for [MemberData].</summary>
    public static IReadOnlyList<StressTarget> All { get; } =
    [
        new("LockedStandIn/" + nameof(DefaultHeap), ThreadPolicy.Locked, DefaultHeap.SmallRequestThreshold, DefaultHeap.ArenaSize, () => new LockedStandIn<DefaultHeap>()),
        new("LockedStandIn/" + nameof(SmallPoolHeap), ThreadPolicy.Locked, SmallPoolHeap.SmallRequestThreshold, SmallPoolHeap.ArenaSize, () => new LockedStandIn<SmallPoolHeap>()),
    ];

    public string Name { get; }

    public ThreadPolicy Policy { get; }

    public int Threshold { get; }

    public int ArenaSize { get; }

    public Func<IAllocator> Create { get; }

    /// <summary>A heap of the default geometry behind a lock, made by <paramref name="create"/>: for the harness's own tests.</summary>
    internal static StressTarget Custom(string name, Func<IAllocator> create) =>
        new(name, ThreadPolicy.Locked, DefaultHeap.SmallRequestThreshold, DefaultHeap.ArenaSize, create);

    public static StressTarget Named(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentOutOfRangeException(nameof(name), name, null);

    /// <summary>
    /// The most arenas a heap whose blocks are all freed may hold: one idle arena per live thread heap for PerThread,
    /// one for a heap behind a lock.
    /// </summary>
    public long MaxIdleArenas(int liveThreadHeaps) => Policy == ThreadPolicy.PerThread ? liveThreadHeaps : 1;

    public override string ToString() => Name;
}

/// <summary>
/// What the harness was developed against before the Locked policy existed: a generated single-threaded heap with
/// every member behind one lock. It stays as the control: a workload that fails on a real policy but passes here
/// points at the heap, not at the harness.
/// </summary>
public sealed unsafe class LockedStandIn<THeap> : IAllocator, IPoolHeapControls
    where THeap : class, IAllocator, IPoolHeapControls, new()
{
    private readonly Lock _gate = new();
    private readonly THeap _heap = new();

    public PoolReusePolicy ReusePolicy
    {
        get
        {
            lock (_gate)
            {
                return _heap.ReusePolicy;
            }
        }

        set
        {
            lock (_gate)
            {
                _heap.ReusePolicy = value;
            }
        }
    }

    public void* Allocate(nuint size)
    {
        lock (_gate)
        {
            return _heap.Allocate(size);
        }
    }

    public void* AllocateZeroed(nuint count, nuint size)
    {
        lock (_gate)
        {
            return _heap.AllocateZeroed(count, size);
        }
    }

    public void* Reallocate(void* pointer, nuint newSize)
    {
        lock (_gate)
        {
            return _heap.Reallocate(pointer, newSize);
        }
    }

    public void Free(void* pointer)
    {
        lock (_gate)
        {
            _heap.Free(pointer);
        }
    }

    public bool Owns(void* pointer)
    {
        lock (_gate)
        {
            return _heap.Owns(pointer);
        }
    }

    public nuint UsableSize(void* pointer)
    {
        lock (_gate)
        {
            return _heap.UsableSize(pointer);
        }
    }

    public AllocatorStats GetStats()
    {
        lock (_gate)
        {
            return _heap.GetStats();
        }
    }

    public void Trim()
    {
        lock (_gate)
        {
            _heap.Trim();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _heap.Dispose();
        }
    }
}
