using AllocGen.Domains;
using AllocGen.Tests.Pools;
using Xunit;

namespace AllocGen.Tests.Domains;

/// <summary>
/// A <see cref="DomainSet"/> as the generated code of <c>[Domain(Raw, typeof(SystemAllocator))]</c>,
/// <c>[Domain(Mem, typeof(DefaultHeap))]</c>, <c>[Domain(Object, typeof(DefaultHeap))]</c> builds it (Mem and Object
/// share the heap), with the environment given instead of read, and the checks the domain tests share.
/// </summary>
internal sealed unsafe class TestDomains : IDisposable
{
    public static readonly string[] Modes = ["default", "malloc", "pool", "debug", "malloc_debug", "pool_debug"];

    public static readonly AllocDomain[] Domains = [AllocDomain.Raw, AllocDomain.Mem, AllocDomain.Object];

    public TestDomains(string? mode = null, IAllocator? heap = null)
    {
        Heap = heap ?? new DefaultHeap();
        Set = new DomainSet("Test", System, Heap, Heap, mode, statsVariable: null);
    }

    public SystemAllocator System { get; } = new();

    public IAllocator Heap { get; }

    public DomainSet Set { get; }

    /// <summary>Blocks of every domain allocated and freed with their contents checked: the set serves normally.</summary>
    public void AssertServes()
    {
        foreach (AllocDomain d in Domains)
        {
            foreach (nuint size in new nuint[] { 0, 1, 40, 700, 70_000 })
            {
                var p = (byte*)Set.Allocate(d, size);
                Fill(p, size, 0x5A);
                p = (byte*)Set.Reallocate(d, p, size + 9);
                AssertFilled(p, size, 0x5A);
                Set.Free(d, p);
            }
        }
    }

    /// <summary>After every block was freed: nothing is left in either allocator once the hooks' quarantines are emptied.</summary>
    public void AssertNoBlockLeft()
    {
        Set.ReleaseQuarantines();
        Assert.Equal(0, Set.Hooks.LiveBlocks);
        Assert.Equal(0, Heap.GetStats().BlocksInUse);
        Assert.Equal(0, System.GetStats().BlocksInUse);
    }

    public static void Fill(byte* p, nuint size, byte value) => new Span<byte>(p, (int)size).Fill(value);

    public static void AssertFilled(byte* p, nuint size, byte value)
    {
        int bad = new ReadOnlySpan<byte>(p, (int)size).IndexOfAnyExcept(value);
        Assert.True(bad < 0, $"byte {bad} of a {size}-byte block is 0x{(bad < 0 ? 0 : p[bad]):X2}, not 0x{value:X2}");
    }

    /// <summary>Runs the body on <paramref name="count"/> threads at once; fails on any thread's exception or a thread still running after a minute.</summary>
    public static void RunThreads(int count, Action<int> body)
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(id => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                body(id);
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        foreach (Thread t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromMinutes(1)), "a thread did not finish within a minute");
        }

        Assert.Empty(failures);
    }

    public void Dispose()
    {
        Heap.Dispose();
        System.Dispose();
    }
}
