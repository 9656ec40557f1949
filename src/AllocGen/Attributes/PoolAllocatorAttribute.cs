namespace AllocGen;

/// <summary>
/// Declares a pymalloc-style pool allocator on a <c>partial</c> class. The AllocGen source generator emits
/// the allocator's members on that class, specialized for the constants given here.
/// </summary>
/// <remarks>
/// Memory is taken from the OS in arenas of <see cref="ArenaSize"/> bytes, each cut into pools of
/// <see cref="PoolSize"/> bytes; a pool serves one size class of fixed-size blocks. Requests above
/// <see cref="SmallRequestThreshold"/> up to <see cref="MediumRequestThreshold"/> come from the medium tier, spans of
/// whole pools; larger ones go to the system allocator. Every argument is optional; the defaults of the small tier are
/// CPython's 64-bit ones. Invalid values are compile-time errors (diagnostics AG0001 and up).
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class PoolAllocatorAttribute : Attribute
{
    /// <summary>
    /// Bytes per arena taken from the OS. A power of two from 8 KiB to 1 GiB, at least twice <see cref="PoolSize"/>
    /// (the first pool of each arena holds its table of pool headers). Default 1 MiB.
    /// </summary>
    public int ArenaSize { get; set; } = 1 << 20;

    /// <summary>Bytes per pool. A power of two from 4 KiB up to half the <see cref="ArenaSize"/>. Default 16 KiB.</summary>
    public int PoolSize { get; set; } = 16 << 10;

    /// <summary>Alignment of every block, and the step of the default size classes. A power of two in 8..4096. Default 16.</summary>
    public int Alignment { get; set; } = 16;

    /// <summary>
    /// Largest request served from the pools of the size classes; larger ones go to the medium tier, then the system
    /// allocator. A multiple of <see cref="Alignment"/>, at most <see cref="PoolSize"/>. Default 512.
    /// </summary>
    public int SmallRequestThreshold { get; set; } = 512;

    /// <summary>
    /// Largest request served by the medium tier: requests above <see cref="SmallRequestThreshold"/> up to this size
    /// come from spans (runs of whole pools of the arenas) in classes of four sizes per power of two; larger ones go to
    /// the system allocator. 0 turns the medium tier off. Otherwise it must be above
    /// <see cref="SmallRequestThreshold"/>, a power of two or 5/4, 6/4 or 7/4 of one (and a multiple of
    /// <see cref="Alignment"/>), and at most <see cref="ArenaSize"/> / 4.
    /// Default: the smaller of 64 KiB and <see cref="ArenaSize"/> / 16; the tier is off when that is not above
    /// <see cref="SmallRequestThreshold"/>.
    /// </summary>
    /// <remarks>
    /// The property reads 0 when the argument is left out: the generator computes the default from the other
    /// arguments, as the generated <c>MediumRequestThreshold</c> constant shows.
    /// </remarks>
    public int MediumRequestThreshold { get; set; }

    /// <summary>
    /// How the allocator may be used from several threads: <see cref="ThreadPolicy.SingleThreaded"/> (the default: the
    /// caller synchronizes), <see cref="ThreadPolicy.Locked"/> (one lock around one heap) or
    /// <see cref="ThreadPolicy.PerThread"/> (a heap per thread, lock-free frees from other threads). The generator emits
    /// the chosen policy's code only.
    /// </summary>
    public ThreadPolicy Threading { get; set; } = ThreadPolicy.SingleThreaded;
}
