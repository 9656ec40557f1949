using AllocGen.Stats;

namespace AllocGen;

/// <summary>
/// A native-memory allocator. Generated allocators implement it so that they can be used, and later swapped,
/// behind one interface; call the generated members directly on the concrete type for the specialized fast paths.
/// </summary>
/// <remarks>Instances are not thread-safe unless their documentation says otherwise.</remarks>
public unsafe interface IAllocator : IDisposable
{
    /// <summary>Allocates <paramref name="size"/> bytes. Zero bytes gives a unique pointer that can be freed.</summary>
    /// <exception cref="OutOfMemoryException">The memory could not be obtained.</exception>
    /// <exception cref="ObjectDisposedException">The allocator was disposed.</exception>
    void* Allocate(nuint size);

    /// <summary>Allocates <paramref name="count"/> × <paramref name="size"/> zeroed bytes.</summary>
    /// <exception cref="OverflowException">The product does not fit in a <see cref="nuint"/>.</exception>
    void* AllocateZeroed(nuint count, nuint size);

    /// <summary>Resizes a block, keeping its first bytes; <c>null</c> allocates.</summary>
    void* Reallocate(void* pointer, nuint newSize);

    /// <summary>Releases a block. <c>null</c> is a no-op.</summary>
    /// <exception cref="ArgumentException">The pointer was not allocated here, or was already freed (where detected).</exception>
    void Free(void* pointer);

    /// <summary>Whether the pointer lies in memory managed by this allocator.</summary>
    bool Owns(void* pointer);

    /// <summary>The number of bytes usable at <paramref name="pointer"/> (at least what was requested).</summary>
    nuint UsableSize(void* pointer);

    /// <summary>A snapshot of the allocator's statistics.</summary>
    AllocatorStats GetStats();
}
