using AllocGen.Stats;

namespace AllocGen;

/// <summary>
/// A native-memory allocator. Generated allocators implement it so that they can be used, and later swapped,
/// behind one interface; call the generated members directly on the concrete type for the specialized fast paths.
/// </summary>
/// <remarks>
/// Instances are not thread-safe unless <see cref="IsThreadSafe"/> says so. Whoever creates an allocator disposes it:
/// code that is handed one (a domain through <c>SetAllocator</c>, a wrapper such as the debug hooks) never disposes it.
/// </remarks>
public unsafe interface IAllocator : IDisposable
{
    /// <summary>Whether every member may be called from any number of threads at once.</summary>
    bool IsThreadSafe { get; }

    /// <summary>Allocates <paramref name="size"/> bytes. Zero bytes gives a unique pointer that can be freed.</summary>
    /// <exception cref="OutOfMemoryException">The memory could not be obtained.</exception>
    /// <exception cref="ObjectDisposedException">The allocator was disposed.</exception>
    void* Allocate(nuint size);

    /// <summary>
    /// The alignment every block from <see cref="Allocate"/> has, in bytes (a power of two). By default the C
    /// allocator's <c>max_align_t</c> (16 bytes on 64-bit platforms); the generated pool allocators answer their
    /// <c>Alignment</c>. Wrappers such as the debug hooks keep it for the blocks they hand out.
    /// </summary>
    nuint BlockAlignment => (nuint)(2 * sizeof(nint));

    /// <summary>
    /// Allocates <paramref name="size"/> bytes aligned to <paramref name="alignment"/> (a power of two). The block is
    /// freed, resized and measured like any other; <see cref="Reallocate"/> keeps only the allocator's own alignment.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    void* AllocateAligned(nuint size, nuint alignment);

    /// <summary>Allocates <paramref name="count"/> × <paramref name="size"/> zeroed bytes.</summary>
    /// <exception cref="OverflowException">The product does not fit in a <see cref="nuint"/>.</exception>
    void* AllocateZeroed(nuint count, nuint size);

    /// <summary>Resizes a block, keeping its first bytes; <c>null</c> allocates.</summary>
    void* Reallocate(void* pointer, nuint newSize);

    /// <summary>Releases a block. <c>null</c> is a no-op.</summary>
    /// <exception cref="ArgumentException">The pointer was not allocated here, or was already freed (where detected).</exception>
    void Free(void* pointer);

    /// <summary>
    /// Whether the pointer lies in memory managed by this allocator, decided without reading memory at the pointer:
    /// true for every live block it handed out, false for any address it never managed. For other addresses in its
    /// own memory (a freed block, an interior address) the answer is the allocator's: a pool allocator answers for
    /// its whole arenas, a system allocator or the debug hooks only for live blocks.
    /// </summary>
    bool Owns(void* pointer);

    /// <summary>The number of bytes usable at <paramref name="pointer"/> (at least what was requested).</summary>
    nuint UsableSize(void* pointer);

    /// <summary>A snapshot of the allocator's statistics.</summary>
    AllocatorStats GetStats();

    /// <summary>Writes a statistics table in the spirit of CPython's <c>sys._debugmallocstats()</c>.</summary>
    void DumpStats(TextWriter writer) => GetStats().WriteTo(writer);
}
