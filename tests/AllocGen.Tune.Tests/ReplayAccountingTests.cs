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

    /// <summary>
    /// Requests up to the variants' small threshold only: above it a generated variant's medium tier serves them, whose
    /// reallocations the runtime does not keep at class sizes yet (its medium tier is a stand-in on the system).
    /// </summary>
    private static readonly List<TraceOperation> SmallTrace = TestTraces.Churn(seed: 11, operations: 6000, maxLive: 700, maxSize: 512);

    private static IReadOnlyList<VariantResult> ReplayEveryKind(int sampleInterval, List<TraceOperation>? trace = null)
    {
        var runner = new ReplayRunner(CompiledTrace.Compile(trace ?? Trace), new ReplayOptions(Repeats: 2, sampleInterval), new PlainProgress(TextWriter.Null));
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
        TestTraces.LiveAfterEach(SmallTrace, out Dictionary<ulong, ulong>[] atPeak);
        foreach (VariantResult result in ReplayEveryKind(sampleInterval: 1000, SmallTrace))
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

    /// <summary>The model's usable size: the smallest class that holds the request, the request itself above the threshold (the system allocator records at least 1 byte).</summary>
    private static ulong UsableSize(AllocatorVariantInfo info, VariantKind kind, ulong size) =>
        kind == VariantKind.System || size > (ulong)info.SmallRequestThreshold
            ? Math.Max(size, 1)
            : (ulong)info.SizeClasses.First(c => (ulong)c >= size);
}
