using System.ComponentModel;
using System.Runtime.CompilerServices;
using AllocGen.Pools;
using AllocGen.Stats;

namespace AllocGen.Threading;

/// <summary>
/// For generated code only: the runtime half of <c>[PoolAllocator(Threading = ThreadPolicy.PerThread)]</c>. Each thread
/// that uses an instance allocates from a thread heap of its own for that instance (a complete pool heap), found by the
/// calling thread's stack address (see <see cref="ThreadToken"/>), else through a thread-static cache: no lock and no
/// atomic operation on the allocation fast path or on a free by the same thread. A block freed by another thread is
/// handed, lock-free, to its owner's remote frees (<see cref="RemoteFreeRing"/>, then <see cref="RemoteFreeStack"/>); the owner takes them
/// back when one of its classes runs out of blocks (before it would take a new pool), and in Trim and GetStats. The
/// heap of a thread that has exited is adopted by a live thread (see <see cref="ThreadRegistry{TGeometry}"/>).
/// </summary>
/// <remarks>
/// Every member may be called from any thread. <see cref="Dispose"/> must not run while another thread is inside a
/// call on the same instance (as for any disposable object); calls that start after it throw
/// <see cref="ObjectDisposedException"/> on every thread.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly unsafe struct PerThreadPoolHeap<TGeometry> : IThreadPolicyHeap<PerThreadPoolHeap<TGeometry>>
    where TGeometry : struct, IPoolGeometry
{
    private const int RecentInstances = 8;

    private readonly long _id;
    private readonly ThreadRegistry<TGeometry> _registry;
    private readonly HeapState** _byStack;

    private PerThreadPoolHeap(long id, ThreadRegistry<TGeometry> registry)
    {
        _id = id;
        _registry = registry;
        _byStack = registry.StatesByStack;
    }

    /// <summary>Creates an instance; each thread's heap is made on that thread's first use.</summary>
    /// <exception cref="InvalidOperationException">The geometry breaks a rule (see <see cref="PoolHeap{TGeometry}.Create"/>).</exception>
    public static PerThreadPoolHeap<TGeometry> Create()
    {
        PoolHeap<TGeometry>.ThrowIfGeometryInvalid();

        // Ids are never reused, so a thread's cache entry for a collected instance can never match a new one. The
        // registry owns the native memory and frees it when it becomes unreachable without Dispose (the object
        // holding this struct was collected); copies of the struct share it.
        return new(ThreadHeapCache.NewInstanceId(), new ThreadRegistry<TGeometry>());
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.IsDisposed"/>
    public bool IsDisposed => _registry.IsDisposed;

    /// <summary>The reuse policy of every thread heap of the instance, present and future.</summary>
    public PoolReusePolicy ReusePolicy
    {
        get => _registry.ReusePolicy;
        set => _registry.ReusePolicy = value;
    }

    /// <summary>The calling thread's heap for this instance.</summary>
    private PoolHeap<TGeometry> Local => new(LocalState);

    /// <summary>The instance's table of states by stack slot (tests make two threads' stacks collide through it).</summary>
    internal HeapState** StatesByStack => _byStack;

    /// <summary>
    /// The calling thread's heap state for this instance: the allocation and free fast paths work on the pointer
    /// alone, so no heap value is built (and spilled to the stack) per call. Found without a thread-static read where
    /// threads have tokens: the slot of the calling thread's stack address in the instance's table, whose state the
    /// calling thread owns if its token says so (see <see cref="ThreadToken"/>); elsewhere, and when the slot holds
    /// another thread's state, through the thread-static cache.
    /// </summary>
    private HeapState* LocalState
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (!ThreadTokens.Supported)
            {
                return ThreadHeapCache.t_lastId == _id ? (HeapState*)ThreadHeapCache.t_lastState : LocalStateSlow(0);
            }

            nuint stackAddress = ThreadToken.CurrentStackAddress();
            HeapState* state = _byStack[ThreadRegistry<TGeometry>.StackSlot(stackAddress)];
            return state->Token->Owns(stackAddress) ? state : LocalStateSlow(stackAddress);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private HeapState* LocalStateSlow(nuint stackAddress)
    {
        HeapState* state = ThreadHeapCache.t_lastId == _id ? (HeapState*)ThreadHeapCache.t_lastState : LocalStateUncached();
        if (ThreadTokens.Supported)
        {
            _registry.RememberStack(stackAddress, state);
        }

        return state;
    }

    private HeapState* LocalStateUncached()
    {
        ThreadHeapCache.ThreadCache[] recent = ThreadHeapCache.t_recent ??= new ThreadHeapCache.ThreadCache[RecentInstances];
        HeapState* state = null;
        int found = -1;
        for (int i = 0; i < recent.Length; i++)
        {
            if (recent[i].Id == _id)
            {
                state = (HeapState*)recent[i].State;
                found = i;
                break;
            }
        }

        state = state != null ? state : _registry.StateOfCurrentThread();

        // The entry being replaced in the cache moves to the recent list, into the slot of the one found (or the oldest).
        int slot = found >= 0 ? found : RecentInstances - 1;
        Array.Copy(recent, 0, recent, 1, slot);
        recent[0] = new ThreadHeapCache.ThreadCache { Id = ThreadHeapCache.t_lastId, State = ThreadHeapCache.t_lastState };
        ThreadHeapCache.t_lastId = _id;
        ThreadHeapCache.t_lastState = (nint)state;
        return state;
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.Allocate"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* Allocate(nuint size) => Local.Allocate(size);

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateSmall(int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* AllocateSmall(int sizeClass) => PoolHeap<TGeometry>.AllocateSmallFrom(LocalState, sizeClass, 0);

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateSmall(int, uint)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* AllocateSmall(int sizeClass, uint blockSize) => PoolHeap<TGeometry>.AllocateSmallFrom(LocalState, sizeClass, blockSize);

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateMedium(int)"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void* AllocateMedium(int mediumClass) => PoolHeap<TGeometry>.AllocateMediumFrom(LocalState, mediumClass);

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateLarge(nuint)"/>
    public void* AllocateLarge(nuint size) => Local.AllocateLarge(size);

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateLarge(nuint, nuint)"/>
    public void* AllocateLarge(nuint size, nuint alignment) => Local.AllocateLarge(size, alignment);

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateAligned"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void* AllocateAligned(nuint size, nuint alignment, bool zeroed) => Local.AllocateAligned(size, alignment, zeroed);

    /// <inheritdoc cref="PoolHeap{TGeometry}.Free"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(void* pointer) => PoolHeap<TGeometry>.FreeToThreadHeap(LocalState, pointer);

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateZeroed"/>
    public void* AllocateZeroed(nuint count, nuint size) => Local.AllocateZeroed(count, size);

    /// <inheritdoc cref="PoolHeap{TGeometry}.Reallocate"/>
    public void* Reallocate(void* pointer, nuint newSize) => Local.Reallocate(pointer, newSize);

    /// <inheritdoc cref="PoolHeap{TGeometry}.Owns"/>
    public bool Owns(void* pointer) => Local.Owns(pointer);

    /// <inheritdoc cref="PoolHeap{TGeometry}.UsableSize"/>
    public nuint UsableSize(void* pointer) => Local.UsableSize(pointer);

    /// <summary>
    /// The statistics of every thread heap of the instance, summed. The calling thread first takes back the blocks
    /// other threads freed into its pools and adopts the heaps of exited threads; the figures of heaps whose threads are
    /// running at the same moment are read without stopping them, so they are exact only while those threads are idle.
    /// </summary>
    public AllocatorStats GetStats() => _registry.GetStats(Local.State);

    /// <summary>
    /// Trims the calling thread's heap now (after taking back remote frees and adopting exited threads' heaps) and asks
    /// every other thread heap to trim itself at its next allocation slow path.
    /// </summary>
    public void Trim() => _registry.Trim(Local.State);

    /// <summary>Releases the memory of every thread heap; later calls from any thread throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _registry.Dispose();
}

/// <summary>
/// The calling thread's heap in the PerThread instance it used last, whatever its geometry. Thread-static fields of
/// a non-generic class, of primitive types: the JIT reads them inline (those of a generic class go through a helper
/// call), which is most of what <c>PerThread</c> costs a single thread.
/// </summary>
internal static class ThreadHeapCache
{
    /// <summary>Id of the instance used last (0: none). Ids are never reused, so a stale entry never matches.</summary>
    [ThreadStatic]
    public static long t_lastId;

    /// <summary>The thread's heap state in that instance.</summary>
    [ThreadStatic]
    public static nint t_lastState;

    /// <summary>The thread's heaps in the other instances it used lately (a thread may use several).</summary>
    [ThreadStatic]
    public static ThreadCache[]? t_recent;

    private static long s_lastId;

    public static long NewInstanceId() => Interlocked.Increment(ref s_lastId);

    internal struct ThreadCache
    {
        public long Id;
        public nint State;
    }
}
