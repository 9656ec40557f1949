using System.Runtime.CompilerServices;

namespace AllocGen.Safe;

/// <summary>
/// A block of a heap seen as a <see cref="Span{T}"/>, freed by <see cref="Dispose"/>: what a generated heap's
/// <c>RentSpan&lt;T&gt;</c> returns. Named after CommunityToolkit.HighPerformance's <c>SpanOwner&lt;T&gt;</c>, which
/// has the same shape over <c>ArrayPool&lt;T&gt;</c>. A <c>ref struct</c>, so it cannot be stored on the managed heap
/// or kept across an <c>await</c> (use <c>Rent&lt;T&gt;</c> for that) and costs no managed allocation.
/// </summary>
/// <remarks>
/// <para>
/// Dispose frees the block once; a second Dispose of the same variable (including an explicit Dispose of a
/// <c>using</c> variable) does nothing, and <see cref="Span"/> then throws. The owner holds its heap, so the heap stays
/// reachable (its finalizer cannot free the block) while the owner is in use.
/// </para>
/// <para>
/// What remains the caller's duty: a copy of the owner (passed by value, assigned to another variable) has its own
/// view of the block, so disposing both frees it twice (a pool heap throws <see cref="ArgumentException"/> when it
/// detects that); pass it by <c>ref</c> or pass its <see cref="Span"/>. A <see cref="Span{T}"/> taken from
/// <see cref="Span"/> before Dispose is not invalidated by it: do not use it after the owner's scope.
/// </para>
/// </remarks>
/// <typeparam name="T">An unmanaged element type.</typeparam>
public unsafe ref struct SpanOwner<T>
    where T : unmanaged
{
    // The heap is held as its interface: the allocation, the hot part, is the generated class's own direct call, and
    // Dispose makes one interface call (which dynamic PGO devirtualizes for the one heap type a call site sees). A
    // generic TAllocator would not help: for a class type argument the JIT shares the code and dispatches anyway.
    private IAllocator? _allocator;
    private readonly void* _block;

    internal SpanOwner(IAllocator allocator, void* block, int length)
    {
        _allocator = allocator;
        _block = block;
        Length = length;
    }

    /// <summary>The number of elements.</summary>
    public readonly int Length { get; }

    /// <summary>The block's elements.</summary>
    /// <exception cref="ObjectDisposedException">The owner was disposed (or is a <c>default</c> value).</exception>
    public readonly Span<T> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_allocator is null)
            {
                SafeThrow.OwnerDisposed(nameof(SpanOwner<T>));
            }

            return new Span<T>(_block, Length);
        }
    }

    /// <summary>Frees the block; later calls do nothing.</summary>
    public void Dispose()
    {
        IAllocator? allocator = _allocator;
        if (allocator is not null)
        {
            _allocator = null;
            allocator.Free(_block);
        }
    }
}
