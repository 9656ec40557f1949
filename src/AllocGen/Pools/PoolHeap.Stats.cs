using AllocGen.Memory;
using AllocGen.Stats;

namespace AllocGen.Pools;

public unsafe partial struct PoolHeap<TGeometry>
{
    /// <summary>Walks every carved pool; costs O(pools), so the fast paths keep no counters.</summary>
    /// <exception cref="ObjectDisposedException">Called after <see cref="Dispose"/>.</exception>
    public readonly AllocatorStats GetStats()
    {
        HeapState* s = _state;
        if (s->Disposed != 0)
        {
            ThrowHelper.ObjectDisposed(OwnerName);
        }

        var pools = new long[TGeometry.ClassCount];
        var used = new long[TGeometry.ClassCount];
        long freePools = 0;
        long retainedPools = 0;
        long carvedBytes = 0;
        long page = (long)OsPages.PageSize;
        for (ArenaObject* arena = s->AllArenas; arena != null; arena = arena->NextAll)
        {
            freePools += arena->FreePoolCount;

            // Committed memory comes in whole OS pages: those of the header table up to the last header used, and
            // those of every carved pool whose pages were not given back. A page larger than a pool counts once,
            // however many of its pools are carved (pools are visited in address order, so a page shared with the
            // previous pool or the header table is the last one counted).
            long lastCountedPage = (((byte*)arena->FreshPools - arena->Address) - 1) / page;
            carvedBytes += (lastCountedPage + 1) * page;
            PoolHeader* first = (PoolHeader*)arena->Address + HeaderPoolsPerArena;
            for (PoolHeader* pool = first; pool < arena->FreshPools; pool++)
            {
                if (pool->Count != 0)
                {
                    pools[pool->SizeClass]++;
                    used[pool->SizeClass] += pool->Count;
                }
                else if (pool->Retained != 0)
                {
                    retainedPools++;
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
                    carvedBytes += (lastPage - firstPage + 1) * page;
                    lastCountedPage = lastPage;
                }
            }
        }

        var classes = new SizeClassStats[TGeometry.ClassCount];
        for (int i = 0; i < classes.Length; i++)
        {
            classes[i] = new SizeClassStats(i, TGeometry.BlockSize(i), pools[i], used[i], (pools[i] * BlocksPerPool(i)) - used[i]);
        }

        return new AllocatorStats
        {
            SizeClasses = classes,
            ArenasCurrent = (long)s->ArenasCurrent,
            ArenasAllocated = (long)s->ArenasAllocated,
            ArenasReleased = (long)s->ArenasReleased,
            ArenasHighWater = (long)s->ArenasHighWater,
            ArenaSize = (long)ArenaSize,
            PoolSize = (long)PoolSize,
            PoolsFree = freePools,
            PoolsRetained = retainedPools,
            ArenaBytesReserved = (long)s->ArenasCurrent * (long)OsPages.RegionSize(ArenaSize),
            CarvedPoolBytes = carvedBytes,
            LargeBlocks = (long)s->Large.Count,
            LargeBytes = (long)s->Large.Bytes,
        };
    }
}
