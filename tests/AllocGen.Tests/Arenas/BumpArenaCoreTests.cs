using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AllocGen.Arenas;
using Xunit;

namespace AllocGen.Tests.Arenas;

/// <summary>Behaviour of the shared bump-arena runtime, driven directly (as the generated class does).</summary>
[Collection(BlockCacheCollection.Name)]
public sealed unsafe class BumpArenaCoreTests
{
    private const string Owner = "TestArena";

    // ---------------------------------------------------------------------------------------------------------
    // Randomized: alignment, no overlap, contents intact until Reset/Dispose, accounting against an exact model.
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(256, 8, false, 1_000_000, 1)]
    [InlineData(4096, 1, false, 60_000, 2)]
    [InlineData(1024, 64, false, 60_000, 3)]
    [InlineData(8192, 4096, false, 8_000, 4)]
    [InlineData(256, 1, true, 200_000, 5)]
    [InlineData(512, 8, true, 100_000, 6)]
    [InlineData(65536, 2, true, 8_000, 7)]
    public void RandomizedAllocationsMatchTheModel(int blockSize, int alignment, bool mixedAlignments, int allocations, int seed)
    {
        var random = new Random(seed);
        nuint a = (nuint)alignment;
        nuint b = (nuint)blockSize;
        nuint blockAlignment = Math.Max(a, BumpArenaCore.MinBlockAlignment);
        var core = new BumpArenaCore(a, b, Owner);
        var live = new List<Allocation>();
        var model = new Model();
        int untilReset = random.Next(1, 5000);
        int resets = 0;
        try
        {
            for (int i = 0; i < allocations; i++)
            {
                int size = random.Next(2) == 0 ? random.Next(0, blockSize / 4 + 1) : random.Next(0, 3 * blockSize + 1);
                nuint required = mixedAlignments ? (nuint)1 << random.Next(0, 5) : 1;
                int kind = mixedAlignments ? random.Next(4) : 0;
                byte* p;
                switch (kind)
                {
                    case 1:
                        // Int128: 16-byte natural alignment on x64.
                        int count = size / 16;
                        size = count * 16;
                        required = BumpArenaCore.AlignmentOf<Int128>();
                        p = (byte*)Unsafe.AsPointer(ref core.AllocateSpan<Int128>(count, a, b).GetPinnableReference());
                        if (count == 0)
                        {
                            continue; // An empty span allocates nothing.
                        }

                        break;
                    case 2:
                        required = BumpArenaCore.AlignmentOf<long>();
                        size = sizeof(long);
                        p = (byte*)core.Allocate<long>(a, b);
                        break;
                    case 3:
                        p = (byte*)core.AllocateAligned((nuint)size, required, a, b);
                        break;
                    default:
                        required = 1;
                        p = (byte*)core.Allocate((nuint)size, a, b);
                        break;
                }

                nuint alignTo = Math.Max(required, a);
                if ((nuint)p % alignTo != 0)
                {
                    Assert.Fail($"Allocation {i} of {size} bytes at 0x{(nuint)p:X} is not aligned to {alignTo}.");
                }

                model.Expect(p, (nuint)size, alignTo, a, b, blockAlignment, i);
                if (core.BytesAllocated != model.Allocated || core.BytesReserved != model.Reserved || core.BlockCount != model.Blocks)
                {
                    Assert.Fail(
                        $"Allocation {i}: allocated {core.BytesAllocated}/{model.Allocated}, reserved {core.BytesReserved}/{model.Reserved}, " +
                        $"blocks {core.BlockCount}/{model.Blocks}.");
                }

                Fill(p, size, i);
                live.Add(new Allocation((nuint)p, (nuint)size, i));

                if (--untilReset == 0)
                {
                    VerifyAll(live);
                    core.Reset();
                    model.Reset(b);
                    live.Clear();
                    resets++;
                    Assert.Equal((nuint)0, core.BytesAllocated);
                    Assert.Equal(model.Reserved, core.BytesReserved);
                    Assert.Equal(model.Blocks, core.BlockCount);
                    untilReset = random.Next(1, 5000);
                }
            }

            VerifyAll(live);
            Assert.True(resets > 0 || allocations < 5000);
        }
        finally
        {
            core.Dispose();
        }

        Assert.Equal((nuint)0, core.BytesAllocated);
        Assert.Equal((nuint)0, core.BytesReserved);
        Assert.Equal(0, core.BlockCount);
    }

    private readonly record struct Allocation(nuint Address, nuint Size, int Index);

    /// <summary>
    /// The documented policy, replayed: fit in the current block (after padding), else a fresh block when the request
    /// fits in one, else a block of its own. Over-alignment stays at or below the block alignment, so a fresh block
    /// never needs padding and every address is predictable from the previous ones.
    /// </summary>
    private sealed class Model
    {
        private nuint _cursor;
        private nuint _limit;
        private nuint _firstBlock;

        public nuint Allocated { get; private set; }

        public nuint Reserved { get; private set; }

        public int Blocks { get; private set; }

        public void Expect(byte* pointer, nuint size, nuint alignTo, nuint alignment, nuint blockSize, nuint blockAlignment, int index)
        {
            nuint p = (nuint)pointer;
            nuint rounded = (size + alignment - 1) & ~(alignment - 1);
            Allocated += rounded;
            if (_cursor != 0)
            {
                nuint pad = (0 - _cursor) & (alignTo - 1);
                if (pad <= _limit - _cursor && rounded <= _limit - _cursor - pad)
                {
                    Check(p == _cursor + pad, index, $"expected the current block's cursor 0x{_cursor + pad:X}, got 0x{p:X}");
                    _cursor = p + rounded;
                    return;
                }
            }

            Blocks++;
            if (rounded <= blockSize)
            {
                Check(p % blockAlignment == 0, index, $"a fresh block 0x{p:X} is not aligned to {blockAlignment}");
                Check(_firstBlock == 0 || p != _firstBlock, index, "the first block was handed out again");
                _firstBlock = _firstBlock == 0 ? p : _firstBlock;
                Reserved += blockSize;
                _cursor = p + rounded;
                _limit = p + blockSize;
            }
            else
            {
                Check(p % Math.Max(alignTo, blockAlignment) == 0, index, $"a dedicated block 0x{p:X} is misaligned");
                Reserved += rounded;
            }
        }

        public void Reset(nuint blockSize)
        {
            Allocated = 0;
            _cursor = _firstBlock;
            _limit = _firstBlock == 0 ? 0 : _firstBlock + blockSize;
            Blocks = _firstBlock == 0 ? 0 : 1;
            Reserved = _firstBlock == 0 ? 0 : blockSize;

            // Allow the first block to be "fresh" once more only through the cursor, never as a new block.
        }

        private static void Check(bool condition, int index, string message)
        {
            if (!condition)
            {
                Assert.Fail($"Allocation {index}: {message}.");
            }
        }
    }

    private static byte Pattern(int index) => (byte)((uint)index * 2654435761u >> 24);

    private static void Fill(byte* p, int size, int index)
    {
        new Span<byte>(p, size).Fill(Pattern(index));
        if (size >= sizeof(int))
        {
            Unsafe.WriteUnaligned(p, index);
        }
    }

    private static void VerifyAll(List<Allocation> live)
    {
        foreach (Allocation x in live)
        {
            int size = (int)x.Size;
            int head = size >= sizeof(int) ? sizeof(int) : 0;
            if ((head != 0 && Unsafe.ReadUnaligned<int>((byte*)x.Address) != x.Index) ||
                new ReadOnlySpan<byte>((byte*)x.Address + head, size - head).IndexOfAnyExcept(Pattern(x.Index)) >= 0)
            {
                Assert.Fail($"Allocation {x.Index} ({x.Size} bytes at 0x{x.Address:X}) was overwritten.");
            }
        }

        var sorted = live.ToArray();
        // Zero-byte allocations may share an address with the next one: order them first.
        Array.Sort(sorted, static (l, r) => l.Address != r.Address ? l.Address.CompareTo(r.Address) : l.Size.CompareTo(r.Size));
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i - 1].Address + sorted[i - 1].Size > sorted[i].Address)
            {
                Assert.Fail($"Allocations {sorted[i - 1].Index} and {sorted[i].Index} overlap.");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Block policy.
    // ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void OversizedRequestGetsItsOwnBlockAndKeepsTheCurrentOne()
    {
        var core = new BumpArenaCore(8, 256, Owner);
        try
        {
            byte* first = (byte*)core.Allocate(10, 8, 256);
            byte* big = (byte*)core.Allocate(1001, 8, 256);
            byte* second = (byte*)core.Allocate(10, 8, 256);
            Assert.True(second == first + 16);
            Assert.True(big < first || big >= first + 256);
            Assert.Equal(2, core.BlockCount);
            Assert.Equal((nuint)(256 + 1008), core.BytesReserved);
            Assert.Equal((nuint)(16 + 1008 + 16), core.BytesAllocated);

            // Exactly one block is still a normal block, and fills the bump block exactly when it is fresh.
            byte* whole = (byte*)core.Allocate(256, 8, 256);
            Assert.Equal(3, core.BlockCount);
            Assert.Equal((nuint)(2 * 256 + 1008), core.BytesReserved);
            Assert.Equal(0u, (nuint)whole % 16);

            // The new block is full: the next request starts another one.
            core.Allocate(8, 8, 256);
            Assert.Equal(4, core.BlockCount);
        }
        finally
        {
            core.Dispose();
        }
    }

    [Fact]
    public void ExactFitUsesTheRestOfTheBlock()
    {
        var core = new BumpArenaCore(8, 256, Owner);
        try
        {
            byte* p = (byte*)core.Allocate(100, 8, 256);
            byte* q = (byte*)core.Allocate(256 - 104, 8, 256);
            Assert.True(q == p + 104);
            Assert.Equal(1, core.BlockCount);
            Assert.Equal((nuint)256, core.BytesAllocated);

            // Zero bytes at the very end: the block's end, no new block.
            byte* end = (byte*)core.Allocate(0, 8, 256);
            Assert.True(end == p + 256);
            Assert.Equal(1, core.BlockCount);
        }
        finally
        {
            core.Dispose();
        }
    }

    [Fact]
    public void ResetKeepsTheFirstNormalBlockAndFreesTheOthers()
    {
        var core = new BumpArenaCore(16, 512, Owner);
        try
        {
            core.Allocate(5000, 16, 512); // dedicated, comes first but is not the first normal block
            byte* firstNormal = (byte*)core.Allocate(100, 16, 512);
            for (int i = 0; i < 20; i++)
            {
                core.Allocate(300, 16, 512);
            }

            core.Allocate(70_000, 16, 512);
            Assert.True(core.BlockCount > 3);

            core.Reset();
            Assert.Equal(1, core.BlockCount);
            Assert.Equal((nuint)512, core.BytesReserved);
            Assert.Equal((nuint)0, core.BytesAllocated);
            Assert.True(core.Allocate(1, 16, 512) == firstNormal);
            Assert.Equal((nuint)16, core.BytesAllocated);

            core.Reset();
            core.Reset();
            Assert.Equal(1, core.BlockCount);
        }
        finally
        {
            core.Dispose();
        }
    }

    [Fact]
    public void ResetOfAnArenaWithOnlyDedicatedBlocksFreesThemAll()
    {
        var core = new BumpArenaCore(8, 256, Owner);
        try
        {
            core.Allocate(1000, 8, 256);
            Assert.Equal(1, core.BlockCount);
            core.Reset();
            Assert.Equal(0, core.BlockCount);
            Assert.Equal((nuint)0, core.BytesReserved);
        }
        finally
        {
            core.Dispose();
        }
    }

    [Fact]
    public void NaturalAlignmentIsKnownAndHonoured()
    {
        Assert.Equal((nuint)1, BumpArenaCore.AlignmentOf<byte>());
        Assert.Equal((nuint)2, BumpArenaCore.AlignmentOf<short>());
        Assert.Equal((nuint)4, BumpArenaCore.AlignmentOf<int>());
        Assert.Equal((nuint)8, BumpArenaCore.AlignmentOf<long>());
        Assert.Equal((nuint)8, BumpArenaCore.AlignmentOf<double>());
        Assert.Equal((nuint)8, BumpArenaCore.AlignmentOf<ByteThenLong>());
        Assert.Equal((nuint)16, BumpArenaCore.AlignmentOf<Int128>());
        Assert.Equal((nuint)16, BumpArenaCore.AlignmentOf<Vector128<byte>>());

        var core = new BumpArenaCore(1, 256, Owner);
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                core.Allocate(1, 1, 256);
                Assert.Equal(0u, (nuint)core.Allocate<long>(1, 256) % 8);
                core.Allocate(3, 1, 256);
                Assert.Equal(0u, (nuint)core.Allocate<Int128>(1, 256) % 16);
                core.Allocate(1, 1, 256);
                Span<ByteThenLong> span = core.AllocateSpan<ByteThenLong>(3, 1, 256);
                Assert.Equal(0u, (nuint)Unsafe.AsPointer(ref span[0]) % 8);
                Span<Vector256<byte>> vectors = core.AllocateSpan<Vector256<byte>>(2, 1, 256);
                Assert.Equal(0u, (nuint)Unsafe.AsPointer(ref vectors[0]) % BumpArenaCore.AlignmentOf<Vector256<byte>>());
            }
        }
        finally
        {
            core.Dispose();
        }
    }

    private struct ByteThenLong
    {
#pragma warning disable CS0649 // Only the layout matters.
        public byte Tag;
        public long Value;
#pragma warning restore CS0649
    }

    [Theory]
    [InlineData(8, 256, 64, 10)]     // over-aligned, fits in a block with padding
    [InlineData(8, 256, 64, 200)]    // over-aligned, fits a fresh block only if it is 64-aligned: own block
    [InlineData(8, 256, 4096, 100)]  // alignment beyond the block: own block
    [InlineData(1, 4096, 256, 3000)]
    [InlineData(4096, 8192, 8192, 1)]
    public void LargeRequiredAlignmentsAreHonoured(int alignment, int blockSize, int required, int size)
    {
        var core = new BumpArenaCore((nuint)alignment, (nuint)blockSize, Owner);
        try
        {
            nuint expected = 0;
            for (int i = 0; i < 200; i++)
            {
                core.Allocate((nuint)(i % 7), (nuint)alignment, (nuint)blockSize);
                expected += RoundUp((nuint)(i % 7), (nuint)alignment);
                byte* p = (byte*)core.AllocateAligned((nuint)size, (nuint)required, (nuint)alignment, (nuint)blockSize);
                expected += RoundUp((nuint)size, (nuint)alignment);
                Assert.Equal(0u, (nuint)p % (nuint)required);
                new Span<byte>(p, size).Fill(0xAB);
            }

            Assert.Equal(expected, core.BytesAllocated);
        }
        finally
        {
            core.Dispose();
        }
    }

    private static nuint RoundUp(nuint size, nuint alignment) => (size + alignment - 1) & ~(alignment - 1);

    // ---------------------------------------------------------------------------------------------------------
    // Owned objects.
    // ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void OwnedObjectsAreReleasedOnceInReverseOrderOnReset()
    {
        var log = new List<int>();
        var objects = Enumerable.Range(1, 5).Select(i => new Recorder(log, i)).ToArray();
        var core = new BumpArenaCore(8, 256, Owner);
        try
        {
            foreach (Recorder r in objects)
            {
                core.Own(r);
            }

            Assert.Equal(5, core.OwnedCount);
            core.Reset();
            Assert.Equal([5, 4, 3, 2, 1], log);
            Assert.Equal(0, core.OwnedCount);

            core.Reset();
            core.Dispose();
            Assert.Equal([5, 4, 3, 2, 1], log);
            Assert.All(objects, r => Assert.Equal(1, r.DisposeCount));
        }
        finally
        {
            core.Dispose();
        }
    }

    [Fact]
    public void OwnedObjectsAreReleasedOnceInReverseOrderOnDispose()
    {
        var log = new List<int>();
        var core = new BumpArenaCore(8, 256, Owner);
        var before = new Recorder(log, 1);
        core.Own(before);
        core.Reset();
        var objects = Enumerable.Range(10, 4).Select(i => new Recorder(log, i)).ToArray();
        foreach (Recorder r in objects)
        {
            core.Own(r);
        }

        core.Dispose();
        core.Dispose();
        Assert.Equal([1, 13, 12, 11, 10], log);
        Assert.Equal(1, before.DisposeCount);
        Assert.All(objects, r => Assert.Equal(1, r.DisposeCount));
    }

    [Fact]
    public void OwnedObjectsAreReleasedWhileTheMemoryIsStillReadable()
    {
        var core = new BumpArenaCore(8, 256, Owner);
        long* value = (long*)core.Allocate(8, 8, 256);
        *value = 42;
        var seen = new List<long>();
        core.Own(new Callback(() => seen.Add(*value)));
        core.Reset();
        value = (long*)core.Allocate(8, 8, 256);
        *value = 43;
        core.Own(new Callback(() => seen.Add(*value)));
        core.Dispose();
        Assert.Equal([42L, 43L], seen);
    }

    [Fact]
    public void FailingOwnedObjectsDoNotStopTheOthersOnReset()
    {
        var log = new List<int>();
        var objects = new[] { new Recorder(log, 1), new Recorder(log, 2, fail: true), new Recorder(log, 3, fail: true), new Recorder(log, 4) };
        var core = new BumpArenaCore(8, 256, Owner);
        try
        {
            foreach (Recorder r in objects)
            {
                core.Own(r);
            }

            core.Allocate(100, 8, 256);
            core.Allocate(1000, 8, 256);
            var error = Assert.Throws<AggregateException>(() => ResetBoxed(ref core));
            Assert.Equal([4, 3, 2, 1], log);
            Assert.Equal(["3", "2"], error.InnerExceptions.Select(e => e.Message));

            // The arena was rewound anyway and stays usable.
            Assert.Equal((nuint)0, core.BytesAllocated);
            Assert.Equal(1, core.BlockCount);
            Assert.Equal(0, core.OwnedCount);
            core.Allocate(10, 8, 256);
            core.Dispose();
            Assert.All(objects, r => Assert.Equal(1, r.DisposeCount));
        }
        finally
        {
            core.Dispose();
        }
    }

    [Fact]
    public void FailingOwnedObjectsDoNotStopTheOthersOnDispose()
    {
        var log = new List<int>();
        var objects = new[] { new Recorder(log, 1, fail: true), new Recorder(log, 2), new Recorder(log, 3, fail: true) };
        var core = new BumpArenaCore(8, 256, Owner);
        foreach (Recorder r in objects)
        {
            core.Own(r);
        }

        core.Allocate(100, 8, 256);
        var error = Assert.Throws<AggregateException>(() => DisposeBoxed(ref core));
        Assert.Equal([3, 2, 1], log);
        Assert.Equal(2, error.InnerExceptions.Count);
        Assert.True(core.IsDisposed);
        Assert.Equal(0, core.BlockCount);
        Assert.Equal((nuint)0, core.BytesReserved);
        core.Dispose();
        Assert.All(objects, r => Assert.Equal(1, r.DisposeCount));
    }

    [Fact]
    public void AnOwnedObjectMayDisposeTheArenaFromItsDispose()
    {
        var box = new ArenaBox();
        var log = new List<int>();
        box.Core.Own(new Recorder(log, 1));
        box.Core.Own(new Callback(() => box.Dispose()));
        box.Core.Own(new Recorder(log, 3));
        box.Core.Allocate(10, 8, 256);
        box.Core.Reset();
        Assert.Equal([3, 1], log);
        Assert.True(box.Core.IsDisposed);
        Assert.Equal(0, box.Core.BlockCount);
        Assert.Throws<ObjectDisposedException>(() => box.Core.Allocate(1, 8, 256));
    }

    [Fact]
    public void OwnRejectsNull()
    {
        var core = new BumpArenaCore(8, 256, Owner);
        try
        {
            Assert.Throws<ArgumentNullException>(() => OwnBoxed(ref core, null!));
        }
        finally
        {
            core.Dispose();
        }
    }

    private sealed class Recorder(List<int> log, int id, bool fail = false) : IDisposable
    {
        public int DisposeCount { get; private set; }

        public void Dispose()
        {
            DisposeCount++;
            log.Add(id);
            if (fail)
            {
                throw new InvalidOperationException(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    private sealed class Callback(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    /// <summary>The shape of a generated arena: the core in a mutable field of a class.</summary>
    private sealed class ArenaBox : IDisposable
    {
        public BumpArenaCore Core = new(8, 256, "ArenaBox");

        public void Dispose() => Core.Dispose();
    }

    // Lambdas cannot capture a ref local; these forward to it.
    private static void ResetBoxed(ref BumpArenaCore core) => core.Reset();

    private static void DisposeBoxed(ref BumpArenaCore core) => core.Dispose();

    private static void OwnBoxed(ref BumpArenaCore core, IDisposable owned) => core.Own(owned);

    // ---------------------------------------------------------------------------------------------------------
    // Use after Dispose, invalid arguments, invalid geometry.
    // ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void EveryMemberThrowsAfterDispose()
    {
        var box = new ArenaBox();
        box.Core.Allocate(10, 8, 256);
        box.Core.Allocate(1000, 8, 256);
        box.Dispose();

        var thrown = new List<ObjectDisposedException>
        {
            Assert.Throws<ObjectDisposedException>(() => box.Core.Allocate(0, 8, 256)),
            Assert.Throws<ObjectDisposedException>(() => box.Core.Allocate(16, 8, 256)),
            Assert.Throws<ObjectDisposedException>(() => box.Core.Allocate(100_000, 8, 256)),
            Assert.Throws<ObjectDisposedException>(() => box.Core.Allocate(nuint.MaxValue, 8, 256)),
            Assert.Throws<ObjectDisposedException>(() => box.Core.AllocateAligned(16, 64, 8, 256)),
            Assert.Throws<ObjectDisposedException>(() => box.Core.AllocateAligned(16, 4, 8, 256)),
            Assert.Throws<ObjectDisposedException>(() => { box.Core.Allocate<long>(8, 256); }),
            Assert.Throws<ObjectDisposedException>(() => { box.Core.Allocate<Int128>(8, 256); }),
            Assert.Throws<ObjectDisposedException>(() => { box.Core.AllocateSpan<int>(0, 8, 256); }),
            Assert.Throws<ObjectDisposedException>(() => { box.Core.AllocateSpan<int>(5, 8, 256); }),
            Assert.Throws<ObjectDisposedException>(() => { box.Core.AllocateSpan<Int128>(5, 8, 256); }),
            Assert.Throws<ObjectDisposedException>(() => box.Core.Own(new Callback(() => { }))),
            Assert.Throws<ObjectDisposedException>(() => box.Core.Reset()),
        };

        Assert.All(thrown, e => Assert.Equal("ArenaBox", e.ObjectName));
        box.Dispose(); // idempotent
        Assert.Equal((nuint)0, box.Core.BytesAllocated);
        Assert.Equal((nuint)0, box.Core.BytesReserved);
        Assert.Equal(0, box.Core.BlockCount);
    }

    [Fact]
    public void SpanCountsAreChecked()
    {
        var box = new ArenaBox();
        try
        {
            box.Core.Allocate(24, 8, 256);
            Assert.Throws<ArgumentOutOfRangeException>(() => { box.Core.AllocateSpan<byte>(-1, 8, 256); });
            Assert.Throws<ArgumentOutOfRangeException>(() => { box.Core.AllocateSpan<long>(int.MinValue, 8, 256); });
            Assert.Throws<OverflowException>(() => { box.Core.AllocateSpan<long>(int.MaxValue / 8 + 1, 8, 256); });
            Assert.Throws<OverflowException>(() => { box.Core.AllocateSpan<Int128>(int.MaxValue, 8, 256); });
            Assert.Throws<OverflowException>(() => { box.Core.AllocateSpan<int>(1 << 30, 8, 256); });
            Assert.Equal((nuint)24, box.Core.BytesAllocated);
            Assert.Equal(1, box.Core.BlockCount);

            Assert.True(box.Core.AllocateSpan<long>(0, 8, 256).IsEmpty);
            Assert.Equal((nuint)24, box.Core.BytesAllocated);

            Span<long> longs = box.Core.AllocateSpan<long>(3, 8, 256);
            Assert.Equal(3, longs.Length);
            Assert.Equal((nuint)48, box.Core.BytesAllocated);

            Span<byte> bytes = box.Core.AllocateSpan<byte>(3, 8, 256);
            Assert.Equal(3, bytes.Length);
            Assert.Equal((nuint)56, box.Core.BytesAllocated);
        }
        finally
        {
            box.Dispose();
        }
    }

    [Fact]
    public void ImpossibleSizesThrowAndLeaveTheArenaIntact()
    {
        var box = new ArenaBox();
        try
        {
            byte* p = (byte*)box.Core.Allocate(16, 8, 256);
            Assert.Throws<OutOfMemoryException>(() => box.Core.Allocate(nuint.MaxValue, 8, 256));
            Assert.Throws<OutOfMemoryException>(() => box.Core.Allocate(nuint.MaxValue - 100, 8, 256));
            Assert.Equal((nuint)16, box.Core.BytesAllocated);
            Assert.Equal(1, box.Core.BlockCount);
            Assert.True(box.Core.Allocate(16, 8, 256) == p + 16);
        }
        finally
        {
            box.Dispose();
        }
    }

    [Theory]
    [InlineData(8, 128)]
    [InlineData(8, 3000)]
    [InlineData(8, 128 << 20)]
    [InlineData(0, 256)]
    [InlineData(3, 256)]
    [InlineData(8192, 16384)]
    [InlineData(512, 256)]
    public void InvalidGeometryIsRejected(int alignment, int blockSize) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BumpArenaCore((nuint)alignment, (nuint)blockSize, Owner));

    [Theory]
    [InlineData(1, 256)]
    [InlineData(4096, 4096)]
    [InlineData(4096, 64 << 20)]
    [InlineData(8, 8192)]
    public void ValidGeometryIsAccepted(int alignment, int blockSize)
    {
        var core = new BumpArenaCore((nuint)alignment, (nuint)blockSize, Owner);
        try
        {
            byte* p = (byte*)core.Allocate(1, (nuint)alignment, (nuint)blockSize);
            Assert.Equal(0u, (nuint)p % (nuint)alignment);
            Assert.Equal((nuint)blockSize, core.BytesReserved);
        }
        finally
        {
            core.Dispose();
        }
    }

    [Fact]
    public void CallsWithAnotherGeometryOrANonPowerOfTwoAlignmentAreRejected()
    {
        var box = new ArenaBox();
        try
        {
            Assert.Throws<ArgumentException>(() => box.Core.Allocate(8, 16, 256));
            Assert.Throws<ArgumentException>(() => box.Core.Allocate(8, 8, 512));
            Assert.Throws<ArgumentException>(() => box.Core.AllocateAligned(8, 24, 8, 256));
            Assert.Equal(0, box.Core.BlockCount);
        }
        finally
        {
            box.Dispose();
        }
    }

    [Fact]
    public void DefaultCoreIsNotUsable()
    {
        BumpArenaCore core = default;
        Assert.Throws<InvalidOperationException>(() => AllocateBoxed(ref core));
        core.Reset();
        core.Dispose();
    }

    private static void AllocateBoxed(ref BumpArenaCore core) => core.Allocate(8, 8, 256);

    // ---------------------------------------------------------------------------------------------------------
    // No managed allocation on the allocation paths.
    // ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void AllocatingInsideBlocksAllocatesNoManagedMemory()
    {
        var box = new ArenaBox64M();
        try
        {
            long allocated = 0;
            for (int round = 0; round < 3; round++)
            {
                box.Core.Reset();
                long before = GC.GetAllocatedBytesForCurrentThread();
                long sum = InsideBlocks(box, 100_000);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.NotEqual(0, sum);
            }

            Assert.Equal(1, box.Core.BlockCount);
            Assert.Equal(0, allocated);
        }
        finally
        {
            box.Core.Dispose();
        }
    }

    [Fact]
    public void AllocatingNewBlocksAllocatesNoManagedMemory()
    {
        var box = new ArenaBox();
        try
        {
            long allocated = 0;
            for (int round = 0; round < 3; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                long sum = NewBlocks(box, 20_000);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.NotEqual(0, sum);
            }

            Assert.Equal(0, allocated);
        }
        finally
        {
            box.Dispose();
        }
    }

    private sealed class ArenaBox64M
    {
        public BumpArenaCore Core = new(8, 64 << 20, "ArenaBox64M");
    }

    private static long InsideBlocks(ArenaBox64M box, int n)
    {
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += (long)box.Core.Allocate(16, 8, 64 << 20);
            sum += (long)box.Core.Allocate<long>(8, 64 << 20);
            sum += box.Core.AllocateSpan<int>(4, 8, 64 << 20).Length;
            sum += (long)box.Core.Allocate<Int128>(8, 64 << 20);
        }

        return sum;
    }

    private static long NewBlocks(ArenaBox box, int n)
    {
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += (long)box.Core.Allocate(200, 8, 256);        // a new normal block nearly every time
            sum += (long)box.Core.Allocate(1000, 8, 256);       // a dedicated block
            sum += box.Core.AllocateSpan<long>(100, 8, 256).Length; // a dedicated block
            sum += (long)box.Core.AllocateAligned(100, 64, 8, 256);
            if (i % 1000 == 999)
            {
                box.Core.Reset();
            }
        }

        return sum;
    }
}
