namespace AllocGen.Benchmarks.Workloads;

/// <summary>
/// The measured loops. Generic over a struct allocator so each is compiled per allocator with direct
/// calls; all inputs are precomputed arrays.
/// </summary>
public static class Kernels
{
    /// <summary>Allocate then free immediately, one pair per size.</summary>
    public static void Pair<TA, TB, TP>(ref TA a, int[] sizes)
        where TA : struct, IBenchAllocator<TB, TP>
    {
        foreach (var size in sizes)
        {
            var block = a.Allocate(size);
            a.Free(block);
        }
    }

    /// <summary>Fills every slot with a block of the given size (untimed setup of the live set).</summary>
    public static void Fill<TA, TB, TP>(ref TA a, TB[] live, int[] sizes)
        where TA : struct, IBenchAllocator<TB, TP>
    {
        for (var i = 0; i < live.Length; i++)
        {
            live[i] = a.Allocate(sizes[i]);
            a.Write(live[i], 0);
        }
    }

    /// <summary>Frees every slot (untimed cleanup).</summary>
    public static void Drain<TA, TB, TP>(ref TA a, TB[] live)
        where TA : struct, IBenchAllocator<TB, TP>
    {
        for (var i = 0; i < live.Length; i++)
        {
            if (!EqualityComparer<TB>.Default.Equals(live[i], default!))
                a.Free(live[i]);
            live[i] = default!;
        }
    }

    /// <summary>
    /// Steady state with a live set: each op frees the block in a random slot, allocates a block of a
    /// random size into it and writes one byte to it.
    /// </summary>
    public static void Churn<TA, TB, TP>(ref TA a, TB[] live, int[] slots, int[] sizes)
        where TA : struct, IBenchAllocator<TB, TP>
    {
        for (var i = 0; i < slots.Length; i++)
        {
            var slot = slots[i];
            a.Free(live[slot]);
            var block = a.Allocate(sizes[i]);
            a.Write(block, 0);
            live[slot] = block;
        }
    }

    /// <summary>
    /// The mixed workload's steady state: each op takes a random slot and either frees its block and allocates one of
    /// the op's size (one byte written), or, for <see cref="Inputs.GrowOp"/>, reallocates it to
    /// <see cref="Inputs.Grown"/> of its size (its last byte written). <paramref name="liveSizes"/> tracks each slot's size.
    /// </summary>
    public static void Mixed<TA, TB, TP>(ref TA a, TB[] live, int[] liveSizes, int[] slots, int[] ops)
        where TA : struct, IBenchAllocator<TB, TP>
    {
        for (var i = 0; i < slots.Length; i++)
        {
            var slot = slots[i];
            var size = ops[i];
            if (size == Inputs.GrowOp)
            {
                var old = liveSizes[slot];
                size = Inputs.Grown(old);
                var grown = a.Reallocate(live[slot], old, size);
                a.Write(grown, size - 1);
                live[slot] = grown;
            }
            else
            {
                a.Free(live[slot]);
                var block = a.Allocate(size);
                a.Write(block, 0);
                live[slot] = block;
            }
            liveSizes[slot] = size;
        }
    }

    /// <summary>Allocates one block per size, then frees them all in <paramref name="freeOrder"/>.</summary>
    public static void Burst<TA, TB, TP>(ref TA a, TB[] blocks, int[] sizes, int[] freeOrder)
        where TA : struct, IBenchAllocator<TB, TP>
    {
        for (var i = 0; i < sizes.Length; i++)
            blocks[i] = a.Allocate(sizes[i]);
        for (var i = 0; i < freeOrder.Length; i++)
        {
            var slot = freeOrder[i];
            a.Free(blocks[slot]);
            blocks[slot] = default!;
        }
    }

    /// <summary>
    /// Realloc growth: allocate 16 B, grow by doubling to 4 KiB (8 reallocs, one byte written at the
    /// end of each new size), free. One chain counts as one operation.
    /// </summary>
    public static void ReallocChains<TA, TB, TP>(ref TA a, int chains)
        where TA : struct, IBenchAllocator<TB, TP>
    {
        for (var c = 0; c < chains; c++)
        {
            var block = a.Allocate(ReallocFirstSize);
            a.Write(block, ReallocFirstSize - 1);
            for (var size = ReallocFirstSize * 2; size <= ReallocLastSize; size <<= 1)
            {
                block = a.Reallocate(block, size >> 1, size);
                a.Write(block, size - 1);
            }
            a.Free(block);
        }
    }

    public const int ReallocFirstSize = 16;
    public const int ReallocLastSize = 4096;

    /// <summary>Typed allocation of a 24-byte struct, one field written, then freed.</summary>
    public static void Typed<TA, TB, TP>(ref TA a, int count)
        where TA : struct, IBenchAllocator<TB, TP>
    {
        for (var i = 0; i < count; i++)
        {
            var payload = a.AllocatePayload();
            a.WritePayload(payload);
            a.FreePayload(payload);
        }
    }
}
