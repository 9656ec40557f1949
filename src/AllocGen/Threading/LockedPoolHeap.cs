using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using AllocGen.Pools;
using AllocGen.Stats;

namespace AllocGen.Threading;

/// <summary>
/// For generated code only: the heap of a <c>[PoolAllocator(Threading = ThreadPolicy.Locked)]</c> class, one
/// <see cref="PoolHeap{TGeometry}"/> behind one lock. Use the generated class instead; this struct is mutable, and a
/// copy of it would have a lock of its own.
/// </summary>
/// <remarks>
/// Every member takes the lock, calls the same member of the heap and releases the lock (also when the heap throws), so
/// calls from different threads take turns and the heap sees one call at a time, as a single-threaded heap must. The
/// lock is not reentrant, which is safe because the heap never calls back into user code. <see cref="Dispose"/> runs
/// under the lock too: a call waiting for it then finds the disposed heap and throws
/// <see cref="ObjectDisposedException"/>, as every call after <see cref="Dispose"/> does.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public unsafe struct LockedPoolHeap<TGeometry> : IThreadPolicyHeap<LockedPoolHeap<TGeometry>>
    where TGeometry : struct, IPoolGeometry
{
    private PoolHeap<TGeometry> _heap;
    private HeapLock _lock;

    /// <summary>Creates an empty heap; arenas are taken on the first allocation.</summary>
    /// <exception cref="InvalidOperationException">The geometry breaks a rule (the message names the type and the rule).</exception>
    public static LockedPoolHeap<TGeometry> Create() => new() { _heap = PoolHeap<TGeometry>.Create() };

    /// <summary>The lock every member takes (tests hold it to show that calls wait for it).</summary>
    [UnscopedRef]
    internal ref HeapLock Lock => ref _lock;

    /// <inheritdoc cref="PoolHeap{TGeometry}.ReusePolicy"/>
    public PoolReusePolicy ReusePolicy
    {
        get
        {
            using HeapLock.Held held = _lock.Hold();
            return _heap.ReusePolicy;
        }

        set
        {
            using HeapLock.Held held = _lock.Hold();
            _heap.ReusePolicy = value;
        }
    }

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    internal bool IsDisposed
    {
        get
        {
            using HeapLock.Held held = _lock.Hold();
            return _heap.IsDisposed;
        }
    }

    /// <summary>Allocates a block of the class serving <paramref name="size"/>, or from the system above the threshold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void* Allocate(nuint size)
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.Allocate(size);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateSmall(int)"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* AllocateSmall(int sizeClass) => AllocateSmall(sizeClass, 0);

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateSmall(int, uint)"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* AllocateSmall(int sizeClass, uint blockSize)
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.AllocateSmall(sizeClass, blockSize);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateMedium(int)"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void* AllocateMedium(int mediumClass)
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.AllocateMedium(mediumClass);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.Free"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(void* pointer)
    {
        using HeapLock.Held held = _lock.Hold();
        _heap.Free(pointer);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateZeroed"/>
    public void* AllocateZeroed(nuint count, nuint size)
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.AllocateZeroed(count, size);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.Owns"/>
    public bool Owns(void* pointer)
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.Owns(pointer);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.UsableSize"/>
    public nuint UsableSize(void* pointer)
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.UsableSize(pointer);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.Reallocate"/>
    public void* Reallocate(void* pointer, nuint newSize)
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.Reallocate(pointer, newSize);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateLarge(nuint)"/>
    public void* AllocateLarge(nuint size)
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.AllocateLarge(size);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateLarge(nuint, nuint)"/>
    public void* AllocateLarge(nuint size, nuint alignment)
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.AllocateLarge(size, alignment);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateAligned"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void* AllocateAligned(nuint size, nuint alignment, bool zeroed)
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.AllocateAligned(size, alignment, zeroed);
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.GetStats"/>
    public AllocatorStats GetStats()
    {
        using HeapLock.Held held = _lock.Hold();
        return _heap.GetStats();
    }

    /// <inheritdoc cref="PoolHeap{TGeometry}.Trim"/>
    public void Trim()
    {
        using HeapLock.Held held = _lock.Hold();
        _heap.Trim();
    }

    /// <summary>
    /// Returns every arena and large block to the OS, under the lock: a call in progress on another thread finishes
    /// first, and calls after it throw <see cref="ObjectDisposedException"/>. A second call does nothing.
    /// </summary>
    public void Dispose()
    {
        using HeapLock.Held held = _lock.Hold();
        _heap.Dispose();
    }
}
