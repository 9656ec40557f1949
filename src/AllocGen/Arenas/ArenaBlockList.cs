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

    /// <summary>Records a block of the normal size (it goes back to the <see cref="BlockCache"/>).</summary>
    public void Add(void* block)
    {
        Debug.Assert(_count < _capacity, "EnsureSpaceForOne was not called.");
        _items[_count++] = block;
    }

    /// <summary>Records a block of its own size (it goes back to the system allocator); blocks are 16-aligned, so bit 0 marks it.</summary>
    public void AddOversized(void* block)
    {
        Debug.Assert(_count < _capacity, "EnsureSpaceForOne was not called.");
        _items[_count++] = (void*)((nuint)block | 1);
    }

    /// <summary>Releases every recorded block (newest first) and forgets them; keeps the array.</summary>
    public void FreeBlocks(nuint blockSize, nuint blockAlignment)
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            nuint item = (nuint)_items[i];
            if ((item & 1) != 0)
            {
                NativeMemory.AlignedFree((void*)(item & ~(nuint)1));
            }
            else
            {
                BlockCache.Return((void*)item, blockSize, blockAlignment);
            }
        }

        _count = 0;
    }

    /// <summary>Fills every recorded normal-sized block with <paramref name="value"/> (blocks of their own are skipped: their sizes are not kept).</summary>
    public readonly void PoisonBlocks(nuint blockSize, byte value)
    {
        for (int i = 0; i < _count; i++)
        {
            nuint item = (nuint)_items[i];
            if ((item & 1) == 0)
            {
                NativeMemory.Fill((void*)item, blockSize, value);
            }
        }
    }

    /// <summary>Releases every recorded block and frees the array itself.</summary>
    public void Dispose(nuint blockSize, nuint blockAlignment)
    {
        FreeBlocks(blockSize, blockAlignment);
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
