using AllocGen.Tracing;

namespace AllocGen.Tests.Tracing;

/// <summary>
/// The synthetic server trace bundled as examples/Tune/samples/server.agtrace: a long-lived cache that changes
/// slowly (an entry replaced now and then, some grown in place) under request-scoped bursts of small and medium
/// blocks, a growing body buffer and zeroed tables, all freed when their request ends. Seeded, so
/// <see cref="BundledTraceTests"/> can check that the file is what this code makes and regenerate it.
/// </summary>
internal static class ServerTraceGenerator
{
    public const int Seed = 20_261_202;
    public const int CacheEntries = 1_500;
    public const int Requests = 1_200;
    public const int Workers = 4;

    public static AllocationTrace Generate()
    {
        var random = new Random(Seed);
        var operations = new List<TraceOperation>();
        ulong nextId = 0;
        long clock = 0;
        int thread = 1;

        void Add(TraceOperationKind kind, ulong id, ulong size, ulong count = 1)
        {
            clock += random.Next(80, 900);
            operations.Add(new TraceOperation(kind, id, size, count, clock, thread));
        }

        ulong CacheSize() => random.Next(10) < 8 ? (ulong)random.Next(48, 1024) : (ulong)random.Next(1024, 16_384);

        // The cache, filled at startup by the main thread.
        var cache = new List<(ulong Id, ulong Size)>();
        for (int i = 0; i < CacheEntries; i++)
        {
            ulong size = CacheSize();
            Add(TraceOperationKind.Allocate, ++nextId, size);
            cache.Add((nextId, size));
        }

        var request = new List<ulong>();
        for (int r = 0; r < Requests; r++)
        {
            thread = 2 + r % Workers;
            clock += random.Next(2_000, 50_000); // idle between requests

            // A body buffer that grows as the request is read.
            ulong body = ++nextId;
            ulong bodySize = 256;
            Add(TraceOperationKind.Allocate, body, bodySize);
            request.Add(body);
            int blocks = random.Next(10, 50);
            for (int b = 0; b < blocks; b++)
            {
                int choice = random.Next(100);
                if (choice < 70)
                {
                    Add(TraceOperationKind.Allocate, ++nextId, (ulong)random.Next(8, 257)); // strings, small objects
                }
                else if (choice < 88)
                {
                    Add(TraceOperationKind.Allocate, ++nextId, (ulong)random.Next(257, 4_097)); // medium buffers
                }
                else if (choice < 96)
                {
                    Add(TraceOperationKind.AllocateZeroed, ++nextId, 8, (ulong)random.Next(4, 128)); // tables
                }
                else
                {
                    Add(TraceOperationKind.Allocate, ++nextId, (ulong)random.Next(4_097, 65_537)); // a large response
                }

                request.Add(nextId);
                if (bodySize < 32_768 && random.Next(8) == 0)
                {
                    bodySize *= 2;
                    Add(TraceOperationKind.Reallocate, body, bodySize);
                }
            }

            // Now and then the request refreshes a cache entry: replaced, or grown in place.
            if (random.Next(4) == 0)
            {
                int k = random.Next(cache.Count);
                if (random.Next(3) == 0)
                {
                    ulong size = cache[k].Size + (ulong)random.Next(16, 512);
                    Add(TraceOperationKind.Reallocate, cache[k].Id, size);
                    cache[k] = (cache[k].Id, size);
                }
                else
                {
                    Add(TraceOperationKind.Free, cache[k].Id, 0);
                    ulong size = CacheSize();
                    Add(TraceOperationKind.Allocate, ++nextId, size);
                    cache[k] = (nextId, size);
                }
            }

            // The request ends: its blocks go, mostly newest first, some in the order they came.
            if (random.Next(2) == 0)
            {
                request.Reverse();
            }

            foreach (ulong id in request)
            {
                Add(TraceOperationKind.Free, id, 0);
            }

            request.Clear();
        }

        // Shutdown frees the cache.
        thread = 1;
        foreach ((ulong id, _) in cache)
        {
            Add(TraceOperationKind.Free, id, 0);
        }

        return new AllocationTrace(operations);
    }
}
