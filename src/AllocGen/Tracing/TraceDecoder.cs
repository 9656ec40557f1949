using System.Buffers.Binary;

namespace AllocGen.Tracing;

/// <summary>
/// Reads the binary form from a stream, checking every field as it goes: any byte that is not what the format allows
/// there, and the end of the stream anywhere but after the end record, is a <see cref="TraceFormatException"/> naming
/// its offset. Lengths come only from the bytes actually read (no count is trusted to size a buffer), and every loop
/// consumes a byte per step, so a corrupt trace can neither allocate without bound nor hang.
/// </summary>
internal sealed class TraceDecoder(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _position;
    private int _length;
    private long _bufferOffset;
    private int _crcFrom;
    private uint _crc = Crc32.Initial;

    private long Offset => _bufferOffset + _position;

    public List<TraceOperation> ReadAll(LiveBlockLedger ledger)
    {
        ReadHeader(out bool timestamps);

        var operations = new List<TraceOperation>();
        long timestamp = 0;
        int thread = 0;
        ulong previousAllocated = 0;
        while (true)
        {
            long recordOffset = Offset;
            byte tag = ReadByte("a record tag (1-4, bit 3 for a new thread id) or the end record (0)");
            int kind = tag & TraceBinaryFormat.KindMask;
            if ((tag & ~(TraceBinaryFormat.KindMask | TraceBinaryFormat.ThreadFlag)) != 0 || kind > 4
                || tag == (TraceBinaryFormat.EndTag | TraceBinaryFormat.ThreadFlag))
            {
                throw TraceFormatException.AtOffset(recordOffset,
                    $"expected a record tag (kind 1-4 in bits 0-2, bit 3 for a new thread id) or the end record (0), found 0x{tag:X2}.");
            }

            if (tag == TraceBinaryFormat.EndTag)
            {
                ReadEnd(operations.Count);
                return operations;
            }

            if ((tag & TraceBinaryFormat.ThreadFlag) != 0)
            {
                long at = Offset;
                ulong zigzag = ReadVarint("the record's thread id");
                if (zigzag > uint.MaxValue)
                {
                    throw TraceFormatException.AtOffset(at, $"expected a thread id of 32 bits, found the varint {zigzag}.");
                }

                thread = TraceBinaryFormat.UnZigZag((uint)zigzag);
            }

            if (timestamps)
            {
                timestamp = unchecked(timestamp + TraceBinaryFormat.UnZigZag(ReadVarint("the record's timestamp delta")));
            }

            ulong id = unchecked(previousAllocated + (ulong)TraceBinaryFormat.UnZigZag(ReadVarint("the record's block id delta")));
            var operationKind = (TraceOperationKind)kind;
            ulong count = 1, size = 0;
            switch (operationKind)
            {
                case TraceOperationKind.Allocate:
                    size = ReadVarint("the allocate's size");
                    previousAllocated = id;
                    break;
                case TraceOperationKind.AllocateZeroed:
                    count = ReadVarint("the zeroed allocate's element count");
                    size = ReadVarint("the zeroed allocate's element size");
                    previousAllocated = id;
                    break;
                case TraceOperationKind.Reallocate:
                    size = ReadVarint("the reallocate's new size");
                    break;
            }

            var operation = new TraceOperation(operationKind, id, size, count, timestamp, thread);
            if (ledger.Apply(operation) is { } problem)
            {
                throw TraceFormatException.AtOffset(recordOffset, $"the record is {problem}.");
            }

            if (operations.Count == Array.MaxLength)
            {
                throw TraceFormatException.AtOffset(recordOffset, $"expected the end record after {Array.MaxLength} records, the most a trace may hold.");
            }

            operations.Add(operation);
        }
    }

    private void ReadHeader(out bool timestamps)
    {
        ReadOnlySpan<byte> magic = TraceBinaryFormat.Magic;
        for (int i = 0; i < magic.Length; i++)
        {
            long at = Offset;
            byte b = ReadByte("the magic number 89 41 47 54 of an AllocGen binary trace");
            if (b != magic[i])
            {
                throw TraceFormatException.AtOffset(at,
                    $"expected the magic number 89 41 47 54 of an AllocGen binary trace, found 0x{b:X2} (not a binary trace; text traces are read by ReadText or Load).");
            }
        }

        ushort version = ReadUInt16("the format version (u16)");
        if (version != TraceBinaryFormat.Version)
        {
            throw TraceFormatException.AtOffset(4, $"expected format version {TraceBinaryFormat.Version}, found version {version}, which this reader does not know.");
        }

        ushort flags = ReadUInt16("the header flags (u16)");
        if ((flags & ~TraceBinaryFormat.KnownFlags) != 0)
        {
            throw TraceFormatException.AtOffset(6, $"expected header flags among 0x{TraceBinaryFormat.KnownFlags:X4} (bit 0: timestamps), found 0x{flags:X4}.");
        }

        timestamps = (flags & TraceBinaryFormat.TimestampsFlag) != 0;
    }

    private void ReadEnd(int records)
    {
        long countOffset = Offset;
        ulong count = ReadVarint("the end record's record count");
        if (count != (ulong)records)
        {
            throw TraceFormatException.AtOffset(countOffset, $"the end record counts {count} records, but {records} precede it: the trace is corrupt.");
        }

        _crc = Crc32.Finish(Crc32.Update(_crc, _buffer.AsSpan(_crcFrom, _position - _crcFrom)));
        _crcFrom = -1;
        long crcOffset = Offset;
        Span<byte> stored = stackalloc byte[4];
        for (int i = 0; i < 4; i++)
        {
            stored[i] = ReadByte("the end record's CRC-32 (4 bytes)");
        }

        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(stored);
        if (expected != _crc)
        {
            throw TraceFormatException.AtOffset(crcOffset,
                $"expected the CRC-32 0x{_crc:X8} of the bytes before it, found 0x{expected:X8}: a byte of the trace is corrupt.");
        }

        long endOffset = Offset;
        if (TryReadByte(out byte extra))
        {
            throw TraceFormatException.AtOffset(endOffset, $"expected the end of the stream after the end record, found 0x{extra:X2}.");
        }
    }

    private ushort ReadUInt16(string what)
    {
        byte low = ReadByte(what);
        byte high = ReadByte(what);
        return (ushort)(low | high << 8);
    }

    private ulong ReadVarint(string what)
    {
        long start = Offset;
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = ReadByte(what);
            if (shift == 63 && b > 1)
            {
                throw TraceFormatException.AtOffset(start, $"expected {what} as a varint of at most 64 bits, found one longer.");
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw TraceFormatException.AtOffset(start, $"expected {what} as a varint of at most 64 bits, found one longer.");
    }

    private byte ReadByte(string what)
    {
        if (!TryReadByte(out byte b))
        {
            throw TraceFormatException.AtOffset(Offset, $"expected {what}, found the end of the stream: the trace is truncated.");
        }

        return b;
    }

    private bool TryReadByte(out byte value)
    {
        if (_position == _length && !Refill())
        {
            value = 0;
            return false;
        }

        value = _buffer[_position++];
        return true;
    }

    private bool Refill()
    {
        if (_crcFrom >= 0)
        {
            _crc = Crc32.Update(_crc, _buffer.AsSpan(_crcFrom, _length - _crcFrom));
            _crcFrom = 0;
        }

        _bufferOffset += _length;
        _position = 0;
        _length = 0;
        int read = stream.Read(_buffer, 0, _buffer.Length);
        _length = read;
        return read > 0;
    }
}
