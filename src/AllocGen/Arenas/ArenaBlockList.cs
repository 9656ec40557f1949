using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AllocGen.Arenas;

/// <summary>
/// The blocks of a <see cref="BumpArenaCore"/> other than its first one: a growable array of block pointers in
/// native memory (so that allocating a block never allocates managed memory). The array keeps its capacity across
/// <see cref="FreeBlocks"/>; only <see cref="Dispose"/> releases it.
/// </summary>
internal unsafe struct ArenaBlockList
{
    private void** _items;
    private int _count;
    private int _capacity;

    /// <summary>Blocks held.</summary>
    public readonly int Count => _count;

    /// <summary>Makes room for one more block, so that <see cref="Add"/> cannot fail once a block was obtained.</summary>
    /// <exception cref="OutOfMemoryException">The array could not grow.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnsureSpaceForOne()
    {
        if (_count == _capacity)
        {
            Grow();
        }
    }

    /// <summary>Records a block. <see cref="EnsureSpaceForOne"/> must have been called.</summary>
    public void Add(void* block)
    {
        Debug.Assert(_count < _capacity, "EnsureSpaceForOne was not called.");
        _items[_count++] = block;
    }

    /// <summary>Frees every recorded block (newest first) and forgets them; keeps the array.</summary>
    public void FreeBlocks()
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            NativeMemory.AlignedFree(_items[i]);
        }

        _count = 0;
    }

    /// <summary>Frees every recorded block and the array itself.</summary>
    public void Dispose()
    {
        FreeBlocks();
        NativeMemory.Free(_items);
        _items = null;
        _capacity = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        int capacity = _capacity == 0 ? 16 : checked(_capacity * 2);
        _items = (void**)NativeMemory.Realloc(_items, (nuint)capacity * (nuint)sizeof(void*));
        _capacity = capacity;
    }
}
