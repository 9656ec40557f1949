using System.Numerics;
using System.Runtime.CompilerServices;
using AllocGen.Pools;
using AllocGen.Stats;
using AllocGen.Tuning;

namespace AllocGen.Tune.Fitting;

/// <summary>
/// Replays size-class sets chosen at run time (the fitted ones): a pool heap needs its geometry as a type, so each
/// set gets a slot, a marker type whose <see cref="FittedGeometry{TSlot}"/> reads that set's table. A slot's table is
/// fixed at its first use (the heap checks its geometry once per type), so a process can replay at most
/// <see cref="SlotCount"/> distinct sets; the same set again reuses its slot.
/// </summary>
/// <remarks>
/// Unlike a generated allocator, whose class table and block sizes are constants in its code, this geometry reads
/// them from arrays: the shifts, alignment and threshold are static readonly fields the optimizing JIT folds once
/// they are initialized, but every ClassOf and BlockSize is a load. Its time is indicative, not the generated code's.
/// </remarks>
public static class FittedVariants
{
    /// <summary>Distinct sets one process can replay.</summary>
    public const int SlotCount = 8;

    private static readonly AllocatorVariantInfo?[] s_slots = new AllocatorVariantInfo?[SlotCount];
    private static readonly Lock s_lock = new();

    /// <summary>
    /// Calls <paramref name="visitor"/> with a driver over a pool heap of <paramref name="info"/>'s geometry and
    /// size classes (checked as the generator checks a declaration).
    /// </summary>
    /// <exception cref="ArgumentException">The configuration breaks a [PoolAllocator] rule.</exception>
    /// <exception cref="InvalidOperationException">Every slot holds another set.</exception>
    public static void Visit(IAllocatorVariantVisitor visitor, AllocatorVariantInfo info)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        ArgumentNullException.ThrowIfNull(info);
        if (AttributeRules.FindError(info.ArenaSize, info.PoolSize, info.Alignment, info.SmallRequestThreshold, info.SizeClasses) is { } error)
        {
            throw new ArgumentException($"Variant {info.Name}: {error}", nameof(info));
        }

        switch (Claim(info))
        {
            case 0: visitor.Visit<FittedDriver<Slot0>>(info); break;
            case 1: visitor.Visit<FittedDriver<Slot1>>(info); break;
            case 2: visitor.Visit<FittedDriver<Slot2>>(info); break;
            case 3: visitor.Visit<FittedDriver<Slot3>>(info); break;
            case 4: visitor.Visit<FittedDriver<Slot4>>(info); break;
            case 5: visitor.Visit<FittedDriver<Slot5>>(info); break;
            case 6: visitor.Visit<FittedDriver<Slot6>>(info); break;
            default: visitor.Visit<FittedDriver<Slot7>>(info); break;
        }
    }

    /// <summary>The configuration a slot's geometry reads (set before the slot's types are first used).</summary>
    internal static AllocatorVariantInfo SlotInfo(int slot) =>
        s_slots[slot] ?? throw new InvalidOperationException($"Fitted slot {slot} was used before it was claimed.");

    private static int Claim(AllocatorVariantInfo info)
    {
        lock (s_lock)
        {
            for (int slot = 0; slot < SlotCount; slot++)
            {
                AllocatorVariantInfo? held = s_slots[slot];
                if (held is null)
                {
                    s_slots[slot] = info;
                    return slot;
                }

                if (held.Name == info.Name && SameGeometry(held, info))
                {
                    return slot;
                }
            }
        }

        throw new InvalidOperationException($"This process has replayed {SlotCount} fitted size-class sets already; run the tool again for more.");
    }

    private static bool SameGeometry(AllocatorVariantInfo a, AllocatorVariantInfo b) =>
        a.ArenaSize == b.ArenaSize && a.PoolSize == b.PoolSize && a.Alignment == b.Alignment
        && a.SmallRequestThreshold == b.SmallRequestThreshold && a.SizeClasses.SequenceEqual(b.SizeClasses);

    public struct Slot0 : IFittedSlot { public static int Index => 0; }
    public struct Slot1 : IFittedSlot { public static int Index => 1; }
    public struct Slot2 : IFittedSlot { public static int Index => 2; }
    public struct Slot3 : IFittedSlot { public static int Index => 3; }
    public struct Slot4 : IFittedSlot { public static int Index => 4; }
    public struct Slot5 : IFittedSlot { public static int Index => 5; }
    public struct Slot6 : IFittedSlot { public static int Index => 6; }
    public struct Slot7 : IFittedSlot { public static int Index => 7; }
}

/// <summary>A marker type naming one slot of <see cref="FittedVariants"/>.</summary>
public interface IFittedSlot
{
    static abstract int Index { get; }
}

/// <summary>The table of one slot, read once, when the slot's types are first used.</summary>
internal static class FittedTable<TSlot>
    where TSlot : struct, IFittedSlot
{
    public static readonly AllocatorVariantInfo Info = FittedVariants.SlotInfo(TSlot.Index);
    public static readonly int ArenaShift = BitOperations.Log2((uint)Info.ArenaSize);
    public static readonly int PoolShift = BitOperations.Log2((uint)Info.PoolSize);
    public static readonly int Alignment = Info.Alignment;
    public static readonly int AlignmentShift = BitOperations.Log2((uint)Info.Alignment);
    public static readonly int Threshold = Info.SmallRequestThreshold;
    public static readonly int[] BlockSizes = Info.SizeClasses.ToArray();

    /// <summary>The class of each rounded size: index (size + alignment − 1) / alignment, as the generated table.</summary>
    public static readonly byte[] ClassTable = BuildClassTable();

    private static byte[] BuildClassTable()
    {
        var table = new byte[(Threshold >> AlignmentShift) + 1];
        int sizeClass = 0;
        for (int i = 0; i < table.Length; i++)
        {
            while (BlockSizes[sizeClass] < i << AlignmentShift)
            {
                sizeClass++;
            }

            table[i] = (byte)sizeClass;
        }

        return table;
    }
}

/// <summary>The geometry of one slot's fitted set.</summary>
public struct FittedGeometry<TSlot> : IPoolGeometry
    where TSlot : struct, IFittedSlot
{
    public static int ArenaShift => FittedTable<TSlot>.ArenaShift;

    public static int PoolShift => FittedTable<TSlot>.PoolShift;

    public static int Alignment => FittedTable<TSlot>.Alignment;

    public static int SmallRequestThreshold => FittedTable<TSlot>.Threshold;

    public static int ClassCount => FittedTable<TSlot>.BlockSizes.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BlockSize(int sizeClass) => FittedTable<TSlot>.BlockSizes[sizeClass];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ClassOf(nuint size) =>
        FittedTable<TSlot>.ClassTable[(int)((size + (nuint)FittedTable<TSlot>.Alignment - 1) >> FittedTable<TSlot>.AlignmentShift)];
}

/// <summary>A pool heap over a fitted geometry, as an <see cref="IAllocator"/> (what a generated class would be).</summary>
public sealed unsafe class FittedAllocator<TSlot> : IAllocator
    where TSlot : struct, IFittedSlot
{
    private PoolHeap<FittedGeometry<TSlot>> _heap = PoolHeap<FittedGeometry<TSlot>>.Create();

    public bool IsThreadSafe => false;

    nuint IAllocator.BlockAlignment => (nuint)FittedTable<TSlot>.Alignment;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* Allocate(nuint size) =>
        size > (nuint)FittedTable<TSlot>.Threshold ? _heap.AllocateLarge(size) : _heap.AllocateSmall(FittedGeometry<TSlot>.ClassOf(size));

    public void* AllocateAligned(nuint size, nuint alignment)
    {
        int sizeClass = AlignedClasses.Find(FittedTable<TSlot>.BlockSizes, size, alignment);
        return sizeClass >= 0 ? _heap.AllocateSmall(sizeClass) : _heap.AllocateLarge(size, alignment);
    }

    public void* AllocateZeroed(nuint count, nuint size) => _heap.AllocateZeroed(count, size);

    public void* Reallocate(void* pointer, nuint newSize) => _heap.Reallocate(pointer, newSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(void* pointer) => _heap.Free(pointer);

    public bool Owns(void* pointer) => _heap.Owns(pointer);

    public nuint UsableSize(void* pointer) => _heap.UsableSize(pointer);

    public AllocatorStats GetStats() => _heap.GetStats();

    public void Dispose() => _heap.Dispose();
}

/// <summary>Drives a <see cref="FittedAllocator{TSlot}"/>.</summary>
public unsafe struct FittedDriver<TSlot> : IAllocatorDriver<FittedDriver<TSlot>>
    where TSlot : struct, IFittedSlot
{
    private FittedAllocator<TSlot> _allocator;

    public static AllocatorVariantInfo Info => FittedTable<TSlot>.Info;

    public readonly IAllocator Allocator => _allocator;

    public static FittedDriver<TSlot> Create() => new() { _allocator = new() };

    public readonly void* Allocate(nuint size) => _allocator.Allocate(size);

    public readonly void* AllocateZeroed(nuint count, nuint size) => _allocator.AllocateZeroed(count, size);

    public readonly void* Reallocate(void* pointer, nuint newSize) => _allocator.Reallocate(pointer, newSize);

    public readonly void Free(void* pointer) => _allocator.Free(pointer);

    public readonly AllocatorStats GetStats() => _allocator.GetStats();

    public readonly void Dispose() => _allocator.Dispose();
}
