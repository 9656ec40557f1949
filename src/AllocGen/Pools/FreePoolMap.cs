using System.Numerics;
using System.Runtime.CompilerServices;

namespace AllocGen.Pools;

/// <summary>
/// One bit per pool slot of an arena, set while the pool is free (never carved, or empty and given back to the arena):
/// the only record of which pools are free. A span needs a run of free pools next to each other; found in the bits,
/// the search reads a few words of the arena's descriptor instead of one cache line of the header table per pool.
/// </summary>
/// <remarks>The map of an arena lies right after its <see cref="ArenaObject"/> (see <c>PoolHeap.FreeMapOf</c>).</remarks>
internal static unsafe class FreePoolMap
{
    /// <summary>Words of a map over <paramref name="slots"/> pool slots.</summary>
    public static int WordsFor(int slots) => (slots + 63) >> 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSet(ulong* map, int slot) => (map[slot >> 6] & (1UL << slot)) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Set(ulong* map, int slot) => map[slot >> 6] |= 1UL << slot;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear(ulong* map, int slot) => map[slot >> 6] &= ~(1UL << slot);

    /// <summary>Sets the bits of slots <paramref name="from"/>..<paramref name="to"/>-1 and clears every other bit of the map's <paramref name="words"/> words.</summary>
    public static void Reset(ulong* map, int words, int from, int to)
    {
        for (int w = 0; w < words; w++)
        {
            int low = Math.Clamp(from - (w << 6), 0, 64);
            int high = Math.Clamp(to - (w << 6), 0, 64);
            map[w] = high > low ? Ones(high) & ~Ones(low) : 0;
        }
    }

    /// <summary>
    /// The first slot of the shortest run of at least <paramref name="length"/> set bits below <paramref name="limit"/>
    /// (the first of equally short ones), or -1; <paramref name="longest"/> is the longest run seen (all of them when
    /// none is long enough).
    /// </summary>
    public static int FindShortestRun(ulong* map, int limit, int length, out int longest)
    {
        int best = -1;
        int bestLength = int.MaxValue;
        longest = 0;
        for (int slot = NextSet(map, 0, limit); slot < limit;)
        {
            int end = NextClear(map, slot, limit);
            int run = end - slot;
            longest = Math.Max(longest, run);
            if (run >= length && run < bestLength)
            {
                best = slot;
                bestLength = run;
                if (run == length)
                {
                    break;
                }
            }

            slot = NextSet(map, end, limit);
        }

        return best;
    }

    /// <summary>
    /// The first slot in <paramref name="from"/>..<paramref name="limit"/>-1 whose bit is set and whose neighbours'
    /// bits are clear (the slots at <paramref name="from"/>-1 and <paramref name="limit"/> count as they are in the
    /// map of <paramref name="slots"/> slots), or <paramref name="limit"/>.
    /// </summary>
    public static int FirstIsolated(ulong* map, int from, int limit, int slots)
    {
        for (int slot = NextSet(map, from, limit); slot < limit;)
        {
            int end = NextClear(map, slot, slots);
            if (end == slot + 1 && (slot == 0 || !IsSet(map, slot - 1)))
            {
                return slot;
            }

            slot = NextSet(map, end, limit);
        }

        return limit;
    }

    /// <summary>The first slot at or after <paramref name="from"/> whose bit is set, or <paramref name="limit"/>.</summary>
    public static int NextSet(ulong* map, int from, int limit) => Next(map, from, limit, flip: 0);

    /// <summary>The first slot at or after <paramref name="from"/> whose bit is clear, or <paramref name="limit"/>.</summary>
    public static int NextClear(ulong* map, int from, int limit) => Next(map, from, limit, flip: ulong.MaxValue);

    private static int Next(ulong* map, int from, int limit, ulong flip)
    {
        if (from >= limit)
        {
            return limit;
        }

        int w = from >> 6;
        ulong bits = (map[w] ^ flip) & ~Ones(from & 63);
        while (bits == 0)
        {
            if (++w << 6 >= limit)
            {
                return limit;
            }

            bits = map[w] ^ flip;
        }

        return Math.Min(limit, (w << 6) + BitOperations.TrailingZeroCount(bits));
    }

    /// <summary>A word with its <paramref name="count"/> low bits set (0..64).</summary>
    private static ulong Ones(int count) => count >= 64 ? ulong.MaxValue : (1UL << count) - 1;
}
