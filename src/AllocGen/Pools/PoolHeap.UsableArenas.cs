namespace AllocGen.Pools;

// The usable-arena lists: the arenas with at least one free pool, one list per kind (pools and short spans; long
// spans, see LongSpanPools), each in ascending order of free pools so that new pools and spans come from the fullest
// arena of their kind and nearly empty ones get a chance to drain. Per kind, a "last arena with n free pools" finger
// for each n keeps every reordering O(1) (CPython's nfp2lasta), and its entry for a wholly free arena gives the other
// kind such an arena in O(1) when its own list has none.
public unsafe partial struct PoolHeap<TGeometry>
{
    /// <summary>Kind of an arena that serves pools and short spans (<see cref="ArenaObject.ServesLongSpans"/> 0).</summary>
    private const uint PoolKind = 0;

    /// <summary>Kind of an arena that serves long spans (<see cref="ArenaObject.ServesLongSpans"/> 1).</summary>
    private const uint LongSpanKind = 1;

    /// <summary>How many kinds, so how many usable lists and finger arrays a heap state holds.</summary>
    private const int ArenaKinds = 2;

    /// <summary>Head of the usable list of a kind: its fullest arena, or null.</summary>
    private static ref ArenaObject* UsableHead(HeapState* s, uint kind) =>
        ref kind == LongSpanKind ? ref s->LongSpanArenas : ref s->UsableArenas;

    /// <summary>For each free-pool count, the last usable arena of a kind with that many free pools (null: none).</summary>
    private static ArenaObject** LastArenaWith(HeapState* s, uint kind) => ArenaFingers(s) + (kind * (uint)(PoolsPerArena + 1));

    /// <summary>The last wholly free arena of a kind (every pool free), or null.</summary>
    private static ArenaObject* WhollyFreeArena(HeapState* s, uint kind) => LastArenaWith(s, kind)[PoolsPerArena];

    /// <summary>Forgets both usable lists (the arenas stay as they are): for a state whose arenas went or moved.</summary>
    private static void ClearUsableLists(HeapState* s)
    {
        new Span<nint>(ArenaFingers(s), ArenaKinds * (PoolsPerArena + 1)).Clear();
        s->UsableArenas = null;
        s->LongSpanArenas = null;
    }

    /// <summary>
    /// An arena for <paramref name="kind"/> when its own list has none to offer: the last wholly free arena of the other
    /// kind, which changes kind (nothing of its old kind is in it), else a new arena; in the kind's list either way.
    /// </summary>
    private static ArenaObject* WhollyFreeOrNewArena(HeapState* s, uint kind)
    {
        ArenaObject* arena = WhollyFreeArena(s, kind ^ 1);
        if (arena != null)
        {
            RemoveUsable(s, arena);
            arena->ServesLongSpans = kind;
        }
        else
        {
            arena = NewArena(s, kind);
        }

        InsertUsable(s, arena);
        return arena;
    }

    /// <summary>
    /// Changes an arena's count of free pools by <paramref name="change"/> (pools taken: negative; given back:
    /// positive), moving it to its place in its kind's usable list (in none when it has no free pool).
    /// </summary>
    private static void ChangeFreePools(HeapState* s, ArenaObject* arena, int change)
    {
        RemoveUsable(s, arena);
        arena->FreePoolCount = (uint)((int)arena->FreePoolCount + change);
        if (arena->FreePoolCount != 0)
        {
            InsertUsable(s, arena);
        }
    }

    /// <summary>Inserts an arena with free pools into its kind's usable list, at its place in ascending order of free pools.</summary>
    private static void InsertUsable(HeapState* s, ArenaObject* arena)
    {
        uint free = arena->FreePoolCount;
        ArenaObject** last = LastArenaWith(s, arena->ServesLongSpans);
        ArenaObject* after = null;
        for (uint k = free; k >= 1 && after == null; k--)
        {
            after = last[k];
        }

        LinkAfter(s, arena, after);
        last[free] = arena;
    }

    /// <summary>Links an arena in no list into its kind's usable list right after <paramref name="after"/> (null: at the head).</summary>
    private static void LinkAfter(HeapState* s, ArenaObject* arena, ArenaObject* after)
    {
        ref ArenaObject* next = ref after != null ? ref after->NextUsable : ref UsableHead(s, arena->ServesLongSpans);
        arena->PrevUsable = after;
        arena->NextUsable = next;
        if (next != null)
        {
            next->PrevUsable = arena;
        }

        next = arena;
    }

    /// <summary>Takes an arena out of its kind's usable list, moving the finger of its free-pool count if it pointed at it.</summary>
    private static void RemoveUsable(HeapState* s, ArenaObject* arena)
    {
        ArenaObject** last = LastArenaWith(s, arena->ServesLongSpans);
        uint free = arena->FreePoolCount;
        if (last[free] == arena)
        {
            ArenaObject* prev = arena->PrevUsable;
            last[free] = prev != null && prev->FreePoolCount == free ? prev : null;
        }

        if (free != 0)
        {
            UnlinkUsable(s, arena);
        }
    }

    /// <summary>Takes one pool from an arena for a small class: it stays in its list, only further right (or leaves it when full).</summary>
    private static void TakeOnePool(HeapState* s, ArenaObject* arena)
    {
        if (arena->PrevUsable != null)
        {
            // Not the head: the general move.
            ChangeFreePools(s, arena, -1);
            return;
        }

        // The head has the fewest free pools; taking one keeps the order, only the fingers move.
        ArenaObject** last = LastArenaWith(s, arena->ServesLongSpans);
        uint free = arena->FreePoolCount;
        if (last[free] == arena)
        {
            last[free] = null;
        }

        arena->FreePoolCount = free - 1;
        if (free - 1 == 0)
        {
            UnlinkUsable(s, arena);
        }
        else if (last[free - 1] == null)
        {
            last[free - 1] = arena;
        }
    }

    /// <summary>One more free pool in an arena: it moves right in its kind's usable list (or enters it, from full).</summary>
    private static void AddOneFreePool(HeapState* s, ArenaObject* arena)
    {
        ArenaObject** last = LastArenaWith(s, arena->ServesLongSpans);
        uint old = arena->FreePoolCount;
        uint free = old + 1;
        arena->FreePoolCount = free;

        if (old == 0)
        {
            // It was full and in no list; with one free pool it is the new head.
            LinkAfter(s, arena, null);
        }
        else if (last[old] == arena)
        {
            // Already the rightmost with the old count, so the order holds; only the finger moves left.
            ArenaObject* prev = arena->PrevUsable;
            last[old] = prev != null && prev->FreePoolCount == old ? prev : null;
        }
        else
        {
            // Move it right behind the last arena that had its old count.
            UnlinkUsable(s, arena);
            LinkAfter(s, arena, last[old]);
        }

        if (last[free] == null)
        {
            last[free] = arena;
        }
    }

    private static void UnlinkUsable(HeapState* s, ArenaObject* arena)
    {
        if (arena->PrevUsable != null)
        {
            arena->PrevUsable->NextUsable = arena->NextUsable;
        }
        else
        {
            UsableHead(s, arena->ServesLongSpans) = arena->NextUsable;
        }

        if (arena->NextUsable != null)
        {
            arena->NextUsable->PrevUsable = arena->PrevUsable;
        }

        arena->PrevUsable = null;
        arena->NextUsable = null;
    }

#if DEBUG
    /// <summary>Throws if a usable list breaks its rules (Debug builds, before each new pool or span): kind, order, fingers, links.</summary>
    private static void CheckUsableLists(HeapState* s)
    {
        for (uint kind = PoolKind; kind <= LongSpanKind; kind++)
        {
            ArenaObject** last = LastArenaWith(s, kind);
            ArenaObject* prev = null;
            for (ArenaObject* arena = UsableHead(s, kind); arena != null; prev = arena, arena = arena->NextUsable)
            {
                uint free = arena->FreePoolCount;
                bool lastOfCount = arena->NextUsable == null || arena->NextUsable->FreePoolCount != free;
                if (arena->ServesLongSpans != kind || arena->PrevUsable != prev || free == 0 || free > (uint)PoolsPerArena
                    || (prev != null && prev->FreePoolCount > free) || (last[free] == arena) != lastOfCount)
                {
                    throw new InvalidOperationException($"The usable list of kind {kind} is broken at the arena at 0x{(nuint)arena->Address:X} ({free} free pools).");
                }
            }
        }
    }
#endif
}
