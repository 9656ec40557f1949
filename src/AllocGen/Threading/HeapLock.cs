using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace AllocGen.Threading;

/// <summary>
/// A lock word that can live in native memory (a heap's state): taken with one compare-and-swap when free, and by
/// spinning, then yielding, then sleeping when another thread holds it. Not reentrant. Uncontended it costs one
/// atomic operation to enter and a plain store to leave, less than a <see cref="Monitor"/>, which needs an object.
/// </summary>
internal struct HeapLock
{
    private int _holder;

    /// <summary>The managed id of the thread holding the lock, or 0.</summary>
    public readonly int Holder => Volatile.Read(ref Unsafe.AsRef(in _holder));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter()
    {
        int me = Environment.CurrentManagedThreadId;
        if (Interlocked.CompareExchange(ref _holder, me, 0) != 0)
        {
            EnterContended(me);
        }
    }

    /// <summary>Takes the lock if it is free, without waiting.</summary>
    public bool TryEnter() => Interlocked.CompareExchange(ref _holder, Environment.CurrentManagedThreadId, 0) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => Volatile.Write(ref _holder, 0);

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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended(int me)
    {
        var spinner = default(SpinWait);
        while (true)
        {
            // Read before trying again so waiting threads do not keep the line in exclusive state.
            if (Volatile.Read(ref _holder) == 0 && Interlocked.CompareExchange(ref _holder, me, 0) == 0)
            {
                return;
            }

            spinner.SpinOnce(sleep1Threshold: 30);
        }
    }
}
