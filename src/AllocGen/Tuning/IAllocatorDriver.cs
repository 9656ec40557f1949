using AllocGen.Stats;

namespace AllocGen.Tuning;

/// <summary>
/// A struct that drives one concrete allocator type. A runner written generically over a driver
/// (<see cref="IAllocatorVariantVisitor.Visit{TDriver}"/>) is compiled once per driver struct, so every call below is
/// a direct call to the concrete allocator's specialized member, with no interface dispatch and no reflection.
/// </summary>
/// <typeparam name="TSelf">The driver struct itself.</typeparam>
public unsafe interface IAllocatorDriver<TSelf> : IDisposable
    where TSelf : struct, IAllocatorDriver<TSelf>
{
    /// <summary>The configuration of the allocator this driver creates.</summary>
    static abstract AllocatorVariantInfo Info { get; }

    /// <summary>A driver over a new, empty allocator instance.</summary>
    static abstract TSelf Create();

    /// <summary>The allocator instance, for code that needs the interface (stats, wrappers).</summary>
    IAllocator Allocator { get; }

    /// <summary>The allocator's <c>Allocate</c>.</summary>
    void* Allocate(nuint size);

    /// <summary>The allocator's <c>AllocateZeroed</c>.</summary>
    void* AllocateZeroed(nuint count, nuint size);

    /// <summary>The allocator's <c>Reallocate</c>.</summary>
    void* Reallocate(void* pointer, nuint newSize);

    /// <summary>The allocator's <c>Free</c>.</summary>
    void Free(void* pointer);

    /// <summary>The allocator's <c>GetStats</c>.</summary>
    AllocatorStats GetStats();
}

/// <summary>What a variant registry calls once per variant, with that variant's driver struct.</summary>
public interface IAllocatorVariantVisitor
{
    /// <summary>Called for one variant; <paramref name="info"/> equals <c>TDriver.Info</c>.</summary>
    void Visit<TDriver>(AllocatorVariantInfo info)
        where TDriver : struct, IAllocatorDriver<TDriver>;
}
