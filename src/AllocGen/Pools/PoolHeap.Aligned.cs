using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Memory;

namespace AllocGen.Pools;

// Over-aligned requests by size (AllocateAligned, and the rentals and zeroed typed allocations of over-aligned types):
// the class is searched for at run time, in the small classes, then the medium ones, else the system serves them.
// Allocate<T> makes the same choice at compile time, in the generated code.
public unsafe partial struct PoolHeap<TGeometry>
{
    /// <summary>
    /// For generated code only: <paramref name="size"/> bytes aligned to <paramref name="alignment"/>, from the
    /// smallest small class whose block size is a multiple of it (<see cref="AlignedClasses.FindSmall"/>), else the
    /// medium class <see cref="AlignedClasses.FindMedium"/> finds, else the system allocator with that alignment. The
    /// block is then an ordinary block of its class or a large block. Zeroed when <paramref name="zeroed"/> is set: a
    /// medium or large block as <see cref="AllocateZeroed"/> zeroes it (fresh memory is not touched: a span's zero
    /// frontier, a fresh mapping where the alignment is at most a page), a small block is cleared.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    /// <exception cref="OutOfMemoryException">No memory could be obtained; nothing was allocated.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void* AllocateAligned(nuint size, nuint alignment, bool zeroed)
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(_state);
#endif
        int sizeClass = AlignedClasses.FindSmall<TGeometry>(size, alignment);
        int mediumClass = sizeClass < 0 ? AlignedClasses.FindMedium<TGeometry>(size, alignment) : -1;
        if (mediumClass >= 0)
        {
            return zeroed ? AllocateMediumZeroed(_state, mediumClass, size) : AllocateMediumFrom(_state, mediumClass);
        }

        if (sizeClass < 0)
        {
            return zeroed ? AllocateLargeZeroed(size, alignment) : AllocateLarge(size, alignment);
        }

        void* block = AllocateSmall(sizeClass);
        if (zeroed)
        {
            NativeMemory.Clear(block, size);
        }

        return block;
    }

    /// <summary>
    /// A zeroed block from the system aligned to the larger of <paramref name="alignment"/> and the heap's alignment,
    /// recorded (see <see cref="LargeBlockTable.AllocateZeroed"/>: a fresh mapping is not written).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void* AllocateLargeZeroed(nuint size, nuint alignment)
    {
        HeapState* s = _state;
        if (s->Disposed != 0)
        {
            ThrowHelper.ObjectDisposed(OwnerName);
        }

        using var large = new LockedLargeBlocks(s);
        return large.Table->AllocateZeroed(size, Math.Max(alignment, (nuint)TGeometry.Alignment));
    }
}
