using System.Runtime.InteropServices;
using AllocGen.Memory;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>The copy of a block that moves: the C library's memcpy for short copies where it is found, .NET's above.</summary>
public sealed unsafe class BlockCopyTests
{
    [Fact]
    public void ShortCopiesCallTheCLibraryOnLinuxAndMacOS()
    {
        Assert.Equal(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), BlockCopy.CallsCLibraryDirectly);
    }

    /// <summary>
    /// Every length up to 600 bytes, and lengths around the switch to .NET's copy, at several offsets: the
    /// destination gets the source's bytes, the source is unchanged, and no byte around the destination is written.
    /// </summary>
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 7)]
    [InlineData(8, 3)]
    [InlineData(13, 64)]
    public void CopiesExactlyTheBytesAskedFor(int sourceOffset, int destinationOffset)
    {
        const int Guard = 64;
        nuint[] lengths =
        [
            .. Enumerable.Range(0, 601).Select(n => (nuint)n),
            4095, 4096, 4097, BlockCopy.MaxDirectBytes - 1, BlockCopy.MaxDirectBytes, BlockCopy.MaxDirectBytes + 1, 300_000,
        ];
        nuint capacity = lengths.Max() + (2 * Guard) + 64;
        var source = (byte*)NativeMemory.Alloc(capacity);
        var destination = (byte*)NativeMemory.Alloc(capacity);
        try
        {
            for (nuint i = 0; i < capacity; i++)
            {
                source[i] = (byte)((i * 31) + 5);
            }

            foreach (nuint length in lengths)
            {
                new Span<byte>(destination, (int)capacity).Fill(0xEE);
                byte* from = source + sourceOffset;
                byte* to = destination + Guard + destinationOffset;

                BlockCopy.Copy(from, to, length);

                Assert.True(new ReadOnlySpan<byte>(from, (int)length).SequenceEqual(new ReadOnlySpan<byte>(to, (int)length)), $"length {length}");
                Assert.Equal(-1, new ReadOnlySpan<byte>(destination, Guard + destinationOffset).IndexOfAnyExcept((byte)0xEE));
                Assert.Equal(-1, new ReadOnlySpan<byte>(to + length, Guard).IndexOfAnyExcept((byte)0xEE));
                Assert.Equal((byte)((((nuint)sourceOffset + length) * 31) + 5), from[length]);
            }

            for (nuint i = 0; i < capacity; i++)
            {
                Assert.Equal((byte)((i * 31) + 5), source[i]);
            }
        }
        finally
        {
            NativeMemory.Free(source);
            NativeMemory.Free(destination);
        }
    }
}
