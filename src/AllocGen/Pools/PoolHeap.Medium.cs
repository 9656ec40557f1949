using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace AllocGen.Pools;

// The medium tier (docs/medium-tier.md): blocks above the small threshold, up to the geometry's MediumRequestThreshold,
// carved from spans: runs of whole pools of the heap's own arenas, each serving one medium class. A span is described
// by the header of its first pool (in the arena's header table, where HeaderOf finds it); its other pools' headers are
// marked SpanInterior and point at the first. A span header's NextOffset stays 0, so the small tier's inlined Free
// sends every medium block to FreeSlow, which routes it here: the small fast paths are unchanged.
//
// Lists mirror the pools': each medium class has a list of spans with a free block (a full span is in none, its first
// free brings it back at the end); the class's only span is retained when it empties, any other empty span gives its
// pools back to the arena, where small classes and other spans take them again.
public unsafe partial struct PoolHeap<TGeometry>
{
    /// <summary>
    /// For generated code only: allocates a block of medium class <paramref name="mediumClass"/> (its block size is
    /// <c>MediumBlockSize(mediumClass)</c>). Unchecked: the class must be in 0..MediumClassCount-1.
    /// </summary>
    /// <exception cref="OutOfMemoryException">No arena could be mapped; nothing was allocated.</exception>
    /// <remarks>Not inlined: the generated <c>Allocate</c> inlines into every caller, and its small path is what must stay short.</remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void* AllocateMedium(int mediumClass) => AllocateMediumFrom(_state, mediumClass);

    /// <summary><see cref="AllocateMedium"/> on the heap whose state is <paramref name="s"/> (see <see cref="AllocateSmallFrom"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void* AllocateMediumFrom(HeapState* s, int mediumClass)
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(s);
#endif
        PoolHeader* span = UsedSpans(s)[mediumClass];
        if (span == null)
        {
            return AllocateFromNewSpanOutOfLine(s, mediumClass);
        }

        // As in a pool: the free list ends at the frontier, the first never-used block, which holds no link.
        byte* block = span->FreeList;
        uint frontier = span->SpanFrontier;
        span->Count++;
        byte* next;
        if ((uint)(block - PoolBase(span)) != frontier)
        {
            next = *(byte**)block;
        }
        else
        {
            uint blockSize = (uint)TGeometry.MediumBlockSize(mediumClass);
            uint following = frontier + blockSize;
            span->SpanFrontier = following;
            next = following <= SpanBytes(mediumClass) - blockSize ? block + blockSize : null;
        }

        span->FreeList = next;

        // The class's next allocation reads the next block's link. A block on a span's free list was usually freed long
        // ago (a medium class is asked for far less often than a small one), so it is out of the cache: start the load
        // now, where it overlaps with the caller's work. When the next block is the never-used frontier, the prefetch
        // is wasted but harmless: it never faults, so that page stays untouched.
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(next);
        }

        if (next == null)
        {
            // Full: out of its class's list until its first free brings it back.
            UnlinkUsedSpan(s, span);
            UnretainSpan(s, span);
        }

        return block;
    }

    /// <summary>Bytes of a span of a medium class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SpanBytes(int mediumClass) => (uint)TGeometry.MediumSpanPools(mediumClass) << TGeometry.PoolShift;

    /// <summary>Blocks one span of a medium class holds.</summary>
    internal static int BlocksPerSpan(int mediumClass) => (int)(SpanBytes(mediumClass) / (uint)TGeometry.MediumBlockSize(mediumClass));

    /// <summary>The medium class of a span's first pool.</summary>
    private static int MediumClassOfSpan(PoolHeader* span) => span->SizeClass & ~PoolHeader.SpanFlag;

    /// <summary>The first pool (the header) of the span a pool of it belongs to.</summary>
    private static PoolHeader* SpanHeadOf(PoolHeader* pool) =>
        pool->SizeClass == PoolHeader.SpanInterior ? pool->NextPool : pool;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void* AllocateFromNewSpanOutOfLine(HeapState* s, int mediumClass)
    {
        RefillSpanClass(s, mediumClass);
        return AllocateMediumFrom(s, mediumClass);
    }

    /// <summary>Gives a medium class with no free block a span that has one: blocks other threads freed back, else a new span.</summary>
    private static void RefillSpanClass(HeapState* s, int mediumClass)
    {
        if (s->Disposed != 0)
        {
            ThrowHelper.ObjectDisposed(OwnerName);
        }

        if ((!s->Remote.IsEmpty || s->Group != null) && CatchUp(s) && UsedSpans(s)[mediumClass] != null)
        {
            return;
        }

#if DEBUG
        CheckUsableLists(s);
#endif

        int pools = TGeometry.MediumSpanPools(mediumClass);
        uint kind = pools >= LongSpanPools ? LongSpanKind : PoolKind;

        // The fullest arena of the span's kind with a long enough run of free pools, so that nearly empty arenas get a
        // chance to drain; else a wholly free arena of the other kind; else a new one.
        ArenaObject* arena = UsableHead(s, kind);
        int first = -1;
        for (; arena != null; arena = arena->NextUsable)
        {
            if (arena->FreeRunBound >= (uint)pools && (first = FindFreeRun(arena, pools)) >= 0)
            {
                break;
            }
        }

        if (arena == null)
        {
            // Every pool of it is free: the run starts at its first pool.
            arena = WhollyFreeOrNewArena(s, kind);
            first = HeaderPoolsPerArena;
        }

        PoolHeader* span = CarveSpan(s, arena, first, pools, mediumClass);
        UsedSpans(s)[mediumClass] = span;
        UsedSpanTails(s)[mediumClass] = span;
    }

    /// <summary>
    /// Index (in the header table) of the start of the shortest run of free pools that holds <paramref name="pools"/>
    /// (best fit, so that long runs stay for long spans; the never-carved pools at the end count as one run), or -1.
    /// A search that finds none records the longest run in <see cref="ArenaObject.FreeRunBound"/>.
    /// </summary>
    private static int FindFreeRun(ArenaObject* arena, int pools)
    {
#if DEBUG
        CheckFreePoolMap(arena);
#endif
        int best = FreePoolMap.FindShortestRun(FreeMapOf(arena), PoolSlotsPerArena, pools, out int longest);
        if (best < 0)
        {
            arena->FreeRunBound = (uint)longest;
        }

        return best;
    }

#if DEBUG
    /// <summary>Throws if an arena's <see cref="FreePoolMap"/> disagrees with its headers (Debug builds, on the owner's span search).</summary>
    private static void CheckFreePoolMap(ArenaObject* arena)
    {
        var headers = (PoolHeader*)arena->Address;
        for (int slot = 0; slot < PoolSlotsPerArena; slot++)
        {
            PoolHeader* pool = headers + slot;
            bool free = slot >= HeaderPoolsPerArena
                && (pool >= arena->FreshPools || (pool->Count == 0 && pool->Retained == 0 && !pool->IsSpan));
            if (free != FreePoolMap.IsSet(FreeMapOf(arena), slot))
            {
                throw new InvalidOperationException($"The free-pool map of the arena at 0x{(nuint)arena->Address:X} says pool {slot} is {(free ? "not " : "")}free; its header says otherwise.");
            }
        }
    }
#endif

    /// <summary>
    /// Makes the free pools <paramref name="first"/>..+<paramref name="pools"/> of an arena a span of a medium class:
    /// marked taken in the arena's free-pool map (the never-carved ones are carved), the arena's place in the usable
    /// list moved for its fewer free pools, the headers laid out. The span is zero from its start if every pool was.
    /// </summary>
    private static PoolHeader* CarveSpan(HeapState* s, ArenaObject* arena, int first, int pools, int mediumClass)
    {
        var headers = (PoolHeader*)arena->Address;
        PoolHeader* head = headers + first;
        PoolHeader* end = head + pools;
        uint zero = 1;
        for (PoolHeader* pool = head; pool < end; pool++)
        {
            FreePoolMap.Clear(FreeMapOf(arena), SlotOf(arena, pool));
            if (pool >= arena->FreshPools)
            {
                zero &= arena->FreshPoolsZero;
            }
            else
            {
                // A pool is zero past its frontier; one that never handed out a block (or forgot its class when its
                // pages went back) is zero from its start.
                zero &= pool->ZeroFrontier != 0 && (pool->NextOffset == 0 || pool->SizeClass == PoolHeader.NoClass) ? 1u : 0u;
            }
        }

        if (end > arena->FreshPools)
        {
            arena->FreshPools = end;
        }

        ChangeFreePools(s, arena, -pools);
        uint blockSize = (uint)TGeometry.MediumBlockSize(mediumClass);
        *head = default;
        head->FreeList = PoolBase(head);
        head->BlockMagic = (ulong.MaxValue / blockSize) + 1;
        head->Owner = s;
        head->SizeClass = (ushort)(PoolHeader.SpanFlag | mediumClass);
        head->BlockSize = blockSize;
        head->ZeroFrontier = zero;
        for (PoolHeader* pool = head + 1; pool < end; pool++)
        {
            *pool = default;
            pool->NextPool = head;
            pool->Owner = s;
            pool->Count = 1;
            pool->SizeClass = PoolHeader.SpanInterior;
            pool->BlockSize = blockSize;
        }

        return head;
    }

    /// <summary>
    /// Spans of this many pools or more are long: they are carved only from arenas that serve long spans, and pools and
    /// shorter spans only from the others. A long span that goes leaves a run that the next long span can take; among
    /// pools, which stay much longer, it would leave holes that only pools fill (measured in docs/medium-tier.md).
    /// </summary>
    internal const int LongSpanPools = 4;

    /// <summary>
    /// A free pool for a small class, or null when the arena has no carved free pool (its never-carved ones are taken
    /// in order, by the caller). Spans need runs of free pools next to each other, so a pool with no free neighbour
    /// is taken first (the lowest such), else the lowest free pool; without a medium tier, the lowest.
    /// </summary>
    private static PoolHeader* TakeFreePool(ArenaObject* arena)
    {
        ulong* map = FreeMapOf(arena);
        int carved = SlotOf(arena, arena->FreshPools);
        int slot = TGeometry.MediumClassCount != 0 ? FreePoolMap.FirstIsolated(map, HeaderPoolsPerArena, carved, PoolSlotsPerArena) : carved;
        if (slot >= carved)
        {
            slot = FreePoolMap.NextSet(map, HeaderPoolsPerArena, carved);
        }

        if (slot >= carved)
        {
            return null;
        }

        FreePoolMap.Clear(map, slot);
        return (PoolHeader*)arena->Address + slot;
    }

    /// <summary>
    /// The common medium free, from <see cref="FreeSlow"/>: a block of one of the heap's own spans that passes every
    /// test of <see cref="WhyNotLiveInSpan"/> and leaves its span neither empty (unless it is the retained span of its
    /// class in the idle arena: as for pools, an allocate-then-free cycle then changes nothing but the free list) nor
    /// coming back from full is pushed. False (nothing done) for anything else, which takes the checked path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FreeInSpanFast(HeapState* s, PoolHeader* pool, byte* block)
    {
        PoolHeader* span = SpanHeadOf(pool);
        byte* head = span->FreeList;
        uint count = span->Count;
        ulong offset = (ulong)(block - PoolBase(span));
        ulong magic = span->BlockMagic;
        if (head == null
            || (count <= 1 && (count == 0 || span->Retained == 0 || s->IdleArena == null || !IsIn(span, s->IdleArena)))
            || block == head
            || offset >= span->SpanFrontier
            || offset * magic >= magic)
        {
            return false;
        }

        *(byte**)block = head;
        span->FreeList = block;
        span->Count = count - 1;
        return true;
    }

    /// <summary>Frees a live block of one of the heap's own spans, with every list transition it causes.</summary>
    private static void FreeInSpan(HeapState* s, PoolHeader* span, byte* block)
    {
        byte* head = span->FreeList;
        *(byte**)block = head;
        span->FreeList = block;
        uint count = --span->Count;
        if (head == null)
        {
            InsertUsedSpan(s, span);
        }

        if (count != 0)
        {
            return;
        }

        if (span->PrevPool == null && span->NextPool == null)
        {
            // The only span of its class: kept for the class's next allocation.
            RetainSpan(s, span);
            return;
        }

        UnlinkUsedSpan(s, span);
        UnretainSpan(s, span);
        ReturnSpanToArena(s, span);
    }

    /// <summary>A span that got a block back rejoins its class at the back (see <see cref="InsertUsed"/>); an empty retained one goes.</summary>
    private static void InsertUsedSpan(HeapState* s, PoolHeader* span)
    {
        int mediumClass = MediumClassOfSpan(span);
        ref PoolHeader* head = ref UsedSpans(s)[mediumClass];
        ref PoolHeader* tail = ref UsedSpanTails(s)[mediumClass];
        PoolHeader* old = head;
        span->NextPool = null;
        if (old == null)
        {
            span->PrevPool = null;
            head = span;
            tail = span;
            return;
        }

        UnretainSpan(s, old);
        if (old->Count == 0)
        {
            span->PrevPool = null;
            head = span;
            tail = span;
            ReturnSpanToArena(s, old);
            return;
        }

        span->PrevPool = tail;
        tail->NextPool = span;
        tail = span;
    }

    private static void UnlinkUsedSpan(HeapState* s, PoolHeader* span)
    {
        int mediumClass = MediumClassOfSpan(span);
        PoolHeader* next = span->NextPool;
        PoolHeader* prev = span->PrevPool;
        if (prev != null)
        {
            prev->NextPool = next;
        }
        else
        {
            UsedSpans(s)[mediumClass] = next;
        }

        if (next != null)
        {
            next->PrevPool = prev;
        }
        else
        {
            UsedSpanTails(s)[mediumClass] = prev;
        }

        span->NextPool = null;
        span->PrevPool = null;
    }

    private static void RetainSpan(HeapState* s, PoolHeader* span)
    {
        ArenaObject* arena = ArenaOf(s, span);
        if (span->Retained == 0)
        {
            span->Retained = 1;
            arena->RetainedPoolCount += (uint)TGeometry.MediumSpanPools(MediumClassOfSpan(span));
        }

        if ((uint)PoolsPerArena - arena->FreePoolCount == arena->RetainedPoolCount)
        {
            NoteIdle(s, arena);
        }
    }

    private static void UnretainSpan(HeapState* s, PoolHeader* span)
    {
        if (span->Retained != 0)
        {
            span->Retained = 0;
            ArenaOf(s, span)->RetainedPoolCount -= (uint)TGeometry.MediumSpanPools(MediumClassOfSpan(span));
        }
    }

    /// <summary>An empty span's pools go back to its arena; an arena left idle may release another idle one.</summary>
    private static void ReturnSpanToArena(HeapState* s, PoolHeader* span)
    {
        ArenaObject* arena = ArenaOf(s, span);
        GiveSpanBack(s, span);
        if ((uint)PoolsPerArena - arena->FreePoolCount == arena->RetainedPoolCount)
        {
            NoteIdle(s, arena);
        }
    }

    /// <summary>
    /// Gives the pools of an empty span (in no list, not retained) back to its arena as free pools that serve no
    /// class (<see cref="PoolHeader.FormerSpanPool"/>), each header cleared, its list links included. A pool the span's
    /// frontier never reached is still as zero as the span was.
    /// </summary>
    private static void GiveSpanBack(HeapState* s, PoolHeader* span)
    {
        int pools = TGeometry.MediumSpanPools(MediumClassOfSpan(span));
        uint reached = span->SpanFrontier;
        uint zero = span->ZeroFrontier;
        ArenaObject* arena = ArenaOf(s, span);
        ulong* map = FreeMapOf(arena);
        int first = SlotOf(arena, span);
        for (int i = 0; i < pools; i++)
        {
            PoolHeader* pool = span + i;
            *pool = default;
            pool->SizeClass = PoolHeader.FormerSpanPool;
            pool->ZeroFrontier = zero != 0 && reached <= ((uint)i << TGeometry.PoolShift) ? 1u : 0u;
            FreePoolMap.Set(map, first + i);
        }

        // All at once: one move in the usable list, not one per pool.
        arena->FreeRunBound = (uint)PoolsPerArena;
        ChangeFreePools(s, arena, pools);
    }

    /// <summary>Takes the retained (only, empty) span of a medium class out of its list and gives its pools back.</summary>
    private static void GiveBackRetainedSpan(HeapState* s, int mediumClass)
    {
        PoolHeader* span = UsedSpans(s)[mediumClass];
        UsedSpans(s)[mediumClass] = null;
        UsedSpanTails(s)[mediumClass] = null;
        UnretainSpan(s, span);
        GiveSpanBack(s, span);
    }

    /// <summary>The rules of <see cref="WhyNotLive"/> for a block in a span: null for a live block, else what is wrong.</summary>
    private static string? WhyNotLiveInSpan(PoolHeader* pool, byte* block)
    {
        PoolHeader* span = SpanHeadOf(pool);
        if (span->Count == 0)
        {
            return "its span holds no live block (freed already, or never handed out)";
        }

        ulong offset = (ulong)(block - PoolBase(span));
        if (offset >= span->SpanFrontier)
        {
            return "it lies past every block its span has handed out";
        }

        if (offset * span->BlockMagic >= span->BlockMagic)
        {
            return "it does not point at the start of a block";
        }

        return block == span->FreeList ? "it is the block freed last in its span (freed already)" : null;
    }

    /// <summary>Whether a medium class has a live block in a span of the arena (a retained span can refill).</summary>
    private static bool HasLiveSpanIn(HeapState* s, ArenaObject* arena)
    {
        PoolHeader** spans = UsedSpans(s);
        for (int i = 0; i < TGeometry.MediumClassCount; i++)
        {
            if (spans[i] != null && IsIn(spans[i], arena) && spans[i]->Count != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gives back the retained spans that lie in an arena about to be released.</summary>
    private static void GiveBackRetainedSpansIn(HeapState* s, ArenaObject* arena)
    {
        PoolHeader** spans = UsedSpans(s);
        for (int i = 0; i < TGeometry.MediumClassCount; i++)
        {
            if (spans[i] != null && IsIn(spans[i], arena))
            {
                GiveBackRetainedSpan(s, i);
            }
        }
    }

    /// <summary>Trim's part: the retained empty span of each medium class goes back to its arena.</summary>
    private static void GiveBackRetainedSpans(HeapState* s)
    {
        PoolHeader** spans = UsedSpans(s);
        for (int i = 0; i < TGeometry.MediumClassCount; i++)
        {
            if (spans[i] != null && spans[i]->Count == 0)
            {
                GiveBackRetainedSpan(s, i);
            }
        }
    }

    /// <summary>Whether a block of a medium class may stay where it is when resized to <paramref name="newSize"/>.</summary>
    private static bool StaysInSpan(PoolHeader* pool, nuint newSize) =>
        newSize > (nuint)TGeometry.SmallRequestThreshold
        && newSize <= (nuint)TGeometry.MediumRequestThreshold
        && TGeometry.MediumClassOf(newSize) == MediumClassOfSpan(SpanHeadOf(pool));

    /// <summary>
    /// A zeroed block of a medium class (whose blocks hold <paramref name="size"/>): the frontier block of a span known
    /// to be zero is handed out as it is, any other is cleared (<paramref name="size"/> bytes: the rest of the block is
    /// the caller's to write before reading).
    /// </summary>
    private static void* AllocateMediumZeroed(HeapState* s, int mediumClass, nuint size)
    {
        PoolHeader* span = UsedSpans(s)[mediumClass];
        if (span == null)
        {
            RefillSpanClass(s, mediumClass);
            span = UsedSpans(s)[mediumClass];
        }

        bool zero = span->ZeroFrontier != 0 && (uint)(span->FreeList - PoolBase(span)) == span->SpanFrontier;
        void* block = AllocateMediumFrom(s, mediumClass);
        if (!zero)
        {
            NativeMemory.Clear(block, size);
        }

        return block;
    }
}
