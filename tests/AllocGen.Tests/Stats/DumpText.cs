using System.Globalization;
using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Stats;

/// <summary>
/// A stats dump read back from its text: the class table's rows and the "label = number" lines. Parsing fails (an
/// assertion) on a line that is neither, on a number that is not in the invariant culture, and on misaligned columns.
/// </summary>
internal sealed class DumpText
{
    private DumpText(Dictionary<int, (long Size, long Pools, long BlocksInUse, long FreeBlocks)> rows, Dictionary<string, long> values)
    {
        Rows = rows;
        Values = values;
    }

    /// <summary>Rows of the class table by class index.</summary>
    public IReadOnlyDictionary<int, (long Size, long Pools, long BlocksInUse, long FreeBlocks)> Rows { get; }

    /// <summary>Numbers of the summary by label.</summary>
    public IReadOnlyDictionary<string, long> Values { get; }

    /// <summary>The sum of the byte-part lines (those the total line must equal), whichever of them the dump has.</summary>
    public long PartsSum => PartLabels.Where(Values.ContainsKey).Sum(l => Values[l]);

    /// <summary>Every part label there is: those of a pool allocator's dump.</summary>
    private static readonly string[] PartLabels =
        [.. StatsDump.Parts(new AllocatorStats { PoolSize = 1, LargeBlocks = 0, LargeBytes = 0 }).Select(p => p.Label)];

    public long this[string label] => Values.TryGetValue(label, out long v) ? v : throw new KeyNotFoundException($"the dump has no line '{label}'");

    public static DumpText Parse(string text)
    {
        string[] lines = text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        var rows = new Dictionary<int, (long, long, long, long)>();
        var values = new Dictionary<string, long>();
        int header = Array.FindIndex(lines, l => l.TrimStart().StartsWith(StatsDump.Columns[0], StringComparison.Ordinal));
        int i = 0;
        if (header >= 0)
        {
            string headerLine = lines[header];

            // A column's cells end where its header ends (numbers are right-aligned under their header).
            int[] ends = [.. StatsDump.Columns.Select(c => headerLine.IndexOf(c, StringComparison.Ordinal) + c.Length)];
            for (i = header + 2; i < lines.Length && lines[i].Length != 0; i++)
            {
                string line = lines[i];
                Assert.True(line.Length == ends[^1], $"row '{line}' is not as wide as the header '{headerLine}'");
                long[] cells = new long[ends.Length];
                int start = 0;
                for (int c = 0; c < ends.Length; c++)
                {
                    string cell = line[start..ends[c]];
                    Assert.True(cell.Length == 0 || cell[^1] != ' ', $"column '{StatsDump.Columns[c]}' of row '{line}' is not right-aligned");
                    cells[c] = Number(cell);
                    start = ends[c];
                }

                rows.Add((int)cells[0], (cells[1], cells[2], cells[3], cells[4]));
            }
        }

        int? equalsColumn = null, width = null;
        for (; i < lines.Length; i++)
        {
            string line = lines[i];
            int equals = line.LastIndexOf(" = ", StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            equalsColumn ??= equals;
            width ??= line.Length;
            Assert.True(equals == equalsColumn, $"'{line}': its '=' is not under the others'");
            Assert.True(line.Length == width, $"'{line}': its number is not right-aligned with the others");
            values.Add(line[..equals].TrimEnd(), Number(line[(equals + 3)..]));
        }

        return new DumpText(rows, values);
    }

    private static long Number(string text) =>
        long.Parse(text.Trim(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
}
