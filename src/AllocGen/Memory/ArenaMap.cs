using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Pools;

namespace AllocGen.Memory;

/// <summary>
/// A two-level radix tree over the 48-bit address space that answers "which arena holds this address?" in two
/// dependent loads, without ever reading the memory behind the address (CPython 3.10+ asks the same of a three-level
/// tree). There is one tree per arena size for the whole process, shared by every heap whose arenas have that size, so
/// any thread can find the arena of any block and, through <see cref="ArenaObject.Owner"/>, the heap that owns it:
/// a heap tells its own blocks from another heap's and from nobody's. Arenas are aligned to their size, so each
/// occupies exactly one leaf slot.
/// </summary>
/// <remarks>
/// <para>
/// Lookups take no lock. A leaf is published with one compare-and-swap and never freed (a leaf covers 2^(key bits / 2)
/// arenas: 16 GiB of address space for 1 MiB arenas), and an entry is one pointer-sized write, so a reader sees either
/// the arena or null. The root is zero-initialised memory whose pages are touched only where addresses are in use.
/// </para>
/// <para>
/// 48-bit user addresses are what Linux, macOS and Windows hand out by default; a kernel with 57-bit (five-level)
/// page tables maps above them only when asked to. An arena above the covered range cannot be recorded:
/// <see cref="Set(void*, ArenaObject*)"/> says so instead of indexing past the root, and lookups find no arena there.
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

    /// <summary>Number of root entries.</summary>
    public static int RootLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 1 << RootBits;
    }

    /// <summary>The process-wide root for this arena size (a constant to the JIT once the type is initialised).</summary>
    private static readonly void** s_root = ArenaMapRoots.For(TGeometry.ArenaShift, RootLength);

    /// <summary>The arena holding <paramref name="address"/>, whichever heap owns it, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ArenaObject* Lookup(void* address) => Lookup(s_root, address);

    /// <summary>Records (or, with null, forgets) the arena whose aligned base is <paramref name="arenaBase"/>.</summary>
    /// <exception cref="OutOfMemoryException">A leaf could not be allocated.</exception>
    /// <exception cref="NotSupportedException">The arena lies at or above 2^48, outside the addresses the map covers.</exception>
    public static void Set(void* arenaBase, ArenaObject* arena) => Set(s_root, arenaBase, arena);

    /// <summary>The arena holding <paramref name="address"/> in the tree at <paramref name="root"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ArenaObject* Lookup(void** root, void* address)
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

    /// <summary>Records (or forgets) an arena in the tree at <paramref name="root"/>.</summary>
    internal static void Set(void** root, void* arenaBase, ArenaObject* arena)
    {
        ulong a = (ulong)arenaBase;
        if (a >> AddressBits != 0)
        {
            ThrowAboveAddressRange(arenaBase);
        }

        ref nint leafSlot = ref *(nint*)&root[(nint)(a >> (TGeometry.ArenaShift + LeafBits))];
        nint leaf = Volatile.Read(ref leafSlot);
        if (leaf == 0)
        {
            if (arena == null)
            {
                return;
            }

            // Another thread may publish a leaf for the same range at the same moment: one wins, the other's goes.
            nint fresh = (nint)NativeMemory.AllocZeroed((nuint)(1 << LeafBits), (nuint)sizeof(void*));
            leaf = Interlocked.CompareExchange(ref leafSlot, fresh, 0);
            if (leaf == 0)
            {
                leaf = fresh;
            }
            else
            {
                NativeMemory.Free((void*)fresh);
            }
        }

        Volatile.Write(ref ((nint*)leaf)[(nint)((a >> TGeometry.ArenaShift) & (ulong)((1 << LeafBits) - 1))], (nint)arena);
    }

    /// <summary>Frees the leaves of a private tree (the process-wide trees keep theirs for the life of the process).</summary>
    internal static void FreeNodes(void** root)
    {
        for (int i = 0; i < RootLength; i++)
        {
            NativeMemory.Free(root[i]);
            root[i] = null;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowAboveAddressRange(void* arenaBase) =>
        throw new NotSupportedException(
            $"Cannot record an arena at 0x{(ulong)arenaBase:x}: it lies at or above 2^{AddressBits}, and the arena map covers {AddressBits}-bit user addresses only (a 57-bit address space?).");
}

/// <summary>The process-wide arena-map roots, one per arena size, created on first use and kept for the process.</summary>
internal static unsafe class ArenaMapRoots
{
    private static readonly nint[] s_roots = new nint[64];

    public static void** For(int arenaShift, int rootLength)
    {
        ref nint slot = ref s_roots[arenaShift];
        nint root = Volatile.Read(ref slot);
        if (root != 0)
        {
            return (void**)root;
        }

        nint fresh = (nint)NativeMemory.AllocZeroed((nuint)rootLength, (nuint)sizeof(void*));
        root = Interlocked.CompareExchange(ref slot, fresh, 0);
        if (root != 0)
        {
            NativeMemory.Free((void*)fresh);
            return (void**)root;
        }

        return (void**)fresh;
    }
}
