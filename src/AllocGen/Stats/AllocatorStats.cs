namespace AllocGen.Stats;

/// <summary>
/// A snapshot of an allocator's statistics. Pool allocators fill every part; an allocator without pools (the system
/// allocator) leaves the pool and arena parts empty and counts its blocks as <see cref="LargeBlocks"/>.
/// </summary>
/// <remarks>
/// The byte parts partition the bytes reserved exactly: <see cref="AllocatedBlockBytes"/> +
/// <see cref="AvailableBlockBytes"/> + <see cref="UnusedPoolBytes"/> + <see cref="QuantizationBytes"/> +
/// <see cref="PoolHeaderBytes"/> + <see cref="PagePaddingBytes"/> + <see cref="LargeBytes"/> =
/// <see cref="TotalBytes"/> = <see cref="BytesReserved"/>. The first four are the held arenas' pools, the next two
/// the rest of the arenas' address space, the last the large blocks.
/// </remarks>
public sealed class AllocatorStats
{
    /// <summary>Per-class statistics, in class order (every class, used or not).</summary>
    public IReadOnlyList<SizeClassStats> SizeClasses { get; init; } = [];

    /// <summary>Arenas held now.</summary>
    public long ArenasCurrent { get; init; }

    /// <summary>Arenas taken from the OS since the allocator was created.</summary>
    public long ArenasAllocated { get; init; }

    /// <summary>Arenas returned to the OS since the allocator was created.</summary>
    public long ArenasReleased { get; init; }

    /// <summary>Most arenas held at once.</summary>
    public long ArenasHighWater { get; init; }

    /// <summary>Arena size in bytes.</summary>
    public long ArenaSize { get; init; }

    /// <summary>Pool size in bytes.</summary>
    public long PoolSize { get; init; }

    /// <summary>Pools holding live blocks.</summary>
    public long PoolsInUse => SizeClasses.Sum(c => c.Pools);

    /// <summary>Carved pools with no live block, plus never-carved pools, in held arenas.</summary>
    public long PoolsFree { get; init; }

    /// <summary>Empty pools kept as the only pool of their class, ready for its next allocation.</summary>
    public long PoolsRetained { get; init; }

    /// <summary>Live blocks served by the system allocator (above the threshold, or every block of an allocator without pools).</summary>
    public required long LargeBlocks { get; init; }

    /// <summary>Bytes of those blocks.</summary>
    public required long LargeBytes { get; init; }

    /// <summary>Bytes of live blocks: pool blocks at their block size, plus large blocks.</summary>
    public long BytesInUse => AllocatedBlockBytes + LargeBytes;

    /// <summary>Bytes of live pool blocks, at their block size (large blocks not included).</summary>
    public long AllocatedBlockBytes => SizeClasses.Sum(c => c.BlocksInUse * c.BlockSize);

    /// <summary>Bytes of the blocks available in pools that hold live blocks (<see cref="SizeClassStats.FreeBlocks"/> at their block size).</summary>
    public long AvailableBlockBytes => SizeClasses.Sum(c => c.FreeBlocks * c.BlockSize);

    /// <summary>
    /// Bytes of the pools of held arenas that hold no live block: never carved, emptied, retained empty, or given
    /// back by <c>Trim</c> (<see cref="PoolsFree"/> and <see cref="PoolsRetained"/> pools).
    /// </summary>
    public long UnusedPoolBytes => (PoolsFree + PoolsRetained) * PoolSize;

    /// <summary>
    /// Bytes at the end of the pools that hold live blocks too few to hold one more block of their class: per such
    /// pool, the pool size modulo the block size.
    /// </summary>
    public long QuantizationBytes { get; init; }

    /// <summary>Bytes of the pools at the start of each held arena given to its table of pool headers.</summary>
    public long PoolHeaderBytes { get; init; }

    /// <summary>
    /// Bytes of the OS pages past the end of the held arenas: where an OS page is larger than an arena, each arena is
    /// mapped as a whole page, and the rest of the page serves nothing. Zero otherwise.
    /// </summary>
    public long PagePaddingBytes { get; init; }

    /// <summary>The sum of the byte parts; equal to <see cref="BytesReserved"/>.</summary>
    public long TotalBytes =>
        AllocatedBlockBytes + AvailableBlockBytes + UnusedPoolBytes + QuantizationBytes + PoolHeaderBytes + PagePaddingBytes + LargeBytes;

    /// <summary>
    /// Bytes of address space the held arenas span: <see cref="ArenaSize"/> each, or one whole OS page each where a
    /// page is larger than an arena (the OS maps whole pages, so such an arena is a page of its own).
    /// </summary>
    public long ArenaBytesReserved { get; init; }

    /// <summary>Bytes held from the OS: the held arenas' address space, plus large blocks. Never less than <see cref="BytesCommitted"/>.</summary>
    public long BytesReserved => ArenaBytesReserved + LargeBytes;

    /// <summary>
    /// Bytes of pools ever carved in the held arenas, plus the pages of the arenas' header tables that describe them:
    /// the part of the arenas the heap has touched.
    /// </summary>
    public long CarvedPoolBytes { get; init; }

    /// <summary>
    /// Bytes the heap has touched: carved pools plus large blocks. Never-carved pools of an arena are reserved
    /// address space whose pages the OS has not provided yet, so this is the heap's share of resident memory.
    /// </summary>
    public long BytesCommitted => CarvedPoolBytes + LargeBytes;

    /// <summary>Live blocks of every class plus large blocks.</summary>
    public long BlocksInUse => SizeClasses.Sum(c => c.BlocksInUse) + LargeBlocks;

    /// <summary>
    /// Writes the statistics as a table in the spirit of CPython's <c>sys._debugmallocstats()</c>: a row per class
    /// with a pool holding live blocks, the arena counts, the byte parts and their total (see docs/stats.md). Numbers
    /// are written in the invariant culture, whatever the current one.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        StatsDump.Write(this, writer);
    }

    /// <summary>The text <see cref="WriteTo"/> writes.</summary>
    public override string ToString()
    {
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        WriteTo(text);
        return text.ToString();
    }
}
