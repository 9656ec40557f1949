using Xunit;

namespace AllocGen.Tests.Domains.Generated;

/// <summary>
/// Every member the generator emits on an [AllocatorDomains] class, called on <see cref="TestMem"/>: C semantics of
/// each domain's Malloc/Calloc/Realloc/Free, the shared instance of a type two domains declare, and the forwarding
/// members, as far as the minimal DomainSet defines them (modes and hooks are the runtime's tests).
/// </summary>
public sealed unsafe class GeneratedDomainsTests
{
    /// <summary>The four generated members of one domain.</summary>
    public sealed class DomainMembers(
        string name,
        AllocDomain domain,
        delegate*<nuint, void*> malloc,
        delegate*<nuint, nuint, void*> calloc,
        delegate*<void*, nuint, void*> realloc,
        delegate*<void*, void> free)
    {
        public AllocDomain Domain { get; } = domain;
        public void* Malloc(nuint size) => malloc(size);
        public void* Calloc(nuint count, nuint size) => calloc(count, size);
        public void* Realloc(void* pointer, nuint newSize) => realloc(pointer, newSize);
        public void Free(void* pointer) => free(pointer);
        public override string ToString() => name;
    }

    private static readonly Dictionary<string, DomainMembers> s_domains = new()
    {
        ["Raw"] = new("Raw", AllocDomain.Raw, &TestMem.RawMalloc, &TestMem.RawCalloc, &TestMem.RawRealloc, &TestMem.RawFree),
        ["Mem"] = new("Mem", AllocDomain.Mem, &TestMem.Malloc, &TestMem.Calloc, &TestMem.Realloc, &TestMem.Free),
        ["Object"] = new("Object", AllocDomain.Object, &TestMem.ObjectMalloc, &TestMem.ObjectCalloc, &TestMem.ObjectRealloc, &TestMem.ObjectFree),
    };

    public static TheoryData<string> Domains => new(s_domains.Keys);

    [Theory]
    [MemberData(nameof(Domains))]
    public void MallocZeroGivesUniquePointersThatCanBeFreed(string name)
    {
        DomainMembers d = s_domains[name];
        var blocks = new HashSet<nint>();
        for (int i = 0; i < 64; i++)
        {
            void* block = d.Malloc(0);
            Assert.True(block != null);
            Assert.True(blocks.Add((nint)block), "Malloc(0) returned a pointer that is still live");
            Assert.True(TestMem.GetAllocator(d.Domain).Owns(block));
        }

        foreach (nint block in blocks)
        {
            d.Free((void*)block);
        }
    }

    [Theory]
    [MemberData(nameof(Domains))]
    public void FreeNullDoesNothing(string name)
    {
        DomainMembers d = s_domains[name];
        long before = TestMem.GetAllocator(d.Domain).GetStats().LargeBlocks;
        d.Free(null);
        d.Free(null);
        Assert.Equal(before, TestMem.GetAllocator(d.Domain).GetStats().LargeBlocks);

        // The domain still serves.
        void* block = d.Malloc(24);
        d.Free(block);
    }

    [Theory]
    [MemberData(nameof(Domains))]
    public void ReallocOfNullAllocatesAndReallocKeepsTheFirstBytes(string name)
    {
        DomainMembers d = s_domains[name];
        byte* block = (byte*)d.Realloc(null, 40);
        Assert.True(block != null);
        Assert.True(TestMem.GetAllocator(d.Domain).UsableSize(block) >= 40);
        for (int i = 0; i < 40; i++)
        {
            block[i] = (byte)(i + 1);
        }

        int written = 40;
        foreach (nuint size in new nuint[] { 300, 5000, 16, 100_000, 8, 64 })
        {
            block = (byte*)d.Realloc(block, size);
            int kept = Math.Min((int)size, written);
            for (int i = 0; i < kept; i++)
            {
                Assert.Equal((byte)(i + 1), block[i]);
            }

            // Fill what the block holds now, up to the 40 bytes checked.
            written = Math.Min((int)size, 40);
            for (int i = kept; i < written; i++)
            {
                block[i] = (byte)(i + 1);
            }
        }

        d.Free(block);
    }

    [Theory]
    [MemberData(nameof(Domains))]
    public void CallocGivesZeroedMemoryEvenWhereADirtyBlockWasFreed(string name)
    {
        DomainMembers d = s_domains[name];
        foreach (nuint size in new nuint[] { 8, 48, 512, 4096, 70_000 })
        {
            // Dirty blocks of the size first, so that the pool's free lists hold them when Calloc runs.
            var dirty = new List<nint>();
            for (int i = 0; i < 4; i++)
            {
                byte* block = (byte*)d.Malloc(size);
                new Span<byte>(block, (int)size).Fill(0xAB);
                dirty.Add((nint)block);
            }

            dirty.ForEach(block => d.Free((void*)block));
            byte* zeroed = (byte*)d.Calloc(size / 4, 4);
            Assert.True(new ReadOnlySpan<byte>(zeroed, (int)size).IndexOfAnyExcept((byte)0) < 0, $"Calloc({size / 4}, 4) is not zeroed");
            d.Free(zeroed);
        }
    }

    [Theory]
    [MemberData(nameof(Domains))]
    public void CallocRejectsAnOverflowingProduct(string name)
    {
        DomainMembers d = s_domains[name];
        Assert.Throws<OverflowException>(() => d.Calloc(nuint.MaxValue / 2, 3));
    }

    [Theory]
    [MemberData(nameof(Domains))]
    public void BlocksOfEverySizeAreUsableAndFreeable(string name)
    {
        DomainMembers d = s_domains[name];
        var random = new Random(17);
        var live = new List<(nint Block, int Size, byte Fill)>();
        for (int i = 0; i < 2000; i++)
        {
            if (live.Count > 0 && random.Next(3) == 0)
            {
                int at = random.Next(live.Count);
                (nint block, int size, byte fill) = live[at];
                Assert.True(new ReadOnlySpan<byte>((void*)block, size).IndexOfAnyExcept(fill) < 0, "a live block was overwritten");
                d.Free((void*)block);
                live.RemoveAt(at);
            }
            else
            {
                int size = random.Next(4) == 0 ? random.Next(513, 20_000) : random.Next(0, 513);
                byte fill = (byte)random.Next(1, 256);
                byte* block = (byte*)d.Malloc((nuint)size);
                new Span<byte>(block, size).Fill(fill);
                live.Add(((nint)block, size, fill));
            }
        }

        foreach ((nint block, int size, byte fill) in live)
        {
            Assert.True(new ReadOnlySpan<byte>((void*)block, size).IndexOfAnyExcept(fill) < 0, "a live block was overwritten");
            d.Free((void*)block);
        }
    }

    [Fact]
    public void DomainsThatDeclareOneTypeShareOneInstance()
    {
        IAllocator mem = TestMem.GetAllocator(AllocDomain.Mem);
        IAllocator @object = TestMem.GetAllocator(AllocDomain.Object);
        IAllocator raw = TestMem.GetAllocator(AllocDomain.Raw);

        Assert.Same(mem, @object);
        Assert.IsType<DomainTestHeap>(mem);
        Assert.IsType<SystemAllocator>(raw);
        Assert.NotSame(raw, mem);

        // A block of one is a block of the other: Mem's block is freed through Object, as with CPython's pymalloc.
        void* block = TestMem.Malloc(32);
        Assert.True(@object.Owns(block));
        Assert.False(raw.Owns(block));
        TestMem.ObjectFree(block);
    }

    [Fact]
    public void TheDeclaredAllocatorsAreThreadSafeAsTheDomainsNeed()
    {
        Assert.True(TestMem.GetAllocator(AllocDomain.Raw).IsThreadSafe);
        Assert.True(TestMem.GetAllocator(AllocDomain.Mem).IsThreadSafe);
    }

    [Fact]
    public void TheModeIsTheDefaultOne() => Assert.Equal("default", TestMem.CurrentMode);

    [Fact]
    public void DumpStatsWritesTheDomainsAllocators()
    {
        void* block = TestMem.ObjectMalloc(48);
        var writer = new StringWriter();
        TestMem.DumpStats(writer);
        TestMem.ObjectFree(block);

        string dump = writer.ToString();
        Assert.Contains(nameof(TestMem), dump, StringComparison.Ordinal);
        Assert.Contains(nameof(SystemAllocator), dump, StringComparison.Ordinal);
        Assert.Contains(nameof(DomainTestHeap), dump, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => TestMem.DumpStats(null!));
    }
}
