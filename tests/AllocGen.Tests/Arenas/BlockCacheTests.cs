using AllocGen.Arenas;
using Xunit;

namespace AllocGen.Tests.Arenas;

/// <summary>The process-wide cache of released arena blocks. Serialized with the arena tests, which use it too.</summary>
[Collection(BlockCacheCollection.Name)]
public sealed unsafe class BlockCacheTests
{
    // A geometry no arena uses, so these blocks are ours alone.
    private const nuint Size = 3 * 4096 + 48;
    private const nuint Alignment = 64;

    [Fact]
    public void AReturnedBlockIsRentedAgain()
    {
        BlockCache.Trim();
        byte* block = BlockCache.Rent(Size, Alignment);
        Assert.Equal(0u, (nuint)block % Alignment);
        block[Size - 1] = 1;
        BlockCache.Return(block, Size, Alignment);

        byte* again = BlockCache.Rent(Size, Alignment);
        Assert.Equal((nuint)block, (nuint)again);
        BlockCache.Return(again, Size, Alignment);
        BlockCache.Trim();
    }

    [Fact]
    public void TheCacheKeepsAtMostMaxBytes()
    {
        BlockCache.Trim();
        nuint max = BlockCache.MaxBytes;
        int count = (int)(max / Size) + 8;
        var blocks = new nint[count];
        for (int i = 0; i < count; i++)
        {
            blocks[i] = (nint)BlockCache.Rent(Size, Alignment);
        }

        foreach (nint block in blocks)
        {
            BlockCache.Return((void*)block, Size, Alignment);
        }

        Assert.True(BlockCache.CachedBytes <= max, $"{BlockCache.CachedBytes} cached, limit {max}");
        Assert.True(BlockCache.CachedBytes > max - (2 * Size), "the cache should fill up to its limit");
        BlockCache.Trim();
        Assert.Equal(0u, BlockCache.CachedBytes);
    }

    [Fact]
    public void ARewoundArenaReusesItsBlocksInsteadOfTakingNewOnes()
    {
        BlockCache.Trim();
        var core = new BumpArenaCore(8, 4096, "test");
        var first = new HashSet<nint>();
        for (int i = 0; i < 64; i++)
        {
            first.Add((nint)core.Allocate(4000, 8, 4096));
        }

        core.Reset();
        Assert.True(BlockCache.CachedBytes >= 63 * 4096, "Reset hands all blocks but the first to the cache");
        for (int i = 0; i < 64; i++)
        {
            Assert.Contains((nint)core.Allocate(4000, 8, 4096), first);
        }

        core.Dispose();
        BlockCache.Trim();
    }
}

[CollectionDefinition(Name)]
public sealed class BlockCacheCollection
{
    public const string Name = "BlockCache";
}
