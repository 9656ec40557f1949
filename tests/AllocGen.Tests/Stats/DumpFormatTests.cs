using System.Globalization;
using AllocGen.Stats;
using Xunit;

namespace AllocGen.Tests.Stats;

/// <summary>The dump's text: the same from every entry point and in every culture, and for an allocator without pools.</summary>
public sealed unsafe class DumpFormatTests
{
    [Fact]
    public void DumpStatsWriteToAndToStringWriteTheSameText()
    {
        using var heap = new StatsSmallHeap();
        void* small = heap.Allocate(100);
        void* large = heap.Allocate(5000);
        AllocatorStats stats = heap.GetStats();

        var fromClass = new StringWriter();
        heap.DumpStats(fromClass);
        var fromInterface = new StringWriter();
        ((IAllocator)heap).DumpStats(fromInterface);
        var fromStats = new StringWriter();
        stats.WriteTo(fromStats);

        Assert.Equal(stats.ToString(), fromStats.ToString());
        Assert.Equal(stats.ToString(), fromClass.ToString());
        Assert.Equal(stats.ToString(), fromInterface.ToString());
        DumpText dump = DumpText.Parse(stats.ToString());
        // 100 bytes take a 104-byte block (8-byte alignment), of which a 4 KiB pool holds 39.
        Assert.Equal((104L, 1L, 1L, 38L), dump.Rows[StatsSmallHeap.SizeClasses.IndexOf(104)]);
        Assert.Single(dump.Rows);
        Assert.Equal(5000, dump[StatsDump.LargeBytes]);
        heap.Free(small);
        heap.Free(large);
    }

    /// <summary>A culture whose group separator is the invariant culture's decimal point: a number written in it would not read back.</summary>
    [Fact]
    public void NumbersAreInTheInvariantCultureWhateverTheCurrentOne()
    {
        var dotted = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        dotted.NumberFormat.NumberGroupSeparator = ".";
        dotted.NumberFormat.NumberDecimalSeparator = ",";
        CultureInfo saved = CultureInfo.CurrentCulture;
        using var heap = new StatsSmallHeap();
        void* block = heap.Allocate(64);
        string invariant = heap.GetStats().ToString();
        try
        {
            CultureInfo.CurrentCulture = dotted;
            var written = new StringWriter(dotted);
            heap.DumpStats(written);
            Assert.Equal(invariant, written.ToString());
            Assert.Equal(invariant, heap.GetStats().ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
            heap.Free(block);
        }

        // The arena's 65,536 bytes are in the reserved total: the test reads a number with a group separator.
        Assert.Equal(StatsSmallHeap.ArenaSize, DumpText.Parse(invariant)[StatsDump.TotalBytes]);
    }

    [Fact]
    public void AnAllocatorWithoutPoolsDumpsItsLargeBlocksAndTheirTotal()
    {
        using var system = new SystemAllocator();
        var random = new Random(17);
        var blocks = new List<(nint Block, int Size)>();
        for (int i = 0; i < 20; i++)
        {
            int size = random.Next(1, 5000);
            blocks.Add(((nint)system.Allocate((nuint)size), size));
        }

        system.Free((void*)blocks[3].Block);
        blocks.RemoveAt(3);
        long bytes = blocks.Sum(b => (long)b.Size);
        string text = system.GetStats().ToString();
        DumpText dump = DumpText.Parse(text);
        Assert.Empty(dump.Rows);
        Assert.Equal(19, dump[StatsDump.LargeBlocks]);
        Assert.Equal(bytes, dump[StatsDump.LargeBytes]);
        Assert.Equal(dump[StatsDump.LargeBytes], dump[StatsDump.TotalBytes]);
        Assert.Equal(bytes, system.GetStats().BytesReserved);
        Assert.DoesNotContain(StatsDump.ArenasCurrent, text, StringComparison.Ordinal);
        foreach ((nint block, _) in blocks)
        {
            system.Free((void*)block);
        }
    }
}
