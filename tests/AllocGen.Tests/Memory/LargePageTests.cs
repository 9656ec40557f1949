using AllocGen.Memory;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>The OS primitives when a page is larger than 4 KiB: they act on whole pages only.</summary>
[Collection(SimulatedPageSizeCollection.Name)]
public sealed unsafe class LargePageTests
{
    private const int Size = 1 << 20;

    [Theory]
    [InlineData(16 << 10)]
    [InlineData(64 << 10)]
    public void GivingBackARangeTouchesOnlyThePagesWhollyInsideIt(int simulatedPage)
    {
        using var pages = new SimulatedPageSize(simulatedPage);
        int page = pages.Bytes;
        byte* region = OsPages.AllocateAligned(Size);
        try
        {
            var all = new Span<byte>(region, Size);
            all.Fill(0xA5);

            // A quarter of a page, as a 16 KiB pool is of a 64 KiB page: no whole page inside, so nothing goes.
            Assert.True(OsPages.Release(region + page + (page / 4), (nuint)page / 4));
            Assert.True(OsPages.Decommit(region + page + (page / 2), (nuint)page / 4));
            Assert.True(all.IndexOfAnyExcept((byte)0xA5) < 0, "a page partly outside the range was given back");

            // From the middle of page 1 to the end of page 2: page 2 goes, pages 1 and 3 stay whole.
            Assert.True(OsPages.Release(region + page + (page / 2), (nuint)page + ((nuint)page / 2)));
            Assert.True(all[..(2 * page)].IndexOfAnyExcept((byte)0xA5) < 0);
            Assert.True(all[(3 * page)..].IndexOfAnyExcept((byte)0xA5) < 0);
            if (OperatingSystem.IsLinux())
            {
                Assert.True(all.Slice(2 * page, page).IndexOfAnyExcept((byte)0) < 0, "MADV_DONTNEED pages read back as zero");
            }
        }
        finally
        {
            OsPages.Free(region, Size);
        }
    }

    [Fact]
    public void ARegionSmallerThanAPageSpansAWholeAlignedPageOfItsOwn()
    {
        using var pages = new SimulatedPageSize(64 << 10);
        int page = pages.Bytes;
        Assert.Equal((nuint)page, OsPages.RegionSize(8192));
        Assert.Equal((nuint)Size, OsPages.RegionSize(Size));
        var regions = new List<nint>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                byte* region = OsPages.AllocateAligned(8192);
                regions.Add((nint)region);
                Assert.Equal(0, (nint)region & (page - 1));
                new Span<byte>(region, page).Fill((byte)(i + 1));
            }

            // Each region is its own page: giving one back whole leaves the others as they were.
            Assert.True(OsPages.Release((byte*)regions[3], OsPages.RegionSize(8192)));
            for (int i = 0; i < regions.Count; i++)
            {
                var contents = new Span<byte>((void*)regions[i], page);
                if (i != 3)
                {
                    Assert.True(contents.IndexOfAnyExcept((byte)(i + 1)) < 0);
                }
                else if (OperatingSystem.IsLinux())
                {
                    Assert.True(contents.IndexOfAnyExcept((byte)0) < 0);
                }
            }
        }
        finally
        {
            foreach (nint region in regions)
            {
                OsPages.Free((byte*)region, 8192);
            }
        }
    }

    [Fact]
    public void TheSimulatedPageIsAPowerOfTwoOfAtLeastTheRealPage()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OsPages.PageSizeOverride = 3 * Environment.SystemPageSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => OsPages.PageSizeOverride = Environment.SystemPageSize / 2);
        Assert.Equal((nuint)Environment.SystemPageSize, OsPages.PageSize);
    }
}
