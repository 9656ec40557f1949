namespace AllocGen.Tracing;

/// <summary>What one record of an allocation trace did.</summary>
public enum TraceOperationKind : byte
{
    /// <summary><c>Allocate(Size)</c>: a new block <c>BlockId</c>.</summary>
    Allocate = 1,

    /// <summary><c>AllocateZeroed(Count, Size)</c>: a new zeroed block <c>BlockId</c> of Count × Size bytes.</summary>
    AllocateZeroed = 2,

    /// <summary><c>Reallocate(block, Size)</c>: block <c>BlockId</c> keeps its id and gets <c>Size</c> bytes.</summary>
    Reallocate = 3,

    /// <summary><c>Free(block)</c>: block <c>BlockId</c> ends.</summary>
    Free = 4,
}

/// <summary>
/// One operation of an allocation trace. Block ids are unique while the block is live (a freed block's id may come
/// back); <see cref="Size"/> is the requested size (Allocate), the element size (AllocateZeroed) or the new size
/// (Reallocate), and 0 for Free; <see cref="Count"/> is the element count of AllocateZeroed and 1 otherwise.
/// </summary>
/// <param name="Kind">What the operation did.</param>
/// <param name="BlockId">The block it concerns.</param>
/// <param name="Size">Bytes requested (see the type's summary).</param>
/// <param name="Count">Elements of an AllocateZeroed; 1 for the other kinds.</param>
/// <param name="TimestampNanoseconds">Nanoseconds since the trace began (0 where the source had no clock).</param>
/// <param name="ThreadId">The managed thread id of the caller (0 where unknown).</param>
public readonly record struct TraceOperation(
    TraceOperationKind Kind,
    ulong BlockId,
    ulong Size,
    ulong Count,
    long TimestampNanoseconds,
    int ThreadId)
{
    /// <summary>The bytes the operation asks for: Count × Size (0 for Free).</summary>
    public ulong RequestedBytes => Kind == TraceOperationKind.Free ? 0 : Count * Size;
}
