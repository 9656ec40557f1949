using System.Buffers;
using System.ComponentModel;
using AllocGen.Pools;
using AllocGen.Stats;
using AllocGen.Threading;

namespace AllocGen.Safe;

/// <summary>
/// For generated code only: the heap of a <c>[PoolAllocator]</c> class declared in a project without
/// <c>AllowUnsafeBlocks</c>. Code compiled without unsafe cannot hold a pointer, so such a class cannot implement
/// <see cref="IAllocator"/> itself; it holds one of these (compiled here, with unsafe) and exposes its safe members
/// and the object itself as its <c>Allocator</c>. The thread policy is chosen once, by the factory the generated
/// class calls; each variant forwards to the runtime heap of that policy over the generated geometry.
/// </summary>
/// <typeparam name="TGeometry">The generated geometry: the configuration as constants.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract unsafe class SafePoolHeap<TGeometry> : IAllocator
    where TGeometry : struct, IPoolGeometry
{
    private protected SafePoolHeap()
    {
    }

    /// <summary>A heap that is not thread-safe (<c>ThreadPolicy.SingleThreaded</c>).</summary>
    /// <exception cref="InvalidOperationException">The geometry breaks a rule.</exception>
    public static SafePoolHeap<TGeometry> SingleThreaded() => new PolicyHeap<PoolHeap<TGeometry>>(isThreadSafe: false);

    /// <summary>One heap behind one lock (<c>ThreadPolicy.Locked</c>).</summary>
    /// <exception cref="InvalidOperationException">The geometry breaks a rule.</exception>
    public static SafePoolHeap<TGeometry> Locked() => new PolicyHeap<LockedPoolHeap<TGeometry>>(isThreadSafe: true);

    /// <summary>A heap per thread (<c>ThreadPolicy.PerThread</c>).</summary>
    /// <exception cref="InvalidOperationException">The geometry breaks a rule.</exception>
    public static SafePoolHeap<TGeometry> PerThread() => new PolicyHeap<PerThreadPoolHeap<TGeometry>>(isThreadSafe: true);

    /// <inheritdoc/>
    public abstract bool IsThreadSafe { get; }

    /// <summary>Every block is aligned to the geometry's alignment.</summary>
    nuint IAllocator.BlockAlignment => (nuint)TGeometry.Alignment;

    /// <inheritdoc cref="PoolHeap{TGeometry}.ReusePolicy"/>
    public abstract PoolReusePolicy ReusePolicy { get; set; }

    /// <inheritdoc/>
    public void* Allocate(nuint size) =>
        size <= (nuint)TGeometry.SmallRequestThreshold ? AllocateSmall(TGeometry.ClassOf(size))
        : size <= (nuint)TGeometry.MediumRequestThreshold ? AllocateMedium(TGeometry.MediumClassOf(size))
        : AllocateLarge(size, (nuint)TGeometry.Alignment);

    /// <inheritdoc/>
    public void* AllocateAligned(nuint size, nuint alignment) => AllocateAligned(size, alignment, zeroed: false);

    /// <inheritdoc/>
    public abstract void* AllocateZeroed(nuint count, nuint size);

    /// <inheritdoc/>
    public abstract void* Reallocate(void* pointer, nuint newSize);

    /// <inheritdoc/>
    public abstract void Free(void* pointer);

    /// <inheritdoc/>
    public abstract bool Owns(void* pointer);

    /// <inheritdoc/>
    public abstract nuint UsableSize(void* pointer);

    /// <inheritdoc/>
    public abstract AllocatorStats GetStats();

    /// <inheritdoc cref="PoolHeap{TGeometry}.Trim"/>
    public abstract void Trim();

    /// <summary>Returns every arena and large block to the OS; later use throws ObjectDisposedException, a second call does nothing.</summary>
    public abstract void Dispose();

    /// <summary>The generated class's <c>RentSpan</c>: <paramref name="length"/> elements as a span owner.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative, or its byte size overflows.</exception>
    public SpanOwner<T> RentSpan<T>(int length, bool clear)
        where T : unmanaged => new(this, RentBlock<T>(length, clear), length);

    /// <summary>The generated class's <c>Rent</c>: <paramref name="length"/> elements as a memory owner.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative, or its byte size overflows.</exception>
    public IMemoryOwner<T> Rent<T>(int length, bool clear)
        where T : unmanaged => new HeapMemoryManager<T>(this, RentBlock<T>(length, clear), length);

    /// <summary>The generated class's <c>AsMemoryPool</c>.</summary>
    /// <exception cref="InvalidOperationException">The heap is not thread-safe.</exception>
    public MemoryPool<byte> AsMemoryPool() => HeapMemoryPool.Over(this);

    private protected abstract void* AllocateSmall(int sizeClass);

    private protected abstract void* AllocateMedium(int mediumClass);

    private protected abstract void* AllocateLarge(nuint size, nuint alignment);

    /// <inheritdoc cref="PoolHeap{TGeometry}.AllocateAligned"/>
    private protected abstract void* AllocateAligned(nuint size, nuint alignment, bool zeroed);

    /// <summary>A block for <paramref name="length"/> elements of <typeparamref name="T"/>, aligned for it (the unsafe template's AllocGenRentBlock).</summary>
    private void* RentBlock<T>(int length, bool clear)
        where T : unmanaged
    {
        nuint size = SafeRent.ByteSize<T>(length);
        nuint alignment = TypeLayout.AlignmentOf<T>();
        if (alignment > (nuint)TGeometry.Alignment)
        {
            return AllocateAligned(size, alignment, clear);
        }

        return clear ? AllocateZeroed(1, size) : Allocate(size);
    }

    // The heap struct sits in a non-readonly field (the SingleThreaded and Locked heaps mutate themselves), and calls
    // that may block or allocate keep this object reachable until they return: its finalizer would free the memory
    // they work on. One class, compiled for each policy's heap struct.
    private sealed class PolicyHeap<THeap>(bool isThreadSafe) : SafePoolHeap<TGeometry>
        where THeap : struct, IThreadPolicyHeap<THeap>
    {
        private THeap _heap = THeap.Create();

        public override bool IsThreadSafe => isThreadSafe;

        public override PoolReusePolicy ReusePolicy
        {
            get => _heap.ReusePolicy;
            set => _heap.ReusePolicy = value;
        }

        public override void* AllocateZeroed(nuint count, nuint size)
        {
            void* block = _heap.AllocateZeroed(count, size);
            GC.KeepAlive(this);
            return block;
        }

        public override void* Reallocate(void* pointer, nuint newSize)
        {
            void* block = _heap.Reallocate(pointer, newSize);
            GC.KeepAlive(this);
            return block;
        }

        public override void Free(void* pointer) => _heap.Free(pointer);

        public override bool Owns(void* pointer) => _heap.Owns(pointer);

        public override nuint UsableSize(void* pointer) => _heap.UsableSize(pointer);

        public override AllocatorStats GetStats()
        {
            AllocatorStats stats = _heap.GetStats();
            GC.KeepAlive(this);
            return stats;
        }

        public override void Trim()
        {
            _heap.Trim();
            GC.KeepAlive(this);
        }

        public override void Dispose() => _heap.Dispose();

        private protected override void* AllocateSmall(int sizeClass) => _heap.AllocateSmall(sizeClass);

        private protected override void* AllocateMedium(int mediumClass) => _heap.AllocateMedium(mediumClass);

        private protected override void* AllocateLarge(nuint size, nuint alignment) => _heap.AllocateLarge(size, alignment);

        private protected override void* AllocateAligned(nuint size, nuint alignment, bool zeroed)
        {
            void* block = _heap.AllocateAligned(size, alignment, zeroed);
            GC.KeepAlive(this);
            return block;
        }
    }
}
