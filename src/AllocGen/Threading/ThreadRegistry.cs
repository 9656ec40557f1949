using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Memory;
using AllocGen.Pools;
using AllocGen.Stats;

namespace AllocGen.Threading;

/// <summary>
/// The thread heaps of one <see cref="PerThreadPoolHeap{TGeometry}"/> instance: which thread owns which, the heaps of
/// exited threads waiting to be adopted, and the emptied states kept for new threads. Everything here is off the fast
/// paths and runs under one lock.
/// </summary>
/// <remarks>
/// .NET has no thread-exit callback, so a dead thread is noticed by <see cref="Thread.IsAlive"/> whenever a thread
/// registers, a thread heap is about to map a new arena, and in GetStats, Trim and Dispose. Its heap is then merged into
/// the heap of the thread that noticed (its arenas, pools and free blocks change owner; empty ones go back to the OS by
/// the usual rules), or, when a new thread registers, handed whole to that thread.
/// <para>
/// The registry owns the instance's native memory (<see cref="NativeMemoryOwner"/>): <see cref="Dispose"/> returns the
/// arenas and large blocks at once but keeps the thread heaps' states, which threads may still have cached (they then
/// find them disposed and throw); the states and the group go when the instance is collected.
/// </para>
/// </remarks>
internal sealed unsafe class ThreadRegistry<TGeometry> : NativeMemoryOwner
    where TGeometry : struct, IPoolGeometry
{
    /// <summary>Slots of <see cref="StatesByStack"/>: 64 KiB of stack address each, 32 MiB in all before they repeat.</summary>
    private const int StackSlotCount = 512;
    private const int StackSlotShift = 16;

    private readonly List<Entry> _heaps = new();
    private readonly Stack<nint> _husks = new();
    private readonly ThreadGroup* _group;
    private GCHandle _self;
    private PoolReusePolicy _reusePolicy;
    private volatile bool _disposed;

    public ThreadRegistry()
    {
        // The table first: if it cannot be allocated, nothing else was.
        StatesByStack = (HeapState**)NativeMemory.Alloc(StackSlotCount, (nuint)sizeof(nint));
        new Span<nint>(StatesByStack, StackSlotCount).Fill((nint)PoolHeap<TGeometry>.DisposedState);
        _group = (ThreadGroup*)NativeMemory.AllocZeroed((nuint)sizeof(ThreadGroup));
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        _group->Registry = GCHandle.ToIntPtr(_self);
    }

    public bool IsDisposed => _disposed;

    /// <summary>
    /// A hint for finding the calling thread's heap without a thread-static read: per slot of stack addresses
    /// (<see cref="StackSlot"/>), the state of a thread whose stack reaches there. A thread takes a state from its
    /// slot only when the state's token proves the state is its own, so a stale or wrong entry costs a slow path,
    /// nothing else. Empty slots hold the disposed state, whose token matches no one. Written by
    /// <see cref="RememberStack"/>, read by any thread, freed with the registry.
    /// </summary>
    public HeapState** StatesByStack { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint StackSlot(nuint stackAddress) => (stackAddress >> StackSlotShift) & (StackSlotCount - 1);

    /// <summary>
    /// Records the calling thread's state in the slot of its stack address, unless the slot holds the state of another
    /// live thread: two threads whose stacks share a slot would otherwise take it from each other at every call.
    /// </summary>
    public void RememberStack(nuint stackAddress, HeapState* state)
    {
        ref nint slot = ref ((nint*)StatesByStack)[StackSlot(stackAddress)];
        var current = (HeapState*)Volatile.Read(ref slot);
        if (state->Token->Owns(stackAddress) && (current == state || !current->Token->IsLive))
        {
            Volatile.Write(ref slot, (nint)state);
        }
    }

    public PoolReusePolicy ReusePolicy
    {
        get => _reusePolicy;
        set
        {
            if (value is not (PoolReusePolicy.Fast or PoolReusePolicy.Compact))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Not a PoolReusePolicy.");
            }

            lock (_heaps)
            {
                ThrowIfDisposed();
                foreach (Entry entry in _heaps)
                {
                    // A plain store into another thread's state: the owner reads it only off its fast paths, and
                    // either value is a valid policy (the PoolHeap setter would count as a call on that heap).
                    entry.State->ReusePolicy = value;
                }

                _reusePolicy = value;
            }
        }
    }

    /// <summary>The registry a thread heap belongs to (from its slow path).</summary>
    public static ThreadRegistry<TGeometry>? Of(ThreadGroup* group) =>
        group == null ? null : GCHandle.FromIntPtr(group->Registry).Target as ThreadRegistry<TGeometry>;

    /// <summary>The calling thread's heap: an exited thread's heap if one waits, an emptied state, or a new one.</summary>
    public HeapState* StateOfCurrentThread()
    {
        Thread me = Thread.CurrentThread;
        ThreadToken* token = ThreadTokens.Current;
        lock (_heaps)
        {
            if (_disposed)
            {
                return PoolHeap<TGeometry>.DisposedState;
            }

            foreach (Entry entry in _heaps)
            {
                if (entry.Thread == me)
                {
                    return entry.State;
                }
            }

            // The first dead thread's heap becomes this thread's as it is, free blocks and all; the others merge into it.
            HeapState* state = null;
            for (int i = 0; i < _heaps.Count; i++)
            {
                if (!_heaps[i].Thread.IsAlive)
                {
                    state = _heaps[i].State;
                    _heaps[i] = new Entry(me, state);
                    break;
                }
            }

            if (state == null)
            {
                state = _husks.Count != 0 ? (HeapState*)_husks.Pop() : PoolHeap<TGeometry>.CreateThreadHeapState(_group);
                state->ReusePolicy = _reusePolicy;
                _heaps.Add(new Entry(me, state));
            }

            // Its blocks are this thread's to free directly from now on; the exited owner's token, if it was one,
            // matches no one already.
            ThreadTokens.Assign(state, token);
            AdoptDeadLocked(state);
            return state;
        }
    }

    /// <summary>Merges the heaps of exited threads into <paramref name="into"/>, the calling thread's own heap.</summary>
    public void AdoptDeadThreads(HeapState* into)
    {
        lock (_heaps)
        {
            if (!_disposed)
            {
                AdoptDeadLocked(into);
            }
        }
    }

    private void AdoptDeadLocked(HeapState* into)
    {
        for (int i = _heaps.Count - 1; i >= 0; i--)
        {
            Entry entry = _heaps[i];
            if (entry.State != into && !entry.Thread.IsAlive)
            {
                PoolHeap<TGeometry>.Adopt(into, entry.State);
                ThreadTokens.Assign(entry.State, ThreadToken.Nobody);
                _heaps.RemoveAt(i);
                _husks.Push((nint)entry.State);
            }
        }

        // Blocks freed into an adopted heap after it was emptied were pushed onto its stack: forward them.
        foreach (nint husk in _husks)
        {
            PoolHeap<TGeometry>.ForwardRemoteFrees((HeapState*)husk, into);
        }
    }

    public AllocatorStats GetStats(HeapState* caller)
    {
        lock (_heaps)
        {
            ThrowIfDisposed();
            PoolHeap<TGeometry>.TakeBackRemoteFrees(caller);
            AdoptDeadLocked(caller);
            var totals = new HeapStatsTotals(PoolHeap<TGeometry>.StatsClassCount);
            foreach (Entry entry in _heaps)
            {
                PoolHeap<TGeometry>.AddStats(entry.State, totals);
            }

            using HeapLock.Held large = _group->LargeLock.Hold();
            return PoolHeap<TGeometry>.BuildStats(totals, (long)_group->Large.Count, (long)_group->Large.Bytes);
        }
    }

    public void Trim(HeapState* caller)
    {
        lock (_heaps)
        {
            ThrowIfDisposed();
            PoolHeap<TGeometry>.TakeBackRemoteFrees(caller);
            AdoptDeadLocked(caller);
            new PoolHeap<TGeometry>(caller).Trim();
            caller->SeenTrimEpoch = Interlocked.Increment(ref _group->TrimEpoch);
        }
    }

    public void Dispose()
    {
        lock (_heaps)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (Entry entry in _heaps)
            {
                PoolHeap<TGeometry>.ReleaseThreadHeap(entry.State);
                ThreadTokens.Assign(entry.State, ThreadToken.Nobody);
            }

            foreach (nint husk in _husks)
            {
                PoolHeap<TGeometry>.ReleaseThreadHeap((HeapState*)husk);
            }

            PoolHeap<TGeometry>.ReleaseLargeBlocks(&_group->Large);
        }
    }

    /// <summary>
    /// The instance was collected (or was never used after Dispose): frees everything, the states included. No thread
    /// can reach them: the instance is unreachable, and thread caches match instances by an id that is never reused.
    /// </summary>
    protected override void Release()
    {
        Dispose();
        foreach (Entry entry in _heaps)
        {
            PoolHeap<TGeometry>.FreeStateMemory(entry.State);
        }

        foreach (nint husk in _husks)
        {
            PoolHeap<TGeometry>.FreeStateMemory((HeapState*)husk);
        }

        _heaps.Clear();
        _husks.Clear();
        _self.Free();
        NativeMemory.Free(_group);
        NativeMemory.Free(StatesByStack);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowHelper.ObjectDisposed(typeof(TGeometry).DeclaringType?.Name);
        }
    }

    // A plain struct, not a record: NativeAOT's compiler (ILCompiler 10.0) fails on the PrintMembers a record struct
    // gets for a pointer-typed property.
    private readonly struct Entry(Thread thread, HeapState* state)
    {
        public Thread Thread { get; } = thread;

        public HeapState* State { get; } = state;
    }
}
