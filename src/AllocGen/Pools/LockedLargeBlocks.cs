using AllocGen.Memory;
using AllocGen.Threading;

namespace AllocGen.Pools;

/// <summary>
/// A heap's large-block table for the length of a <c>using</c>: the heap's own, or for a thread heap its instance's,
/// which every thread heap shares and which is held under the instance's lock until <see cref="Dispose"/>.
/// </summary>
internal readonly unsafe ref struct LockedLargeBlocks
{
    private readonly HeapLock* _lock;

    public LockedLargeBlocks(HeapState* s)
    {
        ThreadGroup* group = s->Group;
        if (group == null)
        {
            Table = &s->Large;
            _lock = null;
            return;
        }

        _lock = &group->LargeLock;
        _lock->Enter();
        Table = &group->Large;
    }

    public LargeBlockTable* Table { get; }

    public void Dispose()
    {
        if (_lock != null)
        {
            _lock->Exit();
        }
    }
}
