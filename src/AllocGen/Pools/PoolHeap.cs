using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Memory;

namespace AllocGen.Pools;

/// <summary>
/// For generated code only: the generic half of a generated pool allocator (pools, arenas and the system
/// fallback). Use the generated <c>[PoolAllocator]</c> class instead; this struct is mutable and unchecked, and a
/// copy of it that outlives <see cref="Dispose"/> would use freed memory.
/// </summary>
/// <remarks>
/// <para>
/// The generated class holds one of these in a field, instantiated over its private geometry struct, and calls the
/// fast paths with constant size classes and block sizes; the JIT compiles a separate copy per geometry with every
/// constant folded in. <see cref="Create"/> checks the geometry once per type (<see cref="GeometryValidator"/>).
/// </para>
/// <para>
/// Not thread-safe. All state lives in native memory, owned by a finalizable <see cref="NativeMemoryOwner"/> that
/// frees it if the heap is never disposed (see there for when). The fast paths read only the state pointer. After
/// <see cref="Dispose"/> the pointer is swapped for a shared, disposed state whose pools are all empty, so the fast
/// paths need no disposed check: they fall into the slow path, which throws <see cref="ObjectDisposedException"/>.
/// The shared state belongs to no owner and is never freed.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public unsafe partial struct PoolHeap<TGeometry> : Threading.IThreadPolicyHeap<PoolHeap<TGeometry>>
    where TGeometry : struct, IPoolGeometry
{
    private HeapState* _state;

    /// <summary>Frees the state when the heap is disposed or collected; shared by copies, so it frees once.</summary>
    private StateOwner? _owner;

    /// <summary>Pool size in bytes.</summary>
    internal static nuint PoolSize
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (nuint)1 << TGeometry.PoolShift;
    }

    /// <summary>Arena size in bytes.</summary>
    internal static nuint ArenaSize
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (nuint)1 << TGeometry.ArenaShift;
    }

    /// <summary>Pool-sized slots per arena, the ones holding the header table included (arenas are size-aligned, so always exactly this many).</summary>
    private static int PoolSlotsPerArena
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 1 << (TGeometry.ArenaShift - TGeometry.PoolShift);
    }

    /// <summary>
    /// Pools at the start of each arena given to its header table (one 64-byte <see cref="PoolHeader"/> per pool of
    /// the arena); only the table's own pages of them are ever touched.
    /// </summary>
    internal static int HeaderPoolsPerArena
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (int)((HeaderTableSize + PoolSize - 1) >> TGeometry.PoolShift);
    }

    /// <summary>Pools per arena that serve blocks (the generated <c>PoolsPerArena</c> constant).</summary>
    internal static int PoolsPerArena
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => PoolSlotsPerArena - HeaderPoolsPerArena;
    }

    /// <summary>Bytes of an arena's header table.</summary>
    internal static nuint HeaderTableSize
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (nuint)PoolSlotsPerArena * (nuint)sizeof(PoolHeader);
    }

    /// <summary>Blocks one pool of a class holds (a pool holds blocks only: its header lives in the arena's table).</summary>
    internal static int BlocksPerPool(int sizeClass) => (int)(PoolSize / (nuint)TGeometry.BlockSize(sizeClass));

    /// <summary>The header of the pool holding <paramref name="address"/>: its slot in the table at the start of the arena.</summary>
    /// <remarks>
    /// Headers do not sit at the start of their pools: pools are pool-size aligned, so all such headers would fall
    /// in the same few cache sets, and a workload touching a few dozen pools at once (one per size class) would miss
    /// the cache on almost every header access. In the table they are consecutive lines. Arithmetic only, no load.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static PoolHeader* HeaderOf(void* address)
    {
        nuint a = (nuint)address;
        return (PoolHeader*)((a & ~(ArenaSize - 1)) + (((a & (ArenaSize - 1)) >> TGeometry.PoolShift) * (nuint)sizeof(PoolHeader)));
    }

    /// <summary>The first byte of the pool a header describes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte* PoolBase(PoolHeader* pool)
    {
        nuint h = (nuint)pool;
        return (byte*)((h & ~(ArenaSize - 1)) + (((h & (ArenaSize - 1)) / (nuint)sizeof(PoolHeader)) << TGeometry.PoolShift));
    }

    // The state is followed by the used-pool heads and tails, then the last-arena fingers (every offset below folds
    // to a constant). The arena map is process-wide (ArenaMap), not part of the state.
    private static int UsedPoolsOffset
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 0;
    }

    private static int UsedTailsOffset
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => UsedPoolsOffset + (TGeometry.ClassCount * sizeof(void*));
    }

    private static int LastArenaOffset
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => UsedTailsOffset + (TGeometry.ClassCount * sizeof(void*));
    }

    private static int UsedSpansOffset
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => LastArenaOffset + (ArenaKinds * (PoolsPerArena + 1) * sizeof(void*));
    }

    private static int UsedSpanTailsOffset
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => UsedSpansOffset + (TGeometry.MediumClassCount * sizeof(void*));
    }

    private static nuint StateSize => (nuint)(sizeof(HeapState) + UsedSpanTailsOffset + (TGeometry.MediumClassCount * sizeof(void*)));

    /// <summary>Head of the used-pool list of each class (the empty pool when the class has none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PoolHeader** UsedPools(HeapState* s) => (PoolHeader**)((byte*)(s + 1) + UsedPoolsOffset);

    /// <summary>Last pool of the used-pool list of each class (null when the class has none).</summary>
    private static PoolHeader** UsedTails(HeapState* s) => (PoolHeader**)((byte*)(s + 1) + UsedTailsOffset);

    /// <summary>Head of the list of spans with a free block of each medium class (null when the class has none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PoolHeader** UsedSpans(HeapState* s) => (PoolHeader**)((byte*)(s + 1) + UsedSpansOffset);

    /// <summary>Last span of each medium class's list (null when the class has none).</summary>
    private static PoolHeader** UsedSpanTails(HeapState* s) => (PoolHeader**)((byte*)(s + 1) + UsedSpanTailsOffset);

    /// <summary>The fingers of both usable lists: for each kind, the last usable arena with each free-pool count (CPython's nfp2lasta).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ArenaObject** ArenaFingers(HeapState* s) => (ArenaObject**)((byte*)(s + 1) + LastArenaOffset);

    /// <summary>The first rule the geometry breaks, or null; checked once per geometry, by <see cref="Create"/> only.</summary>
    private static readonly string? s_geometryError = GeometryValidator.FindError<TGeometry>();

    // Declared after s_geometryError, so initialised after it: a broken geometry's sizes must not be used.
    private static readonly HeapState* s_disposedState = s_geometryError is null ? CreateDisposedState() : null;

    /// <summary>The generated allocator's type name, for exception messages (the geometry struct is nested in it).</summary>
    private static string OwnerName => typeof(TGeometry).DeclaringType?.Name ?? typeof(TGeometry).Name;

    /// <summary>Creates an empty heap; arenas are taken on the first allocation.</summary>
    /// <exception cref="InvalidOperationException">The geometry breaks a rule (the message names the type and the rule); thrown by every call.</exception>
    public static PoolHeap<TGeometry> Create()
    {
        if (s_geometryError is not null)
        {
            throw new InvalidOperationException(s_geometryError);
        }

        // The owner first: if the state cannot be allocated, there is nothing it must free.
        var owner = new StateOwner();
        owner.State = CreateState();
        return new() { _state = owner.State, _owner = owner };
    }

    /// <summary>
    /// Which partly used pool each class allocates from (default <see cref="PoolReusePolicy.Fast"/>). May be changed
    /// at any time; it applies to pools that rejoin their class from then on.
    /// </summary>
    /// <exception cref="ObjectDisposedException">Set after <see cref="Dispose"/>.</exception>
    public PoolReusePolicy ReusePolicy
    {
        readonly get => _state->ReusePolicy;
        set
        {
            if (value is not (PoolReusePolicy.Fast or PoolReusePolicy.Compact))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Not a PoolReusePolicy.");
            }

            if (_state->Disposed != 0)
            {
                ThrowHelper.ObjectDisposed(OwnerName);
            }

#if DEBUG
            using var concurrentUse = new ConcurrentUseGuard(_state);
#endif
            _state->ReusePolicy = value;
        }
    }

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    internal readonly bool IsDisposed => _state->Disposed != 0;

    /// <summary>Allocates a block of the class serving <paramref name="size"/>: small, medium, or from the system above both tiers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void* Allocate(nuint size) =>
        size > (nuint)TGeometry.SmallRequestThreshold ? AllocateAboveSmall(size) : AllocateSmall(TGeometry.ClassOf(size));

    /// <summary>A request above the small threshold: the medium class serving it, or the system above the medium tier.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void* AllocateAboveSmall(nuint size) =>
        size <= (nuint)TGeometry.MediumRequestThreshold ? AllocateMediumFrom(_state, TGeometry.MediumClassOf(size)) : AllocateLarge(size);

    /// <summary>
    /// For generated code only: allocates a block of <paramref name="sizeClass"/>, reading the block size from the
    /// pool. Unchecked: the class must be in 0..ClassCount-1.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* AllocateSmall(int sizeClass) => AllocateSmall(sizeClass, 0);

    /// <summary>
    /// For generated code only: allocates a block of <paramref name="sizeClass"/> whose size is the constant
    /// <paramref name="blockSize"/> (0: read it from the pool, for a class known only at run time). Unchecked: the
    /// class must be in 0..ClassCount-1 and the block size its own.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* AllocateSmall(int sizeClass, uint blockSize) => AllocateSmallFrom(_state, sizeClass, blockSize);

    /// <summary>
    /// <see cref="AllocateSmall(int, uint)"/> on the heap whose state is <paramref name="s"/>. The fast paths are
    /// static over the state pointer so that a caller holding only the pointer (the PerThread heap, which finds it
    /// per call) inlines them without building a heap value on the stack; the slow paths build one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void* AllocateSmallFrom(HeapState* s, int sizeClass, uint blockSize)
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(s);
#endif
        PoolHeader* pool = UsedPools(s)[sizeClass];
        byte* block = pool->FreeList;
        if (block == null)
        {
            return AllocateFromNewPoolOutOfLine(s, sizeClass);
        }

        // The list of a pool that still has never-used blocks ends at the first of them (the frontier), whose memory
        // holds no link: it has never been touched, and handing it out does not touch it either. The list of a pool
        // with none left ends in null.
        uint frontier = pool->NextOffset;
        pool->Count++;
        byte* next = ((uint)(nuint)block & (uint)(PoolSize - 1)) != frontier
            ? *(byte**)block
            : AdvanceFrontier(pool, block, frontier, blockSize != 0 ? blockSize : pool->BlockSize);
        pool->FreeList = next;
        if (next == null)
        {
            // Full: out of its class's used list until its first free brings it back.
            RetireFullPool(s, pool);
        }

        return block;
    }

    // The slow paths of the static fast paths, out of line: a heap value built inline would be zeroed on the stack
    // at every call, slow path taken or not.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void* AllocateFromNewPoolOutOfLine(HeapState* s, int sizeClass) => new PoolHeap<TGeometry>(s).AllocateFromNewPool(sizeClass);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FreeSlowOutOfLine(HeapState* s, PoolHeader* pool, byte* block) => new PoolHeap<TGeometry>(s).FreeSlow(pool, block);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FreeOutsideOwnPoolsOutOfLine(HeapState* s, void* pointer, ArenaObject* arena) => new PoolHeap<TGeometry>(s).FreeOutsideOwnPools(pointer, arena);

    /// <summary>The frontier block is being handed out: the next never-used block becomes the frontier, if there is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* AdvanceFrontier(PoolHeader* pool, byte* block, uint frontier, uint blockSize)
    {
        uint next = frontier + blockSize;
        pool->NextOffset = next;
        return next <= (uint)PoolSize - blockSize ? block + blockSize : null;
    }

    /// <summary>Releases a block; null is a no-op.</summary>
    /// <exception cref="ArgumentException">The pointer is not a live block of this heap (foreign, interior, or freed twice where detected).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(void* pointer) => FreeTo(_state, pointer);

    /// <summary><see cref="Free(void*)"/> on the heap whose state is <paramref name="s"/> (see <see cref="AllocateSmallFrom"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FreeTo(HeapState* s, void* pointer) => FreeTo(s, pointer, ownerBeforeHeader: false);

    /// <summary>
    /// <see cref="FreeTo(HeapState*, void*)"/> for a thread heap, which also frees other threads' blocks: it tells
    /// them from its own by their arena's owner before it reads the pool header. The header is the owner's hottest
    /// line (every allocation and free of the pool writes it), and reading it from another core takes it away from the
    /// owner, who then fetches it back; the arena's owner changes only when an arena is adopted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FreeToThreadHeap(HeapState* s, void* pointer) => FreeTo(s, pointer, ownerBeforeHeader: true);

    // ownerBeforeHeader is a constant at each call, so each caller inlines only its own test.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FreeTo(HeapState* s, void* pointer, bool ownerBeforeHeader)
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(s);
#endif
        ArenaObject* arena = ArenaMap<TGeometry>.Lookup(pointer);
        if (arena == null)
        {
            // A large block, or nobody's.
            FreeOutsideOwnPoolsOutOfLine(s, pointer, null);
            return;
        }

        if (ownerBeforeHeader && arena->Owner != s)
        {
            FreeOutsideOwnPoolsOutOfLine(s, pointer, arena);
            return;
        }

        PoolHeader* pool = HeaderOf(pointer);
        byte* head = pool->FreeList;
        uint count = pool->Count - 1;
        uint offset = (uint)((nuint)pointer & (PoolSize - 1));
        ulong magic = pool->BlockMagic;

        // Everything that is not the common case goes to the slow path: the pool was full, or becomes empty
        // (unless it is the retained pool of its class in the idle arena: the allocate-then-free cycle of a class
        // changes nothing but the free list), or was already empty (double free), the block is the one freed last
        // (double free), or the pointer is not the start of a block handed out (interior, never handed out). A pointer
        // into the header table finds an all-zero header there: "full", then rejected by the slow path.
        // Short-circuit tests: each is a predictable compare-and-branch.
        if (head == null
            || !ownerBeforeHeader && pool->Owner != s
            || (int)count <= 0 && ((int)count < 0 || pool->Retained == 0 || arena != s->IdleArena)
            || (byte*)pointer == head
            || offset >= pool->NextOffset
            || (ulong)offset * magic >= magic)
        {
            FreeSlowOutOfLine(s, pool, (byte*)pointer);
            return;
        }

        *(byte**)pointer = head;
        pool->FreeList = (byte*)pointer;
        pool->Count = count;
    }

    /// <summary>
    /// Allocates <paramref name="count"/> × <paramref name="size"/> bytes, zeroed. Memory known to be zero is not
    /// written: the frontier block of a pool whose memory is fresh from the OS (or was given back in a way that
    /// zeroes it), and a large block the system hands out zeroed (see <see cref="LargeBlockTable.AllocateZeroed"/>).
    /// </summary>
    /// <exception cref="OverflowException">The product does not fit in a <see cref="nuint"/>.</exception>
    public void* AllocateZeroed(nuint count, nuint size)
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(_state);
#endif
        nuint total = ThrowHelper.ZeroedRequestSize(count, size);
        if (total > (nuint)TGeometry.SmallRequestThreshold)
        {
            return total <= (nuint)TGeometry.MediumRequestThreshold ? AllocateMediumZeroed(_state, TGeometry.MediumClassOf(total), total) : AllocateLargeZeroed(total);
        }

        int sizeClass = TGeometry.ClassOf(total);
        PoolHeader* pool = UsedPools(_state)[sizeClass];
        if (pool->FreeList == null)
        {
            RefillClass(sizeClass);
            pool = UsedPools(_state)[sizeClass];
        }

        // The list reaches the frontier only when the pool has no recycled block on it.
        bool zero = pool->ZeroFrontier != 0 && ((uint)(nuint)pool->FreeList & (uint)(PoolSize - 1)) == pool->NextOffset;
        void* block = AllocateSmall(sizeClass);
        if (!zero)
        {
            NativeMemory.Clear(block, total);
        }

        return block;
    }

    /// <summary>A zeroed block from the system, recorded (see <see cref="LargeBlockTable.AllocateZeroed"/>).</summary>
    private void* AllocateLargeZeroed(nuint size) => AllocateLargeZeroed(size, (nuint)TGeometry.Alignment);

    /// <summary>Whether the pointer lies in one of this heap's arenas or is one of its live large blocks.</summary>
    /// <exception cref="ObjectDisposedException">Called after <see cref="Dispose"/>.</exception>
    public readonly bool Owns(void* pointer)
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(_state);
#endif
        HeapState* s = _state;
        if (s->Disposed != 0)
        {
            ThrowHelper.ObjectDisposed(OwnerName);
        }

        ArenaObject* arena = ArenaMap<TGeometry>.Lookup(pointer);
        return arena != null ? IsOurs(s, arena) : IsLargeBlock(s, pointer, out _);
    }

    /// <summary>The usable size of a live block: its class's block size, or the size a large block was requested with.</summary>
    /// <exception cref="ArgumentException">The pointer is not a live block of this heap (see <see cref="LiveBlockSize"/>).</exception>
    public readonly nuint UsableSize(void* pointer)
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(_state);
#endif
        return LiveBlockSize(pointer, out _);
    }

    /// <summary>
    /// Resizes a block: a pool or span block stays in place while the new size maps to its class, a large block that stays
    /// large is resized by the system allocator (keeping the alignment it was allocated with); otherwise the
    /// contents move to a new block of the heap's <c>Alignment</c>, as C's <c>realloc</c> does. Null allocates.
    /// </summary>
    /// <exception cref="ArgumentException">The pointer is not a live block of this heap; the heap is unchanged.</exception>
    /// <exception cref="OutOfMemoryException">The new block could not be obtained; the old one is unchanged and still live.</exception>
    public void* Reallocate(void* pointer, nuint newSize)
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(_state);
#endif
        if (pointer == null)
        {
            return Allocate(newSize);
        }

        nuint oldSize = LiveBlockSize(pointer, out PoolHeader* pool);
        if (pool != null)
        {
            if (pool->IsSpan ? StaysInSpan(pool, newSize)
                : newSize <= (nuint)TGeometry.SmallRequestThreshold && (uint)TGeometry.ClassOf(newSize) == pool->SizeClass)
            {
                return pointer;
            }
        }
        else if (newSize > (nuint)Math.Max(TGeometry.SmallRequestThreshold, TGeometry.MediumRequestThreshold))
        {
            // A large block that stays above both tiers is resized by the system; one that shrinks into a tier moves.
            using var large = new LockedLargeBlocks(_state);
            return large.Table->Reallocate(pointer, newSize);
        }

        void* block = Allocate(newSize);
        BlockCopy.Copy(pointer, block, Math.Min(oldSize, newSize));
        if (pool != null && pool->Owner == _state)
        {
            // Checked live above (and the allocation cannot have changed that): no second check, no second map lookup.
            if (pool->IsSpan)
            {
                FreeInSpan(_state, SpanHeadOf(pool), (byte*)pointer);
            }
            else
            {
                FreeInPool(_state, pool, (byte*)pointer);
            }
        }
        else
        {
            Free(pointer);
        }

        return block;
    }

    /// <summary>Allocates from the system allocator with the heap's alignment, and records the block.</summary>
    /// <exception cref="OutOfMemoryException">The system allocator failed; nothing was allocated.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* AllocateLarge(nuint size) => AllocateLarge(size, (nuint)TGeometry.Alignment);

    /// <summary>
    /// Allocates from the system allocator aligned to the larger of <paramref name="alignment"/> and the heap's
    /// alignment, and records the block (with how to free it). <c>Allocate&lt;T&gt;</c> comes here for a
    /// <c>T</c> that no size class can serve aligned.
    /// </summary>
    /// <param name="size">Bytes.</param>
    /// <param name="alignment">A power of two.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alignment"/> is not a power of two.</exception>
    /// <exception cref="OutOfMemoryException">The system allocator failed; nothing was allocated.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void* AllocateLarge(nuint size, nuint alignment)
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(_state);
#endif
        HeapState* s = _state;
        if (s->Disposed != 0)
        {
            ThrowHelper.ObjectDisposed(OwnerName);
        }

        if (!nuint.IsPow2(alignment))
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "The alignment must be a power of two.");
        }

        using var large = new LockedLargeBlocks(s);
        return large.Table->Allocate(size, Math.Max(alignment, (nuint)TGeometry.Alignment));
    }

    /// <summary>
    /// Returns every arena and large block to the OS. Later use throws <see cref="ObjectDisposedException"/>; a second
    /// call does nothing.
    /// </summary>
    public void Dispose()
    {
        if (_owner is null)
        {
            // default(PoolHeap): never created, nothing to free.
            return;
        }

        _state = s_disposedState;
        _owner.ReleaseNow();
    }

    /// <summary>Frees a heap's state and everything it holds; runs once per state, from Dispose or the finalizer.</summary>
    private static void ReleaseState(HeapState* s)
    {
        ReleaseArenas(s);
        s->Large.ReleaseAll();
        FreeStateMemory(s);
    }

    /// <summary>
    /// Zeroed memory for a heap state: a fresh mapping where the OS gives one, whose pages cost nothing until they are
    /// touched. Most of a state is its remote-free ring and lanes, which only a PerThread heap uses, slot by slot; from
    /// the C library's <c>calloc</c>, a state of that size can come from reused heap memory, which calloc must clear,
    /// page by page.
    /// </summary>
    private static void* AllocateStateMemory() => OsPages.CanMapBlocks ? OsPages.MapBlock(StateSize) : NativeMemory.AllocZeroed(StateSize);

    /// <summary>Frees the memory of a state from <see cref="CreateState"/> (or <see cref="Threading.ThreadRegistry{TGeometry}"/>'s thread heaps).</summary>
    internal static void FreeStateMemory(HeapState* s)
    {
        if (OsPages.CanMapBlocks)
        {
            OsPages.UnmapBlock(s, StateSize);
        }
        else
        {
            NativeMemory.Free(s);
        }
    }

    /// <summary>Returns every arena of a heap to the OS, the kept address ranges included, and forgets them in the map.</summary>
    private static void ReleaseArenas(HeapState* s)
    {
        for (ArenaObject* arena = s->AllArenas; arena != null; arena = arena->NextAll)
        {
            // Out of the process-wide map first: from then on a stale pointer into the arena is nobody's block.
            ArenaMap<TGeometry>.Set(arena->Address, null);
        }

        FreeArenaList(s->AllArenas);
        FreeArenaList(s->CachedArenas);
        s->AllArenas = null;
        s->CachedArenas = null;
    }

    private static void FreeArenaList(ArenaObject* arena)
    {
        while (arena != null)
        {
            ArenaObject* next = arena->NextAll;
            OsPages.Free(arena->Address, ArenaSize);
            NativeMemory.Free(arena);
            arena = next;
        }
    }

    private static HeapState* CreateState()
    {
        var s = (HeapState*)AllocateStateMemory();
        s->Token = Threading.ThreadToken.Nobody;
        PoolHeader** used = UsedPools(s);
        for (int i = 0; i < TGeometry.ClassCount; i++)
        {
            used[i] = EmptyPool.Instance;
        }

        return s;
    }

    private static HeapState* CreateDisposedState()
    {
        HeapState* s = CreateState();
        s->Disposed = 1;
        return s;
    }

    /// <summary>The owner of one heap's state (never of the shared disposed state).</summary>
    private sealed class StateOwner : NativeMemoryOwner
    {
        public HeapState* State;

        protected override void Release()
        {
            if (State != null)
            {
                ReleaseState(State);
                State = null;
            }
        }
    }
}
