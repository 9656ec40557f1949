using Xunit;

namespace AllocGen.Tests.Domains;

/// <summary>
/// Every mode-to-mode switch with live blocks in every domain: blocks allocated in one mode keep their contents, are
/// resized and freed in the other by the allocator (and hook layer) that made them, and nothing is left afterwards.
/// </summary>
public sealed unsafe class ModeSwitchTests
{
    // Zero, pool classes, above the pool threshold, and a size the system serves.
    private static readonly nuint[] Sizes = [0, 1, 24, 500, 4000, 100_000];

    public static TheoryData<string, string> Pairs()
    {
        var pairs = new TheoryData<string, string>();
        foreach (string from in TestDomains.Modes)
        {
            foreach (string to in TestDomains.Modes)
            {
                pairs.Add(from, to);
            }
        }

        return pairs;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void BlocksLiveAcrossASwitchAreResizedAndFreedByTheirOwnAllocators(string from, string to)
    {
        using var t = new TestDomains(from);
        var blocks = new List<Block>();
        Allocate(t, blocks, seed: 1);

        t.Set.Configure(to);
        Assert.Equal(to, t.Set.CurrentMode);
        AssertContents(blocks);
        Allocate(t, blocks, seed: 101);

        // Resize every other block in the new mode (growing, so a pool block moves), free every third.
        for (int i = 0; i < blocks.Count; i++)
        {
            Block b = blocks[i];
            if (i % 2 == 0)
            {
                nuint grown = b.Size * 2 + 600;
                var moved = (byte*)t.Set.Reallocate(b.Domain, (void*)b.Pointer, grown);
                TestDomains.AssertFilled(moved, b.Size, b.Fill);
                TestDomains.Fill(moved, grown, b.Fill);
                blocks[i] = b with { Pointer = (nint)moved, Size = grown };
            }
        }

        for (int i = blocks.Count - 1; i >= 0; i -= 3)
        {
            t.Set.Free(blocks[i].Domain, (void*)blocks[i].Pointer);
            blocks.RemoveAt(i);
        }

        // And back: the rest is freed in the first mode.
        t.Set.Configure(from);
        AssertContents(blocks);
        foreach (Block b in blocks)
        {
            t.Set.Free(b.Domain, (void*)b.Pointer);
        }

        t.AssertNoBlockLeft();
    }

    private static void Allocate(TestDomains t, List<Block> blocks, byte seed)
    {
        foreach (AllocDomain d in TestDomains.Domains)
        {
            foreach (nuint size in Sizes)
            {
                var fill = (byte)(seed + blocks.Count);
                var p = (byte*)t.Set.Allocate(d, size);
                TestDomains.Fill(p, size, fill);
                blocks.Add(new Block(d, (nint)p, size, fill));
            }
        }
    }

    private static void AssertContents(List<Block> blocks)
    {
        foreach (Block b in blocks)
        {
            TestDomains.AssertFilled((byte*)b.Pointer, b.Size, b.Fill);
        }
    }

    private readonly record struct Block(AllocDomain Domain, nint Pointer, nuint Size, byte Fill);
}
