using System.Runtime.InteropServices;

namespace AllocGen.Memory;

/// <summary>
/// The system allocator for large blocks: the C library's <c>malloc</c>, <c>calloc</c>, <c>realloc</c>,
/// <c>posix_memalign</c> and <c>free</c>, called through function pointers marked <c>SuppressGCTransition</c> where
/// the C library is found (Linux, macOS), as the benchmark peers are; elsewhere (Windows) <see cref="NativeMemory"/>.
/// </summary>
/// <remarks>
/// <see cref="NativeMemory"/> calls the same functions through a P/Invoke that switches the thread to preemptive
/// mode and back on every call: about as much time again as a cached <c>malloc</c>/<c>free</c> pair. These functions
/// neither call back into .NET nor block for long (a lock of their own, at worst an <c>mmap</c>), which is what
/// skipping the transition requires. The choice is made once per process, so every block is freed by the allocator
/// it came from.
/// </remarks>
internal static unsafe class SystemHeap
{
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nuint, void*> s_malloc;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nuint, nuint, void*> s_calloc;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<void*, nuint, void*> s_realloc;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<void**, nuint, nuint, int> s_posixMemalign;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<void*, void> s_free;

    /// <summary>Whether the C library's functions were found (and are called directly).</summary>
    internal static bool CallsCLibraryDirectly { get; }

    static SystemHeap()
    {
        if (!TryLoadCLibrary(out nint library)
            || !NativeLibrary.TryGetExport(library, "malloc", out nint malloc)
            || !NativeLibrary.TryGetExport(library, "calloc", out nint calloc)
            || !NativeLibrary.TryGetExport(library, "realloc", out nint realloc)
            || !NativeLibrary.TryGetExport(library, "posix_memalign", out nint posixMemalign)
            || !NativeLibrary.TryGetExport(library, "free", out nint free))
        {
            return;
        }

        s_malloc = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nuint, void*>)malloc;
        s_calloc = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nuint, nuint, void*>)calloc;
        s_realloc = (delegate* unmanaged[Cdecl, SuppressGCTransition]<void*, nuint, void*>)realloc;
        s_posixMemalign = (delegate* unmanaged[Cdecl, SuppressGCTransition]<void**, nuint, nuint, int>)posixMemalign;
        s_free = (delegate* unmanaged[Cdecl, SuppressGCTransition]<void*, void>)free;
        CallsCLibraryDirectly = true;
    }

    internal static bool TryLoadCLibrary(out nint library)
    {
        library = 0;
        string[] names = OperatingSystem.IsLinux() ? ["libc.so.6", "libc.so"]
            : OperatingSystem.IsMacOS() ? ["/usr/lib/libSystem.B.dylib"]
            : [];
        foreach (string name in names)
        {
            if (NativeLibrary.TryLoad(name, out library))
            {
                return true;
            }
        }

        return false;
    }

    /// <exception cref="OutOfMemoryException">The allocator failed.</exception>
    public static void* Alloc(nuint size) =>
        CallsCLibraryDirectly ? NotNull(s_malloc(Math.Max(size, 1)), size) : NativeMemory.Alloc(size);

    /// <exception cref="OutOfMemoryException">The allocator failed.</exception>
    public static void* AllocZeroed(nuint size) =>
        CallsCLibraryDirectly ? NotNull(s_calloc(1, Math.Max(size, 1)), size) : NativeMemory.AllocZeroed(size);

    /// <summary>Resizes a block of <see cref="Alloc"/> or <see cref="AllocZeroed"/>; on failure it is unchanged.</summary>
    /// <exception cref="OutOfMemoryException">The allocator failed.</exception>
    public static void* Realloc(void* block, nuint newSize) =>
        CallsCLibraryDirectly ? NotNull(s_realloc(block, Math.Max(newSize, 1)), newSize) : NativeMemory.Realloc(block, newSize);

    /// <summary>Frees a block of <see cref="Alloc"/>, <see cref="AllocZeroed"/> or <see cref="Realloc"/>.</summary>
    public static void Free(void* block)
    {
        if (CallsCLibraryDirectly)
        {
            s_free(block);
        }
        else
        {
            NativeMemory.Free(block);
        }
    }

    /// <summary>A block aligned to <paramref name="alignment"/> (a power of two, larger than a pointer).</summary>
    /// <exception cref="OutOfMemoryException">The allocator failed.</exception>
    public static void* AlignedAlloc(nuint size, nuint alignment)
    {
        if (!CallsCLibraryDirectly)
        {
            return NativeMemory.AlignedAlloc(size, alignment);
        }

        void* block;
        return s_posixMemalign(&block, alignment, Math.Max(size, 1)) == 0 ? block : NotNull(null, size);
    }

    /// <summary>
    /// Moves a block of <see cref="AlignedAlloc"/> to a new one of <paramref name="newSize"/> with the same alignment,
    /// copying the smaller of the two sizes; on failure the old block is unchanged.
    /// </summary>
    /// <exception cref="OutOfMemoryException">The allocator failed.</exception>
    public static void* AlignedRealloc(void* block, nuint oldSize, nuint newSize, nuint alignment)
    {
        if (!CallsCLibraryDirectly)
        {
            return NativeMemory.AlignedRealloc(block, newSize, alignment);
        }

        void* moved = AlignedAlloc(newSize, alignment);
        BlockCopy.Copy(block, moved, Math.Min(oldSize, newSize));
        s_free(block);
        return moved;
    }

    /// <summary>Frees a block of <see cref="AlignedAlloc"/> or <see cref="AlignedRealloc"/>.</summary>
    public static void AlignedFree(void* block)
    {
        if (CallsCLibraryDirectly)
        {
            s_free(block);
        }
        else
        {
            NativeMemory.AlignedFree(block);
        }
    }

    private static void* NotNull(void* block, nuint size) =>
        block != null ? block : throw new OutOfMemoryException($"The system allocator could not allocate {size} bytes.");
}
