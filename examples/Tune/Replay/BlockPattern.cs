namespace AllocGen.Tune.Replay;

/// <summary>
/// The bytes a checked replay writes into a block: a sequence of 64-bit words derived from the block's seed (one per
/// allocation), so a byte left over from another block, a stale free-list link or a lost tail after a move reads
/// differently from what was written. Little-endian: byte k is byte k mod 8 of word k / 8.
/// </summary>
public static unsafe class BlockPattern
{
    private const ulong Step = 0x9E3779B97F4A7C15UL;

    /// <summary>The seed of the block allocated by operation <paramref name="operationIndex"/>.</summary>
    public static ulong SeedOf(int operationIndex) => ((ulong)operationIndex + 1) * 0xD6E8FEB86659FD93UL;

    /// <summary>The pattern's byte at <paramref name="offset"/>.</summary>
    public static byte ByteAt(ulong seed, nuint offset) => (byte)(Word(seed, offset >> 3) >> (int)((offset & 7) * 8));

    /// <summary>Writes the pattern over bytes <paramref name="from"/>..<paramref name="to"/> (exclusive) of a block.</summary>
    public static void Fill(byte* block, nuint from, nuint to, ulong seed)
    {
        nuint k = from;
        for (; k < to && (k & 7) != 0; k++)
        {
            block[k] = ByteAt(seed, k);
        }

        for (; k + 8 <= to; k += 8)
        {
            *(ulong*)(block + k) = Word(seed, k >> 3);
        }

        for (; k < to; k++)
        {
            block[k] = ByteAt(seed, k);
        }
    }

    /// <summary>The first offset below <paramref name="length"/> whose byte differs from the pattern, or -1.</summary>
    public static long FindMismatch(byte* block, nuint length, ulong seed)
    {
        nuint k = 0;
        for (; k + 8 <= length; k += 8)
        {
            if (*(ulong*)(block + k) != Word(seed, k >> 3))
            {
                break;
            }
        }

        for (; k < length; k++)
        {
            if (block[k] != ByteAt(seed, k))
            {
                return (long)k;
            }
        }

        return -1;
    }

    /// <summary>The first offset below <paramref name="length"/> whose byte is not zero, or -1.</summary>
    public static long FindNonZero(byte* block, nuint length)
    {
        int index = new ReadOnlySpan<byte>(block, checked((int)length)).IndexOfAnyExcept((byte)0);
        return index;
    }

    private static ulong Word(ulong seed, nuint word) => seed + ((ulong)word * Step);
}
