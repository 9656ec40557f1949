using AllocGen.Pools;
using AllocGen.Stats;
using AllocGen.Tests.Pools;
using AllocGen.Threading;

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
        new("PerThreadRuntime/DefaultGeometry", ThreadPolicy.PerThread, 512, 1 << 20, () => new PerThreadRuntimeHeap<DefaultGeometry>()),
        new("PerThreadRuntime/SmallGeometry", ThreadPolicy.PerThread, 512, 64 << 10, () => new PerThreadRuntimeHeap<SmallGeometry>()),
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

/// <summary>The PerThread runtime behind IAllocator until the generator emits PerThread heaps.</summary>
public sealed unsafe class PerThreadRuntimeHeap<TGeometry> : IAllocator, IPoolHeapControls
    where TGeometry : struct, IPoolGeometry
{
    private readonly PerThreadPoolHeap<TGeometry> _heap = PerThreadPoolHeap<TGeometry>.Create();

    public PoolReusePolicy ReusePolicy { get => _heap.ReusePolicy; set => _heap.ReusePolicy = value; }

    public void* Allocate(nuint size) => _heap.Allocate(size);

    public void* AllocateZeroed(nuint count, nuint size) => _heap.AllocateZeroed(count, size);

    public void* Reallocate(void* pointer, nuint newSize) => _heap.Reallocate(pointer, newSize);

    public void Free(void* pointer) => _heap.Free(pointer);

    public bool Owns(void* pointer) => _heap.Owns(pointer);

    public nuint UsableSize(void* pointer) => _heap.UsableSize(pointer);

    public AllocatorStats GetStats() => _heap.GetStats();

    public void Trim() => _heap.Trim();

    public void Dispose() => _heap.Dispose();
}

/// <summary>CPython's defaults: 1 MiB arenas, 16 KiB pools, 32 classes of 16..512 bytes.</summary>
public struct DefaultGeometry : IPoolGeometry
{
    public static int ArenaShift => 20;

    public static int PoolShift => 14;

    public static int Alignment => 16;

    public static int SmallRequestThreshold => 512;

    public static int ClassCount => 32;

    public static int BlockSize(int sizeClass) => (sizeClass + 1) * 16;

    public static int ClassOf(nuint size) => size == 0 ? 0 : (int)((size + 15) >> 4) - 1;
}

/// <summary>4 KiB pools in 64 KiB arenas, 32 classes of 16..512 bytes: arenas come and go.</summary>
public struct SmallGeometry : IPoolGeometry
{
    public static int ArenaShift => 16;

    public static int PoolShift => 12;

    public static int Alignment => 16;

    public static int SmallRequestThreshold => 512;

    public static int ClassCount => 32;

    public static int BlockSize(int sizeClass) => (sizeClass + 1) * 16;

    public static int ClassOf(nuint size) => size == 0 ? 0 : (int)((size + 15) >> 4) - 1;
}
