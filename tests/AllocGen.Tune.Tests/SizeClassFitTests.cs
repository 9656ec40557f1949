using AllocGen.Tune.Fitting;
using CsCheck;
using Xunit;

namespace AllocGen.Tune.Tests;

public sealed class SizeClassFitTests
{
    private const int Alignment = 8;
    private const int Threshold = 96;

    /// <summary>Small random histograms: up to 8 distinct sizes (multiples of 8 up to 96), counts 0..50, K 1..9.</summary>
    private static readonly Gen<(SizeCount[] Histogram, int ClassCount)> SmallHistograms =
        from units in Gen.Int[1, Threshold / Alignment].Array[1, 8]
        from counts in Gen.Long[0, 50].Array[8]
        from classCount in Gen.Int[1, 9]
        select (units.Distinct().Order().Select((u, i) => new SizeCount(u * Alignment, counts[i])).ToArray(), classCount);

    [Fact]
    public void TheFitWastesAsLittleAsTheBestOfEverySubsetOfMultiplesOfTheAlignment() =>
        SmallHistograms.Sample(sample =>
        {
            (SizeCount[] histogram, int classCount) = sample;
            SizeClassSet fit = SizeClassFit.Fit(histogram, classCount, Threshold);

            Assert.Equal(BruteForceLeastWaste(histogram, classCount), fit.WastedBytes);
            Assert.Equal(SizeClassFit.Waste(histogram, fit.Classes), fit.WastedBytes);
            Assert.InRange(fit.Classes.Count, 1, classCount);
            Assert.Equal(Threshold, fit.Classes[^1]);
            Assert.Null(AttributeRules.FindError(1 << 20, 16 << 10, Alignment, Threshold, fit.Classes));
        }, iter: 300);

    [Fact]
    public void EveryClassCountIsFittedAndMoreClassesNeverWasteMore() =>
        SmallHistograms.Sample(sample =>
        {
            IReadOnlyList<SizeClassSet> fits = SizeClassFit.FitEachCount(sample.Histogram, 9, Threshold);
            for (int k = 1; k <= fits.Count; k++)
            {
                Assert.Equal(BruteForceLeastWaste(sample.Histogram, k), fits[k - 1].WastedBytes);
                Assert.True(k == 1 || fits[k - 1].WastedBytes <= fits[k - 2].WastedBytes);
            }
        }, iter: 100);

    [Fact]
    public void AsManyClassesAsSizesWasteNothing()
    {
        SizeCount[] histogram = [new(24, 10), new(40, 3), new(96, 1)];

        SizeClassSet fit = SizeClassFit.Fit(histogram, 5, Threshold);

        Assert.Equal([24, 40, 96], fit.Classes);
        Assert.Equal(0, fit.WastedBytes);
    }

    [Fact]
    public void OneClassServesEverySizeAtTheThreshold()
    {
        SizeCount[] histogram = [new(8, 2), new(64, 1)];

        SizeClassSet fit = SizeClassFit.Fit(histogram, 1, Threshold);

        Assert.Equal([Threshold], fit.Classes);
        Assert.Equal((2 * (96 - 8)) + (96 - 64), fit.WastedBytes);
    }

    [Fact]
    public void TheHistogramRoundsUpToTheAlignmentAndDropsLargeRequests()
    {
        var sizes = new Dictionary<ulong, long> { [0] = 1, [1] = 2, [8] = 3, [9] = 4, [96] = 5, [97] = 6 };

        IReadOnlyList<SizeCount> histogram = SizeClassFit.Histogram(sizes, Alignment, Threshold);

        Assert.Equal([new SizeCount(8, 6), new SizeCount(16, 4), new SizeCount(96, 5)], histogram);
    }

    [Fact]
    public void TheMemoryFitTradesRoundingAgainstPoolsPerClass()
    {
        SizeCount[] histogram = [new(16, 1000), new(24, 1000), new(32, 1000)];

        // Rounding that costs nothing at the peak: one class is cheapest. Rounding held in full: a class per size.
        Assert.Single(SizeClassFit.FitForMemory(histogram, 32, 3, liveShare: 0, poolSize: 4096).Classes);
        Assert.Equal([16, 24, 32], SizeClassFit.FitForMemory(histogram, 32, 3, liveShare: 1, poolSize: 4096).Classes);
    }

    /// <summary>The least waste of any set of at most K multiples of the alignment ending at the threshold.</summary>
    private static long BruteForceLeastWaste(SizeCount[] histogram, int classCount)
    {
        int[] candidates = Enumerable.Range(1, (Threshold / Alignment) - 1).Select(u => u * Alignment).ToArray();
        long best = long.MaxValue;
        for (int mask = 0; mask < 1 << candidates.Length; mask++)
        {
            if (int.PopCount(mask) > classCount - 1)
            {
                continue;
            }

            var classes = candidates.Where((_, i) => (mask & (1 << i)) != 0).Append(Threshold).ToList();
            best = Math.Min(best, SizeClassFit.Waste(histogram, classes));
        }

        return best;
    }
}
