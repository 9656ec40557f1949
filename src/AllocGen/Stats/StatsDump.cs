using System.Globalization;

namespace AllocGen.Stats;

/// <summary>
/// The text of <see cref="AllocatorStats.WriteTo"/>: a title, a row per class with a pool holding live blocks, then
/// "label = number" lines in three groups (arenas and pools, the byte parts with their total, committed bytes). The
/// labels are the constants below; every number is in the invariant culture, with thousands separators.
/// </summary>
internal static class StatsDump
{
    public const string ArenasAllocated = "arenas allocated in total";
    public const string ArenasReleased = "arenas reclaimed";
    public const string ArenasCurrent = "arenas currently held";
    public const string ArenasHighWater = "arenas high-water mark";
    public const string PoolsInUse = "pools in use";
    public const string PoolsRetained = "pools retained empty";
    public const string PoolsFree = "pools free or never carved";
    public const string LargeBlocks = "large blocks";
    public const string AllocatedBlockBytes = "bytes in allocated blocks";
    public const string AvailableBlockBytes = "bytes in available blocks";
    public const string UnusedPoolBytes = "bytes in unused pools";
    public const string QuantizationBytes = "bytes wasted by quantization";
    public const string PoolHeaderBytes = "bytes in pool-header tables";
    public const string PagePaddingBytes = "bytes of OS pages past arenas";
    public const string LargeBytes = "bytes in large blocks";
    public const string TotalBytes = "total = bytes reserved";
    public const string BytesCommitted = "bytes committed (pages touched)";

    /// <summary>The table's column headers: the row's class index and block size, then its counts.</summary>
    public static readonly string[] Columns = ["class", "size", "pools", "blocks in use", "avail blocks"];

    private const string ColumnGap = "   ";

    public static void Write(AllocatorStats stats, TextWriter writer)
    {
        bool hasPools = stats.PoolSize != 0;
        if (hasPools)
        {
            WriteTitle(stats, writer);
            writer.WriteLine();
            WriteClassTable(stats, writer);
            writer.WriteLine();
        }
        else
        {
            writer.WriteLine("No pools: every block comes from the system allocator.");
            writer.WriteLine();
        }

        var counts = new List<(string, long)>();
        if (hasPools)
        {
            counts.Add((ArenasAllocated, stats.ArenasAllocated));
            counts.Add((ArenasReleased, stats.ArenasReleased));
            counts.Add((ArenasCurrent, stats.ArenasCurrent));
            counts.Add((ArenasHighWater, stats.ArenasHighWater));
            counts.Add((PoolsInUse, stats.PoolsInUse));
            counts.Add((PoolsRetained, stats.PoolsRetained));
            counts.Add((PoolsFree, stats.PoolsFree));
        }

        counts.Add((LargeBlocks, stats.LargeBlocks));

        // The total line is the sum of the part lines above it.
        (string, long)[] parts = [.. Parts(stats), (TotalBytes, stats.TotalBytes)];

        (string, long)[] committed = [(BytesCommitted, stats.BytesCommitted)];
        WriteSummary(writer, [counts, parts, committed]);
    }

    /// <summary>The byte parts of the reserved bytes, in the order printed (an allocator without pools has only its large blocks).</summary>
    public static (string Label, long Bytes)[] Parts(AllocatorStats stats) => stats.PoolSize == 0
        ? [(LargeBytes, stats.LargeBytes)]
        :
        [
            (AllocatedBlockBytes, stats.AllocatedBlockBytes),
            (AvailableBlockBytes, stats.AvailableBlockBytes),
            (UnusedPoolBytes, stats.UnusedPoolBytes),
            (QuantizationBytes, stats.QuantizationBytes),
            (PoolHeaderBytes, stats.PoolHeaderBytes),
            (PagePaddingBytes, stats.PagePaddingBytes),
            (LargeBytes, stats.LargeBytes),
        ];

    private static void WriteTitle(AllocatorStats stats, TextWriter writer)
    {
        IReadOnlyList<SizeClassStats> classes = stats.SizeClasses;
        string range = classes.Count == 0 ? "" : $" of {Number(classes[0].BlockSize)}..{Number(classes[^1].BlockSize)} bytes";
        writer.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{classes.Count} size classes{range}, pools of {Number(stats.PoolSize)} bytes, arenas of {Number(stats.ArenaSize)} bytes."));
        writer.WriteLine("Classes without a pool holding live blocks are left out of the table; the totals count everything.");
    }

    private static void WriteClassTable(AllocatorStats stats, TextWriter writer)
    {
        var rows = new List<string[]>();
        foreach (SizeClassStats c in stats.SizeClasses)
        {
            if (c.Pools != 0)
            {
                rows.Add([Number(c.Index), Number(c.BlockSize), Number(c.Pools), Number(c.BlocksInUse), Number(c.FreeBlocks)]);
            }
        }

        int[] widths = new int[Columns.Length];
        for (int i = 0; i < widths.Length; i++)
        {
            widths[i] = Math.Max(Columns[i].Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length));
        }

        writer.WriteLine(string.Join(ColumnGap, Columns.Select((h, i) => h.PadLeft(widths[i]))));
        writer.WriteLine(string.Join(ColumnGap, widths.Select(w => new string('-', w))));
        foreach (string[] row in rows)
        {
            writer.WriteLine(string.Join(ColumnGap, row.Select((cell, i) => cell.PadLeft(widths[i]))));
        }
    }

    /// <summary>Every group's labels padded to one width and numbers right-aligned to another; a blank line between groups.</summary>
    private static void WriteSummary(TextWriter writer, IReadOnlyList<(string Label, long Value)>[] groups)
    {
        int labelWidth = groups.SelectMany(g => g).Max(l => l.Label.Length);
        int valueWidth = groups.SelectMany(g => g).Max(l => Number(l.Value).Length);
        for (int g = 0; g < groups.Length; g++)
        {
            if (g != 0)
            {
                writer.WriteLine();
            }

            foreach ((string label, long value) in groups[g])
            {
                writer.WriteLine($"{label.PadRight(labelWidth)} = {Number(value).PadLeft(valueWidth)}");
            }
        }
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
