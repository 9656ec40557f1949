// Exercises every surface the runtime and the generator offer, printing only what must be the same on every run
// (no addresses, no timings), so that CI can compare the NativeAOT and trimmed runs with the JIT run line for line.
using System.IO.Pipelines;
using AllocGen;

Smoke.Policies();
Smoke.Arena();
Smoke.Domains();
await SafeSmoke.Pipe();
Console.WriteLine("aot smoke: done");

[PoolAllocator] public sealed partial class SingleHeap { }
[PoolAllocator(Threading = ThreadPolicy.Locked)] public sealed partial class LockedHeap { }
[PoolAllocator(Threading = ThreadPolicy.PerThread)] public sealed partial class PerThreadHeap { }
[PoolAllocator(ArenaSize = 256 << 10, PoolSize = 4096, Alignment = 8, SmallRequestThreshold = 256)]
[SizeClasses(8, 24, 64, 200, 256)]
public sealed partial class IrregularHeap { }
[BumpArena(BlockSize = 4096)] public sealed partial class SmokeArena { }

[AllocatorDomains]
[Domain(AllocDomain.Raw, typeof(SystemAllocator))]
[Domain(AllocDomain.Mem, typeof(LockedHeap))]
[Domain(AllocDomain.Object, typeof(PerThreadHeap))]
public static partial class SmokeMem { }

internal static unsafe class Smoke
{
    public static void Policies()
    {
        var single = new SingleHeap();
        SafeSmoke.RentCheck("SingleThreaded", single.Rent<int>(1000, clear: true));
        Run("SingleThreaded", single, threads: 1);
        var locked = new LockedHeap();
        SafeSmoke.RentCheck("Locked", locked.Rent<int>(1000, clear: true));
        Run("Locked", locked, threads: 4);
        var perThread = new PerThreadHeap();
        SafeSmoke.RentCheck("PerThread", perThread.Rent<int>(1000, clear: true));
        Run("PerThread", perThread, threads: 4);
        var irregular = new IrregularHeap();
        SafeSmoke.RentCheck("Irregular", irregular.Rent<int>(1000, clear: true));
        Run("Irregular", irregular, threads: 1);
    }

    // Every thread allocates blocks with a pattern, hands half of them to the next thread to check and free
    // (cross-thread frees for the thread-safe policies), and frees the rest itself.
    private static void Run(string name, IAllocator heap, int threads)
    {
        const int perThread = 20_000;
        var handedOver = new nint[threads][];
        var checkedBytes = 0L;
        var workers = new Thread[threads];
        var barrier = new Barrier(threads);
        for (int t = 0; t < threads; t++)
        {
            int me = t;
            workers[t] = new Thread(() =>
            {
                var random = new Random(me);
                var mine = new nint[perThread];
                for (int i = 0; i < perThread; i++)
                {
                    var size = (nuint)random.Next(1, 700);
                    var block = (byte*)heap.Allocate(size);
                    block[size - 1] = (byte)(i >> 3);
                    block[0] = (byte)i;
                    mine[i] = (nint)block;
                    if (i % 2 == 1)
                    {
                        block = (byte*)heap.Reallocate(block, size + 40);
                        mine[i] = (nint)block;
                    }
                }

                handedOver[me] = mine;
                barrier.SignalAndWait();
                nint[] theirs = handedOver[(me + 1) % threads];
                long local = 0;
                for (int i = 0; i < perThread; i++)
                {
                    var block = (byte*)theirs[i];
                    if (block[0] != (byte)i)
                        throw new InvalidOperationException($"{name}: block {i} lost its first byte");
                    local++;
                    heap.Free(block);
                }

                Interlocked.Add(ref checkedBytes, local);
            });
            workers[t].Start();
        }

        foreach (var worker in workers)
        {
            if (!worker.Join(TimeSpan.FromSeconds(60)))
                throw new TimeoutException($"{name}: a worker did not finish");
        }

        var stats = heap.GetStats();
        Console.WriteLine($"{name}: {threads} thread(s), {checkedBytes} blocks checked, {stats.BlocksInUse} in use after freeing, thread-safe {heap.IsThreadSafe}");
        heap.Dispose();
        try
        {
            heap.Allocate(16);
        }
        catch (ObjectDisposedException)
        {
            Console.WriteLine($"{name}: use after Dispose throws ObjectDisposedException");
        }
    }

    internal static long Sum(Span<int> values)
    {
        long sum = 0;
        foreach (int value in values)
            sum += value;
        return sum;
    }

    public static void Arena()
    {
        using var arena = new SmokeArena();
        long total = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var node = (long*)arena.Allocate(24);
            *node = i;
            total += *node;
        }

        Span<int> span = arena.AllocateSpan<int>(100);
        span.Fill(3);
        Console.WriteLine($"BumpArena: {arena.BlockCount} blocks, sum {total + Sum(span)}");
        arena.Reset();
        Console.WriteLine($"BumpArena: after Reset {arena.BytesAllocated} bytes allocated");
    }

    public static void Domains()
    {
        foreach (var mode in new[] { "default", "malloc", "pool", "debug", "malloc_debug", "pool_debug" })
        {
            SmokeMem.Configure(mode);
            var raw = (byte*)SmokeMem.RawMalloc(32);
            var mem = (byte*)SmokeMem.Realloc(SmokeMem.Malloc(10), 2000);
            var obj = (byte*)SmokeMem.ObjectCalloc(4, 16);
            bool zeroed = obj[0] == 0 && obj[63] == 0;
            SmokeMem.RawFree(raw);
            SmokeMem.Free(mem);
            SmokeMem.ObjectFree(obj);
            string fault = "none";
            if (mode.EndsWith("debug", StringComparison.Ordinal))
            {
                var block = SmokeMem.Malloc(8);
                SmokeMem.Free(block);
                try
                {
                    SmokeMem.Free(block);
                }
                catch (AllocatorFaultException e)
                {
                    fault = e.Fault.ToString();
                }
            }

            Console.WriteLine($"Domains {mode}: current {SmokeMem.CurrentMode}, calloc zeroed {zeroed}, second free: {fault}");
        }

        SmokeMem.Configure("default");
    }
}

internal static class SafeSmoke
{
    public static void RentCheck(string name, System.Buffers.IMemoryOwner<int> owner)
    {
        using (owner)
        {
            owner.Memory.Span[999] = 7;
            Console.WriteLine($"{name}: Rent<int>(1000, clear) sum {Smoke.Sum(owner.Memory.Span)}");
        }

        try
        {
            _ = owner.Memory.Span;
        }
        catch (ObjectDisposedException)
        {
            Console.WriteLine($"{name}: the owner's memory after Dispose throws ObjectDisposedException");
        }
    }

    public static async Task Pipe()
    {
        using var heap = new LockedHeap();
        var pipe = new Pipe(new PipeOptions(pool: heap.AsMemoryPool()));
        const int total = 4 << 20;
        var writer = Task.Run(async () =>
        {
            var random = new Random(1);
            int written = 0;
            while (written < total)
            {
                int chunk = Math.Min(random.Next(1, 9000), total - written);
                Memory<byte> memory = pipe.Writer.GetMemory(chunk);
                for (int i = 0; i < chunk; i++)
                    memory.Span[i] = (byte)(written + i);
                pipe.Writer.Advance(chunk);
                written += chunk;
                await pipe.Writer.FlushAsync();
            }

            await pipe.Writer.CompleteAsync();
        });

        long read = 0, wrong = 0;
        while (true)
        {
            ReadResult result = await pipe.Reader.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                foreach (byte b in segment.Span)
                {
                    if (b != (byte)read)
                        wrong++;
                    read++;
                }
            }

            pipe.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
                break;
        }

        await writer;
        await pipe.Reader.CompleteAsync();
        Console.WriteLine($"Pipe over AsMemoryPool: {read} bytes read, {wrong} wrong, {heap.GetStats().BlocksInUse} blocks in use");
    }
}
