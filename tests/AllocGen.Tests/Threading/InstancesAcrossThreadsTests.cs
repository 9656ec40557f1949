using Xunit;
using Xunit.Abstractions;

namespace AllocGen.Tests.Threading;

/// <summary>
/// Two instances of the same heap type used by the same threads at once stay independent: each serves and takes back
/// its own blocks, and a block of one passed to the other is refused (ArgumentException) and left intact, from
/// whichever thread holds it.
/// </summary>
[Collection(ThreadStressCollection.Name)]
public sealed unsafe class InstancesAcrossThreadsTests(ITestOutputHelper output)
{
    private const int Threads = 4;
    private const int StepsPerThread = 20_000;

    public static TheoryData<string> Heaps()
    {
        var data = new TheoryData<string>();
        foreach (StressTarget target in StressTarget.All)
        {
            data.Add(target.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Heaps))]
    public void TwoInstancesOnTheSameThreadsStayApart(string heap)
    {
        StressTarget target = StressTarget.Named(heap);
        using var run = new StressRun(target, nameof(TwoInstancesOnTheSameThreadsStayApart), Threads, output);
        using IAllocator second = target.Create();
        BlockLedger[] ledgers = [run.Ledger, new BlockLedger(second, target)];
        LiveBlock?[][] slots = [new LiveBlock?[16], new LiveBlock?[16]];
        long refused = 0;
        for (int t = 0; t < Threads; t++)
        {
            run.Start($"worker {t}", me =>
            {
                List<LiveBlock>[] mine = [[], []];
                for (int step = 0; step < StepsPerThread; step++)
                {
                    run.Stopping.ThrowIfCancellationRequested();
                    int which = me.Random.Next(2);
                    BlockLedger ledger = ledgers[which];
                    List<LiveBlock> list = mine[which];
                    int roll = me.Random.Next(100);
                    if (list.Count == 0 || (list.Count < 200 && roll < 55))
                    {
                        list.Add(ledger.Allocate(me, ThreadStressTests.RandomSize(me.Random, target)));
                        continue;
                    }

                    int index = me.Random.Next(list.Count);
                    if (roll < 88)
                    {
                        ledger.Free(me, list[index]);
                        list[index] = list[^1];
                        list.RemoveAt(list.Count - 1);
                    }
                    else if (roll < 98)
                    {
                        // Through the instance's slots: the block may come back on another thread.
                        LiveBlock? taken = Interlocked.Exchange(ref slots[which][me.Random.Next(16)], list[index]);
                        if (taken is null)
                        {
                            list[index] = list[^1];
                            list.RemoveAt(list.Count - 1);
                        }
                        else
                        {
                            list[index] = taken;
                        }
                    }
                    else
                    {
                        OfferToTheOtherInstance(me, ledger, ledgers[1 - which].Heap, list[index], which);
                        Interlocked.Increment(ref refused);
                    }
                }

                foreach (int which in new[] { 0, 1 })
                {
                    foreach (LiveBlock block in mine[which])
                    {
                        ledgers[which].Free(me, block);
                    }
                }
            });
        }

        run.Join();
        run.OnTestThread(me =>
        {
            for (int which = 0; which < 2; which++)
            {
                foreach (LiveBlock? block in slots[which])
                {
                    if (block is not null)
                    {
                        ledgers[which].Free(me, block);
                    }
                }
            }
        });

        run.AssertEverythingFreed(ledgers[0], liveThreadHeaps: 1, "first instance, after the threads exited");
        run.AssertEverythingFreed(ledgers[1], liveThreadHeaps: 1, "second instance, after the threads exited");
        Assert.True(refused > 0, "no block was offered to the other instance");
        run.Report($", {ledgers[1].Allocated:N0} more blocks from the second instance, {refused} blocks refused by the other instance");
    }

    /// <summary>The other instance must refuse the block in Free, UsableSize and Owns, and leave it as it was.</summary>
    private static void OfferToTheOtherInstance(StressWorker me, BlockLedger owner, IAllocator other, LiveBlock block, int which)
    {
        string instances = $"instance {1 - which} (given {block}, a block of instance {which})";
        me.Doing("Free on the other instance", block, 0);
        try
        {
            other.Free((void*)block.Pointer);
            throw new StressFailure($"thread '{me.Name}': Free on {instances} returned normally");
        }
        catch (ArgumentException)
        {
        }

        me.Doing("UsableSize on the other instance", block, 0);
        try
        {
            nuint usable = other.UsableSize((void*)block.Pointer);
            throw new StressFailure($"thread '{me.Name}': UsableSize on {instances} returned {usable}");
        }
        catch (ArgumentException)
        {
        }

        if (other.Owns((void*)block.Pointer))
        {
            throw new StressFailure($"thread '{me.Name}': Owns on {instances} is true");
        }

        owner.Verify(me, block, "after the other instance refused it");
        owner.CheckUsableSize(me, block);
    }
}
