using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace AllocGen.Threading;

/// <summary>
/// A lock word that can live in native memory (a heap's state): taken with one compare-and-swap when free, and by
/// yielding the processor, then sleeping, when another thread holds it. Not reentrant. Uncontended it costs one
/// atomic operation to enter and a plain store to leave, less than a <see cref="Monitor"/>, which needs an object.
/// </summary>
/// <remarks>
/// The word holds 1, not the holder's thread id: reading <see cref="Environment.CurrentManagedThreadId"/> is a
/// thread-static read, which in .NET 10 on Linux calls the C library's <c>__tls_get_addr</c>, a large part of an
/// uncontended call (docs/benchmarks.md, "Single-producer lanes, the arena-owner test, a yielding lock").
/// </remarks>
internal struct HeapLock
{
    private const int Taken = 1;

    private int _word;

    /// <summary>Whether some thread holds the lock.</summary>
    public readonly bool IsHeld => Volatile.Read(ref Unsafe.AsRef(in _word)) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter()
    {
        if (Interlocked.CompareExchange(ref _word, Taken, 0) != 0)
        {
            EnterContended();
        }
    }

    /// <summary>Takes the lock if it is free, without waiting.</summary>
    public bool TryEnter() => Interlocked.CompareExchange(ref _word, Taken, 0) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => Volatile.Write(ref _word, 0);

    /// <summary>Takes the lock until the returned scope is disposed (<c>using</c>), also when the body throws.</summary>
    [UnscopedRef]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Held Hold()
    {
        Enter();
        return new Held(ref this);
    }

    /// <summary>The lock, held: <see cref="Dispose"/> releases it.</summary>
    public readonly ref struct Held
    {
        private readonly ref HeapLock _lock;

        public Held(ref HeapLock heapLock) => _lock = ref heapLock;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose() => _lock.Exit();
    }

    /// <summary>
    /// Waits by giving up the processor at once (then, after many tries, by sleeping), never by spinning. What a heap
    /// does under its lock is short and touches the heap's hot lines: a waiter that spins takes the lock the moment it
    /// is released, so the lock, and every line the heap touches, change core on nearly every call. A waiter that
    /// yields lets the holder go on with warm caches for a while: on the larson-like benchmark, spinning before
    /// yielding made a Locked heap slower than glibc, and yielding at once made it faster (docs/benchmarks.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended()
    {
        const int YieldsBeforeSleeping = 64;
        for (int tries = 0; ; tries++)
        {
            // Read before trying again so waiting threads do not keep the line in exclusive state.
            if (Volatile.Read(ref _word) == 0 && Interlocked.CompareExchange(ref _word, Taken, 0) == 0)
            {
                return;
            }

            if (tries < YieldsBeforeSleeping)
            {
                Thread.Yield();
            }
            else
            {
                Thread.Sleep(tries < 2 * YieldsBeforeSleeping ? 0 : 1);
            }
        }
    }
}
