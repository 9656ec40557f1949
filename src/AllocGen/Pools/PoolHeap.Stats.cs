using AllocGen.Stats;

namespace AllocGen.Pools;

public unsafe partial struct PoolHeap<TGeometry>
{
    private const long PageSize = 4096;

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
        for (ArenaObject* arena = s->AllArenas; arena != null; arena = arena->NextAll)
        {
            freePools += arena->FreePoolCount;
            PoolHeader* first = (PoolHeader*)arena->Address + HeaderPoolsPerArena;
            carvedBytes += (arena->FreshPools - first) * (long)PoolSize;

            // The header table's pages are touched up to the last header used.
            carvedBytes += (((byte*)arena->FreshPools - arena->Address) + PageSize - 1) & -PageSize;
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
                else if (pool->SizeClass == PoolHeader.NoClass)
                {
                    // Decommitted by Trim: carved once, its pages since given back.
                    carvedBytes -= (long)PoolSize;
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
            CarvedPoolBytes = carvedBytes,
            LargeBlocks = (long)s->Large.Count,
            LargeBytes = (long)s->Large.Bytes,
        };
    }
}
