using System.Runtime.ConstrainedExecution;

namespace AllocGen.Memory;

/// <summary>
/// Holds the native memory of one heap or bump arena for the garbage collector, so that an allocator that is never
/// disposed still returns its memory once it is unreachable. The allocator's struct keeps a reference to its owner
/// next to its hot fields; no fast path reads it.
/// </summary>
/// <remarks>
/// <para>
/// <b>Exactly once.</b> <see cref="ReleaseNow"/> (Dispose) and the finalizer go through one interlocked flag:
/// whichever comes first frees the memory, the other does nothing, and an owner released by Dispose is never
/// finalized.
/// </para>
/// <para>
/// <b>Released at the second finalization.</b> The JIT ends a reference's lifetime at its last use, so an
/// allocator can become unreachable while its last call is still running on a pointer it loaded from it (a
/// <c>Free</c> writing a pool header, an allocation waiting in <c>mmap</c> for a new arena). A collection in that
/// window queues the owner for finalization; freeing then would unmap memory under the running call. So the first
/// finalization only re-registers the owner, and the memory goes when a later collection of the generation the
/// owner was promoted to finds it unreachable again, long after any such call has returned. (The generated members
/// that may block or allocate managed memory also keep their allocator alive to their end with
/// <see cref="GC.KeepAlive"/>.)
/// </para>
/// <para>
/// <b>Native memory only.</b> <see cref="Release"/> frees memory and never calls user code: a bump arena's
/// <c>Own</c>ed objects are not disposed by the finalizer (they are managed objects, collected with the arena,
/// with finalizers of their own if they need them). Critical finalization runs after the ordinary finalizers of the
/// same collection, so a user finalizer that still frees into a heap it references runs first.
/// </para>
/// </remarks>
internal abstract class NativeMemoryOwner : CriticalFinalizerObject
{
    private int _released;
    private bool _finalizedOnce;

    /// <summary>Whether the memory was freed, by <see cref="ReleaseNow"/> or by the finalizer.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>Frees the memory now (Dispose); later calls, and the finalizer, do nothing.</summary>
    public void ReleaseNow()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            GC.SuppressFinalize(this);
            Release();
        }
    }

    /// <summary>Frees the native memory. Runs at most once, on the finalizer thread or in Dispose; must not throw.</summary>
    protected abstract void Release();

    /// <summary>The first run re-registers (see the remarks); the second frees, unless Dispose already did.</summary>
    ~NativeMemoryOwner()
    {
        if (!_finalizedOnce)
        {
            _finalizedOnce = true;
            GC.ReRegisterForFinalize(this);
            return;
        }

        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            Release();
        }
    }
}
