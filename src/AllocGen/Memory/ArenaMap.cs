using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Pools;

namespace AllocGen.Memory;

/// <summary>
/// A two-level radix tree over the 48-bit address space that answers "which arena of this heap holds this
/// address?" in two dependent loads, without ever reading the memory behind the address (CPython 3.10+ asks the
/// same of a three-level tree). Arenas are aligned to their size, so each occupies exactly one leaf slot.
/// </summary>
/// <remarks>
/// <para>
/// The root lives inside the heap state and is zero-initialised memory, so only the pages of it that cover
/// addresses in use are ever touched (for 1 MiB arenas one 4 KiB page of root covers 512 MiB of address space).
/// Leaves are created on first use and freed with the heap.
/// </para>
/// <para>
/// 48-bit user addresses are what Linux, macOS and Windows hand out by default; a kernel with 57-bit (five-level)
/// page tables maps above them only when asked to. An arena above the covered range cannot be recorded:
/// <see cref="Set"/> says so instead of indexing past the root, and <see cref="Lookup"/> finds no arena there.
/// </para>
/// </remarks>
internal static unsafe class ArenaMap<TGeometry>
    where TGeometry : struct, IPoolGeometry
{
    /// <summary>Bits of the user addresses the map covers.</summary>
    internal const int AddressBits = 48;

    private static int KeyBits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => AddressBits - TGeometry.ArenaShift;
    }

    /// <summary>Bits resolved by a leaf node.</summary>
    private static int LeafBits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => KeyBits / 2;
    }

    /// <summary>Bits resolved by the root: the rest.</summary>
    private static int RootBits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => KeyBits - LeafBits;
    }

    /// <summary>Number of root entries; the root lives inside the heap state.</summary>
    public static int RootLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 1 << RootBits;
    }

    /// <summary>The arena holding <paramref name="address"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ArenaObject* Lookup(void** root, void* address)
    {
        ulong a = (ulong)address;
        ulong top = a >> (TGeometry.ArenaShift + LeafBits);
        if (top >= (ulong)RootLength)
        {
            return null;
        }

        void** leaf = (void**)root[(nint)top];
        if (leaf == null)
        {
            return null;
        }

        return (ArenaObject*)leaf[(nint)((a >> TGeometry.ArenaShift) & (ulong)((1 << LeafBits) - 1))];
    }

    /// <summary>Records (or, with null, forgets) the arena whose aligned base is <paramref name="arenaBase"/>.</summary>
    /// <exception cref="OutOfMemoryException">A leaf could not be allocated.</exception>
    /// <exception cref="NotSupportedException">The arena lies at or above 2^48, outside the addresses the map covers.</exception>
    public static void Set(void** root, void* arenaBase, ArenaObject* arena)
    {
        ulong a = (ulong)arenaBase;
        if (a >> AddressBits != 0)
        {
            ThrowAboveAddressRange(arenaBase);
        }

        ref void* leafSlot = ref root[(nint)(a >> (TGeometry.ArenaShift + LeafBits))];
        if (leafSlot == null)
        {
            if (arena == null)
            {
                return;
            }

            leafSlot = NativeMemory.AllocZeroed((nuint)(1 << LeafBits), (nuint)sizeof(void*));
        }

        ((void**)leafSlot)[(nint)((a >> TGeometry.ArenaShift) & (ulong)((1 << LeafBits) - 1))] = arena;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowAboveAddressRange(void* arenaBase) =>
        throw new NotSupportedException(
            $"Cannot record an arena at 0x{(ulong)arenaBase:x}: it lies at or above 2^{AddressBits}, and the arena map covers {AddressBits}-bit user addresses only (a 57-bit address space?).");

    /// <summary>Frees every leaf created for this root (not the root itself).</summary>
    public static void FreeNodes(void** root)
    {
        for (int i = 0; i < RootLength; i++)
        {
            if (root[i] != null)
            {
                NativeMemory.Free(root[i]);
                root[i] = null;
            }
        }
    }
}
