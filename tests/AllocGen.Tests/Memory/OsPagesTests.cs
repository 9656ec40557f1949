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
        byte* region = OsPages.AllocateAligned(Size);
        try
        {
            new Span<byte>(region, Size).Fill(0xA5);
            Assert.True(OsPages.Release(region + 16384, 16384));

            // Only the released range is affected; it can be written again at once.
            Assert.Equal(0xA5, region[16383]);
            Assert.Equal(0xA5, region[32768]);
            if (OperatingSystem.IsLinux())
            {
                Assert.True(new Span<byte>(region + 16384, 16384).IndexOfAnyExcept((byte)0) < 0, "MADV_DONTNEED pages read back as zero");
            }

            region[20000] = 7;
            Assert.Equal(7, region[20000]);
        }
        finally
        {
            OsPages.Free(region, Size);
        }
    }
}
