namespace AllocGen.Tracing;

/// <summary>
/// The constants of the binary trace form (docs/trace-format.md describes every field): an 8-byte header, records, an
/// end record with the record count and a CRC-32 of everything before it.
/// </summary>
internal static class TraceBinaryFormat
{
    /// <summary>The first four bytes: 0x89 'A' 'G' 'T'. The high byte first, as PNG does, so no text trace starts so.</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, (byte)'A', (byte)'G', (byte)'T'];

    /// <summary>The version this code writes and the only one it reads.</summary>
    public const ushort Version = 1;

    /// <summary>Bytes before the first record: magic, version (u16), flags (u16).</summary>
    public const int HeaderSize = 8;

    /// <summary>Header flag: every record carries a timestamp delta.</summary>
    public const ushort TimestampsFlag = 1;

    /// <summary>The flags a version 1 reader understands; any other bit set is an error.</summary>
    public const ushort KnownFlags = TimestampsFlag;

    /// <summary>Record tag of the end record.</summary>
    public const byte EndTag = 0;

    /// <summary>Record tag bits 0-2: the kind (0 end, 1-4 <see cref="TraceOperationKind"/>).</summary>
    public const byte KindMask = 0x07;

    /// <summary>Record tag bit 3: a thread id follows (else the record's thread is the previous record's).</summary>
    public const byte ThreadFlag = 0x08;

    /// <summary>The longest record: tag, thread (5), timestamp (10), id (10), count (10), size (10).</summary>
    public const int MaxRecordSize = 1 + 5 + 10 + 10 + 10 + 10;

    /// <summary>The longest end record: tag, count (10), CRC (4).</summary>
    public const int MaxEndSize = 1 + 10 + 4;

    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    public static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    public static uint ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    public static int UnZigZag(uint value) => (int)(value >> 1) ^ -(int)(value & 1);
}

/// <summary>CRC-32 (IEEE 802.3, the one of zip and PNG), table-driven; the runtime takes no hashing package for it.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = CreateTable();

    /// <summary>The CRC register before any byte; <see cref="Finish"/> turns a register into the CRC.</summary>
    public const uint Initial = 0xFFFF_FFFF;

    public static uint Update(uint crc, ReadOnlySpan<byte> bytes)
    {
        uint[] table = Table;
        foreach (byte b in bytes)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    public static uint Finish(uint crc) => ~crc;

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
