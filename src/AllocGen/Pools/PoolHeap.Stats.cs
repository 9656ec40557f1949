using AllocGen.Memory;
using AllocGen.Stats;
using AllocGen.Threading;

namespace AllocGen.Pools;

public unsafe partial struct PoolHeap<TGeometry>
{
    /// <summary>Classes in the statistics: the small ones, then the medium ones (index ClassCount + medium class).</summary>
    internal static int StatsClassCount => TGeometry.ClassCount + TGeometry.MediumClassCount;

    /// <summary>The statistics index of the class a block's pool (or span) serves, or -1 for a pool that serves none.</summary>
    private static int StatsClassOf(PoolHeader* pool)
    {
        if (pool->IsSpan)
        {
            return TGeometry.ClassCount + MediumClassOfSpan(SpanHeadOf(pool));
        }

        return pool->SizeClass < TGeometry.ClassCount ? pool->SizeClass : -1;
    }

    /// <summary>Walks every carved pool; costs O(pools), so the fast paths keep no counters.</summary>
    /// <exception cref="ObjectDisposedException">Called after <see cref="Dispose"/>.</exception>
    public readonly AllocatorStats GetStats()
    {
#if DEBUG
        using var concurrentUse = new ConcurrentUseGuard(_state);
#endif
        HeapState* s = _state;
        if (s->Disposed != 0)
        {
            ThrowHelper.ObjectDisposed(OwnerName);
        }

        var totals = new HeapStatsTotals(StatsClassCount);
        AddStats(s, totals);
        return BuildStats(totals, (long)s->Large.Count, (long)s->Large.Bytes);
    }

    /// <summary>
    /// Adds one heap's figures to <paramref name="totals"/>. A thread heap may be read from another thread: its arena
    /// list is walked under its lock (so no arena is unmapped meanwhile), and its counts are read as they are.
    /// </summary>
    internal static void AddStats(HeapState* s, HeapStatsTotals totals)
    {
        LockArenas(s);
        try
        {
            AddArenaStats(s, totals);
            SubtractPendingRemoteFrees(s, totals);
        }
        finally
        {
            UnlockArenas(s);
        }

        totals.ArenasCurrent += (long)s->ArenasCurrent;
        totals.ArenasAllocated += (long)s->ArenasAllocated;
        totals.ArenasReleased += (long)s->ArenasReleased;
        totals.ArenasHighWater += (long)s->ArenasHighWater;
    }

    /// <summary>
    /// Blocks other threads freed into the heap's pools still count in their pools until the owner takes them back;
    /// they are not in use. Called under the heap's arena lock. The lanes and the ring are read where they lie (only the
    /// owner takes from them): the lock keeps the blocks' arenas mapped meanwhile. The stack is taken whole (an
    /// exchange, safe from any thread: nobody else can reach the blocks meanwhile), counted, and pushed back.
    /// </summary>
    private static void SubtractPendingRemoteFrees(HeapState* s, HeapStatsTotals totals)
    {
        var inPlace = new PendingInPlace(totals);
        s->RemoteRing.ForEachWaiting(ref inPlace);
        s->RemoteLanes.ForEachWaiting(ref inPlace);

        void* first = s->Remote.TakeAll();
        if (first == null)
        {
            return;
        }

        void* last = first;
        for (void* block = first; block != null; block = RemoteFreeStack.Next(block))
        {
            NotInUse(block, totals);
            last = block;
        }

        s->Remote.PushChain(first, last);
    }

    /// <summary>Each block waiting in the lanes or the ring is not in use (see <see cref="SubtractPendingRemoteFrees"/>).</summary>
    private readonly struct PendingInPlace(HeapStatsTotals totals) : Threading.IBlockVisitor
    {
        public void Visit(void* block) => NotInUse(block, totals);
    }

    private static void NotInUse(void* block, HeapStatsTotals totals)
    {
        int statsClass = ArenaMap<TGeometry>.Lookup(block) != null ? StatsClassOf(HeaderOf(block)) : -1;
        if (statsClass >= 0)
        {
            totals.BlocksInUse[statsClass]--;
        }
    }

    private static void AddArenaStats(HeapState* s, HeapStatsTotals totals)
    {
        long[] pools = totals.Pools;
        long[] used = totals.BlocksInUse;
        long page = (long)OsPages.PageSize;
        for (ArenaObject* arena = s->AllArenas; arena != null; arena = arena->NextAll)
        {
            totals.ArenasWalked++;
            totals.PoolsFree += arena->FreePoolCount;

            // Committed memory comes in whole OS pages: those of the header table up to the last header used, and
            // those of every carved pool whose pages were not given back. A page larger than a pool counts once,
            // however many of its pools are carved (pools are visited in address order, so a page shared with the
            // previous pool or the header table is the last one counted).
            long lastCountedPage = (((byte*)arena->FreshPools - arena->Address) - 1) / page;
            totals.CarvedBytes += (lastCountedPage + 1) * page;
            PoolHeader* first = (PoolHeader*)arena->Address + HeaderPoolsPerArena;
            for (PoolHeader* pool = first; pool < arena->FreshPools; pool++)
            {
                if (pool->IsSpan)
                {
                    // A span counts once, at its first pool, for all its pools; its pages are counted pool by pool below.
                    if (pool->SizeClass != PoolHeader.SpanInterior)
                    {
                        int spanPools = TGeometry.MediumSpanPools(MediumClassOfSpan(pool));
                        int statsClass = TGeometry.ClassCount + MediumClassOfSpan(pool);
                        if (pool->Count != 0)
                        {
                            pools[statsClass] += spanPools;
                            used[statsClass] += pool->Count;
                        }
                        else if (pool->Retained != 0)
                        {
                            totals.PoolsRetained += spanPools;
                        }
                    }
                }
                else if (pool->Count != 0)
                {
                    pools[pool->SizeClass]++;
                    used[pool->SizeClass] += pool->Count;
                }
                else if (pool->Retained != 0)
                {
                    totals.PoolsRetained++;
                }

                if (pool->SizeClass == PoolHeader.NoClass)
                {
                    // Given back by Trim: carved once, its pages since returned to the OS.
                    continue;
                }

                long offset = PoolBase(pool) - arena->Address;
                long firstPage = Math.Max(offset / page, lastCountedPage + 1);
                long lastPage = (offset + (long)PoolSize - 1) / page;
                if (lastPage >= firstPage)
                {
                    totals.CarvedBytes += (lastPage - firstPage + 1) * page;
                    lastCountedPage = lastPage;
                }
            }
        }
    }

    /// <summary>The statistics of the heaps whose figures <paramref name="totals"/> holds, plus their large blocks.</summary>
    internal static AllocatorStats BuildStats(HeapStatsTotals totals, long largeBlocks, long largeBytes)
    {
        var classes = new SizeClassStats[StatsClassCount];
        long quantization = 0;
        for (int i = 0; i < TGeometry.ClassCount; i++)
        {
            long pools = totals.Pools[i];
            long used = totals.BlocksInUse[i];
            classes[i] = new SizeClassStats(i, TGeometry.BlockSize(i), pools, used, (pools * BlocksPerPool(i)) - used);
            quantization += pools * ((long)PoolSize - ((long)BlocksPerPool(i) * TGeometry.BlockSize(i)));
        }

        for (int m = 0; m < TGeometry.MediumClassCount; m++)
        {
            int i = TGeometry.ClassCount + m;
            long spans = totals.Pools[i] / TGeometry.MediumSpanPools(m);
            long used = totals.BlocksInUse[i];
            long blockSize = TGeometry.MediumBlockSize(m);
            classes[i] = new SizeClassStats(i, (int)blockSize, totals.Pools[i], used, (spans * BlocksPerSpan(m)) - used);
            quantization += spans * (SpanBytes(m) - (BlocksPerSpan(m) * blockSize));
        }

        // The arenas' parts that serve no block, from the arenas walked (the reserved bytes come from the counter).
        long region = (long)OsPages.RegionSize(ArenaSize);

        return new AllocatorStats
        {
            SizeClasses = classes,
            ArenasCurrent = totals.ArenasCurrent,
            ArenasAllocated = totals.ArenasAllocated,
            ArenasReleased = totals.ArenasReleased,
            ArenasHighWater = totals.ArenasHighWater,
            ArenaSize = (long)ArenaSize,
            PoolSize = (long)PoolSize,
            PoolsFree = totals.PoolsFree,
            PoolsRetained = totals.PoolsRetained,
            ArenaBytesReserved = totals.ArenasCurrent * region,
            CarvedPoolBytes = totals.CarvedBytes,
            QuantizationBytes = quantization,
            PoolHeaderBytes = totals.ArenasWalked * HeaderPoolsPerArena * (long)PoolSize,
            PagePaddingBytes = totals.ArenasWalked * (region - (long)ArenaSize),
            LargeBlocks = largeBlocks,
            LargeBytes = largeBytes,
        };
    }
}

/// <summary>Figures summed over one or more heaps (the thread heaps of a PerThread instance) before they become stats.</summary>
internal sealed class HeapStatsTotals(int classCount)
{
    public readonly long[] Pools = new long[classCount];
    public readonly long[] BlocksInUse = new long[classCount];
    public long PoolsFree;
    public long PoolsRetained;
    public long CarvedBytes;
    public long ArenasCurrent;

    /// <summary>Arenas found in the heaps' lists (the walk), as opposed to <see cref="ArenasCurrent"/> (the counters).</summary>
    public long ArenasWalked;
    public long ArenasAllocated;
    public long ArenasReleased;
    public long ArenasHighWater;
}
