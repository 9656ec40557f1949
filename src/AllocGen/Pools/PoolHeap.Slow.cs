using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Memory;

namespace AllocGen.Pools;

// The cold half: new pools, full and empty pools, arenas. Arena bookkeeping follows CPython's obmalloc: usable
// arenas are kept in ascending order of free pools so new pools come from the fullest arena and nearly empty ones
// get a chance to drain; "last arena with n free pools" fingers keep every reordering O(1). There is one such list
// per arena kind (pools and short spans; long spans): see PoolHeap.UsableArenas.cs.
//
// Unlike CPython, the last pool of a class is retained when it empties (as mimalloc retires pages lazily): a class
// that drains and refills then keeps its pool instead of handing it back and taking one again on every cycle. The
// memory cost is bounded by "one idle arena": an arena whose pools are all free or retained-empty is idle, and when
// a second arena becomes idle while the first still is, the first goes back to the OS. So a heap whose blocks were
// all freed holds at most one arena.
public unsafe partial struct PoolHeap<TGeometry>
{
    /// <summary>The class has no pool with a free block: take a pool from the fullest usable arena.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void* AllocateFromNewPool(int sizeClass)
    {
        RefillClass(sizeClass);
        return AllocateSmall(sizeClass);
    }

    /// <summary>Gives a class with no free block a pool that has one: blocks other threads freed back, else a new pool.</summary>
    private readonly void RefillClass(int sizeClass)
    {
        HeapState* s = _state;
        if (s->Disposed != 0)
        {
            ThrowHelper.ObjectDisposed(OwnerName);
        }

        // Before taking a pool: blocks other threads freed into this heap's pools come back first (so a heap that
        // allocates while others free never grows past what it holds), and a thread heap does what its instance asked.
        if ((!s->Remote.IsEmpty || s->Group != null) && CatchUp(s) && UsedPools(s)[sizeClass]->FreeList != null)
        {
            return;
        }

#if DEBUG
        CheckUsableLists(s);
#endif

        // The fullest arena that serves pools; else a wholly free one that served long spans; else a new one.
        ArenaObject* arena = s->UsableArenas;
        if (arena == null)
        {
            arena = WhollyFreeOrNewArena(s, PoolKind);
        }

        TakeOnePool(s, arena);
        PoolHeader* pool = TakeFreePool(arena);
        if (pool == null)
        {
            pool = arena->FreshPools++;
            FreePoolMap.Clear(FreeMapOf(arena), SlotOf(arena, pool));
            pool->SizeClass = PoolHeader.NoClass;
            pool->Retained = 0;
            pool->ZeroFrontier = arena->FreshPoolsZero;
        }

        pool->NextPool = null;
        pool->PrevPool = null;
        pool->Owner = s;
        UsedPools(s)[sizeClass] = pool;
        UsedTails(s)[sizeClass] = pool;

        // A pool reused for the class it served before keeps its free list; otherwise lay it out afresh.
        if (pool->SizeClass != (ushort)sizeClass)
        {
            uint blockSize = (uint)TGeometry.BlockSize(sizeClass);
            pool->FreeList = PoolBase(pool);
            pool->SizeClass = (ushort)sizeClass;
            pool->BlockSize = blockSize;
            pool->Count = 0;

            // Its memory is still zero only if it handed out no block since it was known to be.
            pool->ZeroFrontier = pool->NextOffset == 0 ? pool->ZeroFrontier : 0;
            pool->NextOffset = 0;
            pool->BlockMagic = (ulong.MaxValue / blockSize) + 1;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RetireFullPool(HeapState* s, PoolHeader* pool)
    {
        UnlinkUsed(s, pool);
        Unretain(s, pool);
    }

    /// <summary>Every free that is not a plain push: validation, full→used, used→empty.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeSlow(PoolHeader* pool, byte* block)
    {
        if (pool->IsSpan && pool->Owner == _state && FreeInSpanFast(_state, pool, block))
        {
            return;
        }

        if (pool->Owner != _state)
        {
            // Another thread heap's pool (PerThread), another heap's, or a pool never carved.
            FreeOutsideOwnPools(block, ArenaMap<TGeometry>.Lookup(block));
            return;
        }

        CheckLivePoolBlock(pool, block);
        FreeLiveBlock(_state, pool, block);
    }

    /// <summary>Frees a block checked live, of one of the heap's own pools or spans (<paramref name="pool"/> is its header).</summary>
    private static void FreeLiveBlock(HeapState* s, PoolHeader* pool, byte* block)
    {
        if (pool->IsSpan)
        {
            FreeInSpan(s, SpanHeadOf(pool), block);
        }
        else
        {
            FreeInPool(s, pool, block);
        }
    }

    /// <summary>Frees a live block of one of the heap's own pools, with every list transition it causes.</summary>
    private static void FreeInPool(HeapState* s, PoolHeader* pool, byte* block)
    {
        byte* head = pool->FreeList;
        *(byte**)block = head;
        pool->FreeList = block;
        uint count = --pool->Count;
        if (head == null)
        {
            // The pool was full and in no list: it rejoins its class (at the back, see InsertUsed).
            InsertUsed(s, pool);
        }

        if (count != 0)
        {
            return;
        }

        if (pool->PrevPool == null && pool->NextPool == null)
        {
            // The last pool of its class: keep it for the class's next allocation.
            Retain(s, pool);
            return;
        }

        UnlinkUsed(s, pool);
        Unretain(s, pool);
        ReturnPoolToArena(s, pool);
    }

    private static void Retain(HeapState* s, PoolHeader* pool)
    {
        ArenaObject* arena = ArenaOf(s, pool);
        if (pool->Retained == 0)
        {
            pool->Retained = 1;
            arena->RetainedPoolCount++;
        }

        if ((uint)PoolsPerArena - arena->FreePoolCount == arena->RetainedPoolCount)
        {
            NoteIdle(s, arena);
        }
    }

    private static void Unretain(HeapState* s, PoolHeader* pool)
    {
        if (pool->Retained != 0)
        {
            pool->Retained = 0;
            ArenaOf(s, pool)->RetainedPoolCount--;
        }
    }

    /// <summary>The descriptor of the arena holding a pool (arenas are size-aligned, the map knows their base).</summary>
    private static ArenaObject* ArenaOf(HeapState* s, PoolHeader* pool) => ArenaMap<TGeometry>.Lookup(pool);

    /// <summary>Bytes of an arena's descriptor: the <see cref="ArenaObject"/> and its <see cref="FreePoolMap"/> right after it.</summary>
    private static nuint ArenaObjectSize => (nuint)sizeof(ArenaObject) + ((nuint)FreePoolMap.WordsFor(PoolSlotsPerArena) * sizeof(ulong));

    /// <summary>The <see cref="FreePoolMap"/> of an arena: one bit per pool slot, set while the pool is free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong* FreeMapOf(ArenaObject* arena) => (ulong*)(arena + 1);

    /// <summary>The index of a pool's header in its arena's table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotOf(ArenaObject* arena, PoolHeader* pool) => (int)(pool - (PoolHeader*)arena->Address);

    /// <summary>Whether a pool lies in an arena (by address: the empty-pool stand-in lies in none).</summary>
    private static bool IsIn(PoolHeader* pool, ArenaObject* arena) => ((nuint)pool & ~(ArenaSize - 1)) == (nuint)arena->Address;

    /// <summary><paramref name="arena"/> may hold no live block: keep it as the idle arena, releasing an older one.</summary>
    private static void NoteIdle(HeapState* s, ArenaObject* arena)
    {
        ArenaObject* idle = s->IdleArena;
        if (idle == arena)
        {
            return;
        }

        if (idle != null && IsIdle(s, idle))
        {
            ReleaseIdleArena(s, idle);
        }

        s->IdleArena = arena;
    }

    /// <summary>Whether every pool of the arena is free or retained-empty (retained pools are class heads).</summary>
    private static bool IsIdle(HeapState* s, ArenaObject* arena)
    {
        if ((uint)PoolsPerArena - arena->FreePoolCount != arena->RetainedPoolCount)
        {
            return false;
        }

        PoolHeader** used = UsedPools(s);
        for (int i = 0; i < TGeometry.ClassCount; i++)
        {
            if (IsIn(used[i], arena) && used[i]->Count != 0)
            {
                return false;
            }
        }

        return !HasLiveSpanIn(s, arena);
    }

    /// <summary>Hands an idle arena's retained pools back to it, then returns the arena to the OS.</summary>
    private static void ReleaseIdleArena(HeapState* s, ArenaObject* arena)
    {
        PoolHeader** used = UsedPools(s);
        for (int i = 0; i < TGeometry.ClassCount; i++)
        {
            if (IsIn(used[i], arena))
            {
                GiveBackRetainedPool(s, i);
            }
        }

        GiveBackRetainedSpansIn(s, arena);
        ReleaseArena(s, arena);
    }

    /// <summary>Takes the retained (only, empty) pool of a class out of its list and gives it back to its arena.</summary>
    private static void GiveBackRetainedPool(HeapState* s, int sizeClass)
    {
        PoolHeader* pool = UsedPools(s)[sizeClass];
        UsedPools(s)[sizeClass] = EmptyPool.Instance;
        UsedTails(s)[sizeClass] = null;
        Unretain(s, pool);
        GivePoolBack(s, pool);
    }

    /// <summary>
    /// A free whose pointer is not in one of this heap's own arenas: a large block (or null), a block of another thread
    /// heap of the same <c>PerThread</c> instance (pushed back to its owner), or an error.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeOutsideOwnPools(void* pointer, ArenaObject* arena)
    {
        HeapState* s = _state;
        if (arena == null)
        {
            if (pointer != null && !FreeLargeBlock(s, pointer))
            {
                ThrowNotOurs(pointer);
            }

            return;
        }

        if (!IsOurs(s, arena))
        {
            ThrowNotOurs(pointer);
        }

        // Another thread's block: checked here, on the freeing thread, so a bad pointer throws to the caller that
        // passed it (the owner's header is read while the owner may change it, but the block is live, so its pool and
        // arena stay mapped); then handed back with one lock-free push. The owner frees it on its own slow path.
        CheckLivePoolBlock(HeaderOf(pointer), (byte*)pointer);
        var owner = (HeapState*)Volatile.Read(ref *(nint*)&arena->Owner);
        PushRemote(owner, pointer, s);
    }

    /// <summary>
    /// Hands a block to its owner's remote frees: the lane of <paramref name="producer"/> (the state of the calling
    /// thread), else the ring, else the stack.
    /// </summary>
    private static void PushRemote(HeapState* owner, void* block, HeapState* producer)
    {
        if (!owner->RemoteLanes.TryPush(producer, block) && !owner->RemoteRing.TryPush(block))
        {
            owner->Remote.Push(block);
        }
    }

    /// <summary>Whether an arena belongs to this heap or, for a thread heap, to another thread heap of the same instance.</summary>
    private static bool IsOurs(HeapState* s, ArenaObject* arena)
    {
        HeapState* owner = arena->Owner;
        return owner == s || (s->Group != null && owner != null && owner->Group == s->Group);
    }

    private static bool FreeLargeBlock(HeapState* s, void* pointer)
    {
        using var large = new LockedLargeBlocks(s);
        return large.Table->Free(pointer);
    }

    private static bool IsLargeBlock(HeapState* s, void* pointer, out nuint size)
    {
        using var large = new LockedLargeBlocks(s);
        return large.Table->TryGetSize(pointer, out size);
    }

    [DoesNotReturn]
    private readonly void ThrowNotOurs(void* pointer)
    {
        if (_state->Disposed != 0)
        {
            ThrowHelper.ObjectDisposed(OwnerName);
        }

        ThrowHelper.ForeignPointer(pointer);
    }

    /// <summary>
    /// The one definition of a live block, which every entry point that takes a block applies: the start of a
    /// block handed out and not freed since, in a pool in use of one of this heap's arenas, or a large block of this
    /// heap. Returns its usable size, and its pool (null for a large block).
    /// </summary>
    /// <remarks>
    /// Whether the pointer lies in an arena is asked of the arena map, which reads no memory behind the pointer; the
    /// rest is <see cref="CheckLivePoolBlock"/>. <c>Free</c>'s inlined fast path tests the same rules and leaves every
    /// pointer that fails one of them to <see cref="FreeSlow"/>, which applies <see cref="CheckLivePoolBlock"/>, so
    /// <c>Free</c>, <c>Reallocate</c> and <c>UsableSize</c> accept and reject the same pointers.
    /// </remarks>
    /// <exception cref="ArgumentException">The pointer is not a live block of this heap.</exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    private readonly nuint LiveBlockSize(void* pointer, out PoolHeader* pool)
    {
        HeapState* s = _state;
        ArenaObject* arena = ArenaMap<TGeometry>.Lookup(pointer);
        if (arena != null)
        {
            if (!IsOurs(s, arena))
            {
                ThrowNotOurs(pointer);
            }

            pool = HeaderOf(pointer);
            CheckLivePoolBlock(pool, (byte*)pointer);
            return pool->BlockSize;
        }

        pool = null;
        if (!IsLargeBlock(s, pointer, out nuint size))
        {
            ThrowNotOurs(pointer);
        }

        return size;
    }

    /// <summary>
    /// Throws unless <paramref name="block"/>, an address in one of this heap's arenas whose pool header is
    /// <paramref name="pool"/>, is a live block: not in the header table, its pool serving a class with live blocks,
    /// below the pool's frontier (handed out at least once), a whole number of blocks from the start of the pool, and
    /// not the block freed last in the pool (the one double free that is cheap to see).
    /// </summary>
    private static void CheckLivePoolBlock(PoolHeader* pool, byte* block)
    {
        string? why = WhyNotLive(pool, block);
        if (why is not null)
        {
            ThrowHelper.InvalidBlock(block, why);
        }
    }

    /// <summary>The rules of <see cref="CheckLivePoolBlock"/>: null for a live block, else what is wrong.</summary>
    private static string? WhyNotLive(PoolHeader* pool, byte* block)
    {
        if (((nuint)block & (ArenaSize - 1)) < ((nuint)HeaderPoolsPerArena << TGeometry.PoolShift))
        {
            return "it points into the arena's pool-header table, which holds no blocks";
        }

        if (pool->IsSpan)
        {
            return WhyNotLiveInSpan(pool, block);
        }

        if (pool->Count == 0 || pool->SizeClass == PoolHeader.NoClass)
        {
            return "its pool holds no live block (freed already, or never handed out)";
        }

        uint offset = (uint)((nuint)block & (PoolSize - 1));
        if (offset >= pool->NextOffset)
        {
            return "it lies past every block its pool has handed out";
        }

        if ((ulong)offset * pool->BlockMagic >= pool->BlockMagic)
        {
            return "it does not point at the start of a block";
        }

        return block == pool->FreeList ? "it is the block freed last in its pool (freed already)" : null;
    }

    /// <summary>
    /// A full pool that got a block back rejoins its class: at the back under <see cref="PoolReusePolicy.Fast"/>
    /// (CPython puts it at the front, but then the next allocation fills it again at once, and under churn almost
    /// every operation moves a pool in or out of the list; at the back it gathers frees while the front pools serve),
    /// in address order under <see cref="PoolReusePolicy.Compact"/>.
    /// </summary>
    private static void InsertUsed(HeapState* s, PoolHeader* pool)
    {
        int sizeClass = pool->SizeClass;
        ref PoolHeader* head = ref UsedPools(s)[sizeClass];
        ref PoolHeader* tail = ref UsedTails(s)[sizeClass];
        PoolHeader* old = head;
        pool->NextPool = null;
        if (old == EmptyPool.Instance)
        {
            pool->PrevPool = null;
            head = pool;
            tail = pool;
            return;
        }

        // A retained pool stops being the class's only pool; an empty one is no longer needed at all.
        Unretain(s, old);
        if (old->Count == 0)
        {
            pool->PrevPool = null;
            head = pool;
            tail = pool;
            ReturnPoolToArena(s, old);
            return;
        }

        if (s->ReusePolicy == PoolReusePolicy.Compact)
        {
            InsertByAddress(pool, ref head, ref tail);
            return;
        }

        pool->PrevPool = tail;
        tail->NextPool = pool;
        tail = pool;
    }

    /// <summary>
    /// Inserts before the first pool at a higher address. The pools that get blocks back are mostly the low, nearly
    /// full ones that allocation keeps filling, so the walk from the head is short. A list built under
    /// <see cref="PoolReusePolicy.Fast"/> is not sorted; it becomes so as its pools fill and rejoin.
    /// </summary>
    private static void InsertByAddress(PoolHeader* pool, ref PoolHeader* head, ref PoolHeader* tail)
    {
        PoolHeader* before = head;
        PoolHeader* after = null;
        while (before != null && before < pool)
        {
            after = before;
            before = before->NextPool;
        }

        pool->PrevPool = after;
        pool->NextPool = before;
        if (after != null)
        {
            after->NextPool = pool;
        }
        else
        {
            head = pool;
        }

        if (before != null)
        {
            before->PrevPool = pool;
        }
        else
        {
            tail = pool;
        }
    }

    private static void UnlinkUsed(HeapState* s, PoolHeader* pool)
    {
        PoolHeader* next = pool->NextPool;
        PoolHeader* prev = pool->PrevPool;
        if (prev != null)
        {
            prev->NextPool = next;
        }
        else
        {
            UsedPools(s)[(int)pool->SizeClass] = next != null ? next : EmptyPool.Instance;
        }

        if (next != null)
        {
            next->PrevPool = prev;
        }
        else
        {
            UsedTails(s)[(int)pool->SizeClass] = prev;
        }
    }

    /// <summary>An empty pool goes back to its arena; an arena left idle may release another idle one.</summary>
    private static void ReturnPoolToArena(HeapState* s, PoolHeader* pool)
    {
        GivePoolBack(s, pool);
        ArenaObject* arena = ArenaOf(s, pool);
        if ((uint)PoolsPerArena - arena->FreePoolCount == arena->RetainedPoolCount)
        {
            NoteIdle(s, arena);
        }
    }

    /// <summary>
    /// Marks an empty pool free in its arena's <see cref="FreePoolMap"/> and clears its list links (a free pool is in
    /// no list); the arena moves right in its usable list.
    /// </summary>
    private static void GivePoolBack(HeapState* s, PoolHeader* pool)
    {
        ArenaObject* arena = ArenaOf(s, pool);
        arena->FreeRunBound = (uint)PoolsPerArena;
        FreePoolMap.Set(FreeMapOf(arena), SlotOf(arena, pool));
        pool->PrevPool = null;
        pool->NextPool = null;
        AddOneFreePool(s, arena);
    }

    /// <summary>Returns a wholly free arena to the OS.</summary>
    private static void ReleaseArena(HeapState* s, ArenaObject* arena)
    {
        RemoveUsable(s, arena);
        ArenaMap<TGeometry>.Set(arena->Address, null);
        LockArenas(s);
        if (arena->PrevAll != null)
        {
            arena->PrevAll->NextAll = arena->NextAll;
        }
        else
        {
            s->AllArenas = arena->NextAll;
        }

        if (arena->NextAll != null)
        {
            arena->NextAll->PrevAll = arena->PrevAll;
        }

        UnlockArenas(s);
        s->ArenasCurrent--;
        s->ArenasReleased++;

        // Keep the address range, and for a short while the pages too: a burst that follows reuses them without
        // mapping, faulting in or even re-dirtying a page. Pages unused for PageDecayMs of heap activity go back
        // to the OS (MADV_FREE), as in jemalloc's and mimalloc's decay.
        if (s->CachedArenaCount < MaxCachedArenas)
        {
            arena->ReleasedAt = Environment.TickCount64;
            arena->FreshPoolsZero = 0;
            arena->NextAll = s->CachedArenas;
            s->CachedArenas = arena;
            s->CachedArenaCount++;
            DecayCachedArenas(s, atOnce: false);
            return;
        }

        OsPages.Free(arena->Address, ArenaSize);
        NativeMemory.Free(arena);
    }

    /// <summary>
    /// A thread heap's list of arenas changes only under its <see cref="HeapState.ArenaLock"/>, so that statistics read
    /// from another thread never walk an arena being unmapped. A heap of its own (no group) needs no lock.
    /// </summary>
    private static void LockArenas(HeapState* s)
    {
        if (s->Group != null)
        {
            s->ArenaLock.Enter();
        }
    }

    private static void UnlockArenas(HeapState* s)
    {
        if (s->Group != null)
        {
            s->ArenaLock.Exit();
        }
    }

    /// <summary>How long a released arena keeps its pages before they go back to the OS, in ms of heap activity.</summary>
    private const long PageDecayMs = 1000;

    /// <summary>
    /// Gives the pages of arenas released more than <see cref="PageDecayMs"/> ago back to the OS when the kernel
    /// needs them (<see cref="OsPages.Decommit"/>); with <paramref name="atOnce"/> (Trim), the pages of every kept
    /// arena go now (<see cref="OsPages.Release"/>), those already given back lazily included.
    /// </summary>
    private static void DecayCachedArenas(HeapState* s, bool atOnce)
    {
        long now = Environment.TickCount64;

        // The arena's whole region: an arena smaller than a page spans a page of its own.
        nuint region = OsPages.RegionSize(ArenaSize);
        for (ArenaObject* cached = s->CachedArenas; cached != null; cached = cached->NextAll)
        {
            bool due = atOnce || (cached->ReleasedAt >= 0 && now - cached->ReleasedAt > PageDecayMs);
            if (due && (atOnce ? OsPages.Release(cached->Address, region) : OsPages.Decommit(cached->Address, region)))
            {
                cached->ReleasedAt = -1;
                cached->FreshPoolsZero |= atOnce && OsPages.ReleaseZeroes ? 1u : 0u;
            }
        }
    }

    /// <summary>Address ranges of released arenas kept for reuse (their pages are the OS's).</summary>
    private static nuint MaxCachedArenas => (nuint)Math.Max(4, (64 << 20) >> TGeometry.ArenaShift);

    private static ArenaObject* TakeArena(HeapState* s)
    {
        DecayCachedArenas(s, atOnce: false);
        ArenaObject* arena = s->CachedArenas;
        if (arena != null)
        {
            s->CachedArenas = arena->NextAll;
            s->CachedArenaCount--;
            byte* memory = arena->Address;
            uint zero = arena->FreshPoolsZero;
            *arena = default;
            arena->Address = memory;
            arena->FreshPoolsZero = zero;

            // The table still describes the arena's previous life; cleared, every pool reads as never used, so a
            // stale pointer into the arena is rejected like any pointer into a pool that has not served yet.
            NativeMemory.Clear(memory, HeaderTableSize);
            return arena;
        }

        // The descriptor first: if it cannot be had, no mapping is left behind; if the mapping fails, the descriptor goes.
        arena = (ArenaObject*)NativeMemory.AllocZeroed(ArenaObjectSize);
        try
        {
            arena->Address = OsPages.AllocateAligned(ArenaSize);
            arena->FreshPoolsZero = 1;
        }
        catch
        {
            NativeMemory.Free(arena);
            throw;
        }

        return arena;
    }

    /// <summary>A new (or kept) arena of a kind, mapped and in the heap's list of all arenas; in no usable list yet.</summary>
    private static ArenaObject* NewArena(HeapState* s, uint kind)
    {
        ArenaObject* arena = TakeArena(s);
        byte* memory = arena->Address;
        arena->ServesLongSpans = kind;
        arena->FreshPools = (PoolHeader*)memory + HeaderPoolsPerArena;
        arena->FreePoolCount = (uint)PoolsPerArena;
        arena->FreeRunBound = (uint)PoolsPerArena;
        FreePoolMap.Reset(FreeMapOf(arena), FreePoolMap.WordsFor(PoolSlotsPerArena), HeaderPoolsPerArena, PoolSlotsPerArena);
        arena->Owner = s;
        try
        {
            // Published with a release write: a thread that finds the arena in the map sees its owner.
            ArenaMap<TGeometry>.Set(memory, arena);
        }
        catch
        {
            // No leaf for it, or an address the map does not cover: the arena is in no list yet, so it just goes.
            OsPages.Free(memory, ArenaSize);
            NativeMemory.Free(arena);
            throw;
        }

        LockArenas(s);
        arena->PrevAll = null;
        arena->NextAll = s->AllArenas;
        if (s->AllArenas != null)
        {
            s->AllArenas->PrevAll = arena;
        }

        s->AllArenas = arena;
        UnlockArenas(s);
        s->ArenasAllocated++;
        if (++s->ArenasCurrent > s->ArenasHighWater)
        {
            s->ArenasHighWater = s->ArenasCurrent;
        }

        return arena;
    }
}

public unsafe partial struct PoolHeap<TGeometry>
{
    /// <summary>
    /// Gives back everything the heap holds without a live block in it: the retained empty pool of each class,
    /// every arena whose pools are then all free (the idle one included), the pages of the empty pools of the arenas
    /// that still hold live blocks, and the pages of released arenas whose address range is kept. For a heap that
    /// goes quiet after a busy phase; later allocations take arenas and pools again.
    /// </summary>
    public void Trim()
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(_state);
#endif
        HeapState* s = _state;
        if (s->Disposed != 0)
        {
            ThrowHelper.ObjectDisposed(OwnerName);
        }

        PoolHeader** used = UsedPools(s);
        for (int i = 0; i < TGeometry.ClassCount; i++)
        {
            // Only a retained pool can be empty in a class's list, and it is the only one there.
            if (used[i] != EmptyPool.Instance && used[i]->Count == 0)
            {
                GiveBackRetainedPool(s, i);
            }
        }

        GiveBackRetainedSpans(s);

        ArenaObject* arena = s->AllArenas;
        while (arena != null)
        {
            ArenaObject* next = arena->NextAll;
            if (arena->FreePoolCount == (uint)PoolsPerArena)
            {
                ReleaseArena(s, arena);
            }

            arena = next;
        }

        for (arena = s->AllArenas; arena != null; arena = arena->NextAll)
        {
            DecommitFreePools(arena);
        }

        DecayCachedArenas(s, atOnce: true);
        s->IdleArena = null;
    }

    /// <summary>
    /// Gives back the pages of an arena that hold no live block: each empty pool's, or, when an OS page is larger than
    /// a pool, each page whose pools are all empty or never carved (a page that also holds a live block, a retained
    /// pool or the header table keeps all its pools). A pool whose pages went back forgets its class and is laid out
    /// afresh when it serves again (its header reads as never used, which also rejects a stale pointer into it), and
    /// the statistics stop counting it as committed; a pool whose page stays keeps its class and free list.
    /// </summary>
    private static void DecommitFreePools(ArenaObject* arena)
    {
        // What goes back at once: one pool, or the pools of one page when a page is larger than a pool. The units
        // that share a page with the header table stay (all of them in an arena no larger than a page: only
        // releasing the whole arena gives it back).
        int poolsPerUnit = (int)Math.Max(1, OsPages.PageSize >> TGeometry.PoolShift);
        nuint unitBytes = (nuint)poolsPerUnit << TGeometry.PoolShift;
        var headers = (PoolHeader*)arena->Address;
        int carved = (int)(arena->FreshPools - headers);
        int firstUnit = (HeaderPoolsPerArena + poolsPerUnit - 1) / poolsPerUnit * poolsPerUnit;
        for (int first = firstUnit; first < carved; first += poolsPerUnit)
        {
            // Pools past the carved ones have never served: they hold nothing and have no class to forget.
            int end = Math.Min(first + poolsPerUnit, carved);
            bool holdsNothing = true;
            bool anyToGiveBack = false;
            for (int i = first; i < end && holdsNothing; i++)
            {
                PoolHeader* pool = headers + i;
                holdsNothing = pool->Count == 0 && pool->Retained == 0;
                anyToGiveBack |= pool->SizeClass != PoolHeader.NoClass;
            }

            if (!holdsNothing || !anyToGiveBack || !OsPages.Release(PoolBase(headers + first), unitBytes))
            {
                continue;
            }

            for (int i = first; i < end; i++)
            {
                PoolHeader* pool = headers + i;
                pool->SizeClass = PoolHeader.NoClass;
                pool->FreeList = null;
                pool->NextOffset = 0;
                pool->ZeroFrontier = OsPages.ReleaseZeroes ? 1u : 0u;
            }
        }
    }
}
