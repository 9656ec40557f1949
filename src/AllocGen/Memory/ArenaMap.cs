using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Pools;

namespace AllocGen.Memory;

/// <summary>
/// A three-level radix tree over the 48-bit address space that answers "which arena of this heap holds this
/// address?" in three dependent loads, without ever reading the memory behind the address (CPython 3.10+ does the
/// same). Arenas are aligned to their size, so each occupies exactly one leaf slot.
/// </summary>
/// <remarks>
/// Unpopulated slots point at shared, all-empty nodes instead of null, so a lookup has no branch besides the
/// address-range test. Interior nodes are created on first use and freed only with the heap.
/// </remarks>
public static unsafe class ArenaMap<TGeometry>
    where TGeometry : struct, IPoolGeometry
{
    private const int AddressBits = 48;

    private static int KeyBits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => AddressBits - TGeometry.ArenaShift;
    }

    /// <summary>Bits resolved by a leaf node (and by a middle node).</summary>
    private static int LeafBits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => KeyBits / 3;
    }

    private static int MidBits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => KeyBits / 3;
    }

    /// <summary>Bits resolved by the root: the rest.</summary>
    private static int RootBits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => KeyBits - (2 * (KeyBits / 3));
    }

    /// <summary>Number of root entries; the root lives inside the heap state.</summary>
    public static int RootLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 1 << RootBits;
    }

    private static readonly void** s_emptyLeaf = CreateEmptyLeaf();
    private static readonly void** s_emptyMid = CreateEmptyMid(s_emptyLeaf);

    /// <summary>Points every root entry at the empty middle node.</summary>
    public static void Initialize(void** root)
    {
        for (int i = 0; i < RootLength; i++)
        {
            root[i] = s_emptyMid;
        }
    }

    /// <summary>The arena holding <paramref name="address"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ArenaObject* Lookup(void** root, void* address)
    {
        nuint a = (nuint)address;
        if ((ulong)a >> AddressBits != 0)
        {
            return null;
        }

        void** mid = (void**)root[(int)((ulong)a >> (TGeometry.ArenaShift + LeafBits + MidBits))];
        void** leaf = (void**)mid[(int)((ulong)a >> (TGeometry.ArenaShift + LeafBits)) & ((1 << MidBits) - 1)];
        return (ArenaObject*)leaf[(int)((ulong)a >> TGeometry.ArenaShift) & ((1 << LeafBits) - 1)];
    }

    /// <summary>Records (or, with null, forgets) the arena whose aligned base is <paramref name="arenaBase"/>.</summary>
    public static void Set(void** root, void* arenaBase, ArenaObject* arena)
    {
        ulong a = (ulong)arenaBase;
        ref void* midSlot = ref root[(int)(a >> (TGeometry.ArenaShift + LeafBits + MidBits))];
        if (midSlot == s_emptyMid)
        {
            if (arena == null)
            {
                return;
            }

            midSlot = CreateEmptyMid(s_emptyLeaf);
        }

        void** mid = (void**)midSlot;
        ref void* leafSlot = ref mid[(int)(a >> (TGeometry.ArenaShift + LeafBits)) & ((1 << MidBits) - 1)];
        if (leafSlot == s_emptyLeaf)
        {
            if (arena == null)
            {
                return;
            }

            leafSlot = CreateEmptyLeaf();
        }

        ((void**)leafSlot)[(int)(a >> TGeometry.ArenaShift) & ((1 << LeafBits) - 1)] = arena;
    }

    /// <summary>Frees every node created for this root (not the root itself).</summary>
    public static void FreeNodes(void** root)
    {
        for (int i = 0; i < RootLength; i++)
        {
            void** mid = (void**)root[i];
            if (mid == s_emptyMid)
            {
                continue;
            }

            for (int j = 0; j < 1 << MidBits; j++)
            {
                if (mid[j] != s_emptyLeaf)
                {
                    NativeMemory.Free(mid[j]);
                }
            }

            NativeMemory.Free(mid);
            root[i] = s_emptyMid;
        }
    }

    private static void** CreateEmptyLeaf() => (void**)NativeMemory.AllocZeroed((nuint)(1 << LeafBits), (nuint)sizeof(void*));

    private static void** CreateEmptyMid(void** emptyLeaf)
    {
        void** mid = (void**)NativeMemory.Alloc((nuint)(1 << MidBits), (nuint)sizeof(void*));
        for (int i = 0; i < 1 << MidBits; i++)
        {
            mid[i] = emptyLeaf;
        }

        return mid;
    }
}
