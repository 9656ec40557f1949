using AllocGen.Stats;
using AllocGen.Tuning;

namespace AllocGen.Tune.Variants;

/// <summary>Drives <see cref="SystemAllocator"/>, the C library's allocator: the baseline every report shows.</summary>
public unsafe struct SystemAllocatorDriver : IAllocatorDriver<SystemAllocatorDriver>
{
    private SystemAllocator _allocator;

    /// <summary>No arenas or pools: every block is the C library's, aligned to 16 bytes.</summary>
    public static AllocatorVariantInfo Info { get; } = new(nameof(SystemAllocator), 0, 0, 2 * sizeof(nint), 0, []);

    public readonly IAllocator Allocator => _allocator;

    public static SystemAllocatorDriver Create() => new() { _allocator = new() };

    public readonly void* Allocate(nuint size) => _allocator.Allocate(size);

    public readonly void* AllocateZeroed(nuint count, nuint size) => _allocator.AllocateZeroed(count, size);

    public readonly void* Reallocate(void* pointer, nuint newSize) => _allocator.Reallocate(pointer, newSize);

    public readonly void Free(void* pointer) => _allocator.Free(pointer);

    public readonly AllocatorStats GetStats() => _allocator.GetStats();

    public readonly void Dispose() => _allocator.Dispose();
}
