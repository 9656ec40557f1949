using System.Diagnostics;
using System.Runtime.CompilerServices;
using AllocGen.Stats;
using AllocGen.Tuning;

namespace AllocGen.Tune.Replay;

/// <summary>How a trace is replayed on each variant.</summary>
/// <param name="Repeats">Timed passes; the reported time is their median.</param>
/// <param name="SampleInterval">The checked pass samples the allocator's statistics every this many operations (and after the last one and at the live peak).</param>
public sealed record ReplayOptions(int Repeats, int SampleInterval)
{
    /// <summary>About 256 samples over the trace.</summary>
    public static int DefaultSampleInterval(int operations) => Math.Max(1, operations / 256);
}

/// <summary>
/// Replays a trace on every variant a registry visits. Generic over the driver struct, so each variant runs its own
/// specialized code. Per variant: one checked pass, like a differential test, which fills every block with a pattern
/// and checks it on realloc and free, checks zeroed blocks and alignment, and samples the statistics (untimed); then
/// an untimed warm-up pass and <see cref="ReplayOptions.Repeats"/> timed passes that do nothing but the allocator calls.
/// </summary>
public sealed unsafe class ReplayRunner(CompiledTrace trace, ReplayOptions options, IReplayProgress progress) : IAllocatorVariantVisitor
{
    private readonly List<VariantResult> _results = [];

    /// <summary>The kind <see cref="Visit{TDriver}"/> records its next variants as.</summary>
    public VariantKind Kind { get; set; } = VariantKind.Pool;

    /// <summary>What every visited variant measured, in visit order.</summary>
    public IReadOnlyList<VariantResult> Results => _results;

    /// <inheritdoc/>
    /// <exception cref="ReplayFailedException">A pass failed: a block's contents or alignment were wrong, or the allocator threw.</exception>
    public void Visit<TDriver>(AllocatorVariantInfo info)
        where TDriver : struct, IAllocatorDriver<TDriver> =>
        _results.Add(Replay<TDriver>(info, Kind));

    /// <summary>Replays the trace on <typeparamref name="TDriver"/>'s allocator.</summary>
    /// <exception cref="ReplayFailedException">A pass failed (the message names the variant and the operation index).</exception>
    public VariantResult Replay<TDriver>(AllocatorVariantInfo info, VariantKind kind)
        where TDriver : struct, IAllocatorDriver<TDriver>
    {
        progress.Begin(info.Name, options.Repeats + 2);
        (IReadOnlyList<MemorySample> samples, long waste, long arenasReturned) = CheckedPass<TDriver>(info);
        progress.PassDone(info.Name, "checked pass");

        TimedPass<TDriver>(info.Name, trace.Steps, new nint[trace.SlotCount]);
        progress.PassDone(info.Name, "warm-up");

        var times = new List<double>(options.Repeats);
        for (int repeat = 0; repeat < options.Repeats; repeat++)
        {
            long ticks = TimedPass<TDriver>(info.Name, trace.Steps, new nint[trace.SlotCount]);
            times.Add(trace.Operations == 0 ? 0 : ticks * (1e9 / Stopwatch.Frequency) / trace.Operations);
            progress.PassDone(info.Name, $"timed pass {repeat + 1}/{options.Repeats}");
        }

        progress.End(info.Name);
        return new VariantResult
        {
            Info = info,
            Kind = kind,
            Operations = trace.Operations,
            NsPerOpRepeats = times,
            Samples = samples,
            QuantizationWasteBytes = waste,
            ArenasReturned = arenasReturned,
        };
    }

    /// <summary>The whole trace with contents checked and statistics sampled; nothing here is timed.</summary>
    private (IReadOnlyList<MemorySample> Samples, long QuantizationWaste, long ArenasReturned) CheckedPass<TDriver>(AllocatorVariantInfo info)
        where TDriver : struct, IAllocatorDriver<TDriver>
    {
        ReplayStep[] steps = trace.Steps;
        var blocks = new nint[trace.SlotCount];
        var sizes = new nuint[trace.SlotCount];
        var seeds = new ulong[trace.SlotCount];
        var samples = new List<MemorySample>();
        var alignment = (nuint)info.Alignment;
        long live = 0, waste = 0, arenasReturned;
        TDriver driver = TDriver.Create();
        int i = 0;
        try
        {
            if (steps.Length == 0)
            {
                samples.Add(Sample(ref driver, -1, 0));
            }

            for (; i < steps.Length; i++)
            {
                ReplayStep step = steps[i];
                int slot = step.Slot;
                switch (step.Kind)
                {
                    case ReplayKind.Allocate:
                    case ReplayKind.AllocateZeroed:
                    {
                        nuint bytes = step.RequestedBytes;
                        var block = (byte*)(step.Kind == ReplayKind.Allocate ? driver.Allocate(step.Size) : driver.AllocateZeroed(step.Count, step.Size));
                        CheckBlock(info, i, block, alignment);
                        if (step.Kind == ReplayKind.AllocateZeroed && BlockPattern.FindNonZero(block, bytes) is var nonZero and >= 0)
                        {
                            throw Failed(info, i, $"the zeroed block has a non-zero byte at offset {nonZero}");
                        }

                        seeds[slot] = BlockPattern.SeedOf(i);
                        BlockPattern.Fill(block, 0, bytes, seeds[slot]);
                        blocks[slot] = (nint)block;
                        sizes[slot] = bytes;
                        live += (long)bytes;
                        break;
                    }

                    case ReplayKind.Reallocate:
                    {
                        var old = (byte*)blocks[slot];
                        nuint oldSize = sizes[slot];
                        CheckContents(info, i, old, oldSize, seeds[slot], "before the reallocation");
                        var block = (byte*)driver.Reallocate(old, step.Size);
                        CheckBlock(info, i, block, alignment);
                        nuint kept = Math.Min(oldSize, step.Size);
                        CheckContents(info, i, block, kept, seeds[slot], "after the reallocation (the kept bytes)");
                        BlockPattern.Fill(block, kept, step.Size, seeds[slot]);
                        blocks[slot] = (nint)block;
                        sizes[slot] = step.Size;
                        live += (long)step.Size - (long)oldSize;
                        break;
                    }

                    default:
                    {
                        var block = (byte*)blocks[slot];
                        CheckContents(info, i, block, sizes[slot], seeds[slot], "before the free");
                        driver.Free(block);
                        blocks[slot] = 0;
                        live -= (long)sizes[slot];
                        sizes[slot] = 0;
                        break;
                    }
                }

                if (i == trace.PeakLiveIndex)
                {
                    waste = QuantizationWaste(ref driver, blocks, sizes);
                }

                if (i % options.SampleInterval == 0 || i == trace.PeakLiveIndex || i == steps.Length - 1)
                {
                    samples.Add(Sample(ref driver, i, live));
                }
            }

            arenasReturned = driver.GetStats().ArenasReleased;
            FreeLive(ref driver, blocks);
        }
        catch (ReplayFailedException)
        {
            throw;
        }
        catch (Exception exception)
        {
            throw Failed(info, i, $"{exception.GetType().Name}: {exception.Message}", exception);
        }
        finally
        {
            driver.Dispose();
        }

        return (samples, waste, arenasReturned);
    }

    private static MemorySample Sample<TDriver>(ref TDriver driver, int index, long live)
        where TDriver : struct, IAllocatorDriver<TDriver>
    {
        AllocatorStats stats = driver.GetStats();
        return new MemorySample(index, live, stats.BytesReserved, stats.BytesCommitted);
    }

    private static long QuantizationWaste<TDriver>(ref TDriver driver, nint[] blocks, nuint[] sizes)
        where TDriver : struct, IAllocatorDriver<TDriver>
    {
        IAllocator allocator = driver.Allocator;
        long waste = 0;
        for (int slot = 0; slot < blocks.Length; slot++)
        {
            if (blocks[slot] != 0)
            {
                waste += (long)(allocator.UsableSize((void*)blocks[slot]) - sizes[slot]);
            }
        }

        return waste;
    }

    /// <summary>
    /// The trace's operations and nothing else, timed from the first to the last; the blocks still live at the end
    /// are freed after the clock stops. Compiled optimized at once: a short trace ends before tiering would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long TimedPass<TDriver>(string variant, ReplayStep[] steps, nint[] blocks)
        where TDriver : struct, IAllocatorDriver<TDriver>
    {
        TDriver driver = TDriver.Create();
        int i = 0;
        try
        {
            long start = Stopwatch.GetTimestamp();
            for (; i < steps.Length; i++)
            {
                ReplayStep step = steps[i];
                switch (step.Kind)
                {
                    case ReplayKind.Allocate:
                        blocks[step.Slot] = (nint)driver.Allocate(step.Size);
                        break;
                    case ReplayKind.AllocateZeroed:
                        blocks[step.Slot] = (nint)driver.AllocateZeroed(step.Count, step.Size);
                        break;
                    case ReplayKind.Reallocate:
                        blocks[step.Slot] = (nint)driver.Reallocate((void*)blocks[step.Slot], step.Size);
                        break;
                    default:
                        driver.Free((void*)blocks[step.Slot]);
                        blocks[step.Slot] = 0;
                        break;
                }
            }

            long elapsed = Stopwatch.GetTimestamp() - start;
            FreeLive(ref driver, blocks);
            return elapsed;
        }
        catch (Exception exception)
        {
            throw new ReplayFailedException(variant, i, $"{exception.GetType().Name} in a timed pass: {exception.Message}", exception);
        }
        finally
        {
            driver.Dispose();
        }
    }

    private static void FreeLive<TDriver>(ref TDriver driver, nint[] blocks)
        where TDriver : struct, IAllocatorDriver<TDriver>
    {
        for (int slot = 0; slot < blocks.Length; slot++)
        {
            if (blocks[slot] != 0)
            {
                driver.Free((void*)blocks[slot]);
                blocks[slot] = 0;
            }
        }
    }

    private void CheckBlock(AllocatorVariantInfo info, int index, byte* block, nuint alignment)
    {
        if (block == null)
        {
            throw Failed(info, index, "the allocator returned null");
        }

        if (((nuint)block & (alignment - 1)) != 0)
        {
            throw Failed(info, index, $"the block 0x{(nuint)block:X} is not aligned to {alignment} bytes");
        }
    }

    private void CheckContents(AllocatorVariantInfo info, int index, byte* block, nuint length, ulong seed, string when)
    {
        long offset = BlockPattern.FindMismatch(block, length, seed);
        if (offset >= 0)
        {
            throw Failed(info, index,
                $"{when}: byte {offset} of {length} is 0x{block[offset]:X2}, but 0x{BlockPattern.ByteAt(seed, (nuint)offset):X2} was written there");
        }
    }

    private ReplayFailedException Failed(AllocatorVariantInfo info, int index, string problem, Exception? inner = null) =>
        index < trace.Operations
            ? new(info.Name, index, $"{trace.Steps[index].Kind} of block {trace.BlockIds[index]}: {problem}", inner)
            : new(info.Name, index, $"freeing the blocks live at the end: {problem}", inner);
}
