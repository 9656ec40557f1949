using AllocGen.Pools;
using CsCheck;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// The bit map of free pools a span search reads (<see cref="FreePoolMap"/>), against a plain scan of a bool array:
/// maps of 2 to 300 slots (one word and several, runs across word borders), random contents.
/// </summary>
public sealed unsafe class FreePoolMapTests
{
    private static readonly Gen<bool[]> Maps = Gen.Int[2, 300].SelectMany(slots => Gen.Frequency((3, Gen.Bool), (1, Gen.Const(true))).Array[slots]);

    [Fact]
    public void TheShortestLongEnoughRunIsTheOneAPlainScanFinds()
    {
        Gen.Select(Maps, Gen.Int[1, 70]).Sample((free, length) =>
        {
            ulong* map = stackalloc ulong[FreePoolMap.WordsFor(free.Length)];
            Fill(map, free);
            int start = FreePoolMap.FindShortestRun(map, free.Length, length, out int longest);
            (int expectedStart, int expectedLongest) = PlainShortestRun(free, length);
            Assert.Equal(expectedStart, start);
            if (start < 0)
            {
                Assert.Equal(expectedLongest, longest);
            }
        });
    }

    [Fact]
    public void NextSetAndNextClearStopAtTheLimit()
    {
        Gen.Select(Maps, Gen.Int[0, 299]).Sample((free, from) =>
        {
            from %= free.Length;
            ulong* map = stackalloc ulong[FreePoolMap.WordsFor(free.Length)];
            Fill(map, free);
            int set = Array.FindIndex(free, from, f => f);
            int clear = Array.FindIndex(free, from, f => !f);
            Assert.Equal(set < 0 ? free.Length : set, FreePoolMap.NextSet(map, from, free.Length));
            Assert.Equal(clear < 0 ? free.Length : clear, FreePoolMap.NextClear(map, from, free.Length));
        });
    }

    [Fact]
    public void TheFirstIsolatedSlotIsTheOneAPlainScanFinds()
    {
        Gen.Select(Maps, Gen.Int[0, 299], Gen.Int[0, 299]).Sample((free, a, b) =>
        {
            int from = Math.Min(a, b) % free.Length, limit = Math.Max(a, b) % (free.Length + 1);
            ulong* map = stackalloc ulong[FreePoolMap.WordsFor(free.Length)];
            Fill(map, free);
            int expected = Enumerable.Range(from, Math.Max(0, limit - from))
                .FirstOrDefault(i => free[i] && (i == 0 || !free[i - 1]) && (i + 1 == free.Length || !free[i + 1]), limit);
            Assert.Equal(expected, FreePoolMap.FirstIsolated(map, from, limit, free.Length));
        });
    }

    [Theory]
    [InlineData(64, 1, 64)]
    [InlineData(256, 4, 256)]
    [InlineData(2, 1, 2)]
    [InlineData(200, 70, 130)]
    public void ResetSetsExactlyTheGivenSlots(int slots, int from, int to)
    {
        int words = FreePoolMap.WordsFor(slots);
        ulong* map = stackalloc ulong[words];
        new Span<ulong>(map, words).Fill(0xA5A5_A5A5_A5A5_A5A5);
        FreePoolMap.Reset(map, words, from, to);
        for (int slot = 0; slot < words * 64; slot++)
        {
            Assert.Equal(slot >= from && slot < to, FreePoolMap.IsSet(map, slot));
        }

        FreePoolMap.Clear(map, from);
        FreePoolMap.Set(map, 0);
        Assert.False(FreePoolMap.IsSet(map, from));
        Assert.True(FreePoolMap.IsSet(map, 0));
    }

    private static void Fill(ulong* map, bool[] free)
    {
        int words = FreePoolMap.WordsFor(free.Length);
        FreePoolMap.Reset(map, words, 0, 0);
        for (int slot = 0; slot < free.Length; slot++)
        {
            if (free[slot])
            {
                FreePoolMap.Set(map, slot);
            }
        }
    }

    private static (int Start, int Longest) PlainShortestRun(bool[] free, int length)
    {
        int best = -1, bestLength = int.MaxValue, longest = 0;
        for (int i = 0; i < free.Length;)
        {
            if (!free[i])
            {
                i++;
                continue;
            }

            int end = i;
            while (end < free.Length && free[end])
            {
                end++;
            }

            longest = Math.Max(longest, end - i);
            if (end - i >= length && end - i < bestLength)
            {
                (best, bestLength) = (i, end - i);
            }

            i = end;
        }

        return (best, longest);
    }
}
