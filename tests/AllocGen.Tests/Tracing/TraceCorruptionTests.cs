using AllocGen.Tracing;
using CsCheck;
using Xunit;

namespace AllocGen.Tests.Tracing;

/// <summary>
/// A truncated or corrupt binary trace is a <see cref="TraceFormatException"/> naming the byte offset and what was
/// expected there: never another exception, a hang, a huge allocation or part of the trace.
/// </summary>
public sealed class TraceCorruptionTests
{
    private static TraceFormatException ReadFails(byte[] bytes) =>
        Assert.Throws<TraceFormatException>(() => TraceSamples.FromBytes(bytes));

    [Fact]
    public void EveryTruncationPointIsReportedAtItsOffset()
    {
        byte[] whole = TraceSamples.ToBytes(TraceSamples.Small());
        for (int length = 0; length < whole.Length; length++)
        {
            TraceFormatException e = ReadFails(whole[..length]);
            Assert.Equal(length, e.ByteOffset);
            Assert.Null(e.LineNumber);
            Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
            Assert.Contains($"byte offset {length}:", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryFlippedBitIsReported()
    {
        // Whatever field a flipped bit lands in, the structure check or the CRC catches it.
        byte[] whole = TraceSamples.ToBytes(TraceSamples.Small());
        for (int i = 0; i < whole.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] bytes = (byte[])whole.Clone();
                bytes[i] ^= (byte)(1 << bit);
                TraceFormatException e = ReadFails(bytes);
                Assert.InRange(e.ByteOffset!.Value, 0, bytes.Length);
            }
        }
    }

    [Fact]
    public void RandomDamageIsAlwaysATraceFormatException() =>
        Gen.Select(TraceSamples.Random, Gen.Int[0, int.MaxValue], Gen.Byte, Gen.Int[0, 2]).Sample((trace, where, value, how) =>
        {
            byte[] bytes = TraceSamples.ToBytes(trace);
            int at = where % bytes.Length;
            byte[] damaged = how switch
            {
                0 => [.. bytes[..at], (byte)(bytes[at] ^ (value | 1)), .. bytes[(at + 1)..]], // a changed byte
                1 => [.. bytes[..at], value, .. bytes[at..]],                                // an inserted byte
                _ => [.. bytes[..at], .. bytes[(at + 1)..]],                                 // a lost byte
            };
            try
            {
                TraceSamples.FromBytes(damaged);
                return false;
            }
            catch (TraceFormatException e)
            {
                return e.ByteOffset is { } offset && offset >= 0 && offset <= damaged.Length;
            }
        }, iter: 2_000);

    [Fact]
    public void BadMagicIsReported()
    {
        byte[] bytes = TraceSamples.ToBytes(TraceSamples.Small());
        bytes[2] = (byte)'X';
        TraceFormatException e = ReadFails(bytes);
        Assert.Equal(2, e.ByteOffset);
        Assert.Contains("magic number 89 41 47 54", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownVersionIsReported()
    {
        byte[] bytes = TraceSamples.ToBytes(TraceSamples.Small());
        bytes[4] = 2;
        TraceFormatException e = ReadFails(bytes);
        Assert.Equal(4, e.ByteOffset);
        Assert.Contains("expected format version 1, found version 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFlagsAreReported()
    {
        byte[] bytes = TraceSamples.ToBytes(TraceSamples.Small());
        bytes[7] = 0x80;
        TraceFormatException e = ReadFails(bytes);
        Assert.Equal(6, e.ByteOffset);
        Assert.Contains("header flags", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x05)] // kind 5
    [InlineData(0x07)] // kind 7
    [InlineData(0x11)] // a reserved bit
    [InlineData(0x08)] // an end record with a thread
    public void BadRecordTagIsReported(byte tag)
    {
        byte[] bytes = TraceSamples.ToBytes(TraceSamples.Small());
        bytes[8] = tag;
        TraceFormatException e = ReadFails(bytes);
        Assert.Equal(8, e.ByteOffset);
        Assert.Contains($"expected a record tag", e.Message, StringComparison.Ordinal);
        Assert.Contains($"found 0x{tag:X2}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsurdVarintIsReportedWithoutAllocating()
    {
        // Header without timestamps, an allocate of id 1 whose size is eleven continuation bytes.
        byte[] bytes = [0x89, (byte)'A', (byte)'G', (byte)'T', 1, 0, 0, 0, 0x01, 0x02, .. Enumerable.Repeat((byte)0xFF, 11)];
        TraceFormatException e = ReadFails(bytes);
        Assert.Equal(10, e.ByteOffset);
        Assert.Contains("the allocate's size as a varint of at most 64 bits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsurdRecordCountIsReported()
    {
        // An empty trace whose end record claims 2^63 records: compared, never used to size anything.
        byte[] bytes = [0x89, (byte)'A', (byte)'G', (byte)'T', 1, 0, 0, 0, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0, 0];
        TraceFormatException e = ReadFails(bytes);
        Assert.Equal(9, e.ByteOffset);
        Assert.Contains("the end record counts 9223372036854775808 records, but 0 precede it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongCrcIsReportedAtTheCrc()
    {
        byte[] bytes = TraceSamples.ToBytes(TraceSamples.Small());
        bytes[^1] ^= 0x40;
        TraceFormatException e = ReadFails(bytes);
        Assert.Equal(bytes.Length - 4, e.ByteOffset);
        Assert.Contains("CRC-32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BytesAfterTheEndRecordAreReported()
    {
        byte[] bytes = [.. TraceSamples.ToBytes(TraceSamples.Small()), 0x2A];
        TraceFormatException e = ReadFails(bytes);
        Assert.Equal(bytes.Length - 1, e.ByteOffset);
        Assert.Contains("expected the end of the stream after the end record, found 0x2A", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InconsistentRecordIsReportedAtItsOffset()
    {
        // A free of id 1 that was never allocated: tag 4 at offset 8, id delta zigzag(1) = 2.
        byte[] bytes = [0x89, (byte)'A', (byte)'G', (byte)'T', 1, 0, 0, 0, 0x04, 0x02];
        TraceFormatException e = ReadFails(bytes);
        Assert.Equal(8, e.ByteOffset);
        Assert.Contains("a free of block id 1, which is not live", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TextFileIsNotMistakenForBinary()
    {
        TraceFormatException e = ReadFails("a 1 16\n"u8.ToArray());
        Assert.Equal(0, e.ByteOffset);
        Assert.Contains("not a binary trace", e.Message, StringComparison.Ordinal);
    }
}
