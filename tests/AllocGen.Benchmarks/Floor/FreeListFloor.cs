using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AllocGen.Benchmarks.Floor;

/// <summary>
/// The floor: the simplest single-threaded segregated free list. One size class per 16 bytes
/// (16, 32, ..., <see cref="MaxSize"/>); each class is a singly linked list of free blocks whose
/// "next" pointer lives in the free block itself, refilled by bump-carving blocks from big native
/// slabs. No pools, arenas, counters, statistics or thread safety: what a pool allocator cannot
/// beat by much, which is why it is run in the same job as everything else.
/// </summary>
/// <remarks>
/// <para>Allocate: pop the class's list, else bump-carve from the class's current slab, else take a
/// new slab. Free: push on the class's list. Memory never goes back to the OS before
/// <see cref="Dispose"/>.</para>
/// <para>To support <c>Free(void*)</c> without a size (the same API as malloc and AllocGen), slabs are
/// <see cref="SlabSize"/>-aligned and each one holds a single class whose index is stored in the
/// slab's first 16 bytes: free masks the address to find it. That one read is the only bookkeeping.</para>
/// </remarks>
public sealed unsafe class FreeListFloor : IDisposable
{
    /// <summary>Size-class granularity and block alignment.</summary>
    public const int Granularity = 16;

    /// <summary>Largest request served (the realloc workload grows to 4 KiB).</summary>
    public const int MaxSize = 4096;

    /// <summary>Bytes per slab; slabs are aligned to their size.</summary>
    public const int SlabSize = 256 * 1024;

    private const int ClassCount = MaxSize / Granularity;
    private const int SlabHeader = 16;

    [StructLayout(LayoutKind.Sequential)]
    private struct SizeClass
    {
        public byte* FreeList; // head of the singly linked free list
        public byte* Bump;     // next uncarved byte of the current slab
        public byte* End;      // end of the current slab
    }

    private SizeClass* _classes;
    private readonly List<nint> _slabs = [];

    public FreeListFloor()
    {
        _classes = (SizeClass*)NativeMemory.AllocZeroed((nuint)(ClassCount * sizeof(SizeClass)));
    }

    /// <summary>Bytes taken from the OS (slabs).</summary>
    public long BytesReserved => (long)_slabs.Count * SlabSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* Allocate(nuint size)
    {
        // size 0 -> class 0 (wraps to nuint.MaxValue >> 4 otherwise, caught by the range check).
        nuint index = (size - 1) >> 4;
        if (size == 0)
            index = 0;
        if (index >= ClassCount)
            ThrowTooLarge(size);
        var c = _classes + index;
        var block = c->FreeList;
        if (block != null)
        {
            c->FreeList = *(byte**)block;
            return block;
        }
        return Carve(c, (int)index);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(void* p)
    {
        if (p == null)
            return;
        var slab = (byte*)((nuint)p & ~(nuint)(SlabSize - 1));
        var c = _classes + *(int*)slab;
        *(byte**)p = c->FreeList;
        c->FreeList = (byte*)p;
    }

    public void* Reallocate(void* p, nuint newSize)
    {
        if (p == null)
            return Allocate(newSize);
        var slab = (byte*)((nuint)p & ~(nuint)(SlabSize - 1));
        var blockSize = (nuint)((*(int*)slab + 1) * Granularity);
        if (newSize <= blockSize && newSize != 0)
            return p;
        var q = Allocate(newSize);
        Buffer.MemoryCopy(p, q, (long)newSize, (long)Math.Min(blockSize, newSize));
        Free(p);
        return q;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte* Carve(SizeClass* c, int index)
    {
        var blockSize = (index + 1) * Granularity;
        if (c->Bump + blockSize > c->End)
        {
            if (_classes == null)
                throw new ObjectDisposedException(nameof(FreeListFloor));
            var slab = (byte*)NativeMemory.AlignedAlloc(SlabSize, SlabSize);
            if (slab == null)
                throw new OutOfMemoryException();
            _slabs.Add((nint)slab);
            *(int*)slab = index;
            c->Bump = slab + SlabHeader;
            c->End = slab + SlabSize;
        }
        var block = c->Bump;
        c->Bump = block + blockSize;
        return block;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooLarge(nuint size) =>
        throw new ArgumentOutOfRangeException(nameof(size), size, $"FreeListFloor serves 0..{MaxSize} bytes.");

    public void Dispose()
    {
        foreach (var slab in _slabs)
            NativeMemory.AlignedFree((void*)slab);
        _slabs.Clear();
        if (_classes != null)
        {
            NativeMemory.Free(_classes);
            _classes = null;
        }
    }
}
