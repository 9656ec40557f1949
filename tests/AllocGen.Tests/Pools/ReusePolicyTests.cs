using AllocGen.Pools;
using Xunit;

namespace AllocGen.Tests.Pools;

/// <summary>
/// <see cref="PoolReusePolicy"/>: which partly used pool a class allocates from. Fast rotates through the pools in
/// the order they got blocks back; Compact serves the lowest address first, so the highest pools drain.
/// </summary>
public sealed unsafe class ReusePolicyTests
{
    private const int LargestClassBlock = 512;

    [Fact]
    public void TheDefaultIsFast()
    {
        using var heap = new DefaultHeap();
        Assert.Equal(PoolReusePolicy.Fast, heap.ReusePolicy);
        heap.ReusePolicy = PoolReusePolicy.Compact;
        Assert.Equal(PoolReusePolicy.Compact, heap.ReusePolicy);
    }

    [Theory]
    [InlineData(PoolReusePolicy.Fast)]
    [InlineData(PoolReusePolicy.Compact)]
    public void PoolsThatGetABlockBackServeInThePolicysOrder(PoolReusePolicy policy)
    {
        using var heap = new DefaultHeap { ReusePolicy = policy };
        int perPool = DefaultHeap.PoolSize / LargestClassBlock;

        // Three full pools of the 512-byte class: the class has no pool with a free block left.
        var blocks = new List<nint>();
        for (int i = 0; i < 3 * perPool; i++)
        {
            blocks.Add((nint)heap.Allocate(LargestClassBlock));
        }

        nint[] pools = blocks.Select(PoolOf).Distinct().Order().ToArray();
        Assert.Equal(3, pools.Length);
        nint low = pools[0], middle = pools[1], high = pools[2];

        // One block back to each, highest pool first: each rejoins its class.
        nint fromHigh = blocks.First(b => PoolOf(b) == high);
        nint fromLow = blocks.First(b => PoolOf(b) == low);
        nint fromMiddle = blocks.First(b => PoolOf(b) == middle);
        heap.Free((void*)fromHigh);
        heap.Free((void*)fromLow);
        heap.Free((void*)fromMiddle);

        // Each pool holds one free block, so each allocation fills a pool and the next one moves on.
        nint[] served = [(nint)heap.Allocate(LargestClassBlock), (nint)heap.Allocate(LargestClassBlock), (nint)heap.Allocate(LargestClassBlock)];
        nint[] expected = policy == PoolReusePolicy.Compact
            ? [fromLow, fromMiddle, fromHigh]   // address order
            : [fromHigh, fromLow, fromMiddle];  // the order they got a block back
        Assert.Equal(expected, served);

        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }
    }

    [Fact]
    public void CompactKeepsFewerPoolsUnderChurn()
    {
        long fast = PeakPoolsUnderChurn(PoolReusePolicy.Fast);
        long compact = PeakPoolsUnderChurn(PoolReusePolicy.Compact);

        // Seeded, so the same every run: Fast peaks at 206 pools, Compact at 196. Require at least 3% fewer.
        Assert.True(compact * 100 <= fast * 97, $"Compact peaked at {compact} pools, Fast at {fast}");
    }

    [Fact]
    public void SettingThePolicyAfterDisposeThrows()
    {
        var heap = new DefaultHeap();
        heap.Dispose();
        Assert.Throws<ObjectDisposedException>(() => heap.ReusePolicy = PoolReusePolicy.Compact);
    }

    [Fact]
    public void AnUndefinedPolicyIsRejected()
    {
        using var heap = new DefaultHeap();
        Assert.Throws<ArgumentOutOfRangeException>(() => heap.ReusePolicy = (PoolReusePolicy)2);
        Assert.Equal(PoolReusePolicy.Fast, heap.ReusePolicy);
    }

    private static nint PoolOf(nint block) => block & ~(nint)(DefaultHeap.PoolSize - 1);

    /// <summary>The benchmarks' churn: 10,000 live blocks of 1..512 bytes, each op frees a random one and allocates a new one.</summary>
    private static long PeakPoolsUnderChurn(PoolReusePolicy policy)
    {
        const int Live = 10_000;
        using var heap = new DefaultHeap { ReusePolicy = policy };
        var random = new Random(2026);
        var live = new nint[Live];
        for (int i = 0; i < Live; i++)
        {
            live[i] = (nint)heap.Allocate((nuint)random.Next(1, 513));
        }

        long peak = 0;
        for (int op = 0; op < 400_000; op++)
        {
            int slot = random.Next(Live);
            heap.Free((void*)live[slot]);
            byte* block = (byte*)heap.Allocate((nuint)random.Next(1, 513));
            *block = 1;
            live[slot] = (nint)block;
            if (op % 10_000 == 0)
            {
                peak = Math.Max(peak, heap.GetStats().PoolsInUse);
            }
        }

        foreach (nint block in live)
        {
            heap.Free((void*)block);
        }

        Assert.Equal(0, heap.GetStats().BlocksInUse);
        return peak;
    }
}
