using System.Runtime.InteropServices;

namespace AllocGen.Memory;

/// <summary>
/// The blocks a heap takes from the system allocator, with their sizes and alignments: an open-addressing hash
/// table in native memory (linear probing, backward-shift deletion, no tombstones). It lets <c>Free</c> tell a
/// large block of this heap from a foreign or already-freed pointer without reading memory the heap does not own,
/// and it is the only code that calls the system allocator for blocks, so that every block it hands out is recorded.
/// </summary>
/// <remarks>
/// Record before commit: the table makes room for a block before the system is asked for it, and a move
/// (<see cref="Reallocate"/>) replaces one record with another, which needs no room. So once the system has handed
/// out or moved a block, nothing can fail before it is recorded: an <see cref="OutOfMemoryException"/> leaves the
/// table and every recorded block as they were. The table keeps <c>count × 2 ≤ capacity</c>.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LargeBlockTable
{
    private Entry* _entries;
    private nuint _mask;
    private nuint _count;
    private nuint _bytes;

    /// <summary>
    /// Test hook: while set on a thread, growing a table on that thread throws <see cref="OutOfMemoryException"/>
    /// as a failed native allocation would (thread-static, so tests running in parallel do not see it).
    /// </summary>
    [ThreadStatic]
    internal static bool t_growthFailsForTesting;

    /// <summary>
    /// The alignment <see cref="SystemHeap.Alloc"/> guarantees: 16 bytes on 64-bit platforms, 8 on 32-bit
    /// ones (the C <c>max_align_t</c> of their ABIs). Blocks that need more come from
    /// <see cref="SystemHeap.AlignedAlloc"/>, which must be paired with <see cref="SystemHeap.AlignedFree"/>.
    /// </summary>
    private static nuint SystemAlignment => (nuint)(2 * sizeof(nint));

    /// <summary>
    /// Zeroed requests from this size on are mapped straight from the OS where it can (<see cref="OsPages.CanMapBlocks"/>):
    /// the mapping's pages are zero and untouched, so a program that writes only part of a large zeroed buffer faults
    /// in only that part. (A system allocator's <c>calloc</c> may serve them from recycled memory it must clear.)
    /// </summary>
    internal const nuint DirectMappingThreshold = 64 << 10;

    private struct Entry
    {
        public nuint Key;
        public nuint Size;

        /// <summary>
        /// The alignment the block was asked with when it is larger than <see cref="SystemAlignment"/> (given to
        /// <see cref="SystemHeap.AlignedAlloc"/>, and kept when a mapped block moves back to the system allocator), else 0.
        /// </summary>
        public nuint Alignment;

        /// <summary>1 for a block mapped straight from the OS (<see cref="OsPages.MapBlock"/>), 0 for the system allocator's.</summary>
        public nuint Mapped;
    }

    /// <summary>Live large blocks.</summary>
    public readonly nuint Count => _count;

    /// <summary>Sum of the live large blocks' sizes.</summary>
    public readonly nuint Bytes => _bytes;

    /// <summary>Takes a block of <paramref name="size"/> bytes aligned to <paramref name="alignment"/> from the system, and records it.</summary>
    /// <param name="size">Bytes; not 0.</param>
    /// <param name="alignment">A power of two.</param>
    /// <exception cref="OutOfMemoryException">The system allocator (or the table's growth) failed; nothing was allocated.</exception>
    public void* Allocate(nuint size, nuint alignment)
    {
        MakeRoomForOne();
        bool aligned = alignment > SystemAlignment;
        void* block = aligned ? SystemHeap.AlignedAlloc(size, alignment) : SystemHeap.Alloc(size);
        Insert(block, size, aligned ? alignment : 0, mapped: false);
        return block;
    }

    /// <summary>
    /// Like <see cref="Allocate"/>, zeroed: from <see cref="DirectMappingThreshold"/> on (and an alignment no larger
    /// than a page) a fresh mapping whose pages are not touched; below it <c>calloc</c>, or an aligned block cleared.
    /// </summary>
    /// <exception cref="OutOfMemoryException">The system allocator or the OS failed; nothing was allocated.</exception>
    public void* AllocateZeroed(nuint size, nuint alignment)
    {
        MakeRoomForOne();
        bool aligned = alignment > SystemAlignment;
        if (size >= DirectMappingThreshold && OsPages.CanMapBlocks && alignment <= OsPages.PageSize)
        {
            void* mapping = OsPages.MapBlock(size);
            Insert(mapping, size, aligned ? alignment : 0, mapped: true);
            return mapping;
        }

        void* block;
        if (aligned)
        {
            block = SystemHeap.AlignedAlloc(size, alignment);
            NativeMemory.Clear(block, size);
        }
        else
        {
            block = SystemHeap.AllocZeroed(size);
        }

        Insert(block, size, aligned ? alignment : 0, mapped: false);
        return block;
    }

    /// <summary>
    /// Resizes a recorded block with the system allocator, keeping the alignment it was allocated with; its record
    /// moves with it.
    /// </summary>
    /// <param name="pointer">A recorded block.</param>
    /// <param name="newSize">Bytes; not 0.</param>
    /// <exception cref="OutOfMemoryException">The system allocator failed; the block is unchanged and still recorded.</exception>
    /// <exception cref="ArgumentException"><paramref name="pointer"/> is not recorded.</exception>
    public void* Reallocate(void* pointer, nuint newSize)
    {
        nuint i = Find((nuint)pointer);
        if (i == nuint.MaxValue)
        {
            ThrowHelper.ForeignPointer(pointer);
        }

        Entry entry = _entries[i];
        nuint alignment = entry.Alignment;
        bool mapped = entry.Mapped != 0;
        void* moved;
        if (mapped && newSize >= DirectMappingThreshold)
        {
            moved = OsPages.RemapBlock(pointer, entry.Size, newSize);
        }
        else if (mapped)
        {
            // Shrunk below the mapping threshold: back to the system allocator, which wastes no page on it.
            moved = alignment == 0 ? SystemHeap.Alloc(newSize) : SystemHeap.AlignedAlloc(newSize, alignment);
            BlockCopy.Copy(pointer, moved, newSize);
            OsPages.UnmapBlock(pointer, entry.Size);
            mapped = false;
        }
        else
        {
            moved = alignment == 0 ? SystemHeap.Realloc(pointer, newSize) : SystemHeap.AlignedRealloc(pointer, entry.Size, newSize, alignment);
        }

        // The block may have moved: from here on nothing may fail. One record out and one in needs no room.
        RemoveAt(i);
        Insert(moved, newSize, alignment, mapped);
        return moved;
    }

    /// <summary>Returns a recorded block to the system and forgets it; <c>false</c> (and nothing done) when it is not recorded.</summary>
    public bool Free(void* pointer)
    {
        nuint i = Find((nuint)pointer);
        if (i == nuint.MaxValue)
        {
            return false;
        }

        Release(_entries[i]);
        RemoveAt(i);
        return true;
    }

    /// <summary>The recorded size of a block, or 0 with <c>false</c> when it is not recorded.</summary>
    public readonly bool TryGetSize(void* pointer, out nuint size)
    {
        nuint i = Find((nuint)pointer);
        if (i == nuint.MaxValue)
        {
            size = 0;
            return false;
        }

        size = _entries[i].Size;
        return true;
    }

    /// <summary>Returns every recorded block to the system, then frees the table.</summary>
    public void ReleaseAll()
    {
        if (_entries != null)
        {
            for (nuint i = 0; i <= _mask; i++)
            {
                if (_entries[i].Key != 0)
                {
                    Release(_entries[i]);
                }
            }

            NativeMemory.Free(_entries);
        }

        this = default;
    }

    private static void Release(in Entry entry)
    {
        var block = (void*)entry.Key;
        if (entry.Mapped != 0)
        {
            OsPages.UnmapBlock(block, entry.Size);
        }
        else if (entry.Alignment == 0)
        {
            SystemHeap.Free(block);
        }
        else
        {
            SystemHeap.AlignedFree(block);
        }
    }

    /// <summary>Grows the table if one more record would break <c>count × 2 ≤ capacity</c>.</summary>
    /// <exception cref="OutOfMemoryException">The larger table could not be allocated; this one is unchanged.</exception>
    private void MakeRoomForOne()
    {
        if (_entries == null || (_count + 1) * 2 > _mask + 1)
        {
            Grow();
        }
    }

    /// <summary>Records a block; the room is there (see <see cref="MakeRoomForOne"/>).</summary>
    private void Insert(void* pointer, nuint size, nuint alignment, bool mapped)
    {
        nuint i = Slot((nuint)pointer);
        while (_entries[i].Key != 0)
        {
            i = (i + 1) & _mask;
        }

        _entries[i] = new Entry { Key = (nuint)pointer, Size = size, Alignment = alignment, Mapped = mapped ? 1u : 0u };
        _count++;
        _bytes += size;
    }

    private void RemoveAt(nuint i)
    {
        _count--;
        _bytes -= _entries[i].Size;

        // Backward-shift deletion: pull later members of the probe run into the hole.
        nuint hole = i;
        nuint j = i;
        while (true)
        {
            j = (j + 1) & _mask;
            nuint key = _entries[j].Key;
            if (key == 0)
            {
                break;
            }

            nuint home = Slot(key);
            bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable)
            {
                _entries[hole] = _entries[j];
                hole = j;
            }
        }

        _entries[hole] = default;
    }

    private readonly nuint Find(nuint key)
    {
        if (_entries == null || key == 0)
        {
            return nuint.MaxValue;
        }

        nuint i = Slot(key);
        while (true)
        {
            nuint k = _entries[i].Key;
            if (k == key)
            {
                return i;
            }

            if (k == 0)
            {
                return nuint.MaxValue;
            }

            i = (i + 1) & _mask;
        }
    }

    private readonly nuint Slot(nuint key) => (nuint)(((ulong)key >> 4) * 0x9E3779B97F4A7C15UL >> 20) & _mask;

    private void Grow()
    {
        if (t_growthFailsForTesting)
        {
            throw new OutOfMemoryException("Injected by a test: the large-block table could not grow.");
        }

        nuint oldCapacity = _entries == null ? 0 : _mask + 1;
        nuint capacity = oldCapacity == 0 ? 64 : oldCapacity * 2;
        var entries = (Entry*)NativeMemory.AllocZeroed(capacity, (nuint)sizeof(Entry));

        // Nothing can fail from here: rehash into the new table.
        Entry* old = _entries;
        _entries = entries;
        _mask = capacity - 1;
        _count = 0;
        _bytes = 0;
        for (nuint i = 0; i < oldCapacity; i++)
        {
            if (old[i].Key != 0)
            {
                Insert((void*)old[i].Key, old[i].Size, old[i].Alignment, old[i].Mapped != 0);
            }
        }

        NativeMemory.Free(old);
    }
}
