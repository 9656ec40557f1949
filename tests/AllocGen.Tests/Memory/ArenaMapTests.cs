using System.Runtime.InteropServices;
using AllocGen.Memory;
using AllocGen.Pools;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>
/// The arena map covers 48-bit user addresses. An arena the OS maps above them (a 57-bit address space) is refused
/// with a clear message, never indexed past the root, and no pointer up there is ever found in an arena.
/// </summary>
public sealed unsafe class ArenaMapTests
{
    private const int ArenaShift = 20;

    /// <summary>1 MiB arenas: 28 key bits, 14 resolved by the root and 14 by each leaf.</summary>
    private struct MapGeometry : IPoolGeometry
    {
        public static int ArenaShift => ArenaMapTests.ArenaShift;

        public static int PoolShift => 14;

        public static int Alignment => 16;

        public static int SmallRequestThreshold => 512;

        public static int ClassCount => 1;

        public static int BlockSize(int sizeClass) => 512;

        public static int ClassOf(nuint size) => 0;
    }

    private static int RootLength => ArenaMap<MapGeometry>.RootLength;

    private static int LeafLength => (1 << (ArenaMap<MapGeometry>.AddressBits - ArenaShift)) / RootLength;

    /// <summary>Entries after the root where an unchecked index for the first addresses above 2^48 would land.</summary>
    private const int Slack = 64;

    private static readonly ulong[] AddressesAbove48Bits =
    {
        // The first two index just past the end of the root (into the slack); the others far beyond it.
        1UL << 48,
        (1UL << 48) + (3UL << (ArenaShift + 14)),
        1UL << 56,
        1UL << 63,
        ulong.MaxValue & ~((1UL << ArenaShift) - 1),
    };

    [Fact]
    public void AnArenaAtOrAbove2To48IsRefusedAndTheMapIsLeftUntouched()
    {
        var root = (void**)NativeMemory.AllocZeroed((nuint)(RootLength + Slack), (nuint)sizeof(void*));
        var arena = (ArenaObject*)NativeMemory.AllocZeroed((nuint)sizeof(ArenaObject));
        nint rootAddress = (nint)root;
        nint arenaAddress = (nint)arena;
        try
        {
            foreach (ulong address in AddressesAbove48Bits)
            {
                var error = Assert.Throws<NotSupportedException>(() => ArenaMap<MapGeometry>.Set((void**)rootAddress, (void*)address, (ArenaObject*)arenaAddress));
                Assert.Contains($"0x{address:x}", error.Message);
                Assert.Contains("2^48", error.Message);
                Assert.True(new ReadOnlySpan<nint>(root, RootLength + Slack).IndexOfAnyExcept(0) < 0, $"Set of 0x{address:x} wrote into the map");

                // Forgetting such an arena is refused the same way.
                Assert.Throws<NotSupportedException>(() => ArenaMap<MapGeometry>.Set((void**)rootAddress, (void*)address, null));
            }

            // The last arena below the limit is recorded, found, and forgotten.
            ulong highest = (1UL << 48) - (1UL << ArenaShift);
            ArenaMap<MapGeometry>.Set(root, (void*)highest, arena);
            Assert.True(ArenaMap<MapGeometry>.Lookup(root, (void*)(highest + 12345)) == arena);
            Assert.True(ArenaMap<MapGeometry>.Lookup(root, (void*)((1UL << 48) - 1)) == arena);
            ArenaMap<MapGeometry>.Set(root, (void*)highest, null);
            Assert.True(ArenaMap<MapGeometry>.Lookup(root, (void*)highest) == null);
        }
        finally
        {
            ArenaMap<MapGeometry>.FreeNodes(root);
            NativeMemory.Free(root);
            NativeMemory.Free(arena);
        }
    }

    /// <summary>Every slot of the root and of its slack points at a leaf naming an arena: only the range check answers null.</summary>
    [Fact]
    public void NoPointerAtOrAbove2To48IsFoundInAnArena()
    {
        var arena = (ArenaObject*)NativeMemory.AllocZeroed((nuint)sizeof(ArenaObject));
        var leaf = (void**)NativeMemory.Alloc((nuint)LeafLength, (nuint)sizeof(void*));
        var root = (void**)NativeMemory.Alloc((nuint)(RootLength + Slack), (nuint)sizeof(void*));
        try
        {
            new Span<nint>(leaf, LeafLength).Fill((nint)arena);
            new Span<nint>(root, RootLength + Slack).Fill((nint)leaf);
            Assert.True(ArenaMap<MapGeometry>.Lookup(root, (void*)0x7fff_ffff_f000) == arena);
            Assert.True(ArenaMap<MapGeometry>.Lookup(root, (void*)((1UL << 48) - 1)) == arena);
            foreach (ulong address in AddressesAbove48Bits.Append(ulong.MaxValue).Append((1UL << 48) + 1))
            {
                Assert.True(ArenaMap<MapGeometry>.Lookup(root, (void*)address) == null, $"0x{address:x} was found in an arena");
            }
        }
        finally
        {
            NativeMemory.Free(root);
            NativeMemory.Free(leaf);
            NativeMemory.Free(arena);
        }
    }
}
