using System.Runtime.InteropServices;

namespace AllocGen;

/// <summary>
/// The memory of one block under the debug hooks, and the only code that reads or writes it. From the start of the
/// inner block: guard bytes up to the header (when the header is larger than <see cref="MinHeaderSize"/>), the
/// requested size (8 bytes), the serial number (8 bytes), the domain id (1 byte), 15 guard bytes, then the user's
/// bytes, then <see cref="TailGuardSize"/> guard bytes. Every field sits at a fixed offset before the user pointer, so
/// the header size can grow with the alignment asked for without the layout changing.
/// </summary>
internal static unsafe class DebugBlockLayout
{
    /// <summary>Fills the user's bytes of a fresh block (CPython's CLEANBYTE).</summary>
    public const byte FreshByte = 0xCD;

    /// <summary>Fills the user's bytes of a freed block (CPython's DEADBYTE).</summary>
    public const byte FreedByte = 0xDD;

    /// <summary>Fills the guards before and after the user's bytes (CPython's FORBIDDENBYTE).</summary>
    public const byte GuardByte = 0xFD;

    /// <summary>The fields and front guards: 8 (size) + 8 (serial) + 1 (domain) + 15 (guards).</summary>
    public const int MinHeaderSize = 32;

    /// <summary>Guard bytes after the user's bytes.</summary>
    public const int TailGuardSize = 8;

    /// <summary>Front guard bytes right before the user pointer.</summary>
    public const int FrontGuardSize = 15;

    private const int SizeOffset = -32;
    private const int SerialOffset = -24;
    private const int DomainOffset = -16;

    /// <summary>A header size that is a multiple of <paramref name="alignment"/> (a power of two), so the user pointer keeps it.</summary>
    public static nuint HeaderSize(nuint alignment) => Math.Max(MinHeaderSize, alignment);

    /// <summary>The inner block's size for <paramref name="size"/> user bytes; throws <see cref="OutOfMemoryException"/> when it overflows.</summary>
    public static nuint InnerSize(nuint headerSize, nuint size)
    {
        nuint extra = headerSize + TailGuardSize;
        if (size > nuint.MaxValue - extra)
        {
            throw new OutOfMemoryException($"A debug block of {size} bytes does not fit in the address space.");
        }

        return size + extra;
    }

    /// <summary>Writes header and guards of a block whose user bytes start <paramref name="headerSize"/> after <paramref name="inner"/>.</summary>
    public static byte* Format(byte* inner, nuint headerSize, nuint size, long serial, AllocDomain domain)
    {
        byte* user = inner + headerSize;
        NativeMemory.Fill(inner, headerSize - MinHeaderSize, GuardByte);
        *(ulong*)(user + SizeOffset) = size;
        *(long*)(user + SerialOffset) = serial;
        user[DomainOffset] = (byte)domain;
        NativeMemory.Fill(user - FrontGuardSize, FrontGuardSize, GuardByte);
        NativeMemory.Fill(user + size, TailGuardSize, GuardByte);
        return user;
    }

    /// <summary>Whether the header fields and every front guard byte are as <see cref="Format"/> wrote them.</summary>
    public static bool FrontIntact(byte* user, nuint headerSize, nuint size, long serial, AllocDomain domain) =>
        *(ulong*)(user + SizeOffset) == size
        && *(long*)(user + SerialOffset) == serial
        && user[DomainOffset] == (byte)domain
        && AllAre(user - FrontGuardSize, FrontGuardSize, GuardByte)
        && AllAre(user - headerSize, headerSize - MinHeaderSize, GuardByte);

    /// <summary>Whether every tail guard byte is intact.</summary>
    public static bool TailIntact(byte* user, nuint size) => AllAre(user + size, TailGuardSize, GuardByte);

    /// <summary>The header fields as found (for the fault dump).</summary>
    public static (ulong Size, long Serial, byte Domain) ReadHeader(byte* user) =>
        (*(ulong*)(user + SizeOffset), *(long*)(user + SerialOffset), user[DomainOffset]);

    public static ReadOnlySpan<byte> FrontGuards(byte* user) => new(user - FrontGuardSize, FrontGuardSize);

    public static ReadOnlySpan<byte> TailGuards(byte* user, nuint size) => new(user + size, TailGuardSize);

    private static bool AllAre(byte* p, nuint count, byte value) => new ReadOnlySpan<byte>(p, checked((int)count)).IndexOfAnyExcept(value) < 0;
}
