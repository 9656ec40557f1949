using System.Runtime.CompilerServices;

namespace AllocGen.Arenas;

/// <summary>
/// Elements of a bump arena seen as a <see cref="Span{T}"/> that cannot outlive the arena's memory unnoticed: what a
/// generated arena's <c>RentSpan&lt;T&gt;</c> returns. The owner records the arena's generation, which
/// <c>Reset</c> and <c>Dispose</c> advance; once it has moved on, <see cref="Span"/> throws
/// <see cref="ObjectDisposedException"/> instead of handing out memory that went back to the arena or to the
/// process-wide block cache (and from there to another arena). A <c>ref struct</c>, so it cannot be stored on the
/// managed heap or kept across an <c>await</c>, and costs no managed allocation (the arena allocates its generation
/// counter once, with its first rental).
/// </summary>
/// <remarks>
/// There is nothing to dispose: the memory goes back with the arena's next <c>Reset</c> or its <c>Dispose</c>, as
/// every arena allocation does. What remains the caller's duty: a <see cref="Span{T}"/> taken from
/// <see cref="Span"/> is a plain span, not checked again; keep the owner and take the span where it is used, never
/// across a <c>Reset</c>. Ref struct rules stop both from escaping to the heap, but not a span held in a local across
/// a <c>Reset</c> in the same method.
/// </remarks>
/// <typeparam name="T">An unmanaged element type.</typeparam>
public readonly unsafe ref struct ArenaSpan<T>
    where T : unmanaged
{
    private readonly ArenaGeneration? _generation;
    private readonly int _stamp;
    private readonly void* _start;

    internal ArenaSpan(ArenaGeneration generation, void* start, int length)
    {
        _generation = generation;
        _stamp = generation.Value;
        _start = start;
        Length = length;
    }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>Whether the arena still holds the elements: no <c>Reset</c> or <c>Dispose</c> since the rental.</summary>
    public bool IsValid => _generation is { } generation && generation.Value == _stamp;

    /// <summary>The elements.</summary>
    /// <exception cref="ObjectDisposedException">The arena was reset or disposed since the rental (or this is a <c>default</c> value).</exception>
    public Span<T> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (!IsValid)
            {
                ArenaThrowHelper.SpanReleased();
            }

            return new Span<T>(_start, Length);
        }
    }
}

/// <summary>
/// A bump arena's generation: advanced by every <c>Reset</c> and by <c>Dispose</c>, so that an
/// <see cref="ArenaSpan{T}"/> knows when its memory was released. A class, so that owners see the arena's current
/// value however the arena struct is held; created with the arena's first rental.
/// </summary>
internal sealed class ArenaGeneration
{
    public int Value;
}
