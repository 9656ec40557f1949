using AllocGen.Arenas;
using Xunit;

namespace AllocGen.SafeOnly.Tests;

/// <summary>The safe surface of a bump arena: spans that cannot be read once the arena released them.</summary>
public sealed class ArenaTests
{
    [Fact]
    public void RentedSpansKeepTheirContentsUntilReset()
    {
        using var arena = new ScratchArena();
        ArenaSpan<int> numbers = arena.RentSpan<int>(1000);
        ArenaSpan<char> text = arena.RentSpan<char>(5);
        for (int i = 0; i < numbers.Length; i++)
        {
            numbers.Span[i] = i;
        }

        "hello".AsSpan().CopyTo(text.Span);

        Assert.Equal("hello", text.Span.ToString());
        for (int i = 0; i < numbers.Length; i++)
        {
            Assert.Equal(i, numbers.Span[i]);
        }

        Assert.True(arena.BytesAllocated >= 4000 + 10);
        arena.Reset();

        Assert.False(numbers.IsValid);
        Assert.False(text.IsValid);
        Assert.True(SpanThrows(numbers));
        Assert.Equal((nuint)0, arena.BytesAllocated);
    }

    [Fact]
    public void ARentalLargerThanABlockGetsABlockOfItsOwn()
    {
        using var arena = new ScratchArena();
        ArenaSpan<byte> big = arena.RentSpan<byte>(ScratchArena.BlockSize * 3, clear: true);

        Assert.All(big.Span.ToArray(), b => Assert.Equal(0, b));
        big.Span[^1] = 9;
        Assert.Equal(9, big.Span[^1]);
        Assert.True(arena.BytesReserved >= (nuint)(ScratchArena.BlockSize * 3));
    }

    [Fact]
    public void AfterDisposeRentingAndReadingThrowAndASecondDisposeIsHarmless()
    {
        var arena = new ScratchArena();
        ArenaSpan<long> span = arena.RentSpan<long>(4);
        arena.Dispose();
        arena.Dispose();

        Assert.True(SpanThrows(span));
        Assert.Throws<ObjectDisposedException>(() => arena.RentSpan<long>(4));
        Assert.Throws<ObjectDisposedException>(() => arena.Reset());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void ANegativeOrOverflowingLengthIsOutOfRange(int length)
    {
        using var arena = new ScratchArena();

        Assert.Throws<ArgumentOutOfRangeException>(() => arena.RentSpan<int>(length));
    }

    [Fact]
    public void OwnedObjectsAreDisposedByReset()
    {
        using var arena = new ScratchArena();
        var owned = new Counter();
        arena.Own(owned);

        arena.Reset();

        Assert.Equal(1, owned.Disposals);
    }

    private static bool SpanThrows<T>(ArenaSpan<T> owner)
        where T : unmanaged
    {
        try
        {
            _ = owner.Span;
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private sealed class Counter : IDisposable
    {
        public int Disposals { get; private set; }

        public void Dispose() => Disposals++;
    }
}
