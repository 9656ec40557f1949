using System.Runtime.InteropServices;
using AllocGen;
using AllocGen.Domains;

// "alloc": a domain set as generated code builds it (ALLOCGEN_MALLOC and ALLOCGEN_MALLOCSTATS read from the
// environment), one Mem block left live at exit. "oom": every mode under an address-space limit.
return args.FirstOrDefault() switch
{
    "alloc" => Commands.Allocate(),
    "oom" => Commands.OutOfMemory(),
    _ => Commands.Usage(),
};

/// <summary>The heap the host's domains declare for Mem and Object.</summary>
[PoolAllocator]
public sealed partial class HostHeap
{
}

internal static unsafe class Commands
{
    private const int RlimitAs = 9;
    private const long Headroom = 64L << 20;

    // Served by the pool heap with or without the hooks' 40 bytes (its small-request threshold is 512).
    private const int SmallSize = 256;
    private static readonly AllocDomain[] Domains = [AllocDomain.Raw, AllocDomain.Mem, AllocDomain.Object];

    public static int Usage()
    {
        Console.Error.WriteLine("usage: AllocGen.TestHost alloc|oom");
        return 2;
    }

    public static int Allocate()
    {
        var heap = new HostHeap();
        var set = new DomainSet("Host", new SystemAllocator(), heap, heap);
        try
        {
            var block = (byte*)set.Allocate(AllocDomain.Mem, 100);
            block[0] = 1;
            Console.WriteLine($"allocated in mode {set.CurrentMode}");
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"{e.GetType().Name}: {e.Message}");
        }

        return 0;
    }

    /// <summary>
    /// For each mode: with the address space limited to what the process uses now plus a little, allocate small
    /// (pool) and large blocks in every domain until OutOfMemoryException; every block must keep its contents, and
    /// after half of them are freed, allocation must work again.
    /// </summary>
    public static int OutOfMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            Console.WriteLine("skipped: setrlimit(RLIMIT_AS) is Linux-only here");
            return 0;
        }

        string[] modes = ["default", "malloc", "pool", "debug", "malloc_debug", "pool_debug"];

        // Everything the runs need is loaded and compiled before the limit, so that only the allocators meet it: the
        // exception paths too (an impossible request throws the out-of-memory exception of every domain once). Once
        // the address space is used up, the runtime can map nothing more, not even code, so what would be compiled
        // the first time an exception is thrown under the limit would end the process with "Out of memory.".
        foreach (string mode in modes)
        {
            Run(mode, sizeLimit: 1 << 20);
            ThrowOutOfMemoryOnce(mode);
        }

        KeepCAllocatorSlack();

        // The limit is set again before each mode, from what the process maps then (the C allocator keeps some of
        // what the previous mode freed), so every mode gets the same headroom.
        int failures = 0;
        foreach (string mode in modes)
        {
            var rlimit = new RLimit { Current = (ulong)(VirtualSize() + Headroom), Maximum = ulong.MaxValue };
            if (setrlimit(RlimitAs, &rlimit) != 0)
            {
                Console.WriteLine($"setrlimit failed: errno {Marshal.GetLastPInvokeError()}");
                return 1;
            }

            string result = Run(mode, sizeLimit: long.MaxValue);
            Console.WriteLine($"{mode}: {result}");
            failures += result.StartsWith("ok", StringComparison.Ordinal) ? 0 : 1;
        }

        return failures;
    }

    private static void ThrowOutOfMemoryOnce(string mode)
    {
        var heap = new HostHeap();
        var system = new SystemAllocator();
        var set = new DomainSet("Host", system, heap, heap);
        set.Configure(mode);
        try
        {
            foreach (AllocDomain d in Domains)
            {
                try
                {
                    set.Allocate(d, (nuint)1 << 46);
                    throw new InvalidOperationException($"{mode}: {d} served 64 TiB");
                }
                catch (OutOfMemoryException)
                {
                }
            }
        }
        finally
        {
            heap.Dispose();
            system.Dispose();
        }
    }

    private static string Run(string mode, long sizeLimit)
    {
        var heap = new HostHeap();
        var system = new SystemAllocator();
        var set = new DomainSet("Host", system, heap, heap);
        set.Configure(mode);
        var blocks = new List<(AllocDomain Domain, nint Pointer, int Size)>(1 << 20);
        try
        {
            int outOfMemory = 0, expectedOutOfMemory = 0;
            foreach (int size in new[] { SmallSize, 1 << 20 })
            {
                foreach (AllocDomain d in Domains)
                {
                    // Small blocks of the C allocator would use up its free lists, which the runtime itself needs to
                    // throw the exception: the system allocator is run out of memory with blocks it maps one by one.
                    IAllocator served = set.GetAllocator(d) is DebugAllocator layer ? layer.Inner : set.GetAllocator(d);
                    if (size == SmallSize && served is SystemAllocator)
                    {
                        continue;
                    }

                    expectedOutOfMemory++;
                    long bytes = 0;
                    while (bytes < sizeLimit)
                    {
                        byte* p;
                        try
                        {
                            p = (byte*)set.Allocate(d, (nuint)size);
                        }
                        catch (OutOfMemoryException)
                        {
                            outOfMemory++;
                            break;
                        }

                        if (p == null)
                        {
                            return $"{d} returned null for {size} bytes";
                        }

                        Stamp(p, size, blocks.Count);
                        blocks.Add((d, (nint)p, size));
                        bytes += size;
                    }

                    // Make room for the next domain's run.
                    if (sizeLimit == long.MaxValue)
                    {
                        for (int i = blocks.Count - 1; i >= 0 && i >= blocks.Count - 64; i--)
                        {
                            if (!Check(blocks[i], i))
                            {
                                return $"block {i} lost its contents";
                            }
                        }

                        FreeEvery(set, blocks, 2);
                    }
                }
            }

            for (int i = 0; i < blocks.Count; i++)
            {
                if (!Check(blocks[i], i))
                {
                    return $"block {i} lost its contents";
                }
            }

            if (sizeLimit == long.MaxValue && outOfMemory != expectedOutOfMemory)
            {
                return $"only {outOfMemory} of {expectedOutOfMemory} runs met OutOfMemoryException";
            }

            // Memory is back: every domain serves again.
            FreeEvery(set, blocks, 1);
            foreach (AllocDomain d in Domains)
            {
                for (int i = 0; i < 16; i++)
                {
                    set.Free(d, set.Allocate(d, SmallSize));
                    set.Free(d, set.Allocate(d, 1 << 20));
                }
            }

            return $"ok ({outOfMemory} out-of-memory exceptions)";
        }
        finally
        {
            FreeEvery(set, blocks, 1);
            heap.Dispose();
            system.Dispose();
        }
    }

    /// <summary>Frees the blocks at every <paramref name="stride"/>-th place from the end (all with 1), rechecking and keeping the rest.</summary>
    private static void FreeEvery(DomainSet set, List<(AllocDomain Domain, nint Pointer, int Size)> blocks, int stride)
    {
        var kept = new List<(AllocDomain, nint, int)>();
        for (int i = 0; i < blocks.Count; i++)
        {
            if (stride > 1 && i % stride != 0)
            {
                kept.Add(blocks[i]);
            }
            else
            {
                set.Free(blocks[i].Domain, (void*)blocks[i].Pointer);
            }
        }

        blocks.Clear();
        for (int i = 0; i < kept.Count; i++)
        {
            (AllocDomain d, nint p, int size) = kept[i];
            Stamp((byte*)p, size, i);
            blocks.Add((d, p, size));
        }
    }

    private static void Stamp(byte* p, int size, int index)
    {
        *(int*)p = index;
        p[size - 1] = (byte)index;
    }

    private static bool Check((AllocDomain Domain, nint Pointer, int Size) block, int index)
    {
        var p = (byte*)block.Pointer;
        return *(int*)p == index && p[block.Size - 1] == (byte)index;
    }

    /// <summary>
    /// The runtime allocates from the C allocator while it throws (and the GC while it collects): glibc keeps this much
    /// freed memory for it instead of returning it to the OS, and maps the large blocks one by one (a fixed mmap
    /// threshold), so that running the allocators out of address space does not leave the runtime without any.
    /// </summary>
    private static void KeepCAllocatorSlack()
    {
        const int TrimThreshold = -1, MmapThreshold = -3;
        if (mallopt(TrimThreshold, int.MaxValue) == 0 || mallopt(MmapThreshold, 128 * 1024) == 0)
        {
            throw new InvalidOperationException("mallopt failed");
        }

        var pieces = new nint[512];
        for (int i = 0; i < pieces.Length; i++)
        {
            pieces[i] = (nint)NativeMemory.Alloc(64 * 1024);
        }

        foreach (nint piece in pieces)
        {
            NativeMemory.Free((void*)piece);
        }
    }

    [DllImport("libc")]
    private static extern int mallopt(int parameter, int value);

    private static long VirtualSize()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmSize:", StringComparison.Ordinal));
        return long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, RLimit* limit);
}
