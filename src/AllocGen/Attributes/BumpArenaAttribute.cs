namespace AllocGen;

/// <summary>
/// Declares a PyArena-style bump arena on a <c>partial</c> class. The AllocGen source generator emits the arena's
/// members on that class (<c>Allocate</c>, <c>Allocate&lt;T&gt;</c>, <c>AllocateSpan&lt;T&gt;</c>, <c>Own</c>,
/// <c>Reset</c>, <c>Dispose</c> and the byte counters), with the constants given here folded into the fast path.
/// </summary>
/// <remarks>
/// <para>
/// An arena hands out memory by bumping a cursor through native blocks of <see cref="BlockSize"/> bytes and never
/// frees individual allocations: everything is released at once by <c>Reset</c> (which keeps the first block for
/// reuse) or <c>Dispose</c>. A request that does not fit in a fresh block gets a native block of its own. Managed
/// objects that must live exactly as long as the arena's memory can be registered with <c>Own</c>.
/// </para>
/// <para>
/// Both arguments are optional; the defaults are 8 KiB blocks and 8-byte alignment. Invalid values are compile-time
/// errors. The generated arena is not thread-safe.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class BumpArenaAttribute : Attribute
{
    /// <summary>
    /// Bytes per native block. A power of two from 256 B to 64 MiB (both included), not smaller than
    /// <see cref="Alignment"/>. Requests larger than one block get a block of their own. Default 8192.
    /// </summary>
    public int BlockSize { get; set; } = 8192;

    /// <summary>
    /// Alignment of every allocation, in bytes: a power of two from 1 to 4096 (both included), not larger than
    /// <see cref="BlockSize"/>. Every request is rounded up to a multiple of it. <c>Allocate&lt;T&gt;</c> and
    /// <c>AllocateSpan&lt;T&gt;</c> additionally honour the natural alignment of <c>T</c> when it is larger.
    /// Default 8.
    /// </summary>
    public int Alignment { get; set; } = 8;
}
