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

    /// <summary>The largest request of the mixed workload, and the cap of its growing reallocs.</summary>
    public const int MixedMaxSize = 256 << 10;

    /// <summary>In a mixed stream (<see cref="MixedOps"/>): grow the block of the slot instead of replacing it.</summary>
    public const int GrowOp = 0;

    /// <summary>
    /// Sizes shaped like the requests of real programs: 80% uniform in [1, 512], 15% uniform in [513, 4096], 5% in
    /// (4096, 256 KiB] with every power of two equally likely (log-uniform: real programs ask for a few huge buffers
    /// and many moderately large ones).
    /// </summary>
    public static int[] MixedSizes(int count, int seed)
    {
        var random = new Random(seed);
        var sizes = new int[count];
        for (var i = 0; i < sizes.Length; i++)
            sizes[i] = MixedSize(random);
        return sizes;
    }

    /// <summary>
    /// The op stream of the mixed workload: <see cref="MixedSizes"/>, of which <paramref name="growPercent"/>
    /// percent are <see cref="GrowOp"/> (the slot's block is reallocated to twice its size, at most
    /// <see cref="MixedMaxSize"/>).
    /// </summary>
    public static int[] MixedOps(int count, int seed, int growPercent)
    {
        var random = new Random(seed);
        var ops = new int[count];
        for (var i = 0; i < ops.Length; i++)
            ops[i] = random.Next(100) < growPercent ? GrowOp : MixedSize(random);
        return ops;
    }

    /// <summary>The size a <see cref="GrowOp"/> grows a block of <paramref name="size"/> bytes to.</summary>
    public static int Grown(int size) => Math.Min(size * 2, MixedMaxSize);

    private static int MixedSize(Random random)
    {
        var band = random.Next(100);
        if (band < 80)
            return random.Next(1, 513);
        if (band < 95)
            return random.Next(513, 4097);
        var log = 12 + random.NextDouble() * 6;   // 2^12 .. 2^18
        return Math.Clamp((int)Math.Pow(2, log), 4097, MixedMaxSize);
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
