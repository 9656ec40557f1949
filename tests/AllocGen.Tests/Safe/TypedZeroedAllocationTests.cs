using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Safe;

/// <summary><c>heap.AllocateZeroed&lt;T&gt;()</c>: one zeroed, suitably aligned <c>T</c>, also where a freed block was dirtied.</summary>
public sealed unsafe class TypedZeroedAllocationTests
{
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private struct Small
    {
        public long A;
    }

    [StructLayout(LayoutKind.Sequential, Size = 600)]
    private struct Large
    {
        public long A;
    }

    /// <summary>Size 544, alignment 32: above the small classes of a heap of alignment 8.</summary>
    [InlineArray(17)]
    private struct WideLarge
    {
        private Vector256<byte> _element;
    }

    /// <summary>Size 128 KiB, alignment 32: large enough for a fresh mapping.</summary>
    [InlineArray(4096)]
    private struct WideHuge
    {
        private Vector256<byte> _element;
    }

    [Fact]
    public void ATypeTheHeapAlignsComesZeroedFromRecycledAndFreshBlocks()
    {
        using var heap = new DefaultHeap();
        CheckZeroedAfterDirtying<Small>(heap);
        CheckZeroedAfterDirtying<Large>(heap);
        CheckZeroedAfterDirtying<long>(heap);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void AnOverAlignedTypeComesZeroedAndAligned()
    {
        using var heap = new SmallPoolHeap(); // Alignment = 8
        CheckZeroedAfterDirtying<Vector256<byte>>(heap);
        CheckZeroedAfterDirtying<Vector128<byte>>(heap);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    /// <summary>
    /// With the medium tier off, an over-aligned type above the small classes is a block of the system for Allocate
    /// and for AllocateZeroed alike (of its size, aligned), zero where the system hands dirtied memory out again.
    /// </summary>
    [Fact]
    public void AnOverAlignedTypeAboveTheSmallClassesComesZeroedFromTheSystemWithoutAMediumTier()
    {
        using var heap = new SmallPoolHeap();
        Assert.Equal(0, SmallPoolHeap.MediumRequestThreshold);
        CheckZeroedAfterDirtying<WideLarge>(heap);
        CheckZeroedAfterDirtying<WideHuge>(heap);
        WideHuge* huge = heap.AllocateZeroed<WideHuge>();
        Assert.Equal((nuint)sizeof(WideHuge), heap.UsableSize(huge));
        Assert.Equal(1, heap.GetStats().LargeBlocks);
        heap.Free(huge);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [Fact]
    public void TypedZeroedAllocationAllocatesNothingManaged()
    {
        using var heap = new DefaultHeap();
        Pairs(heap);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pairs(heap);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, heap.GetStats().BlocksInUse);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Pairs(DefaultHeap heap)
    {
        for (int i = 0; i < 10_000; i++)
        {
            heap.Free(heap.AllocateZeroed<Small>());
            heap.Free(heap.AllocateZeroed<Large>());
        }
    }

    /// <summary>Dirties a run of blocks of <typeparamref name="T"/>'s class and frees them; the zeroed ones that reuse them, and fresh ones after, are zero.</summary>
    private static void CheckZeroedAfterDirtying<T>(IAllocator heap)
        where T : unmanaged
    {
        const int Count = 300;
        var blocks = new nint[2 * Count];
        for (int i = 0; i < Count; i++)
        {
            T* dirty = Allocate<T>(heap, zeroed: false);
            new Span<byte>(dirty, sizeof(T)).Fill(0xCD);
            blocks[i] = (nint)dirty;
        }

        for (int i = 0; i < Count; i++)
        {
            heap.Free((void*)blocks[i]);
        }

        for (int i = 0; i < blocks.Length; i++)
        {
            T* zeroed = Allocate<T>(heap, zeroed: true);
            Assert.Equal(0u, (nuint)zeroed % TypeLayout.AlignmentOf<T>());
            Assert.Equal(-1, new Span<byte>(zeroed, sizeof(T)).IndexOfAnyExcept((byte)0));
            blocks[i] = (nint)zeroed;
        }

        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }
    }

    private static T* Allocate<T>(IAllocator heap, bool zeroed)
        where T : unmanaged => heap switch
    {
        DefaultHeap d => zeroed ? d.AllocateZeroed<T>() : d.Allocate<T>(),
        SmallPoolHeap s => zeroed ? s.AllocateZeroed<T>() : s.Allocate<T>(),
        _ => throw new ArgumentOutOfRangeException(nameof(heap), heap.GetType().Name, null),
    };
}
