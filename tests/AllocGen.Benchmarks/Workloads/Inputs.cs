namespace AllocGen.Benchmarks.Workloads;

/// <summary>
/// Request streams, all from fixed seeds and precomputed in GlobalSetup so that the timed loops
/// only read an array and call the allocator.
/// </summary>
public static class Inputs
{
    public const int Seed = 20240917;

    /// <summary>Sizes uniform in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static int[] UniformSizes(int count, int seed, int min = 1, int max = 512)
    {
        var random = new Random(seed);
        var sizes = new int[count];
        for (var i = 0; i < sizes.Length; i++)
            sizes[i] = random.Next(min, max + 1);
        return sizes;
    }

    /// <summary>The skewed mix: 80% of requests uniform in [1, 64], 20% uniform in [65, 512].</summary>
    public static int[] SkewedSizes(int count, int seed)
    {
        var random = new Random(seed);
        var sizes = new int[count];
        for (var i = 0; i < sizes.Length; i++)
            sizes[i] = random.Next(100) < 80 ? random.Next(1, 65) : random.Next(65, 513);
        return sizes;
    }

    /// <summary>Indices uniform in [0, <paramref name="bound"/>).</summary>
    public static int[] Indices(int count, int bound, int seed)
    {
        var random = new Random(seed);
        var indices = new int[count];
        for (var i = 0; i < indices.Length; i++)
            indices[i] = random.Next(bound);
        return indices;
    }

    /// <summary>0..count-1, in order or shuffled.</summary>
    public static int[] Permutation(int count, bool shuffle, int seed)
    {
        var order = new int[count];
        for (var i = 0; i < order.Length; i++)
            order[i] = i;
        if (shuffle)
            new Random(seed).Shuffle(order);
        return order;
    }
}
