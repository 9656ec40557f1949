namespace AllocGen.Benchmarks.Peers;

/// <summary>
/// Which allocator rows exist in this build and on this machine. Every workload's
/// <c>[ParamsSource]</c> goes through <see cref="Available"/>, so a missing peer library removes its
/// rows (with one console line saying why) instead of crashing the run.
/// </summary>
public static partial class AllocatorCatalog
{
    private static readonly object Gate = new();
    private static readonly HashSet<Allocator> Reported = [];
    private static HashSet<Allocator>? _selection;

    /// <summary>Restricts the rows to these allocators (Program's <c>--allocators</c> option).</summary>
    public static void Select(IEnumerable<Allocator> allocators) => _selection = [.. allocators];

    /// <summary>The native peer behind an allocator row, or null for rows that are not native libraries.</summary>
    public static NativePeer? PeerOf(Allocator allocator) => allocator switch
    {
        Allocator.glibc_fnptr => NativePeer.Libc,
        Allocator.mimalloc => NativePeer.Mimalloc,
        Allocator.jemalloc => NativePeer.Jemalloc,
        Allocator.tcmalloc => NativePeer.Tcmalloc,
        _ => null,
    };

    /// <summary>True when the generated BenchHeap is compiled into this build (AllocGenRows/ included).</summary>
    public static bool AllocGenCompiled
    {
        get
        {
            var compiled = false;
            AllocGenIsCompiled(ref compiled);
            return compiled;
        }
    }

    // Implemented in AllocGenRows/BenchHeap.cs; when that folder is excluded from the build the call
    // disappears and the AllocGen rows are skipped with a message.
    static partial void AllocGenIsCompiled(ref bool compiled);

    /// <summary>True when the Locked and PerThread heaps (AllocGenRows/ThreadPolicyHeaps.cs) are compiled into this build.</summary>
    public static bool ThreadPolicyHeapsCompiled
    {
        get
        {
            var compiled = false;
            ThreadPolicyHeapsAreCompiled(ref compiled);
            return compiled;
        }
    }

    // Implemented in AllocGenRows/ThreadPolicyHeaps.cs, which needs a generator that knows PoolAllocatorAttribute.Threading.
    static partial void ThreadPolicyHeapsAreCompiled(ref bool compiled);

    /// <summary>True when the domains class of the AllocGenDomains row (AllocGenRows/DomainsRow.cs) is compiled into this build.</summary>
    public static bool DomainsCompiled
    {
        get
        {
            var compiled = false;
            DomainsAreCompiled(ref compiled);
            return compiled;
        }
    }

    // Implemented in AllocGenRows/DomainsRow.cs, which needs a generator that knows [AllocatorDomains].
    static partial void DomainsAreCompiled(ref bool compiled);

    /// <summary>
    /// The AllocGen rows that only the workloads comparing ways of reaching the heap add (Pair, Churn): the heaps
    /// declared with a thread policy, and the domain path.
    /// </summary>
    public static bool IsPairAndChurnRow(Allocator allocator) => IsThreadPolicyRow(allocator) || allocator == Allocator.AllocGenDomains;

    /// <summary>The AllocGen rows whose heap is declared with a thread policy other than SingleThreaded.</summary>
    public static bool IsThreadPolicyRow(Allocator allocator) =>
        allocator is Allocator.AllocGenLocked or Allocator.AllocGenPerThread;

    /// <summary>
    /// The rows of the cross-thread workloads: allocators that may be used from several threads at once, each
    /// through its own thread caches (glibc, mimalloc, jemalloc, tcmalloc) or thread policy (AllocGen Locked,
    /// PerThread). glibc_fnptr is the same allocator as glibc; the single-threaded AllocGen heaps and the floor
    /// are not thread-safe; the managed rows are context for the single-threaded tables only.
    /// </summary>
    public static bool IsCrossThreadRow(Allocator allocator) => allocator is Allocator.glibc or Allocator.mimalloc
        or Allocator.jemalloc or Allocator.tcmalloc or Allocator.AllocGenLocked or Allocator.AllocGenPerThread;

    /// <summary>Whether <paramref name="allocator"/> can run here, and if not, why.</summary>
    public static bool IsAvailable(Allocator allocator, out string? reason)
    {
        reason = null;
        if (allocator is Allocator.AllocGen or Allocator.AllocGenCompact or Allocator.AllocGenDebug or Allocator.SystemAllocator && !AllocGenCompiled)
        {
            reason = "the generated BenchHeap is not compiled into this build (AllocGenRows/ excluded in the csproj)";
            return false;
        }
        if (IsThreadPolicyRow(allocator) && !ThreadPolicyHeapsCompiled)
        {
            reason = "the Locked/PerThread heaps are not compiled into this build (AllocGenRows/ThreadPolicyHeaps.cs missing or excluded)";
            return false;
        }
        if (allocator == Allocator.AllocGenDomains && !DomainsCompiled)
        {
            reason = "the BenchDomains class is not compiled into this build (AllocGenRows/DomainsRow.cs missing or excluded)";
            return false;
        }
        var peer = PeerOf(allocator);
        if (peer is null || peer.IsLoaded)
            return true;
        if (peer.LoadableWithTunable)
            return true; // the benchmark job starts its child processes with the tunable
        reason = peer.Failure;
        return false;
    }

    /// <summary>All allocator rows that can run here, each missing one reported once on the console.</summary>
    public static IEnumerable<Allocator> Available()
    {
        var result = new List<Allocator>();
        foreach (var allocator in Enum.GetValues<Allocator>())
        {
            if (_selection is not null && !_selection.Contains(allocator))
                continue;
            if (IsAvailable(allocator, out var reason))
            {
                result.Add(allocator);
                continue;
            }
            lock (Gate)
            {
                if (Reported.Add(allocator))
                    Console.WriteLine($"// AllocGen.Benchmarks: skipping {allocator} rows: {reason}");
            }
        }
        return result;
    }
}
