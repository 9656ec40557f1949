using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AllocGen.Stats;
using AllocGen.Safe;
using Xunit;

namespace AllocGen.SafeOnly.Tests;

/// <summary>The safe surface of the three pool heaps, used as a project without unsafe code uses it.</summary>
public sealed class PoolHeapTests
{
    private const int PipeBytes = 4 << 20;

    [Fact]
    public void RentSpanHoldsItsContentsAndFreesTheBlockOnDispose_SingleThreaded()
    {
        using var heap = new SingleHeap();
        using (SpanOwner<int> owner = heap.RentSpan<int>(100))
        {
            Fill(owner.Span);
            Assert.Equal(1, heap.GetStats().BlocksInUse);
            AssertFilled(owner.Span);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void RentSpanHoldsItsContentsAndFreesTheBlockOnDispose_Locked()
    {
        using var heap = new LockedHeap();
        using (SpanOwner<long> owner = heap.RentSpan<long>(1000, clear: true))
        {
            Assert.All(owner.Span.ToArray(), v => Assert.Equal(0, v));
            Assert.Equal(1, heap.GetStats().BlocksInUse);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void RentSpanHoldsItsContentsAndFreesTheBlockOnDispose_PerThread()
    {
        using var heap = new PerThreadHeap();
        SpanOwner<byte> a = heap.RentSpan<byte>(17);
        SpanOwner<byte> b = heap.RentSpan<byte>(600);   // above the small threshold: from the medium tier
        a.Span.Fill(1);
        b.Span.Fill(2);
        Assert.Equal(2, heap.GetStats().BlocksInUse);
        Assert.All(a.Span.ToArray(), v => Assert.Equal(1, v));
        Assert.All(b.Span.ToArray(), v => Assert.Equal(2, v));
        a.Dispose();
        b.Dispose();

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void TheSpanOfADisposedOwnerThrowsAndASecondDisposeIsHarmless()
    {
        using var heap = new SingleHeap();
        SpanOwner<int> owner = heap.RentSpan<int>(8);
        owner.Dispose();
        owner.Dispose();

        Assert.Equal(0, heap.GetStats().BlocksInUse);
        Assert.True(SpanThrows(owner));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void ANegativeLengthIsOutOfRange(int length)
    {
        using var heap = new LockedHeap();

        Assert.Throws<ArgumentOutOfRangeException>(() => heap.RentSpan<int>(length).Dispose());
        Assert.Throws<ArgumentOutOfRangeException>(() => heap.Rent<int>(length));
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void TheAllocatorIsTheSameHeap()
    {
        using var heap = new LockedHeap();
        using SpanOwner<byte> owner = heap.RentSpan<byte>(40);

        Assert.True(heap.Allocator.IsThreadSafe);
        Assert.Equal(heap.IsThreadSafe, heap.Allocator.IsThreadSafe);
        Assert.Equal(1, heap.Allocator.GetStats().BlocksInUse);
        Assert.False(new SingleHeap().Allocator.IsThreadSafe);
        Assert.Equal(LockedHeap.SizeClassCount + LockedHeap.MediumSizeClasses.Length, heap.GetStats().SizeClasses.Count);
    }

    [Fact]
    public void TrimAndReusePolicyAndDumpStatsWork()
    {
        using var heap = new PerThreadHeap();
        using (heap.Rent<byte>(100))
        {
        }

        heap.ReusePolicy = AllocGen.Pools.PoolReusePolicy.Compact;
        heap.Trim();
        var text = new StringWriter();
        heap.DumpStats(text);

        Assert.Equal(AllocGen.Pools.PoolReusePolicy.Compact, heap.ReusePolicy);
        Assert.NotEmpty(text.ToString());
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public async Task RentedMemoryLivesAcrossAnAwaitAndIsFreedOnce()
    {
        using var heap = new PerThreadHeap();
        IMemoryOwner<int> owner = heap.Rent<int>(4096);
        Fill(owner.Memory.Span);

        await Task.Yield();
        await Task.Delay(1);

        AssertFilled(owner.Memory.Span);
        Memory<int> kept = owner.Memory;
        owner.Dispose();
        owner.Dispose();

        Assert.Equal(0, heap.GetStats().BlocksInUse);
        Assert.Throws<ObjectDisposedException>(() => kept.Span.Length);
    }

    [Fact]
    public void ASingleThreadedHeapIsNoMemoryPool()
    {
        using var heap = new SingleHeap();

        Assert.Throws<InvalidOperationException>(() => heap.AsMemoryPool());
    }

    [Theory]
    [InlineData(nameof(LockedHeap))]
    [InlineData(nameof(PerThreadHeap))]
    public async Task APipeOverTheHeapMovesMebibytesIntactAndReturnsEveryBlock(string name)
    {
        using IDisposable heap = name == nameof(LockedHeap) ? new LockedHeap() : new PerThreadHeap();
        MemoryPool<byte> pool = heap is LockedHeap locked ? locked.AsMemoryPool() : ((PerThreadHeap)heap).AsMemoryPool();
        var pipe = new Pipe(new PipeOptions(pool: pool, useSynchronizationContext: false));

        Task writer = Task.Run(async () =>
        {
            var random = new Random(7);
            int position = 0;
            while (position < PipeBytes)
            {
                Memory<byte> memory = pipe.Writer.GetMemory(random.Next(1, 20_000));
                int count = Math.Min(random.Next(1, memory.Length + 1), PipeBytes - position);
                Span<byte> span = memory.Span;
                for (int i = 0; i < count; i++)
                {
                    span[i] = Expected(position + i);
                }

                position += count;
                pipe.Writer.Advance(count);
                if (random.Next(4) == 0 || position == PipeBytes)
                {
                    await pipe.Writer.FlushAsync();
                }
            }

            await pipe.Writer.CompleteAsync();
        });

        long read = 0;
        long wrong = 0;
        while (true)
        {
            ReadResult result = await pipe.Reader.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                ReadOnlySpan<byte> span = segment.Span;
                for (int i = 0; i < span.Length; i++)
                {
                    wrong += span[i] == Expected(read + i) ? 0 : 1;
                }

                read += span.Length;
            }

            pipe.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await pipe.Reader.CompleteAsync();
        await writer.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(PipeBytes, read);
        Assert.Equal(0, wrong);
        var stats = heap is LockedHeap l ? l.GetStats() : ((PerThreadHeap)heap).GetStats();
        Assert.Equal(0, stats.BlocksInUse);
    }

    /// <summary>
    /// Over-aligned elements above the small classes (100 of 32-byte vectors: 3200 bytes) come from a medium class, aligned
    /// for them, and clear: true zeroes a block written and freed before.
    /// </summary>
    [Theory]
    [InlineData(nameof(SingleHeap))]
    [InlineData(nameof(LockedHeap))]
    [InlineData(nameof(PerThreadHeap))]
    public void AnOverAlignedRentalAboveTheSmallClassesIsAnAlignedMediumBlock(string name)
    {
        (Func<int, bool, SpanOwner<Vector256<byte>>> rent, Func<AllocatorStats> stats, IDisposable heap, int sizeClassCount) = name switch
        {
            nameof(SingleHeap) => Of(new SingleHeap()),
            nameof(LockedHeap) => Of(new LockedHeap()),
            _ => Of(new PerThreadHeap()),
        };
        using (heap)
        {
            nint first;
            using (SpanOwner<Vector256<byte>> owner = rent(100, false))
            {
                first = AddressOf(owner.Span);
                Assert.Equal(0, first % 32);
                AllocatorStats used = stats();
                Assert.Equal(0, used.LargeBlocks);
                Assert.Single(used.SizeClasses, c => c.BlocksInUse == 1 && c.Index >= sizeClassCount && c.BlockSize >= 3200);
                MemoryMarshal.AsBytes(owner.Span).Fill(0xA5);
            }

            using (SpanOwner<Vector256<byte>> owner = rent(100, true))
            {
                Assert.Equal(first, AddressOf(owner.Span));
                Assert.True(MemoryMarshal.AsBytes(owner.Span).IndexOfAnyExcept((byte)0) < 0, "a cleared rental is not zero");
            }

            Assert.Equal(0, stats().BlocksInUse);
        }

        static nint AddressOf(Span<Vector256<byte>> span) => Unsafe.ByteOffset(ref Unsafe.NullRef<byte>(), ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(span)));

        static (Func<int, bool, SpanOwner<Vector256<byte>>>, Func<AllocatorStats>, IDisposable, int) Of<THeap>(THeap heap)
            where THeap : IDisposable => heap switch
            {
                SingleHeap h => ((n, c) => h.RentSpan<Vector256<byte>>(n, c), h.GetStats, h, SingleHeap.SizeClassCount),
                LockedHeap h => ((n, c) => h.RentSpan<Vector256<byte>>(n, c), h.GetStats, h, LockedHeap.SizeClassCount),
                PerThreadHeap h => ((n, c) => h.RentSpan<Vector256<byte>>(n, c), h.GetStats, h, PerThreadHeap.SizeClassCount),
                _ => throw new ArgumentOutOfRangeException(nameof(heap)),
            };
    }

    /// <summary>The byte at <paramref name="position"/> of the piped stream: not periodic in any segment size.</summary>
    private static byte Expected(long position) => (byte)((ulong)position * 0x9E3779B97F4A7C15UL >> 56);

    private static void Fill(Span<int> span)
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (i * 7) + 1;
        }
    }

    private static void AssertFilled(Span<int> span)
    {
        for (int i = 0; i < span.Length; i++)
        {
            Assert.Equal((i * 7) + 1, span[i]);
        }
    }

    /// <summary>Whether reading the span throws ObjectDisposedException (a ref struct cannot go into Assert.Throws' lambda).</summary>
    private static bool SpanThrows<T>(SpanOwner<T> owner)
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
}
