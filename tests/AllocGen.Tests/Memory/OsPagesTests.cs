using AllocGen.Memory;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>The OS primitives under the arenas: aligned regions, and giving their pages back while keeping the range.</summary>
public sealed unsafe class OsPagesTests
{
    private const int Size = 1 << 20;

    [Fact]
    public void RegionsAreAlignedToTheirSizeAndZero()
    {
        byte* region = OsPages.AllocateAligned(Size);
        try
        {
            Assert.Equal(0, (nint)region & (Size - 1));
            Assert.True(new Span<byte>(region, Size).IndexOfAnyExcept((byte)0) < 0);
        }
        finally
        {
            OsPages.Free(region, Size);
        }
    }

    [Fact]
    public void ReleasedPagesStayUsableAndComeBackZeroOnLinux()
    {
        int page = (int)OsPages.PageSize;
        byte* region = OsPages.AllocateAligned(Size);
        try
        {
            new Span<byte>(region, Size).Fill(0xA5);
            Assert.True(OsPages.Release(region + page, (nuint)page));

            // Only the released page is affected; it can be written again at once.
            Assert.Equal(0xA5, region[page - 1]);
            Assert.Equal(0xA5, region[2 * page]);
            if (OperatingSystem.IsLinux())
            {
                Assert.True(new Span<byte>(region + page, page).IndexOfAnyExcept((byte)0) < 0, "MADV_DONTNEED pages read back as zero");
            }

            region[page + 100] = 7;
            Assert.Equal(7, region[page + 100]);
        }
        finally
        {
            OsPages.Free(region, Size);
        }
    }

    [Fact]
    public void ThePageSizeIsTheOsPageSize() => Assert.Equal((nuint)Environment.SystemPageSize, OsPages.PageSize);
}
