namespace AllocGen.Tune.Fitting;

/// <summary>How many requests asked for one size (rounded up to the alignment).</summary>
public readonly record struct SizeCount(int Size, long Count);

/// <summary>A set of size classes and the bytes it wastes to rounding on a histogram.</summary>
/// <param name="Classes">Block sizes, ascending; the last is the threshold.</param>
/// <param name="WastedBytes">Σ count(s) × (class(s) − s) over the histogram.</param>
public sealed record SizeClassSet(IReadOnlyList<int> Classes, long WastedBytes);

/// <summary>
/// Fits size classes to a trace's request sizes: for a number of classes K, the K block sizes (multiples of the
/// alignment, the largest the small-request threshold) that waste the fewest bytes to rounding, found exactly by
/// dynamic programming.
/// </summary>
/// <remarks>
/// An optimal set only uses sizes that occur in the histogram (plus the threshold): moving a class down to the
/// largest size it serves wastes less. So with the distinct sizes s₁ &lt; … &lt; sₙ = threshold, the best cost of
/// serving s₁..sⱼ with k classes, the largest at sⱼ, is
/// best(k, j) = min over m &lt; j of best(k − 1, m) + cost(m + 1, j), where cost(a, b) = Σ_{a ≤ i ≤ b} cᵢ (s_b − sᵢ)
/// comes from prefix sums in O(1): O(K n²) in all.
/// </remarks>
public static class SizeClassFit
{
    /// <summary>
    /// The histogram of the requests at most <paramref name="threshold"/> bytes, each rounded up to
    /// <paramref name="alignment"/> (0 counts as one alignment unit: no block is smaller), ascending by size.
    /// </summary>
    public static IReadOnlyList<SizeCount> Histogram(IEnumerable<KeyValuePair<ulong, long>> requestSizes, int alignment, int threshold)
    {
        ArgumentNullException.ThrowIfNull(requestSizes);
        var rounded = new SortedDictionary<int, long>();
        foreach ((ulong size, long count) in requestSizes)
        {
            if (size > (ulong)threshold || count <= 0)
            {
                continue;
            }

            int block = Math.Max(alignment, (int)((size + (ulong)alignment - 1) / (ulong)alignment * (ulong)alignment));
            rounded[block] = rounded.GetValueOrDefault(block) + count;
        }

        return rounded.Select(p => new SizeCount(p.Key, p.Value)).ToList();
    }

    /// <summary>Bytes <paramref name="classes"/> waste on <paramref name="histogram"/>: each size served by the smallest class that holds it.</summary>
    /// <exception cref="ArgumentException">A size is above the largest class.</exception>
    public static long Waste(IReadOnlyList<SizeCount> histogram, IReadOnlyList<int> classes)
    {
        long waste = 0;
        foreach (SizeCount entry in histogram)
        {
            int index = 0;
            while (index < classes.Count && classes[index] < entry.Size)
            {
                index++;
            }

            if (index == classes.Count)
            {
                throw new ArgumentException($"Size {entry.Size} is above the largest class.", nameof(classes));
            }

            waste += entry.Count * (classes[index] - entry.Size);
        }

        return waste;
    }

    /// <summary>
    /// The set of at most <paramref name="classCount"/> classes, the largest <paramref name="threshold"/>, wasting
    /// the fewest bytes on <paramref name="histogram"/> (fewer when the histogram has fewer distinct sizes: then
    /// every size is a class and nothing is wasted).
    /// </summary>
    /// <param name="histogram">Sizes ascending, distinct, multiples of the alignment, at most the threshold.</param>
    /// <param name="classCount">K, at least 1.</param>
    /// <param name="threshold">The largest class (a multiple of the alignment).</param>
    public static SizeClassSet Fit(IReadOnlyList<SizeCount> histogram, int classCount, int threshold) =>
        FitEachCount(histogram, classCount, threshold)[^1];

    /// <summary>
    /// The fit, among 1 to <paramref name="maxClasses"/> classes, with the least estimated memory cost: its rounding
    /// waste scaled to the live peak (<paramref name="liveShare"/> = peak live bytes / bytes requested over the whole
    /// trace) plus half a pool of slack for each class (a class in use keeps a partly used pool). More classes waste
    /// less to rounding; fewer leave fewer partly used pools.
    /// </summary>
    public static SizeClassSet FitForMemory(IReadOnlyList<SizeCount> histogram, int threshold, int maxClasses, double liveShare, int poolSize)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return FitEachCount(histogram, maxClasses, threshold)
            .MinBy(f => (f.WastedBytes * liveShare) + (f.Classes.Count * (poolSize / 2.0)))!;
    }

    /// <summary>The best set with 1, 2, … classes, up to <paramref name="maxClasses"/> or the number of candidate sizes.</summary>
    public static IReadOnlyList<SizeClassSet> FitEachCount(IReadOnlyList<SizeCount> histogram, int maxClasses, int threshold)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxClasses, 1);

        // The candidate points: every size, and the threshold last (with no requests if none asked for it).
        var points = histogram.Where(h => h.Size < threshold).ToList();
        points.Add(new SizeCount(threshold, histogram.Where(h => h.Size == threshold).Sum(h => h.Count)));
        int n = points.Count;
        int kMax = Math.Min(maxClasses, n);

        // Prefix sums of counts and of count × size, 1-based.
        var counts = new long[n + 1];
        var bytes = new long[n + 1];
        for (int i = 0; i < n; i++)
        {
            counts[i + 1] = counts[i] + points[i].Count;
            bytes[i + 1] = bytes[i] + (points[i].Count * points[i].Size);
        }

        // Points a..b (1-based, inclusive) all served by a class at point b.
        long Cost(int a, int b) => (points[b - 1].Size * (counts[b] - counts[a - 1])) - (bytes[b] - bytes[a - 1]);

        // best[c, j]: points 1..j served by c classes, the largest at point j; choice[c, j]: the point of the class below.
        var best = new long[kMax + 1, n + 1];
        var choice = new int[kMax + 1, n + 1];
        for (int j = 1; j <= n; j++)
        {
            best[1, j] = Cost(1, j);
        }

        for (int c = 2; c <= kMax; c++)
        {
            for (int j = c; j <= n; j++)
            {
                long min = long.MaxValue;
                int argMin = -1;
                for (int m = c - 1; m < j; m++)
                {
                    long cost = best[c - 1, m] + Cost(m + 1, j);
                    if (cost < min)
                    {
                        min = cost;
                        argMin = m;
                    }
                }

                best[c, j] = min;
                choice[c, j] = argMin;
            }
        }

        var fits = new SizeClassSet[kMax];
        for (int k = 1; k <= kMax; k++)
        {
            var classes = new int[k];
            for (int c = k, j = n; c >= 1; c--)
            {
                classes[c - 1] = points[j - 1].Size;
                j = choice[c, j];
            }

            fits[k - 1] = new SizeClassSet(classes, best[k, n]);
        }

        return fits;
    }
}
