using AllocGen.Tuning;

namespace AllocGen.Tune.Variants;

/// <summary>
/// The variants the tool replays every trace on, with the registry shape <c>[PoolAllocatorVariants]</c> generates:
/// nested allocator types, each with a <c>Driver</c> struct, plus <see cref="Variants"/> and <see cref="VisitAll"/>.
/// Declared by hand here, until the tool declares them with that attribute.
/// </summary>
public static partial class TuneVariants
{
    /// <summary>Every variant's configuration, in visit order.</summary>
    public static IReadOnlyList<AllocatorVariantInfo> Variants { get; } =
        [Arena256K_Pool4K_Align8.Driver.Info, Arena1M_Pool16K_Align16.Driver.Info, Arena1M_Pool64K_Align16.Driver.Info];

    /// <summary>Calls <paramref name="visitor"/> once per variant, with its driver struct.</summary>
    public static void VisitAll(IAllocatorVariantVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        visitor.Visit<Arena256K_Pool4K_Align8.Driver>(Arena256K_Pool4K_Align8.Driver.Info);
        visitor.Visit<Arena1M_Pool16K_Align16.Driver>(Arena1M_Pool16K_Align16.Driver.Info);
        visitor.Visit<Arena1M_Pool64K_Align16.Driver>(Arena1M_Pool64K_Align16.Driver.Info);
    }

    private static AllocatorVariantInfo InfoOf(string name, int arenaSize, int poolSize, int alignment, int threshold, ReadOnlySpan<int> sizeClasses) =>
        new(name, arenaSize, poolSize, alignment, threshold, sizeClasses.ToArray());

    /// <summary>Small arenas and pools, 8-byte alignment.</summary>
    [PoolAllocator(ArenaSize = 256 << 10, PoolSize = 4 << 10, Alignment = 8)]
    public sealed partial class Arena256K_Pool4K_Align8
    {
        public unsafe struct Driver : IAllocatorDriver<Driver>
        {
            private Arena256K_Pool4K_Align8 _heap;

            public static AllocatorVariantInfo Info { get; } =
                InfoOf(nameof(Arena256K_Pool4K_Align8), ArenaSize, PoolSize, Alignment, SmallRequestThreshold, SizeClasses);

            public readonly IAllocator Allocator => _heap;

            public static Driver Create() => new() { _heap = new() };

            public readonly void* Allocate(nuint size) => _heap.Allocate(size);

            public readonly void* AllocateZeroed(nuint count, nuint size) => _heap.AllocateZeroed(count, size);

            public readonly void* Reallocate(void* pointer, nuint newSize) => _heap.Reallocate(pointer, newSize);

            public readonly void Free(void* pointer) => _heap.Free(pointer);

            public readonly Stats.AllocatorStats GetStats() => _heap.GetStats();

            public readonly void Dispose() => _heap.Dispose();
        }
    }

    /// <summary>CPython's 64-bit geometry (the [PoolAllocator] defaults).</summary>
    [PoolAllocator(ArenaSize = 1 << 20, PoolSize = 16 << 10, Alignment = 16)]
    public sealed partial class Arena1M_Pool16K_Align16
    {
        public unsafe struct Driver : IAllocatorDriver<Driver>
        {
            private Arena1M_Pool16K_Align16 _heap;

            public static AllocatorVariantInfo Info { get; } =
                InfoOf(nameof(Arena1M_Pool16K_Align16), ArenaSize, PoolSize, Alignment, SmallRequestThreshold, SizeClasses);

            public readonly IAllocator Allocator => _heap;

            public static Driver Create() => new() { _heap = new() };

            public readonly void* Allocate(nuint size) => _heap.Allocate(size);

            public readonly void* AllocateZeroed(nuint count, nuint size) => _heap.AllocateZeroed(count, size);

            public readonly void* Reallocate(void* pointer, nuint newSize) => _heap.Reallocate(pointer, newSize);

            public readonly void Free(void* pointer) => _heap.Free(pointer);

            public readonly Stats.AllocatorStats GetStats() => _heap.GetStats();

            public readonly void Dispose() => _heap.Dispose();
        }
    }

    /// <summary>Large pools: fewer pool switches, more memory held per size class.</summary>
    [PoolAllocator(ArenaSize = 1 << 20, PoolSize = 64 << 10, Alignment = 16)]
    public sealed partial class Arena1M_Pool64K_Align16
    {
        public unsafe struct Driver : IAllocatorDriver<Driver>
        {
            private Arena1M_Pool64K_Align16 _heap;

            public static AllocatorVariantInfo Info { get; } =
                InfoOf(nameof(Arena1M_Pool64K_Align16), ArenaSize, PoolSize, Alignment, SmallRequestThreshold, SizeClasses);

            public readonly IAllocator Allocator => _heap;

            public static Driver Create() => new() { _heap = new() };

            public readonly void* Allocate(nuint size) => _heap.Allocate(size);

            public readonly void* AllocateZeroed(nuint count, nuint size) => _heap.AllocateZeroed(count, size);

            public readonly void* Reallocate(void* pointer, nuint newSize) => _heap.Reallocate(pointer, newSize);

            public readonly void Free(void* pointer) => _heap.Free(pointer);

            public readonly Stats.AllocatorStats GetStats() => _heap.GetStats();

            public readonly void Dispose() => _heap.Dispose();
        }
    }
}
