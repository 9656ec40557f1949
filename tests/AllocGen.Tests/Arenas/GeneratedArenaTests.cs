using Xunit;

namespace AllocGen.Tests.Arenas;

[BumpArena]
public sealed partial class DefaultTestArena
{
}

[BumpArena(BlockSize = 65536, Alignment = 16)]
public sealed partial class WideTestArena
{
}

/// <summary>The members the generator emits on a [BumpArena] type, with its constants.</summary>
[Collection(BlockCacheCollection.Name)]
public sealed unsafe class GeneratedArenaTests
{
    [Fact]
    public void TheConstantsAreTheDeclaredOnes()
    {
        Assert.Equal(8192, DefaultTestArena.BlockSize);
        Assert.Equal(8, DefaultTestArena.Alignment);
        Assert.Equal(65536, WideTestArena.BlockSize);
        Assert.Equal(16, WideTestArena.Alignment);
    }

    [Fact]
    public void AllocationsAreAlignedDisjointAndAccounted()
    {
        using var arena = new WideTestArena();
        var random = new Random(7);
        var blocks = new List<(nint Address, int Size)>();
        nuint expected = 0;
        for (int i = 0; i < 20_000; i++)
        {
            int size = random.Next(0, 3 * WideTestArena.BlockSize);
            byte* p = (byte*)arena.Allocate((nuint)size);
            Assert.Equal(0u, (nuint)p % WideTestArena.Alignment);
            new Span<byte>(p, size).Fill((byte)i);
            blocks.Add(((nint)p, size));
            expected += (nuint)((size + 15) & ~15);
        }

        Assert.Equal(expected, arena.BytesAllocated);
        Assert.True(arena.BytesReserved >= arena.BytesAllocated);
        Assert.True(arena.BlockCount > 1);
        for (int i = 0; i < blocks.Count; i++)
        {
            Assert.True(new Span<byte>((void*)blocks[i].Address, blocks[i].Size).IndexOfAnyExcept((byte)i) < 0, $"block {i} was overwritten");
        }

        blocks.Sort((a, b) => a.Address.CompareTo(b.Address));
        for (int i = 1; i < blocks.Count; i++)
        {
            Assert.True(blocks[i - 1].Address + blocks[i - 1].Size <= blocks[i].Address, "blocks overlap");
        }
    }

    [Fact]
    public void TypedAndSpanAllocationsUseTheArena()
    {
        using var arena = new DefaultTestArena();
        long* value = arena.Allocate<long>();
        *value = 42;
        Span<int> numbers = arena.AllocateSpan<int>(1000);
        numbers.Fill(3);
        Assert.Equal(42, *value);
        Assert.Equal(3000, numbers.ToArray().Sum());
        Assert.Equal((nuint)(8 + 4000), arena.BytesAllocated);
        Assert.Throws<ArgumentOutOfRangeException>(() => arena.AllocateSpan<int>(-1));
        Assert.Throws<OverflowException>(() => arena.AllocateSpan<long>(int.MaxValue));
    }

    [Fact]
    public void ResetReleasesOwnedObjectsNewestFirstAndKeepsTheFirstBlock()
    {
        var order = new List<int>();
        using var arena = new DefaultTestArena();
        for (int i = 0; i < 3; i++)
        {
            int id = i;
            arena.Own(new Callback(() => order.Add(id)));
        }

        for (int i = 0; i < 100; i++)
        {
            arena.Allocate(1000);
        }

        arena.Reset();
        Assert.Equal(new[] { 2, 1, 0 }, order);
        Assert.Equal(0u, arena.BytesAllocated);
        Assert.Equal(1, arena.BlockCount);

        arena.Own(new Callback(() => order.Add(9)));
        arena.Dispose();
        arena.Dispose();
        Assert.Equal(new[] { 2, 1, 0, 9 }, order);
    }

    [Fact]
    public void EveryMemberThrowsAfterDispose()
    {
        var arena = new DefaultTestArena();
        arena.Allocate(16);
        arena.Dispose();
        Assert.Throws<ObjectDisposedException>(() => { arena.Allocate(16); });
        Assert.Throws<ObjectDisposedException>(() => { arena.Allocate(0); });
        Assert.Throws<ObjectDisposedException>(() => { arena.Allocate<long>(); });
        Assert.Throws<ObjectDisposedException>(() => { arena.AllocateSpan<int>(4); });
        Assert.Throws<ObjectDisposedException>(() => arena.Own(new Callback(() => { })));
        Assert.Throws<ObjectDisposedException>(() => arena.Reset());
    }

    private sealed class Callback(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
