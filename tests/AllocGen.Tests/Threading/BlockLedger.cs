using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace AllocGen.Tests.Threading;

/// <summary>A live block as the ledger knows it. Owned by one worker at a time; handed over through synchronized queues.</summary>
internal sealed class LiveBlock(nint pointer, nuint size, long id, StressWorker allocatedBy)
{
    public nint Pointer { get; } = pointer;

    public nuint Size { get; } = size;

    /// <summary>Unique per block (per allocation); the block's pattern is derived from it.</summary>
    public long Id { get; } = id;

    public StressWorker AllocatedBy { get; } = allocatedBy;

    /// <summary>Workers this block has passed through (ring workload).</summary>
    public int Hops { get; set; }

    /// <summary>After how many hops the block is freed (ring workload).</summary>
    public int HopLimit { get; set; }

    public override string ToString() => $"block #{Id} (0x{Pointer:X}, {Size} bytes, allocated by '{AllocatedBy.Name}')";
}

/// <summary>A check of the heap failed; the message says which thread, which block, what was expected and found.</summary>
internal sealed class StressFailure(string message) : Exception(message);

/// <summary>
/// Every block the workers hold, keyed by address, plus the pattern each one carries. The heap is called through
/// here only, so that: an address handed out while it is live fails the add (a block handed out twice); every block
/// is filled at allocation with a pattern derived from its id and checked, whole, when it is freed, reallocated or
/// passed on (contents intact); a block leaves the ledger before the heap gets it back, so the next owner of the
/// address can add it.
/// </summary>
internal sealed unsafe class BlockLedger(IAllocator heap, StressTarget target)
{
    // The pattern word of block n is n × an odd constant: unique per block, and invertible, so a corrupted block
    // whose bytes hold another block's pattern can name that block.
    private const ulong TokenMultiplier = 0x9E3779B97F4A7C15UL;
    private static readonly ulong TokenInverse = Inverse(TokenMultiplier);

    private readonly ConcurrentDictionary<nint, LiveBlock> _live = new();
    private long _lastId;

    public IAllocator Heap { get; } = heap;

    public StressTarget Target { get; } = target;

    public int LiveCount => _live.Count;

    /// <summary>Blocks allocated so far (ids handed out).</summary>
    public long Allocated => Volatile.Read(ref _lastId);

    public LiveBlock Allocate(StressWorker by, nuint size)
    {
        by.Doing("Allocate", null, size);
        var p = (byte*)Heap.Allocate(size);
        by.Allocations++;
        return Admit(by, p, size, $"Allocate({size})");
    }

    public LiveBlock AllocateZeroed(StressWorker by, nuint count, nuint size)
    {
        by.Doing("AllocateZeroed", null, count * size);
        var p = (byte*)Heap.AllocateZeroed(count, size);
        by.Allocations++;
        nuint total = count * size;
        if (p != null)
        {
            int dirty = new ReadOnlySpan<byte>(p, (int)total).IndexOfAnyExcept((byte)0);
            if (dirty >= 0)
            {
                ulong word = ReadWord(p, total, dirty);
                throw new StressFailure(
                    $"thread '{by.Name}': AllocateZeroed({count}, {size}) returned 0x{(nint)p:X} with byte {dirty} = 0x{p[dirty]:X2}, not zero"
                    + $" (the word there, 0x{word:X16}, {DescribeWord(word)})");
            }
        }

        return Admit(by, p, total, $"AllocateZeroed({count}, {size})");
    }

    /// <summary>Checks the block, takes it out of the ledger, then frees it.</summary>
    public void Free(StressWorker by, LiveBlock block)
    {
        Verify(by, block, "before Free");
        if ((by.Frees & 7) == 0)
        {
            CheckUsableSize(by, block);
        }

        Retire(by, block, "Free");
        by.Doing("Free", block, 0);
        Heap.Free((void*)block.Pointer);
        by.Frees++;
        if (block.AllocatedBy != by)
        {
            by.CrossThreadFrees++;
        }
    }

    /// <summary>Checks the block, reallocates it, checks the kept bytes, and gives the result a new id and pattern.</summary>
    public LiveBlock Reallocate(StressWorker by, LiveBlock block, nuint newSize)
    {
        Verify(by, block, "before Reallocate");
        Retire(by, block, "Reallocate");
        by.Doing("Reallocate", block, newSize);
        var p = (byte*)Heap.Reallocate((void*)block.Pointer, newSize);
        by.Reallocations++;
        if (block.AllocatedBy != by)
        {
            by.CrossThreadFrees++;
        }

        if (p != null)
        {
            nuint kept = Math.Min(block.Size, newSize);
            int bad = FirstMismatch(p, kept, Token(block.Id));
            if (bad >= 0)
            {
                throw new StressFailure(
                    $"thread '{by.Name}': Reallocate({block}, {newSize}) returned 0x{(nint)p:X} whose first {kept} bytes lost the old contents: "
                    + Describe(p, kept, Token(block.Id), bad));
            }
        }

        return Admit(by, p, newSize, $"Reallocate({block}, {newSize})");
    }

    /// <summary>Checks the whole block against its pattern.</summary>
    public void Verify(StressWorker by, LiveBlock block, string when)
    {
        var p = (byte*)block.Pointer;
        int bad = FirstMismatch(p, block.Size, Token(block.Id));
        if (bad >= 0)
        {
            string hops = block.Hops > 0 ? $" after {block.Hops} hops" : string.Empty;
            throw new StressFailure(
                $"thread '{by.Name}' found {block}{hops} corrupted {when}: {Describe(p, block.Size, Token(block.Id), bad)}");
        }
    }

    /// <summary>UsableSize and Owns from whichever thread holds the block now.</summary>
    public void CheckUsableSize(StressWorker by, LiveBlock block)
    {
        by.Doing("UsableSize", block, 0);
        nuint usable = Heap.UsableSize((void*)block.Pointer);
        bool small = block.Size <= (nuint)Target.Threshold;
        bool medium = !small && block.Size <= (nuint)Target.MediumThreshold;
        if (small ? usable < block.Size || usable > (nuint)Target.Threshold
            : medium ? usable != Target.MediumBlockSize(block.Size)
            : usable != block.Size)
        {
            string expected = small ? $"{block.Size}..{Target.Threshold} (a size class)"
                : medium ? $"{Target.MediumBlockSize(block.Size)} (its medium class's block size)"
                : $"{block.Size} (a large block)";
            throw new StressFailure($"thread '{by.Name}': UsableSize({block}) = {usable}, expected {expected}");
        }

        if (!Heap.Owns((void*)block.Pointer))
        {
            throw new StressFailure($"thread '{by.Name}': Owns({block}) is false");
        }
    }

    private LiveBlock Admit(StressWorker by, byte* p, nuint size, string call)
    {
        if (p == null)
        {
            throw new StressFailure($"thread '{by.Name}': {call} returned null");
        }

        if (((nuint)p & 7) != 0)
        {
            throw new StressFailure($"thread '{by.Name}': {call} returned 0x{(nint)p:X}, not 8-byte aligned");
        }

        var block = new LiveBlock((nint)p, size, Interlocked.Increment(ref _lastId), by);
        if (!_live.TryAdd(block.Pointer, block))
        {
            _live.TryGetValue(block.Pointer, out LiveBlock? holder);
            throw new StressFailure(
                $"thread '{by.Name}': {call} returned 0x{(nint)p:X}, which is live: it is {holder?.ToString() ?? "(gone meanwhile)"}"
                + " and was never freed (a block handed out twice)");
        }

        Fill(p, size, Token(block.Id));
        return block;
    }

    private void Retire(StressWorker by, LiveBlock block, string call)
    {
        if (!_live.TryRemove(new KeyValuePair<nint, LiveBlock>(block.Pointer, block)))
        {
            throw new StressFailure($"thread '{by.Name}': harness error: {call} of {block}, which the ledger does not hold");
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // The pattern: every whole 8-byte word holds the block's token, the bytes past the last word its low bytes.
    // -------------------------------------------------------------------------------------------------------------

    private static ulong Token(long id) => (ulong)id * TokenMultiplier;

    private static void Fill(byte* p, nuint size, ulong token)
    {
        var bytes = new Span<byte>(p, (int)size);
        int words = bytes.Length / 8;
        MemoryMarshal.Cast<byte, ulong>(bytes[..(words * 8)]).Fill(token);
        for (int i = words * 8; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(token >> (8 * (i & 7)));
        }
    }

    private static int FirstMismatch(byte* p, nuint size, ulong token)
    {
        var bytes = new ReadOnlySpan<byte>(p, (int)size);
        int words = bytes.Length / 8;
        int badWord = MemoryMarshal.Cast<byte, ulong>(bytes[..(words * 8)]).IndexOfAnyExcept(token);
        int from = badWord >= 0 ? badWord * 8 : words * 8;
        int to = badWord >= 0 ? from + 8 : bytes.Length;
        for (int i = from; i < to; i++)
        {
            if (bytes[i] != (byte)(token >> (8 * (i & 7))))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Expected and found bytes around the first bad one, how many differ, and what the found word looks like.</summary>
    private string Describe(byte* p, nuint size, ulong token, int firstBad)
    {
        var bytes = new ReadOnlySpan<byte>(p, (int)size);
        int differing = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)(token >> (8 * (i & 7))))
            {
                differing++;
            }
        }

        int start = firstBad & ~7;
        int end = Math.Min(bytes.Length, start + 16);
        var expected = new StringBuilder();
        var found = new StringBuilder();
        for (int i = start; i < end; i++)
        {
            expected.Append($"{(byte)(token >> (8 * (i & 7))):X2} ");
            found.Append($"{bytes[i]:X2} ");
        }

        ulong word = ReadWord(p, size, firstBad);
        return $"first bad byte {firstBad} of {size} ({differing} differ); bytes {start}..{end - 1} expected {expected}found {found}"
            + $"(the word at {start}, 0x{word:X16}, {DescribeWord(word)})";
    }

    private static ulong ReadWord(byte* p, nuint size, int at)
    {
        int start = at & ~7;
        ulong word = 0;
        for (int i = 0; i < 8 && start + i < (int)size; i++)
        {
            word |= (ulong)p[start + i] << (8 * i);
        }

        return word;
    }

    private string DescribeWord(ulong word)
    {
        if (word == 0)
        {
            return "zero";
        }

        long id = (long)(word * TokenInverse);
        if (id > 0 && id <= Allocated)
        {
            LiveBlock? other = _live.Values.FirstOrDefault(b => b.Id == id);
            return $"is the pattern of block #{id}, " + (other is null ? "no longer live" : $"live: {other}");
        }

        try
        {
            if (Heap.Owns((void*)(nint)word))
            {
                return "points into the heap: a free-list link?";
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or ArgumentException)
        {
        }

        return "not a block pattern nor an address in the heap";
    }

    /// <summary>The inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct bits each step).</summary>
    private static ulong Inverse(ulong odd)
    {
        ulong x = odd;
        for (int i = 0; i < 5; i++)
        {
            x *= 2 - (odd * x);
        }

        return x;
    }
}
