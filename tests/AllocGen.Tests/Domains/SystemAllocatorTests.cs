using System.Runtime.InteropServices;
using Xunit;

namespace AllocGen.Tests.Domains;

/// <summary>The system allocator as an <see cref="IAllocator"/>: every member, rejected pointers, concurrent use.</summary>
public sealed unsafe class SystemAllocatorTests
{
    [Fact]
    public void AllocatesResizesAndMeasuresBlocks()
    {
        using var system = new SystemAllocator();
        Assert.True(system.IsThreadSafe);
        var zero = system.Allocate(0);
        var other = system.Allocate(0);
        Assert.NotEqual((nint)zero, (nint)other);
        var p = (byte*)system.Allocate(100);
        Assert.Equal(0U, (uint)((nuint)p % (nuint)(2 * sizeof(nint))));
        Assert.Equal(100U, (uint)system.UsableSize(p));
        TestDomains.Fill(p, 100, 4);
        p = (byte*)system.Reallocate(p, 100_000);
        TestDomains.AssertFilled(p, 100, 4);
        Assert.Equal(100_000U, (uint)system.UsableSize(p));
        var aligned = (byte*)system.AllocateAligned(10, 4096);
        Assert.Equal(0U, (uint)((nuint)aligned % 4096));
        aligned = (byte*)system.Reallocate(aligned, 20_000);
        Assert.Equal(0U, (uint)((nuint)aligned % 4096));
        var zeroed = (byte*)system.AllocateZeroed(10, 10);
        TestDomains.AssertFilled(zeroed, 100, 0);
        var fromNull = system.Reallocate(null, 5);
        Assert.Throws<ArgumentException>(() => system.AllocateAligned(8, 3));
        Assert.Throws<OverflowException>(() => system.AllocateZeroed(nuint.MaxValue, 2));

        Assert.Equal(6, system.GetStats().LargeBlocks);
        Assert.Equal(1 + 1 + 100_000 + 20_000 + 100 + 5, system.GetStats().LargeBytes);
        Assert.Contains("system allocator: 6 live blocks", Dump(system));
        foreach (void* block in new[] { zero, other, p, aligned, zeroed, fromNull })
        {
            Assert.True(system.Owns(block));
            system.Free(block);
            Assert.False(system.Owns(block));
        }

        system.Free(null);
        Assert.Equal(0, system.GetStats().BlocksInUse);
    }

    [Fact]
    public void ForeignAndFreedPointersAreRejectedWithoutEffect()
    {
        using var system = new SystemAllocator();
        using var another = new SystemAllocator();
        var live = (byte*)system.Allocate(64);
        var freed = system.Allocate(64);
        system.Free(freed);
        var theirs = another.Allocate(64);
        var native = NativeMemory.Alloc(64);
        byte* stack = stackalloc byte[16];
        try
        {
            foreach (nint bad in new[] { (nint)freed, (nint)theirs, (nint)native, (nint)stack, (nint)(live + 8), Environment.SystemPageSize })
            {
                Assert.False(system.Owns((void*)bad));
                Assert.Equal("pointer", Assert.Throws<ArgumentException>(() => system.Free((void*)bad)).ParamName);
                Assert.Throws<ArgumentException>(() => system.Reallocate((void*)bad, 10));
                Assert.Throws<ArgumentException>(() => system.UsableSize((void*)bad));
            }

            Assert.Equal(1, system.GetStats().LargeBlocks);
            system.Free(live);
        }
        finally
        {
            NativeMemory.Free(native);
            another.Free(theirs);
        }
    }

    [Fact]
    public void DisposeFreesEveryBlockAndLaterUseThrows()
    {
        var system = new SystemAllocator();
        for (int i = 0; i < 100; i++)
        {
            system.Allocate((nuint)i);
        }

        system.Dispose();
        system.Dispose();
        Assert.Throws<ObjectDisposedException>(() => system.Allocate(1));
        Assert.Throws<ObjectDisposedException>(() => system.Owns((void*)16));
        Assert.Throws<ObjectDisposedException>(() => system.GetStats());
    }

    [Fact]
    public void FourThreadsShareOneAllocator()
    {
        using var system = new SystemAllocator();
        const int PerThread = 20_000;
        TestDomains.RunThreads(4, id =>
        {
            var random = new Random(id);
            var live = new List<(nint Pointer, byte Fill, nuint Size)>();
            for (int op = 0; op < PerThread; op++)
            {
                if (live.Count > 0 && random.Next(3) == 0)
                {
                    int k = random.Next(live.Count);
                    (nint p, byte fill, nuint size) = live[k];
                    TestDomains.AssertFilled((byte*)p, size, fill);
                    Assert.True(system.Owns((void*)p));
                    system.Free((void*)p);
                    live.RemoveAt(k);
                }
                else
                {
                    var size = (nuint)random.Next(1, 300);
                    var p = (byte*)system.Allocate(size);
                    var fill = (byte)random.Next(256);
                    TestDomains.Fill(p, size, fill);
                    live.Add(((nint)p, fill, size));
                }
            }

            foreach ((nint p, _, _) in live)
            {
                system.Free((void*)p);
            }
        });
        Assert.Equal(0, system.GetStats().BlocksInUse);
    }

    private static string Dump(IAllocator allocator)
    {
        var writer = new StringWriter();
        allocator.DumpStats(writer);
        return writer.ToString();
    }
}
