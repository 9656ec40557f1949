using System.Runtime.InteropServices;

namespace AllocGen.Memory;

/// <summary>
/// The blocks a heap handed out through the system allocator, with their sizes: an open-addressing hash table in
/// native memory (linear probing, backward-shift deletion, no tombstones). It lets <c>Free</c> tell a large block
/// of this heap from a foreign or already-freed pointer without reading memory the heap does not own.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LargeBlockTable
{
    private Entry* _entries;
    private nuint _mask;
    private nuint _count;
    private nuint _bytes;

    private struct Entry
    {
        public nuint Key;
        public nuint Size;
    }

    /// <summary>Live large blocks.</summary>
    public readonly nuint Count => _count;

    /// <summary>Sum of the live large blocks' sizes.</summary>
    public readonly nuint Bytes => _bytes;

    /// <summary>Records a block.</summary>
    public void Add(void* pointer, nuint size)
    {
        if ((_count + 1) * 2 > _mask + 1 || _entries == null)
        {
            Grow();
        }

        nuint i = Slot((nuint)pointer);
        while (_entries[i].Key != 0)
        {
            i = (i + 1) & _mask;
        }

        _entries[i].Key = (nuint)pointer;
        _entries[i].Size = size;
        _count++;
        _bytes += size;
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

    /// <summary>Forgets a block; <c>false</c> when it was not recorded.</summary>
    public bool Remove(void* pointer, out nuint size)
    {
        nuint i = Find((nuint)pointer);
        if (i == nuint.MaxValue)
        {
            size = 0;
            return false;
        }

        size = _entries[i].Size;
        _count--;
        _bytes -= size;

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
        return true;
    }

    /// <summary>Calls <paramref name="release"/> for every recorded block, then frees the table.</summary>
    public void ReleaseAll(delegate*<void*, void> release)
    {
        if (_entries != null)
        {
            for (nuint i = 0; i <= _mask; i++)
            {
                if (_entries[i].Key != 0)
                {
                    release((void*)_entries[i].Key);
                }
            }

            NativeMemory.Free(_entries);
        }

        this = default;
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
        Entry* old = _entries;
        nuint oldCapacity = old == null ? 0 : _mask + 1;
        nuint capacity = oldCapacity == 0 ? 64 : oldCapacity * 2;
        _entries = (Entry*)NativeMemory.AllocZeroed(capacity, (nuint)sizeof(Entry));
        _mask = capacity - 1;
        _count = 0;
        _bytes = 0;
        for (nuint i = 0; i < oldCapacity; i++)
        {
            if (old[i].Key != 0)
            {
                Add((void*)old[i].Key, old[i].Size);
            }
        }

        NativeMemory.Free(old);
    }
}
