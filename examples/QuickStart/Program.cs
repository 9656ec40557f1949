// AllocGen quick start: declare an allocator with one attribute, use it, read its statistics.
using AllocGen;

unsafe
{
    using var heap = new GameHeap();

    // Typed allocation: the JIT folds this to the one size class that fits a Particle.
    Particle* particle = heap.Allocate<Particle>();
    *particle = new Particle { X = 1, Y = 2, Z = 3, Life = 60 };
    Console.WriteLine($"Particle at 0x{(nuint)particle:X}, {heap.UsableSize(particle)} usable bytes, life {particle->Life}");
    heap.Free(particle);

    // A churn workload: keep 10,000 blocks of random sizes alive, replacing one at a time.
    const int live = 10_000;
    const int operations = 1_000_000;
    var random = new Random(42);
    var blocks = new nint[live];
    for (int i = 0; i < live; i++)
    {
        blocks[i] = (nint)heap.Allocate((nuint)random.Next(1, 513));
    }

    for (int i = 0; i < operations; i++)
    {
        int victim = random.Next(live);
        heap.Free((void*)blocks[victim]);
        byte* block = (byte*)heap.Allocate((nuint)random.Next(1, 513));
        *block = (byte)i;
        blocks[victim] = (nint)block;
    }

    Console.WriteLine($"Churned {operations:N0} allocate/free pairs over {live:N0} live blocks.");
    Console.WriteLine();

    // The sys._debugmallocstats()-style dump: a row per class in use, the arena counts, and the bytes reserved from
    // the OS split into parts that add up to them exactly.
    heap.DumpStats(Console.Out);

    foreach (nint block in blocks)
    {
        heap.Free((void*)block);
    }

    Console.WriteLine();
    Console.WriteLine($"After freeing everything: {heap.GetStats().ArenasCurrent} arena(s) kept as a spare.");
}

/// <summary>The default configuration: CPython's 64-bit pymalloc geometry.</summary>
[PoolAllocator]
public sealed partial class GameHeap
{
}

/// <summary>A 16-byte game object.</summary>
public struct Particle
{
    public float X, Y, Z;
    public int Life;
}
