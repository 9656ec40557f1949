using System.Runtime.InteropServices;
using AllocGen.Memory;
using AllocGen.Threading;

namespace AllocGen.Pools;

// What a thread heap of a PerThread allocator needs beyond a heap of its own: taking back the blocks other threads
// freed into its pools, catching up with its instance (trim requests, exited threads' heaps), adopting an exited
// thread's heap, and release on Dispose. A thread heap is an ordinary state whose Group is set; everything here runs
// on the thread that owns `s` (or `into`), off the fast paths.
public unsafe partial struct PoolHeap<TGeometry>
{
    /// <summary>A view of an existing state (a thread heap's), with no owner: whoever made the state frees it.</summary>
    internal PoolHeap(HeapState* state)
    {
        _state = state;
        _owner = null;
    }

    /// <summary>The state this heap works on.</summary>
    internal readonly HeapState* State => _state;

    /// <summary>The shared disposed state (never freed), which a thread of a disposed PerThread instance gets.</summary>
    internal static HeapState* DisposedState => s_disposedState;

    /// <summary>Throws like <see cref="Create"/> when the geometry breaks a rule.</summary>
    internal static void ThrowIfGeometryInvalid()
    {
        if (s_geometryError is not null)
        {
            throw new InvalidOperationException(s_geometryError);
        }
    }

    /// <summary>A new, empty thread heap of <paramref name="group"/>; freed by the instance (<see cref="FreeStateMemory"/>).</summary>
    internal static HeapState* CreateThreadHeapState(ThreadGroup* group)
    {
        ThrowIfGeometryInvalid();
        HeapState* s = CreateState();
        s->Group = group;
        return s;
    }

    /// <summary>
    /// On the allocation slow path: takes back remote frees and, for a thread heap, honours a trim request and, when
    /// the heap is about to map a new arena, adopts exited threads' heaps. True when it may have made blocks available.
    /// </summary>
    private static bool CatchUp(HeapState* s)
    {
        bool changed = false;
        if (!s->Remote.IsEmpty || !s->RemoteRing.IsEmpty || !s->RemoteLanes.IsEmpty)
        {
            TakeBackRemoteFrees(s);
            changed = true;
        }

        ThreadGroup* group = s->Group;
        if (group == null)
        {
            return changed;
        }

        long epoch = Volatile.Read(ref group->TrimEpoch);
        if (epoch != s->SeenTrimEpoch)
        {
            s->SeenTrimEpoch = epoch;
            new PoolHeap<TGeometry>(s).Trim();
            changed = true;
        }

        if (s->UsableArenas == null && s->LongSpanArenas == null)
        {
            ThreadRegistry<TGeometry>.Of(group)?.AdoptDeadThreads(s);
            changed = true;
        }

        return changed;
    }

    /// <summary>Frees, into this heap's pools, every block other threads handed back to it (its ring and its stack).</summary>
    internal static void TakeBackRemoteFrees(HeapState* s) => TakeBackFrom(s, s);

    /// <summary>Blocks handed to an emptied (adopted) state after its arenas changed owner go to their owners now.</summary>
    internal static void ForwardRemoteFrees(HeapState* husk, HeapState* into) => TakeBackFrom(husk, into);

    /// <summary>
    /// Takes everything waiting in <paramref name="from"/>'s lanes, ring and stack and frees it through
    /// <paramref name="s"/> (see <see cref="FreeTakenBack(HeapState*, byte*)"/>). Lanes and ring are read a batch at a
    /// time, every pointer of the batch before any block: the blocks' cache misses overlap.
    /// </summary>
    private static void TakeBackFrom(HeapState* from, HeapState* s)
    {
        const int Batch = 64;
        void** blocks = stackalloc void*[Batch];
        int taken;
        while ((taken = from->RemoteLanes.Take(blocks, Batch)) != 0)
        {
            FreeTakenBack(s, blocks, taken);
        }

        while ((taken = from->RemoteRing.Take(blocks, Batch)) != 0)
        {
            FreeTakenBack(s, blocks, taken);
        }

        FreeTakenBack(s, from->Remote.TakeAll());
    }

    /// <summary>A batch of blocks taken from a lane or the ring, by <paramref name="s"/>'s owner.</summary>
    private static void FreeTakenBack(HeapState* s, void** blocks, int count)
    {
        for (int i = 0; i < count; i++)
        {
            FreeTakenBack(s, (byte*)blocks[i]);
        }
    }

    /// <summary>Every block of a chain taken from a remote-free stack, by <paramref name="s"/>'s owner (see the overload).</summary>
    private static void FreeTakenBack(HeapState* s, void* chain)
    {
        while (chain != null)
        {
            void* next = RemoteFreeStack.Next(chain);
            FreeTakenBack(s, (byte*)chain);
            chain = next;
        }
    }

    /// <summary>
    /// One block taken back: freed into its pool if the arena is this heap's, passed on if the arena has since changed
    /// owner (adoption), counted and dropped if it is no longer a live block (freed twice from two threads).
    /// </summary>
    private static void FreeTakenBack(HeapState* s, byte* block)
    {
        ArenaObject* arena = ArenaMap<TGeometry>.Lookup(block);
        HeapState* owner = arena != null ? arena->Owner : null;
        if (owner != s)
        {
            if (owner != null && s->Group != null && owner->Group == s->Group)
            {
                PushRemote(owner, block, s);
            }
            else
            {
                s->InvalidRemoteFrees++;
            }

            return;
        }

        PoolHeader* pool = HeaderOf(block);
        if (WhyNotLive(pool, block) is not null)
        {
            s->InvalidRemoteFrees++;
            return;
        }

        FreeLiveBlock(s, pool, block);
    }

    /// <summary>
    /// Moves everything of <paramref name="from"/>, the heap of a thread that has exited, into <paramref name="into"/>,
    /// the calling thread's own heap: its pools join into's class lists (their free blocks serve into's allocations),
    /// its arenas change owner (remote frees find into from now on) and join into's arena lists, wholly free ones go
    /// back to the OS by the one-idle-arena rule, and blocks freed into it meanwhile are taken back. Leaves
    /// <paramref name="from"/> empty, for the next new thread.
    /// </summary>
    internal static void Adopt(HeapState* into, HeapState* from)
    {
        void* pending = from->Remote.TakeAll();

        PoolHeader** fromHeads = UsedPools(from);
        PoolHeader** fromTails = UsedTails(from);
        for (int c = 0; c < TGeometry.ClassCount; c++)
        {
            PoolHeader* head = fromHeads[c];
            if (head == EmptyPool.Instance)
            {
                continue;
            }

            PoolHeader* tail = fromTails[c];
            fromHeads[c] = EmptyPool.Instance;
            fromTails[c] = null;
            Unretain(from, head);
            if (head->Count == 0)
            {
                // The retained empty pool of a class (its only pool): back to its arena, still the dead heap's.
                GivePoolBack(from, head);
                continue;
            }

            AppendUsed(into, c, head, tail);
        }

        AdoptSpans(into, from);

        nuint moved = 0;
        LockArenas(from);
        LockArenas(into);
        for (ArenaObject* arena = from->AllArenas; arena != null;)
        {
            ArenaObject* next = arena->NextAll;
            Volatile.Write(ref *(nint*)&arena->Owner, (nint)into);
            for (PoolHeader* pool = (PoolHeader*)arena->Address + HeaderPoolsPerArena; pool < arena->FreshPools; pool++)
            {
                Volatile.Write(ref *(nint*)&pool->Owner, (nint)into);
            }

            arena->PrevAll = null;
            arena->NextAll = into->AllArenas;
            if (into->AllArenas != null)
            {
                into->AllArenas->PrevAll = arena;
            }

            into->AllArenas = arena;
            moved++;
            arena = next;
        }

        from->AllArenas = null;
        UnlockArenas(into);
        UnlockArenas(from);

        for (uint kind = PoolKind; kind <= LongSpanKind; kind++)
        {
            for (ArenaObject* arena = UsableHead(from, kind); arena != null;)
            {
                ArenaObject* next = arena->NextUsable;
                InsertUsable(into, arena);
                arena = next;
            }
        }

        ClearUsableLists(from);

        into->ArenasCurrent += from->ArenasCurrent;
        into->ArenasAllocated += from->ArenasAllocated;
        into->ArenasReleased += from->ArenasReleased;
        into->ArenasHighWater = Math.Max(into->ArenasHighWater, into->ArenasCurrent);
        into->InvalidRemoteFrees += from->InvalidRemoteFrees;
        from->ArenasCurrent = from->ArenasAllocated = from->ArenasReleased = from->ArenasHighWater = 0;
        from->InvalidRemoteFrees = 0;
        from->IdleArena = null;

        // The moved arenas are the first `moved` of into's list. A wholly free one may be into's idle arena; the rest go.
        ArenaObject* candidate = into->AllArenas;
        for (nuint i = 0; i < moved && candidate != null; i++)
        {
            ArenaObject* next = candidate->NextAll;
            if (candidate->FreePoolCount == (uint)PoolsPerArena)
            {
                if (into->IdleArena == null || !IsIdle(into, into->IdleArena))
                {
                    into->IdleArena = candidate;
                }
                else
                {
                    ReleaseArena(into, candidate);
                }
            }

            candidate = next;
        }

        for (ArenaObject* cached = from->CachedArenas; cached != null;)
        {
            ArenaObject* next = cached->NextAll;
            if (into->CachedArenaCount < MaxCachedArenas)
            {
                cached->NextAll = into->CachedArenas;
                into->CachedArenas = cached;
                into->CachedArenaCount++;
            }
            else
            {
                OsPages.Free(cached->Address, ArenaSize);
                NativeMemory.Free(cached);
            }

            cached = next;
        }

        from->CachedArenas = null;
        from->CachedArenaCount = 0;

        FreeTakenBack(into, pending);
        TakeBackFrom(from, into);
    }

    /// <summary>
    /// Adoption's part for the medium tier: the dead heap's span lists join into's (a retained empty span goes back to
    /// its arena, still the dead heap's; its arenas move afterwards).
    /// </summary>
    private static void AdoptSpans(HeapState* into, HeapState* from)
    {
        PoolHeader** fromHeads = UsedSpans(from);
        PoolHeader** fromTails = UsedSpanTails(from);
        for (int c = 0; c < TGeometry.MediumClassCount; c++)
        {
            PoolHeader* head = fromHeads[c];
            if (head == null)
            {
                continue;
            }

            PoolHeader* tail = fromTails[c];
            fromHeads[c] = null;
            fromTails[c] = null;
            UnretainSpan(from, head);
            if (head->Count == 0)
            {
                GiveSpanBack(from, head);
                continue;
            }

            ref PoolHeader* ownHead = ref UsedSpans(into)[c];
            ref PoolHeader* ownTail = ref UsedSpanTails(into)[c];
            head->PrevPool = null;
            if (ownHead != null && ownHead->Retained != 0)
            {
                PoolHeader* old = ownHead;
                UnretainSpan(into, old);
                if (old->Count == 0)
                {
                    UnlinkUsedSpan(into, old);
                    ReturnSpanToArena(into, old);
                }
            }

            if (ownHead == null)
            {
                ownHead = head;
                ownTail = tail;
                continue;
            }

            ownTail->NextPool = head;
            head->PrevPool = ownTail;
            ownTail = tail;
        }
    }

    /// <summary>Appends another heap's used-pool list of a class (head..tail, none retained) to this heap's.</summary>
    private static void AppendUsed(HeapState* s, int sizeClass, PoolHeader* head, PoolHeader* tail)
    {
        ref PoolHeader* ownHead = ref UsedPools(s)[sizeClass];
        ref PoolHeader* ownTail = ref UsedTails(s)[sizeClass];
        head->PrevPool = null;
        if (ownHead != EmptyPool.Instance && ownHead->Retained != 0)
        {
            // The class's only pool was kept for it; with more pools it need not be, and an empty one goes back.
            PoolHeader* old = ownHead;
            Unretain(s, old);
            if (old->Count == 0)
            {
                old->NextPool = null;
                ownHead = head;
                ownTail = tail;
                ReturnPoolToArena(s, old);
                return;
            }
        }

        if (ownHead == EmptyPool.Instance)
        {
            ownHead = head;
            ownTail = tail;
            return;
        }

        ownTail->NextPool = head;
        head->PrevPool = ownTail;
        ownTail = tail;
    }

    /// <summary>
    /// Dispose of a PerThread instance: returns the thread heap's arenas to the OS and turns its state into a disposed
    /// one (no pools, <see cref="HeapState.Disposed"/> set), so a thread that still has it cached throws
    /// <see cref="ObjectDisposedException"/> on its next call. The state itself stays allocated until the instance is
    /// collected.
    /// </summary>
    internal static void ReleaseThreadHeap(HeapState* s)
    {
        s->Remote.TakeAll();
        s->RemoteRing.Clear();
        s->RemoteLanes.Clear();
        LockArenas(s);
        ReleaseArenas(s);
        UnlockArenas(s);
        PoolHeader** heads = UsedPools(s);
        PoolHeader** tails = UsedTails(s);
        for (int c = 0; c < TGeometry.ClassCount; c++)
        {
            heads[c] = EmptyPool.Instance;
            tails[c] = null;
        }

        new Span<nint>(UsedSpans(s), TGeometry.MediumClassCount).Clear();
        new Span<nint>(UsedSpanTails(s), TGeometry.MediumClassCount).Clear();

        ClearUsableLists(s);
        s->IdleArena = null;
        s->CachedArenaCount = 0;
        s->ArenasCurrent = 0;
        s->Disposed = 1;
    }

    /// <summary>Returns every block of a large-block table to the system.</summary>
    internal static void ReleaseLargeBlocks(LargeBlockTable* large) => large->ReleaseAll();
}
