using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using AllocGen.Safe;
using AllocGen.Tests.Pools;
using AllocGen.Tests.Threading;
using Xunit;

namespace AllocGen.Tests.Safe;

/// <summary><c>heap.AsMemoryPool()</c>: a <see cref="MemoryPool{T}"/> of bytes that System.IO.Pipelines rents its segments from.</summary>
public sealed class MemoryPoolTests
{
    private const long PipeBytes = 64L << 20;

    public static TheoryData<string> ThreadSafeHeaps => new() { nameof(LockedDefaultHeap), nameof(PerThreadDefaultHeap) };

    private static IAllocator Create(string heap) => heap switch
    {
        nameof(LockedDefaultHeap) => new LockedDefaultHeap(),
        nameof(PerThreadDefaultHeap) => new PerThreadDefaultHeap(),
        _ => throw new ArgumentOutOfRangeException(nameof(heap), heap, null),
    };

    private static MemoryPool<byte> PoolOf(IAllocator heap) => heap switch
    {
        LockedDefaultHeap locked => locked.AsMemoryPool(),
        PerThreadDefaultHeap perThread => perThread.AsMemoryPool(),
        _ => throw new ArgumentOutOfRangeException(nameof(heap), heap.GetType().Name, null),
    };

    /// <summary>The byte at position <paramref name="position"/> of the stream: not periodic in any chunk size the test uses.</summary>
    private static byte Expected(long position) => (byte)((ulong)position * 0x9E3779B97F4A7C15UL >> 56);

    [Theory]
    [MemberData(nameof(ThreadSafeHeaps))]
    public async Task APipeOverTheHeapMoves64MiBIntactAndReturnsEveryBlock(string heapName)
    {
        using IAllocator heap = Create(heapName);
        var pipe = new Pipe(new PipeOptions(pool: PoolOf(heap), useSynchronizationContext: false));

        Task writer = Task.Run(async () =>
        {
            var random = new Random(19);
            long position = 0;
            while (position < PipeBytes)
            {
                Memory<byte> memory = pipe.Writer.GetMemory(random.Next(1, 40_000));
                int count = (int)Math.Min(random.Next(1, memory.Length + 1), PipeBytes - position);
                Span<byte> span = memory.Span;
                for (int i = 0; i < count; i++)
                {
                    span[i] = Expected(position + i);
                }

                position += count;
                pipe.Writer.Advance(count);
                if ((random.Next(4) == 0 || position == PipeBytes) && (await pipe.Writer.FlushAsync()).IsCompleted)
                {
                    break; // The reader stopped (and says why).
                }
            }

            await pipe.Writer.CompleteAsync();
        });

        Task<long> reader = Task.Run(async () =>
        {
            long position = 0;
            try
            {
                while (true)
                {
                    ReadResult result = await pipe.Reader.ReadAsync();
                    foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                    {
                        if (!MemoryMarshal.TryGetMemoryManager(segment, out HeapMemoryManager<byte>? _))
                        {
                            throw new InvalidDataException($"A segment at byte {position} is not the heap's: the pipe did not rent from it.");
                        }

                        ReadOnlySpan<byte> span = segment.Span;
                        for (int i = 0; i < span.Length; i++)
                        {
                            if (span[i] != Expected(position + i))
                            {
                                throw new InvalidDataException($"Byte {position + i} is {span[i]}, not {Expected(position + i)}.");
                            }
                        }

                        position += span.Length;
                    }

                    pipe.Reader.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (Exception e)
            {
                // Completing with the error ends the writer's wait for room instead of leaving it blocked.
                await pipe.Reader.CompleteAsync(e);
                throw;
            }

            await pipe.Reader.CompleteAsync();
            return position;
        });

        await Task.WhenAll(writer, reader).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(PipeBytes, await reader);

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void ASingleThreadedHeapIsRejectedWithItsNameAndTheFix()
    {
        using var heap = new DefaultHeap();
        var e = Assert.Throws<InvalidOperationException>(() => heap.AsMemoryPool());
        Assert.Contains(nameof(DefaultHeap), e.Message);
        Assert.Contains("ThreadPolicy.Locked", e.Message);
        Assert.Contains("PerThread", e.Message);
    }

    [Fact]
    public void RentGivesTheSizeAskedOrTheDefaultAndRejectsSizesBelowMinusOne()
    {
        using var heap = new LockedDefaultHeap();
        MemoryPool<byte> pool = heap.AsMemoryPool();
        Assert.Equal(int.MaxValue, pool.MaxBufferSize);
        using (IMemoryOwner<byte> byDefault = pool.Rent())
        using (IMemoryOwner<byte> small = pool.Rent(100))
        using (IMemoryOwner<byte> none = pool.Rent(0))
        {
            Assert.Equal(4096, byDefault.Memory.Length);
            Assert.Equal(100, small.Memory.Length);
            Assert.True(none.Memory.IsEmpty);
            Assert.Equal(3, heap.GetStats().BlocksInUse);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(-2));
        Assert.Equal("minBufferSize", e.ParamName);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void ARentalOfThePoolIsARentOwnerUnusableAfterDispose()
    {
        using var heap = new LockedDefaultHeap();
        IMemoryOwner<byte> owner = heap.AsMemoryPool().Rent(64);
        Memory<byte> memory = owner.Memory;
        owner.Dispose();
        owner.Dispose();
        Assert.Throws<ObjectDisposedException>(() => { _ = memory.Span; });
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public unsafe void DisposingThePoolLeavesTheHeapAndItsRentalsAlone()
    {
        using var heap = new LockedDefaultHeap();
        MemoryPool<byte> pool = heap.AsMemoryPool();
        IMemoryOwner<byte> owner = pool.Rent(32);
        owner.Memory.Span.Fill(7);
        pool.Dispose();

        Assert.Equal(-1, owner.Memory.Span.IndexOfAnyExcept((byte)7));
        owner.Dispose();
        heap.Free(heap.Allocate(16));
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }
}
