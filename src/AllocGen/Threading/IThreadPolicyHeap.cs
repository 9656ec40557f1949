using AllocGen.Pools;
using AllocGen.Stats;

namespace AllocGen.Threading;

/// <summary>
/// What the runtime heap of every thread policy offers (<see cref="PoolHeap{TGeometry}"/>,
/// <see cref="LockedPoolHeap{TGeometry}"/>, <see cref="PerThreadPoolHeap{TGeometry}"/>), so that runtime code over
/// "a heap of some policy" is written once, generic over the heap struct and compiled for each: the safe-only
/// classes' <see cref="Safe.SafePoolHeap{TGeometry}"/>. Generated code calls the structs directly and does not need it.
/// </summary>
internal unsafe interface IThreadPolicyHeap<TSelf>
    where TSelf : struct, IThreadPolicyHeap<TSelf>
{
    static abstract TSelf Create();

    PoolReusePolicy ReusePolicy { get; set; }

    void* AllocateSmall(int sizeClass);

    void* AllocateMedium(int mediumClass);

    void* AllocateLarge(nuint size, nuint alignment);

    void* AllocateAligned(nuint size, nuint alignment, bool zeroed);

    void* AllocateZeroed(nuint count, nuint size);

    void* Reallocate(void* pointer, nuint newSize);

    void Free(void* pointer);

    bool Owns(void* pointer);

    nuint UsableSize(void* pointer);

    AllocatorStats GetStats();

    void Trim();

    void Dispose();
}
