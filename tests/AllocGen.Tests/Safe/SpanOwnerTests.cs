using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AllocGen.Safe;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Safe;

/// <summary><c>heap.RentSpan&lt;T&gt;</c>: a ref-struct owner of one block, freed exactly once, no managed allocation.</summary>
public sealed unsafe class SpanOwnerTests
{
    [Fact]
    public void DisposeFreesTheBlockAndASecondDisposeDoesNothing()
    {
        using var heap = new DefaultHeap();
        var owner = heap.RentSpan<int>(10);
        Assert.Equal(1, heap.GetStats().BlocksInUse);

        owner.Dispose();
        Assert.Equal(0, heap.GetStats().BlocksInUse);

        // The next block of that class takes the freed address: a second free of the owner's block would free it.
        int* next = (int*)heap.Allocate(40);
        owner.Dispose();
        Assert.Equal(1, heap.GetStats().BlocksInUse);
        heap.Free(next);
    }

    [Fact]
    public void AnExplicitDisposeOfAUsingVariableIsNotRepeatedAtTheScopeEnd()
    {
        using var heap = new DefaultHeap();
        int* next;
        {
            using var owner = heap.RentSpan<long>(4);
            owner.Dispose();
            next = (int*)heap.Allocate(32);
        }

        Assert.Equal(1, heap.GetStats().BlocksInUse);
        heap.Free(next);
    }

    [Fact]
    public void SpanAfterDisposeThrows()
    {
        using var heap = new DefaultHeap();
        var owner = heap.RentSpan<byte>(100);
        owner.Dispose();
        try
        {
            _ = owner.Span;
            Assert.Fail("Span of a disposed owner did not throw.");
        }
        catch (ObjectDisposedException e)
        {
            Assert.Contains(nameof(SpanOwner<byte>), e.Message);
        }
    }

    [Fact]
    public void TheSpanCoversTheBlockAndKeepsWhatIsWritten()
    {
        using var heap = new DefaultHeap();
        using var small = heap.RentSpan<int>(100);
        using var large = heap.RentSpan<long>(10_000);
        Assert.Equal(100, small.Length);
        Assert.Equal(100, small.Span.Length);
        Assert.Equal(10_000, large.Span.Length);
        for (int i = 0; i < small.Length; i++)
        {
            small.Span[i] = i * 7;
        }

        large.Span.Fill(-3);
        for (int i = 0; i < small.Length; i++)
        {
            Assert.Equal(i * 7, small.Span[i]);
        }

        Assert.True(heap.Owns(Unsafe.AsPointer(ref small.Span[0])));
        Assert.True(heap.Owns(Unsafe.AsPointer(ref large.Span[0])));
        Assert.All(large.Span.ToArray(), value => Assert.Equal(-3, value));
    }

    [Fact]
    public void ClearGivesZeroedMemoryEvenWhereABlockWasDirtied()
    {
        using var heap = new DefaultHeap();
        foreach (int length in new[] { 3, 60, 5_000 })
        {
            var dirty = heap.RentSpan<int>(length);
            dirty.Span.Fill(-1);
            dirty.Dispose();

            using var zeroed = heap.RentSpan<int>(length, clear: true);
            Assert.Equal(-1, zeroed.Span.IndexOfAnyExcept(0));
        }
    }

    [Fact]
    public void AnOverAlignedElementTypeGetsAnAlignedBlock()
    {
        using var heap = new SmallPoolHeap(); // Alignment = 8
        for (int i = 0; i < 50; i++)
        {
            using var owner = heap.RentSpan<Vector256<byte>>(1 + (i % 5), clear: i % 2 == 0);
            Assert.Equal(0u, (nuint)Unsafe.AsPointer(ref owner.Span[0]) % 32);
            if (i % 2 == 0)
            {
                Assert.Equal(Vector256<byte>.Zero, owner.Span[^1]);
            }
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void ZeroLengthGivesAnEmptySpanAndFreesItsBlock()
    {
        using var heap = new DefaultHeap();
        var owner = heap.RentSpan<int>(0);
        Assert.True(owner.Span.IsEmpty);
        owner.Dispose();
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void ANegativeLengthThrows()
    {
        using var heap = new DefaultHeap();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => heap.RentSpan<int>(-1).Dispose());
        Assert.Equal("length", e.ParamName);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void AByteSizeThatOverflowsANativeIntegerThrows()
    {
        // No struct is big enough for an int count to overflow 64 bits; the check (there for 32-bit processes) is the one
        // RentSpan calls, given an element size that does.
        Assert.Throws<ArgumentOutOfRangeException>(() => SafeRent.ByteSize(3, nuint.MaxValue / 2));
        Assert.Equal(unchecked((nuint)int.MaxValue * 8), SafeRent.ByteSize(int.MaxValue, 8));
        Assert.Equal(0u, SafeRent.ByteSize(0, nuint.MaxValue));
    }

    [Fact]
    public void RentAndDisposeAllocateNothingManaged()
    {
        using var heap = new DefaultHeap();
        RentDisposePairs(heap);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RentDisposePairs(heap);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RentDisposePairs(DefaultHeap heap)
    {
        for (int i = 0; i < 20_000; i++)
        {
            using var owner = heap.RentSpan<int>(1 + (i % 300), clear: (i & 1) == 0);
            owner.Span[0] = i;
        }
    }
}
