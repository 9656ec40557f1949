using System.Runtime.InteropServices;
using AllocGen.Memory;

namespace AllocGen.Threading;

/// <summary>
/// What the thread heaps of one <see cref="PerThreadPoolHeap{TGeometry}"/> instance share, in native memory so the
/// generic pool code can reach it from a heap's state: the large blocks (any thread may free one, so they are kept
/// once, behind a lock) and the way back to the instance's registry of threads.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ThreadGroup
{
    /// <summary>Guards <see cref="Large"/>.</summary>
    public HeapLock LargeLock;

    /// <summary>Every live large block of every thread heap of the instance.</summary>
    public LargeBlockTable Large;

    /// <summary>
    /// A <see cref="GCHandle"/> to the instance's thread registry (not to the instance, which must stay collectable),
    /// through which a thread heap's slow path asks for dead threads' heaps to be adopted.
    /// </summary>
    public nint Registry;

    /// <summary>Set by Trim on another thread: each thread heap trims itself at its next slow path.</summary>
    public long TrimEpoch;
}
