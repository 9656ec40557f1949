namespace AllocGen.Benchmarks.Peers;

/// <summary>
/// The rows of every workload table, in the order they are printed (BenchmarkDotNet orders enum
/// parameters by value).
/// </summary>
public enum Allocator
{
    /// <summary>The generated pool allocator (<c>BenchHeap</c>).</summary>
    AllocGen,
    /// <summary>The same generated allocator with <c>ReusePolicy = PoolReusePolicy.Compact</c> (fewer pools under churn).</summary>
    AllocGenCompact,

    /// <summary>A generated heap declared <c>[PoolAllocator(Threading = ThreadPolicy.Locked)]</c> (<c>BenchLockedHeap</c>): one heap behind one lock.</summary>
    AllocGenLocked,

    /// <summary>A generated heap declared <c>[PoolAllocator(Threading = ThreadPolicy.PerThread)]</c> (<c>BenchPerThreadHeap</c>): one thread heap per thread.</summary>
    AllocGenPerThread,

    /// <summary>The generated <c>BenchHeap</c> through the Mem domain of a generated <c>[AllocatorDomains]</c> class (<c>BenchDomains.Malloc/Free</c>).</summary>
    AllocGenDomains,

    /// <summary>The generated <c>BenchHeap</c> under the debug hooks (<c>DebugAllocator</c>), called through <c>IAllocator</c>: the debug modes' cost.</summary>
    AllocGenDebug,

    /// <summary>AllocGen's <c>SystemAllocator</c> (NativeMemory plus a side table under a lock), called through <c>IAllocator</c>: the malloc mode's and the Raw domain's cost.</summary>
    SystemAllocator,

    /// <summary>Hand-written single-threaded segregated free list (<c>FreeListFloor</c>): the floor.</summary>
    Floor,

    /// <summary><c>NativeMemory.Alloc/Free</c> (glibc malloc through the runtime): the baseline.</summary>
    glibc,

    /// <summary>glibc <c>malloc/free</c> called through an unmanaged function pointer, like the other peers.</summary>
    glibc_fnptr,

    /// <summary><c>mi_malloc/mi_free</c> from libmimalloc.so.2.</summary>
    mimalloc,

    /// <summary><c>malloc/free</c> resolved on the libjemalloc.so.2 handle.</summary>
    jemalloc,

    /// <summary><c>tc_malloc/tc_free</c> from libtcmalloc_minimal.so.4.</summary>
    tcmalloc,

    /// <summary><c>ArrayPool&lt;byte&gt;.Shared</c> rent/return (managed context row).</summary>
    ArrayPool,

    /// <summary><c>new byte[n]</c> left to the GC (managed context row).</summary>
    NewArray,
}
