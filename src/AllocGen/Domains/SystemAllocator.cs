using AllocGen.Memory;
using AllocGen.Stats;
using AllocGen.Threading;

namespace AllocGen;

/// <summary>
/// The C library's allocator (<see cref="System.Runtime.InteropServices.NativeMemory"/>) as an <see cref="IAllocator"/>:
/// thread-safe, and <see cref="Owns"/> answers exactly for the live blocks it handed out (they are recorded in a side
/// table, so no memory is read to decide). The default allocator of the Raw domain.
/// </summary>
public sealed unsafe class SystemAllocator : IAllocator
{
    private HeapLock _lock;
    private LargeBlockTable _blocks;
    private bool _disposed;

    /// <inheritdoc/>
    public bool IsThreadSafe => true;

    /// <inheritdoc/>
    public void* Allocate(nuint size) => AllocateAligned(size, (nuint)(2 * sizeof(nint)));

    /// <inheritdoc/>
    public void* AllocateAligned(nuint size, nuint alignment)
    {
        ThrowHelper.ThrowIfNotPowerOfTwo(alignment);

        using HeapLock.Held held = _lock.Hold();
        ThrowIfDisposed();
        return _blocks.Allocate(size == 0 ? 1 : size, alignment);
    }

    /// <inheritdoc/>
    public void* AllocateZeroed(nuint count, nuint size)
    {
        nuint total = ThrowHelper.ZeroedRequestSize(count, size);
        void* block = Allocate(total);
        System.Runtime.InteropServices.NativeMemory.Clear(block, total);
        return block;
    }

    /// <inheritdoc/>
    public void* Reallocate(void* pointer, nuint newSize)
    {
        if (pointer == null)
        {
            return Allocate(newSize);
        }

        using HeapLock.Held held = _lock.Hold();
        ThrowIfDisposed();
        return _blocks.Reallocate(pointer, newSize == 0 ? 1 : newSize);
    }

    /// <inheritdoc/>
    public void Free(void* pointer)
    {
        if (pointer == null)
        {
            return;
        }

        using HeapLock.Held held = _lock.Hold();
        ThrowIfDisposed();
        if (!_blocks.Free(pointer))
        {
            ThrowHelper.ForeignPointer(pointer);
        }
    }

    /// <inheritdoc/>
    public bool Owns(void* pointer)
    {
        using HeapLock.Held held = _lock.Hold();
        ThrowIfDisposed();
        return _blocks.TryGetSize(pointer, out _);
    }

    /// <inheritdoc/>
    public nuint UsableSize(void* pointer)
    {
        using HeapLock.Held held = _lock.Hold();
        ThrowIfDisposed();
        if (!_blocks.TryGetSize(pointer, out nuint size))
        {
            ThrowHelper.ForeignPointer(pointer);
        }

        return size;
    }

    /// <inheritdoc/>
    public AllocatorStats GetStats()
    {
        using HeapLock.Held held = _lock.Hold();
        ThrowIfDisposed();
        return new AllocatorStats { LargeBlocks = (long)_blocks.Count, LargeBytes = (long)_blocks.Bytes };
    }

    /// <summary>The live blocks and their bytes (the system allocator has no pools or arenas to show).</summary>
    public void DumpStats(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        AllocatorStats stats = GetStats();
        writer.WriteLine($"system allocator: {stats.LargeBlocks} live blocks, {stats.LargeBytes} bytes");
    }

    /// <summary>Frees every live block; later use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        using HeapLock.Held held = _lock.Hold();
        if (!_disposed)
        {
            _disposed = true;
            _blocks.ReleaseAll();
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowHelper.ObjectDisposed(nameof(SystemAllocator));
        }
    }
}
