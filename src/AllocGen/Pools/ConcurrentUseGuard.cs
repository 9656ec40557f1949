namespace AllocGen.Pools;

#if DEBUG
/// <summary>
/// In a Debug build of the runtime, every call on a heap marks the heap busy with the calling thread's id for its
/// duration, so a <c>SingleThreaded</c> heap used by a second thread while a call is in progress throws instead of
/// corrupting its lists. Release builds (the package) have no such check and cost nothing for it.
/// </summary>
internal readonly unsafe ref struct ConcurrentUseGuard
{
    private readonly HeapState* _state;
    private readonly bool _entered;

    public ConcurrentUseGuard(HeapState* state)
    {
        _state = state;
        _entered = false;
        if (state->Disposed != 0)
        {
            // The shared disposed state serves every disposed heap at once; the call throws ObjectDisposedException.
            return;
        }

        int me = Environment.CurrentManagedThreadId;
        int busy = Interlocked.CompareExchange(ref state->BusyThread, me, 0);
        if (busy != 0 && busy != me)
        {
            throw new InvalidOperationException(
                $"A SingleThreaded heap was used by thread {me} while a call from thread {busy} was in progress. Use one heap per thread, guard it with a lock, or declare [PoolAllocator(Threading = ThreadPolicy.Locked)] or ThreadPolicy.PerThread.");
        }

        _entered = busy == 0;
    }

    public void Dispose()
    {
        if (_entered)
        {
            Volatile.Write(ref _state->BusyThread, 0);
        }
    }
}
#endif
