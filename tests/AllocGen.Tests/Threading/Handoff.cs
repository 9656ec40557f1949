using System.Collections.Concurrent;

namespace AllocGen.Tests.Threading;

/// <summary>
/// A bounded queue of block batches between workers. Waits are bounded by <see cref="StressRun.WaitLimit"/> and end
/// early when the run stops; a wait that runs out is a failure naming both ends.
/// </summary>
internal sealed class Handoff(string name, int capacity) : IDisposable
{
    private readonly BlockingCollection<List<LiveBlock>> _queue = new(capacity);

    public string Name { get; } = name;

    public int Count => _queue.Count;

    public void Send(StressRun run, StressWorker from, List<LiveBlock> batch)
    {
        from.Doing($"waiting to send {batch.Count} blocks to {Name}", null, 0);
        if (!_queue.TryAdd(batch, (int)StressRun.WaitLimit.TotalMilliseconds, run.Stopping))
        {
            throw new StressFailure($"thread '{from.Name}' could not send to {Name} for {StressRun.WaitLimit.TotalSeconds:0} s: its reader stalled");
        }
    }

    /// <summary>The next batch, or null once the queue is completed and empty.</summary>
    public List<LiveBlock>? Receive(StressRun run, StressWorker by)
    {
        by.Doing($"waiting for blocks from {Name}", null, 0);
        while (true)
        {
            if (_queue.TryTake(out List<LiveBlock>? batch, (int)StressRun.WaitLimit.TotalMilliseconds, run.Stopping))
            {
                return batch;
            }

            if (_queue.IsCompleted)
            {
                return null;
            }

            throw new StressFailure($"thread '{by.Name}' got nothing from {Name} for {StressRun.WaitLimit.TotalSeconds:0} s: its writers stalled");
        }
    }

    /// <summary>No more batches: readers get null once the queue is drained.</summary>
    public void Complete() => _queue.CompleteAdding();

    /// <summary>Whatever is left (for the test thread, after the workers have stopped).</summary>
    public IEnumerable<LiveBlock> Drain()
    {
        while (_queue.TryTake(out List<LiveBlock>? batch))
        {
            foreach (LiveBlock block in batch)
            {
                yield return block;
            }
        }
    }

    public void Dispose() => _queue.Dispose();
}
