namespace AllocGen;

/// <summary>How a generated pool allocator may be used from several threads (<see cref="PoolAllocatorAttribute.Threading"/>).</summary>
public enum ThreadPolicy
{
    /// <summary>
    /// One thread at a time: the caller owns synchronization. The fastest policy, and the default. In a Debug build
    /// of the runtime a call made while another thread's call on the same heap is in progress throws
    /// <see cref="InvalidOperationException"/> naming both threads.
    /// </summary>
    SingleThreaded = 0,

    /// <summary>One heap behind one lock: correct from any thread; calls from different threads take turns.</summary>
    Locked = 1,

    /// <summary>
    /// Each thread that uses an instance allocates from its own thread heap for that instance, with no lock and no
    /// atomic operation on the allocation fast path or on a free by the same thread. A block freed by another thread
    /// goes back to its owner with one lock-free push, and the owner takes such blocks back when it needs blocks. The
    /// heap of a thread that has exited is adopted by a live one, so no memory is lost to dead threads.
    /// </summary>
    PerThread = 2,
}
