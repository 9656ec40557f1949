using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Tests.Pools;
using AllocGen.Tests.Threading;
using Xunit;
using Xunit.Abstractions;

namespace AllocGen.Tests.Safe;

/// <summary>
/// <c>heap.Rent&lt;T&gt;</c>: an <see cref="IMemoryOwner{T}"/> over a heap block. Its block is freed once, and after
/// Dispose no <see cref="Memory{T}"/> taken from it, however sliced, reaches the freed memory.
/// </summary>
public sealed class MemoryOwnerTests(ITestOutputHelper output)
{
    /// <summary>The managed bytes one Rent + Dispose may cost: the one manager object (its header and four fields).</summary>
    private const int ManagedBytesPerOwner = 48;

    [Fact]
    public unsafe void DisposeFreesTheBlockAndASecondDisposeDoesNothing()
    {
        using var heap = new DefaultHeap();
        IMemoryOwner<int> owner = heap.Rent<int>(10);
        Assert.Equal(1, heap.GetStats().BlocksInUse);

        owner.Dispose();
        Assert.Equal(0, heap.GetStats().BlocksInUse);

        // The next block of that class takes the freed address: a second free of the owner's block would free it.
        void* next = heap.Allocate(40);
        owner.Dispose();
        Assert.Equal(1, heap.GetStats().BlocksInUse);
        heap.Free(next);
    }

    [Fact]
    public unsafe void EveryUseAfterDisposeThrowsThroughTheOwnerAndThroughMemoryTakenBefore()
    {
        using var heap = new DefaultHeap();
        IMemoryOwner<byte> owner = heap.Rent<byte>(64);
        Memory<byte> memory = owner.Memory;
        Memory<byte> slice = memory.Slice(8, 16);
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(memory, out MemoryManager<byte>? manager));
        owner.Dispose();

        // The block is someone else's now: nothing below may read or write it.
        byte* reused = (byte*)heap.Allocate(64);
        new Span<byte>(reused, 64).Fill(0xAB);

        Assert.Throws<ObjectDisposedException>(() => owner.Memory);
        Assert.Throws<ObjectDisposedException>(() => { _ = memory.Span; });
        Assert.Throws<ObjectDisposedException>(() => { _ = slice.Span; });
        Assert.Throws<ObjectDisposedException>(() => memory.Pin());
        Assert.Throws<ObjectDisposedException>(() => memory.ToArray());
        Assert.Throws<ObjectDisposedException>(() => new byte[64].CopyTo(memory));
        Assert.Throws<ObjectDisposedException>(() => { _ = manager!.GetSpan(); });
        Assert.Throws<ObjectDisposedException>(() => manager!.Pin());

        Assert.Equal(-1, new Span<byte>(reused, 64).IndexOfAnyExcept((byte)0xAB));
        heap.Free(reused);
    }

    [Fact]
    public async Task TheMemoryKeepsItsContentsAcrossAwaits()
    {
        using var heap = new LockedDefaultHeap();
        using IMemoryOwner<long> owner = heap.Rent<long>(1_000);
        Memory<long> memory = owner.Memory;
        Assert.Equal(1_000, memory.Length);
        for (int i = 0; i < memory.Length; i++)
        {
            memory.Span[i] = i * 31L;
        }

        await Task.Yield();
        await Task.Delay(1);
        for (int i = 0; i < memory.Length; i++)
        {
            Assert.Equal(i * 31L, memory.Span[i]);
        }
    }

    [Fact]
    public unsafe void PinGivesTheBlockAddressAndRejectsAnIndexOutsideIt()
    {
        using var heap = new DefaultHeap();
        using IMemoryOwner<int> owner = heap.Rent<int>(20, clear: true);
        using (MemoryHandle handle = owner.Memory.Pin())
        {
            Assert.True(heap.Owns(handle.Pointer));
            Assert.Equal((nint)Unsafe.AsPointer(ref owner.Memory.Span[0]), (nint)handle.Pointer);
        }

        using (MemoryHandle handle = owner.Memory.Slice(5).Pin())
        {
            Assert.Equal((nint)Unsafe.AsPointer(ref owner.Memory.Span[5]), (nint)handle.Pointer);
        }

        Assert.True(MemoryMarshal.TryGetMemoryManager<int, MemoryManager<int>>(owner.Memory, out MemoryManager<int>? manager));
        Assert.Throws<ArgumentOutOfRangeException>(() => manager!.Pin(21));
        Assert.Equal(-1, owner.Memory.Span.IndexOfAnyExcept(0));
    }

    [Fact]
    public void DisposesRacingOnTwoThreadsFreeTheBlockOnce()
    {
        using var heap = new LockedDefaultHeap();
        for (int round = 0; round < 200; round++)
        {
            IMemoryOwner<byte> owner = heap.Rent<byte>(100);
            using var start = new Barrier(2);
            var other = new Thread(() =>
            {
                start.SignalAndWait();
                owner.Dispose();
            });
            other.Start();
            start.SignalAndWait();
            owner.Dispose();
            Assert.True(other.Join(TimeSpan.FromSeconds(10)));
            Assert.Equal(0, heap.GetStats().BlocksInUse);
        }
    }

    [Fact]
    public void ABlockRentedOnOneThreadIsFreedByADisposeOnAnother()
    {
        using var heap = new PerThreadDefaultHeap();
        IMemoryOwner<int>[] owners = [];
        var renter = new Thread(() => owners = Enumerable.Range(1, 100).Select(n => heap.Rent<int>(n)).ToArray());
        renter.Start();
        Assert.True(renter.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(100, heap.GetStats().BlocksInUse);
        foreach (IMemoryOwner<int> owner in owners)
        {
            owner.Dispose();
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void ANegativeLengthThrows()
    {
        using var heap = new DefaultHeap();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => heap.Rent<int>(-5));
        Assert.Equal("length", e.ParamName);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void ARentAndDisposeCostsOneSmallManagedObject()
    {
        const int Pairs = 10_000;
        using var heap = new DefaultHeap();
        RentDisposePairs(heap, Pairs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RentDisposePairs(heap, Pairs);
        long perPair = (GC.GetAllocatedBytesForCurrentThread() - before) / Pairs;

        output.WriteLine($"{perPair} managed bytes per Rent + Dispose");
        Assert.InRange(perPair, 1, ManagedBytesPerOwner);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RentDisposePairs(DefaultHeap heap, int pairs)
    {
        for (int i = 0; i < pairs; i++)
        {
            using IMemoryOwner<int> owner = heap.Rent<int>(1 + (i % 300));
            owner.Memory.Span[0] = i;
        }
    }
}
