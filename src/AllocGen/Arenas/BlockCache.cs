using System.Runtime.InteropServices;

namespace AllocGen.Arenas;

/// <summary>
/// Process-wide cache of released bump-arena blocks of the normal size. An arena that is reset or disposed hands
/// its blocks here instead of to the system allocator, and the next arena to grow takes them back: without it each
/// parse-and-reset cycle would return megabytes to the OS (glibc trims large frees) and fault them all in again.
/// </summary>
/// <remarks>
/// Bounded by <see cref="MaxBytes"/> across all geometries; blocks beyond it go back to the system allocator at once,
/// and <see cref="Trim"/> empties the cache. Thread-safe (a lock around two pointer moves; the cache is only touched
/// when an arena takes a new block or releases its blocks, never on the bump path).
/// </remarks>
public static unsafe class BlockCache
{
    private const int ShelfCount = 4;
    private static readonly object s_gate = new();
    private static readonly Shelf[] s_shelves = new Shelf[ShelfCount];
    private static nuint s_bytes;

    private struct Shelf
    {
        public nuint BlockSize;
        public nuint Alignment;
        public void* Head;
    }

    /// <summary>Most bytes the cache keeps. Default 32 MiB; 0 disables caching.</summary>
    public static nuint MaxBytes { get; set; } = 32 << 20;

    /// <summary>Bytes currently cached.</summary>
    public static nuint CachedBytes
    {
        get
        {
            lock (s_gate)
            {
                return s_bytes;
            }
        }
    }

    /// <summary>A block of <paramref name="blockSize"/> bytes aligned to <paramref name="alignment"/>, cached or new.</summary>
    /// <exception cref="OutOfMemoryException">The system allocator failed.</exception>
    internal static byte* Rent(nuint blockSize, nuint alignment)
    {
        lock (s_gate)
        {
            for (int i = 0; i < ShelfCount; i++)
            {
                ref Shelf shelf = ref s_shelves[i];
                if (shelf.Head != null && shelf.BlockSize == blockSize && shelf.Alignment == alignment)
                {
                    void* block = shelf.Head;
                    shelf.Head = *(void**)block;
                    s_bytes -= blockSize;
                    return (byte*)block;
                }
            }
        }

        return (byte*)NativeMemory.AlignedAlloc(blockSize, alignment);
    }

    /// <summary>Takes back a block obtained from <see cref="Rent"/>, or frees it when the cache is full.</summary>
    internal static void Return(void* block, nuint blockSize, nuint alignment)
    {
        lock (s_gate)
        {
            if (s_bytes + blockSize <= MaxBytes)
            {
                int free = -1;
                for (int i = 0; i < ShelfCount; i++)
                {
                    ref Shelf shelf = ref s_shelves[i];
                    if (shelf.BlockSize == blockSize && shelf.Alignment == alignment)
                    {
                        Push(ref shelf, block, blockSize);
                        return;
                    }

                    if (free < 0 && shelf.Head == null)
                    {
                        free = i;
                    }
                }

                if (free >= 0)
                {
                    s_shelves[free] = new Shelf { BlockSize = blockSize, Alignment = alignment };
                    Push(ref s_shelves[free], block, blockSize);
                    return;
                }
            }
        }

        NativeMemory.AlignedFree(block);
    }

    /// <summary>Frees every cached block.</summary>
    public static void Trim()
    {
        lock (s_gate)
        {
            for (int i = 0; i < ShelfCount; i++)
            {
                ref Shelf shelf = ref s_shelves[i];
                while (shelf.Head != null)
                {
                    void* block = shelf.Head;
                    shelf.Head = *(void**)block;
                    NativeMemory.AlignedFree(block);
                }

                shelf = default;
            }

            s_bytes = 0;
        }
    }

    private static void Push(ref Shelf shelf, void* block, nuint blockSize)
    {
        *(void**)block = shelf.Head;
        shelf.Head = block;
        s_bytes += blockSize;
    }
}
