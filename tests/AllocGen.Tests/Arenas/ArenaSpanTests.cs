using AllocGen.Arenas;
using AllocGen.Domains;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Arenas;

/// <summary>
/// A bump arena's <c>RentSpan&lt;T&gt;</c>: an <see cref="ArenaSpan{T}"/> whose span cannot be read once Reset or
/// Dispose released its memory; and the poisoning of released arena memory under the debug hooks. Serialized with the
/// arena tests: the poisoning switch and the block cache are process-wide.
/// </summary>
[Collection(BlockCacheCollection.Name)]
public sealed unsafe class ArenaSpanTests
{
    [Fact]
    public void TheSpanHoldsWhatWasWrittenUntilTheArenaIsReset()
    {
        using var arena = new DefaultTestArena();
        ArenaSpan<long> first = arena.RentSpan<long>(100);
        ArenaSpan<long> second = arena.RentSpan<long>(50);
        for (int i = 0; i < first.Length; i++)
        {
            first.Span[i] = i * 3;
        }

        second.Span.Fill(-1);

        Assert.Equal(100, first.Length);
        Assert.Equal(50, second.Length);
        Assert.True(first.IsValid);
        for (int i = 0; i < first.Length; i++)
        {
            Assert.Equal(i * 3, first.Span[i]);
        }

        Assert.All(second.Span.ToArray(), v => Assert.Equal(-1, v));
        Assert.Equal((nuint)(150 * sizeof(long)), arena.BytesAllocated);
    }

    [Fact]
    public void ClearGivesZeroedElementsEvenWhereTheArenaHadWrittenBefore()
    {
        using var arena = new DefaultTestArena();
        arena.RentSpan<byte>(4096).Span.Fill(0xAB);
        arena.Reset();

        ArenaSpan<int> cleared = arena.RentSpan<int>(1024, clear: true);

        Assert.All(cleared.Span.ToArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void UseAfterResetThrowsAndARentalAfterTheResetIsValid()
    {
        using var arena = new DefaultTestArena();
        ArenaSpan<int> before = arena.RentSpan<int>(16);

        arena.Reset();
        ArenaSpan<int> after = arena.RentSpan<int>(16);

        Assert.False(before.IsValid);
        SpanThrows(before);
        Assert.True(after.IsValid);
        after.Span[15] = 7;
        Assert.Equal(7, after.Span[15]);
    }

    [Fact]
    public void UseAfterDisposeThrowsAndASecondDisposeIsHarmless()
    {
        var arena = new DefaultTestArena();
        ArenaSpan<int> span = arena.RentSpan<int>(16);
        span.Span[0] = 1;

        arena.Dispose();
        arena.Dispose();

        Assert.False(span.IsValid);
        ObjectDisposedException e = SpanThrows(span);
        Assert.Contains("reset or disposed", e.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => arena.RentSpan<int>(1));
    }

    [Fact]
    public void ADefaultOwnerIsNotValid()
    {
        ArenaSpan<int> none = default;

        Assert.False(none.IsValid);
        Assert.Equal(0, none.Length);
        SpanThrows(none);
    }

    [Fact]
    public void EveryResetInvalidatesTheOwnersOfEveryEarlierGeneration()
    {
        using var arena = new DefaultTestArena();
        ArenaSpan<byte> g0 = arena.RentSpan<byte>(8);
        arena.Reset();
        ArenaSpan<byte> g1 = arena.RentSpan<byte>(8);
        arena.Reset();

        Assert.False(g0.IsValid);
        Assert.False(g1.IsValid);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue / sizeof(long) + 1)]
    [InlineData(int.MaxValue)]
    public void ANegativeOrOverflowingLengthIsOutOfRange(int length)
    {
        using var arena = new DefaultTestArena();

        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => arena.RentSpan<long>(length));

        Assert.Equal("length", e.ParamName);
        Assert.Equal((nuint)0, arena.BytesAllocated);
    }

    [Fact]
    public void ALengthOfZeroIsAnEmptyValidSpan()
    {
        using var arena = new DefaultTestArena();
        ArenaSpan<Guid> empty = arena.RentSpan<Guid>(0);

        Assert.True(empty.IsValid);
        Assert.True(empty.Span.IsEmpty);
    }

    [Fact]
    public void ElementsAreAlignedForTheirTypeAboveTheArenaAlignment()
    {
        using var arena = new DefaultTestArena();
        arena.RentSpan<byte>(1);
        ArenaSpan<Aligned64> span = arena.RentSpan<Aligned64>(3);

        fixed (Aligned64* p = span.Span)
        {
            nuint alignment = TypeLayout.AlignmentOf<Aligned64>();
            Assert.True(alignment > DefaultTestArena.Alignment, $"alignment {alignment}");
            Assert.Equal(0u, (nuint)p % alignment);
        }
    }

    [Fact]
    public void RentalsAfterTheFirstAllocateNoManagedMemory()
    {
        using var arena = new WideTestArena();
        arena.RentSpan<int>(1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < 1000; i++)
        {
            ArenaSpan<int> span = arena.RentSpan<int>(4, clear: true);
            sum += span.Span[3];
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(0, sum);
    }

    [Fact]
    public void UnderTheDebugHooksAStaleRawSpanReadsTheFreedPatternAfterReset()
    {
        bool was = ArenaDebug.PoisonReleasedMemory;
        ArenaDebug.PoisonReleasedMemory = true;
        try
        {
            using var arena = new DefaultTestArena();
            Span<byte> stale = arena.AllocateSpan<byte>(256);
            stale.Fill(0x11);

            arena.Reset();

            // The first block stays the arena's: the stale span is still readable memory, and it reads 0xDD.
            Assert.All(stale.ToArray(), b => Assert.Equal(ArenaDebug.FreedByte, b));
        }
        finally
        {
            ArenaDebug.PoisonReleasedMemory = was;
        }
    }

    [Fact]
    public void UnderTheDebugHooksEveryBlockReleasedByDisposeIsPoisonedBeforeItGoesToTheCache()
    {
        bool was = ArenaDebug.PoisonReleasedMemory;
        ArenaDebug.PoisonReleasedMemory = true;
        try
        {
            var arena = new DefaultTestArena();
            var stale = new List<nint>();
            for (int i = 0; i < 5; i++)
            {
                Span<byte> span = arena.AllocateSpan<byte>(DefaultTestArena.BlockSize - 64);
                span.Fill(0x22);
                fixed (byte* p = span)
                {
                    stale.Add((nint)p);
                }
            }

            arena.Dispose();

            // The cached blocks are still allocated (the cache writes its link into their first 8 bytes only).
            foreach (nint p in stale)
            {
                Assert.All(new ReadOnlySpan<byte>((byte*)p + 64, 1024).ToArray(), b => Assert.Equal(ArenaDebug.FreedByte, b));
            }
        }
        finally
        {
            ArenaDebug.PoisonReleasedMemory = was;
        }
    }

    [Fact]
    public void ConfiguringADebugModeTurnsThePoisoningOn()
    {
        bool was = ArenaDebug.PoisonReleasedMemory;
        try
        {
            ArenaDebug.PoisonReleasedMemory = false;
            using var heap = new DefaultHeap();
            var set = new DomainSet("ArenaPoison", new SystemAllocator(), heap, heap, modeVariable: null, statsVariable: null);
            set.Configure("pool_debug");
            Assert.True(ArenaDebug.PoisonReleasedMemory);
            set.Configure("pool");
        }
        finally
        {
            ArenaDebug.PoisonReleasedMemory = was;
        }
    }

    /// <summary>Reading the span throws ObjectDisposedException (a ref struct cannot be captured by Assert.Throws' lambda).</summary>
    private static ObjectDisposedException SpanThrows<T>(ArenaSpan<T> owner)
        where T : unmanaged
    {
        try
        {
            _ = owner.Span;
        }
        catch (ObjectDisposedException e)
        {
            return e;
        }

        throw new Xunit.Sdk.XunitException("Span did not throw ObjectDisposedException.");
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 64)]
    private struct Aligned64
    {
        public System.Runtime.Intrinsics.Vector512<byte> Value;
    }
}
