using AllocGen.Benchmarks.Floor;
using AllocGen.Benchmarks.Peers;
using BenchmarkDotNet.Attributes;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>
/// Shared shape of every workload class: the allocator row is a parameter (so each row runs in its own
/// process and only its allocator is created), and <see cref="Dispatch{TAction}"/> hands a workload
/// step the struct adapter of that allocator.
/// </summary>
public abstract partial class WorkloadBase
{
    /// <summary>The allocator row. Only rows that can run here are listed (see <see cref="AllocatorCatalog"/>).</summary>
    [ParamsSource(nameof(Allocators))]
    public Allocator Allocator { get; set; }

    /// <summary>
    /// The rows of this workload: those that can run here and that <see cref="RunsOn"/> accepts. An instance method
    /// (BenchmarkDotNet calls it on a fresh instance of the workload class), so that each class can choose its rows.
    /// </summary>
    public IEnumerable<Allocator> Allocators() => AllocatorCatalog.Available().Where(RunsOn);

    /// <summary>
    /// Whether this workload has a row for <paramref name="allocator"/>. By default every row except the Locked and
    /// PerThread AllocGen heaps and the domain path, which only the workloads that compare them add (Pair, Churn; the
    /// cross-thread ones the thread policies).
    /// </summary>
    protected virtual bool RunsOn(Allocator allocator) => !AllocatorCatalog.IsPairAndChurnRow(allocator);

    private NativeMemoryAllocator _glibc;
    private FunctionPointerAllocator _peer;
    private FloorAllocator _floor;
    private ArrayPoolAllocator _arrayPool;
    private NewArrayAllocator _newArray;
    private FreeListFloor? _floorInstance;

    /// <summary>Creates the allocator of the current row (GlobalSetup, untimed).</summary>
    protected void CreateAllocator()
    {
        switch (Allocator)
        {
            case Allocator.AllocGen:
            case Allocator.AllocGenCompact:
                var created = false;
                CreateAllocGen(ref created);
                if (!created)
                    throw new InvalidOperationException(
                        "AllocGen rows need the generated BenchHeap (AllocGenRows/ is excluded from this build).");
                break;
            case Allocator.AllocGenLocked:
            case Allocator.AllocGenPerThread:
                var policyCreated = false;
                CreateThreadPolicyHeap(ref policyCreated);
                if (!policyCreated)
                    throw new InvalidOperationException(
                        $"The {Allocator} row needs AllocGenRows/ThreadPolicyHeaps.cs (a generator with PoolAllocatorAttribute.Threading).");
                break;
            case Allocator.AllocGenDomains:
                var domainsCreated = false;
                CreateDomainsRow(ref domainsCreated);
                if (!domainsCreated)
                    throw new InvalidOperationException("The AllocGenDomains row needs AllocGenRows/DomainsRow.cs (a generator with [AllocatorDomains]).");
                break;
            case Allocator.AllocGenDebug:
            case Allocator.SystemAllocator:
                var domainRowCreated = false;
                CreateDomainRow(ref domainRowCreated);
                if (!domainRowCreated)
                    throw new InvalidOperationException($"The {Allocator} row needs AllocGenRows/DomainAllocatorRows.cs.");
                break;
            case Allocator.Floor:
                _floorInstance = new FreeListFloor();
                _floor = new FloorAllocator(_floorInstance);
                break;
            case Allocator.glibc:
                _glibc = new NativeMemoryAllocator();
                break;
            case Allocator.glibc_fnptr:
            case Allocator.mimalloc:
            case Allocator.jemalloc:
            case Allocator.tcmalloc:
                var peer = AllocatorCatalog.PeerOf(Allocator)!;
                if (!peer.IsLoaded)
                {
                    // The host listed it, so the library exists; say clearly why this process can't load it.
                    throw new InvalidOperationException($"{peer.Name} cannot be loaded in the benchmark process: {peer.Failure}");
                }
                _peer = new FunctionPointerAllocator(peer.Functions);
                break;
            case Allocator.ArrayPool:
                _arrayPool = new ArrayPoolAllocator();
                break;
            case Allocator.NewArray:
                _newArray = new NewArrayAllocator();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Allocator), Allocator, null);
        }
    }

    /// <summary>Releases the allocator of the current row (GlobalCleanup).</summary>
    protected void DestroyAllocator()
    {
        _floorInstance?.Dispose();
        _floorInstance = null;
        DestroyAllocGen();
        DestroyThreadPolicyHeap();
        DestroyDomainRow();
    }

    /// <summary>Runs <paramref name="action"/> with the current row's allocator adapter.</summary>
    protected void Dispatch<TAction>(ref TAction action) where TAction : struct, IAllocatorAction
    {
        switch (Allocator)
        {
            case Allocator.AllocGen:
            case Allocator.AllocGenCompact:
                DispatchAllocGen(ref action);
                break;
            case Allocator.AllocGenLocked:
            case Allocator.AllocGenPerThread:
                DispatchThreadPolicyHeap(ref action);
                break;
            case Allocator.AllocGenDomains:
                DispatchDomainsRow(ref action);
                break;
            case Allocator.AllocGenDebug:
            case Allocator.SystemAllocator:
                DispatchDomainRow(ref action);
                break;
            case Allocator.Floor:
                action.Run<FloorAllocator, nint, nint>(ref _floor);
                break;
            case Allocator.glibc:
                action.Run<NativeMemoryAllocator, nint, nint>(ref _glibc);
                break;
            case Allocator.glibc_fnptr:
            case Allocator.mimalloc:
            case Allocator.jemalloc:
            case Allocator.tcmalloc:
                action.Run<FunctionPointerAllocator, nint, nint>(ref _peer);
                break;
            case Allocator.ArrayPool:
                action.Run<ArrayPoolAllocator, byte[], Payload24[]>(ref _arrayPool);
                break;
            case Allocator.NewArray:
                action.Run<NewArrayAllocator, byte[], Payload24[]>(ref _newArray);
                break;
        }
    }

    /// <summary>A handle array of the right element type for the current row (native address or managed array).</summary>
    protected Array NewBlockArray(int length) =>
        Allocator is Allocator.ArrayPool or Allocator.NewArray ? new byte[length][] : new nint[length];

    /// <summary>
    /// What the current row's allocator says it took from the OS and hands out, or -1 where it
    /// cannot tell (then only the process RSS says).
    /// </summary>
    protected internal (long Reserved, long InUse) OwnCounters()
    {
        long reserved = -1, inUse = -1;
        if (Allocator is Allocator.AllocGen or Allocator.AllocGenCompact)
            AllocGenStats(ref reserved, ref inUse);
        else if (AllocatorCatalog.IsThreadPolicyRow(Allocator))
            ThreadPolicyHeapStats(ref reserved, ref inUse);
        else if (Allocator is Allocator.AllocGenDebug or Allocator.SystemAllocator)
            DomainRowStats(ref reserved, ref inUse);
        else if (Allocator == Allocator.Floor && _floorInstance is not null)
            reserved = _floorInstance.BytesReserved;
        return (reserved, inUse);
    }

    /// <summary>
    /// Asks the current row's allocator to give back the memory that holds no live block, with its own call
    /// (AllocGen <c>Trim()</c>, the native peers' trim/purge call); false when it has none.
    /// </summary>
    protected bool TrimAllocator()
    {
        var trimmed = false;
        switch (Allocator)
        {
            case Allocator.AllocGen:
            case Allocator.AllocGenCompact:
                TrimAllocGen(ref trimmed);
                break;
            case Allocator.AllocGenLocked:
            case Allocator.AllocGenPerThread:
                TrimThreadPolicyHeap(ref trimmed);
                break;
            case Allocator.AllocGenDebug:
                TrimDomainRow(ref trimmed);
                break;
            case Allocator.glibc:
                trimmed = NativePeer.Libc.TryTrim(); // NativeMemory is glibc's malloc
                break;
            default:
                trimmed = AllocatorCatalog.PeerOf(Allocator)?.TryTrim() ?? false;
                break;
        }
        return trimmed;
    }

    // Implemented in AllocGenRows/AllocGenRows.cs (excluded from the build until the generator works).
    partial void TrimAllocGen(ref bool trimmed);
    partial void CreateAllocGen(ref bool created);
    partial void DestroyAllocGen();
    partial void DispatchAllocGen<TAction>(ref TAction action) where TAction : struct, IAllocatorAction;
    partial void AllocGenStats(ref long bytesReserved, ref long bytesInUse);

    // Implemented in AllocGenRows/ThreadPolicyHeaps.cs (the Locked and PerThread heaps; absent until the generator
    // supports PoolAllocatorAttribute.Threading).
    partial void CreateThreadPolicyHeap(ref bool created);
    partial void DestroyThreadPolicyHeap();
    partial void DispatchThreadPolicyHeap<TAction>(ref TAction action) where TAction : struct, IAllocatorAction;
    partial void ThreadPolicyHeapStats(ref long bytesCommitted, ref long bytesInUse);
    partial void TrimThreadPolicyHeap(ref bool trimmed);

    // Implemented in AllocGenRows/DomainsRow.cs (the domain path; absent without a generator that knows [AllocatorDomains]).
    partial void CreateDomainsRow(ref bool created);
    partial void DispatchDomainsRow<TAction>(ref TAction action) where TAction : struct, IAllocatorAction;

    // Implemented in AllocGenRows/DomainAllocatorRows.cs (the debug hooks over BenchHeap, and the SystemAllocator).
    partial void CreateDomainRow(ref bool created);
    partial void DestroyDomainRow();
    partial void DispatchDomainRow<TAction>(ref TAction action) where TAction : struct, IAllocatorAction;
    partial void DomainRowStats(ref long bytesReserved, ref long bytesInUse);
    partial void TrimDomainRow(ref bool trimmed);
}
