using AllocGen.Memory;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>The system allocator of large blocks: the C library called without the GC transition where it is found.</summary>
public sealed unsafe class SystemHeapTests
{
    [Fact]
    public void TheCLibraryIsCalledDirectlyOnLinuxAndMacOS()
    {
        Assert.Equal(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), SystemHeap.CallsCLibraryDirectly);
    }

    [Fact]
    public void BlocksKeepTheirContentsAndAlignmentThroughResizes()
    {
        var p = (byte*)SystemHeap.Alloc(1000);
        new Span<byte>(p, 1000).Fill(7);
        p = (byte*)SystemHeap.Realloc(p, 100_000);
        Assert.Equal(-1, new ReadOnlySpan<byte>(p, 1000).IndexOfAnyExcept((byte)7));
        SystemHeap.Free(p);

        var zero = (byte*)SystemHeap.AllocZeroed(5000);
        Assert.Equal(-1, new ReadOnlySpan<byte>(zero, 5000).IndexOfAnyExcept((byte)0));
        SystemHeap.Free(zero);

        foreach (nuint alignment in new nuint[] { 32, 64, 4096 })
        {
            var a = (byte*)SystemHeap.AlignedAlloc(3000, alignment);
            Assert.Equal(0, (nint)a & (nint)(alignment - 1));
            new Span<byte>(a, 3000).Fill(9);
            a = (byte*)SystemHeap.AlignedRealloc(a, 3000, 70_000, alignment);
            Assert.Equal(0, (nint)a & (nint)(alignment - 1));
            Assert.Equal(-1, new ReadOnlySpan<byte>(a, 3000).IndexOfAnyExcept((byte)9));
            a = (byte*)SystemHeap.AlignedRealloc(a, 70_000, 1000, alignment);
            Assert.Equal(-1, new ReadOnlySpan<byte>(a, 1000).IndexOfAnyExcept((byte)9));
            SystemHeap.AlignedFree(a);
        }
    }

    [Fact]
    public void AFailedRequestThrowsOutOfMemory()
    {
        nuint tooLarge = (nuint)1 << 62;
        Assert.Throws<OutOfMemoryException>(() => { SystemHeap.Alloc(tooLarge); });
        Assert.Throws<OutOfMemoryException>(() => { SystemHeap.AllocZeroed(tooLarge); });
        Assert.Throws<OutOfMemoryException>(() => { SystemHeap.AlignedAlloc(tooLarge, 64); });

        // A failed resize leaves the block as it was.
        var p = (byte*)SystemHeap.Alloc(100);
        p[99] = 5;
        Assert.Throws<OutOfMemoryException>(() => { SystemHeap.Realloc(p, tooLarge); });
        Assert.Equal(5, p[99]);
        SystemHeap.Free(p);
        var a = (byte*)SystemHeap.AlignedAlloc(100, 64);
        a[99] = 6;
        Assert.Throws<OutOfMemoryException>(() => { SystemHeap.AlignedRealloc(a, 100, tooLarge, 64); });
        Assert.Equal(6, a[99]);
        SystemHeap.AlignedFree(a);
    }
}
