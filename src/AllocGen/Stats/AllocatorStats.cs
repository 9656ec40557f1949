using System.Globalization;
using System.Text;

namespace AllocGen.Stats;

/// <summary>
/// A snapshot of an allocator's statistics. Pool allocators fill every part; an allocator without pools (the system
/// allocator) leaves the pool and arena parts empty and counts its blocks as <see cref="LargeBlocks"/>.
/// </summary>
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
    public long BytesInUse => SizeClasses.Sum(c => c.BlocksInUse * c.BlockSize) + LargeBytes;

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

    /// <summary>Writes the table of <see cref="ToString"/>.</summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(ToString());
    }

    /// <summary>A table in the spirit of <c>sys._debugmallocstats()</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine("class   size   pools   blocks in use   avail blocks");
        text.AppendLine("-----   ----   -----   -------------   ------------");
        foreach (SizeClassStats c in SizeClasses)
        {
            if (c.Pools == 0)
            {
                continue;
            }

            text.AppendLine(string.Format(inv, "{0,5}   {1,4}   {2,5}   {3,13}   {4,12}", c.Index, c.BlockSize, c.Pools, c.BlocksInUse, c.FreeBlocks));
        }

        text.AppendLine();
        text.AppendLine(string.Format(inv, "arenas: {0} current, {1} allocated, {2} released, {3} high-water ({4} KiB each)", ArenasCurrent, ArenasAllocated, ArenasReleased, ArenasHighWater, ArenaSize / 1024));
        text.AppendLine(string.Format(inv, "pools: {0} in use, {1} retained empty, {2} free ({3} KiB each)", PoolsInUse, PoolsRetained, PoolsFree, PoolSize / 1024));
        text.AppendLine(string.Format(inv, "large blocks: {0} ({1} bytes)", LargeBlocks, LargeBytes));
        text.Append(string.Format(inv, "bytes: {0} in use, {1} committed, {2} reserved", BytesInUse, BytesCommitted, BytesReserved));
        return text.ToString();
    }
}
