using AllocGen.Tracing;
using AllocGen.Tune.Fitting;
using AllocGen.Tune.Replay;
using AllocGen.Tune.Variants;
using AllocGen.Tuning;
using Xunit;

namespace AllocGen.Tune.Tests;

/// <summary>The replay's figures against a model of the trace: the same operations for every variant, live bytes as the model keeps them, live ≤ committed ≤ reserved at every sample.</summary>
public sealed class ReplayAccountingTests
{
    private static readonly List<TraceOperation> Trace = TestTraces.Churn(seed: 11, operations: 6000, maxLive: 700, maxSize: 900);

    private static IReadOnlyList<VariantResult> ReplayEveryKind(int sampleInterval)
    {
        var runner = new ReplayRunner(CompiledTrace.Compile(Trace), new ReplayOptions(Repeats: 2, sampleInterval), new PlainProgress(TextWriter.Null));
        TuneVariants.VisitAll(runner);
        runner.Kind = VariantKind.System;
        runner.Visit<SystemAllocatorDriver>(SystemAllocatorDriver.Info);
        runner.Kind = VariantKind.Fitted;
        AllocatorVariantInfo first = TuneVariants.Variants[0];
        FittedVariants.Visit(runner, first with { Name = "FittedForAccounting", SizeClasses = [first.Alignment * 3, first.Alignment * 10, first.SmallRequestThreshold] });
        return runner.Results;
    }

    [Fact]
    public void EveryVariantReplaysEveryOperationAndSamplesLiveAsTheModelKeepsIt()
    {
        long[] live = TestTraces.LiveAfterEach(Trace, out _);
        IReadOnlyList<VariantResult> results = ReplayEveryKind(sampleInterval: 7);

        Assert.Equal(TuneVariants.Variants.Count + 2, results.Count);
        foreach (VariantResult result in results)
        {
            Assert.Equal(Trace.Count, result.Operations);
            Assert.Equal(2, result.NsPerOpRepeats.Count);
            Assert.Equal(live.Max(), result.PeakLiveBytes);
            Assert.Equal(Trace.Count - 1, result.Samples[^1].OperationIndex);
            Assert.All(result.Samples, s => Assert.Equal(live[s.OperationIndex], s.LiveBytes));
            Assert.Contains(result.Samples, s => s.OperationIndex == Array.IndexOf(live, live.Max()));
            Assert.True(result.Samples.Count >= Trace.Count / 7, $"{result.Info.Name}: {result.Samples.Count} samples");
        }
    }

    [Fact]
    public void LiveIsAtMostCommittedAndCommittedAtMostReservedAtEverySample()
    {
        foreach (VariantResult result in ReplayEveryKind(sampleInterval: 1))
        {
            Assert.Equal(Trace.Count, result.Samples.Count);
            Assert.All(result.Samples, s =>
            {
                Assert.True(s.LiveBytes <= s.CommittedBytes, $"{result.Info.Name} at {s.OperationIndex}: live {s.LiveBytes} > committed {s.CommittedBytes}");
                Assert.True(s.CommittedBytes <= s.ReservedBytes, $"{result.Info.Name} at {s.OperationIndex}: committed {s.CommittedBytes} > reserved {s.ReservedBytes}");
            });
            Assert.InRange(result.Fragmentation, 0, 1);
        }
    }

    [Fact]
    public void QuantizationWasteIsWhatTheSizeClassesRoundAtTheLivePeak()
    {
        TestTraces.LiveAfterEach(Trace, out Dictionary<ulong, ulong>[] atPeak);
        foreach (VariantResult result in ReplayEveryKind(sampleInterval: 1000))
        {
            AllocatorVariantInfo info = result.Info;
            long expected = atPeak[0].Values.Sum(size => (long)(UsableSize(info, result.Kind, size) - size));
            Assert.Equal(expected, result.QuantizationWasteBytes);
        }
    }

    [Fact]
    public void TheSameTraceReplaysToTheSameMemoryFigures()
    {
        IReadOnlyList<VariantResult> first = ReplayEveryKind(sampleInterval: 50);
        IReadOnlyList<VariantResult> second = ReplayEveryKind(sampleInterval: 50);

        Assert.Equal(first.Select(r => r.Samples.ToList()), second.Select(r => r.Samples.ToList()));
    }

    /// <summary>
    /// The model's usable size: the smallest class that holds the request; above the threshold, for a generated
    /// variant, the block of its default medium tier's class; above that the request itself (the system allocator
    /// records at least 1 byte). A fitted variant's hand-written geometry has no medium tier.
    /// </summary>
    private static ulong UsableSize(AllocatorVariantInfo info, VariantKind kind, ulong size) =>
        kind == VariantKind.System ? Math.Max(size, 1)
        : size <= (ulong)info.SmallRequestThreshold ? (ulong)info.SizeClasses.First(c => (ulong)c >= size)
        : kind == VariantKind.Pool && size <= (ulong)DefaultMediumThreshold(info) ? MediumBlock(size, info.Alignment)
        : size;

    /// <summary>The default medium tier (docs/medium-tier.md): up to the smaller of 64 KiB and a sixteenth of the arena, none when that is not above the threshold.</summary>
    private static int DefaultMediumThreshold(AllocatorVariantInfo info) =>
        Math.Min(64 << 10, info.ArenaSize / 16) is var medium && medium > info.SmallRequestThreshold ? medium : 0;

    /// <summary>The least size of the medium grid (5/4, 6/4, 7/4 and 2 times each power of two) that holds the request, rounded up to the alignment.</summary>
    private static ulong MediumBlock(ulong size, int alignment)
    {
        for (ulong power = 4; ; power *= 2)
        {
            foreach (ulong quarters in new ulong[] { 5, 6, 7, 8 })
            {
                ulong gridSize = quarters * power / 4;
                if (gridSize >= size)
                {
                    return (gridSize + (ulong)alignment - 1) / (ulong)alignment * (ulong)alignment;
                }
            }
        }
    }
}
