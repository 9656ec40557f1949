using System.Buffers.Binary;

namespace AllocGen.Tracing;

/// <summary>
/// Writes the binary form to a stream through a buffer of its own: the header at construction, one record per
/// <see cref="Append"/>, the end record at <see cref="Finish"/>. Not thread-safe (the recorder holds a lock around it).
/// </summary>
internal sealed class TraceEncoder
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _timestamps;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _position;
    private uint _crc = Crc32.Initial;
    private ulong _records;
    private long _previousTimestamp;
    private int _previousThread;
    private ulong _previousAllocatedId;

    public TraceEncoder(Stream stream, bool timestamps)
    {
        _stream = stream;
        _timestamps = timestamps;
        TraceBinaryFormat.Magic.CopyTo(_buffer);
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(4), TraceBinaryFormat.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(6), timestamps ? TraceBinaryFormat.TimestampsFlag : (ushort)0);
        _position = TraceBinaryFormat.HeaderSize;
    }

    /// <summary>Records written so far.</summary>
    public ulong RecordCount => _records;

    public void Append(in TraceOperation operation)
    {
        if (_position > BufferSize - TraceBinaryFormat.MaxRecordSize)
        {
            Drain();
        }

        Span<byte> buffer = _buffer;
        int p = _position;
        bool threadChanges = operation.ThreadId != _previousThread;
        buffer[p++] = (byte)((byte)operation.Kind | (threadChanges ? TraceBinaryFormat.ThreadFlag : 0));
        if (threadChanges)
        {
            p = WriteVarint(buffer, p, TraceBinaryFormat.ZigZag(operation.ThreadId));
            _previousThread = operation.ThreadId;
        }

        if (_timestamps)
        {
            p = WriteVarint(buffer, p, TraceBinaryFormat.ZigZag(unchecked(operation.TimestampNanoseconds - _previousTimestamp)));
            _previousTimestamp = operation.TimestampNanoseconds;
        }

        p = WriteVarint(buffer, p, TraceBinaryFormat.ZigZag(unchecked((long)(operation.BlockId - _previousAllocatedId))));
        switch (operation.Kind)
        {
            case TraceOperationKind.Allocate:
                p = WriteVarint(buffer, p, operation.Size);
                _previousAllocatedId = operation.BlockId;
                break;
            case TraceOperationKind.AllocateZeroed:
                p = WriteVarint(buffer, p, operation.Count);
                p = WriteVarint(buffer, p, operation.Size);
                _previousAllocatedId = operation.BlockId;
                break;
            case TraceOperationKind.Reallocate:
                p = WriteVarint(buffer, p, operation.Size);
                break;
        }

        _position = p;
        _records++;
    }

    /// <summary>Writes the buffered bytes to the stream (the trace stays open: a reader would call it truncated).</summary>
    public void Drain()
    {
        _crc = Crc32.Update(_crc, _buffer.AsSpan(0, _position));
        _stream.Write(_buffer, 0, _position);
        _position = 0;
    }

    /// <summary>Writes the end record and everything buffered; no record may follow.</summary>
    public void Finish()
    {
        if (_position > BufferSize - TraceBinaryFormat.MaxEndSize)
        {
            Drain();
        }

        Span<byte> buffer = _buffer;
        int p = _position;
        buffer[p++] = TraceBinaryFormat.EndTag;
        p = WriteVarint(buffer, p, _records);
        _crc = Crc32.Update(_crc, buffer[..p]);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[p..], Crc32.Finish(_crc));
        _stream.Write(_buffer, 0, p + 4);
        _position = 0;
        _stream.Flush();
    }

    private static int WriteVarint(Span<byte> buffer, int p, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[p++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[p++] = (byte)value;
        return p;
    }
}
