using System.Runtime.InteropServices;
using AllocGen.Memory;

namespace AllocGen;

/// <summary>
/// The side table shared by a set of <see cref="DebugAllocator"/> layers (one per domain of a domains class, like
/// CPython's <c>PyMem_SetupDebugHooks</c>): every block any of them handed out, keyed by its user pointer, with its
/// requested size, domain, serial number and state. Because the layers share it, a block freed through the wrong
/// domain is recognized, and because it is looked up before anything else, no memory is read at a pointer that is not
/// one of its blocks.
/// </summary>
/// <remarks>
/// <para>
/// <b>Double frees.</b> A freed block is filled with 0xDD and kept in its layer's quarantine (the last
/// <see cref="QuarantineBlocks"/> blocks freed through the layer, up to <see cref="QuarantineBytes"/> bytes), so its
/// address cannot be handed out again while it is there: a second free of it is always reported. A block leaving the
/// quarantine goes back to the inner allocator and leaves a tombstone (the last <see cref="TombstoneLimit"/> of them
/// are kept): a later free of that pointer is still reported as a double free, unless the pointer has become a live
/// block again (handed out anew by the hooks, or by the inner allocator to a domain without hooks), which it then frees. A layer used from several threads shares its quarantine among them: the last blocks freed count every
/// thread's frees.
/// </para>
/// <para>
/// <b>Threads.</b> One lock guards the table; the inner allocator of a layer is called under it only from calls to
/// that layer (a quarantine is per layer), so a layer is exactly as thread-safe as its inner allocator.
/// </para>
/// </remarks>
public sealed unsafe class DebugHooks
{
    /// <summary>Freed blocks each layer holds back before returning the oldest to its inner allocator.</summary>
    public const int QuarantineBlocks = 256;

    /// <summary>Freed bytes (as requested) each layer holds back at most.</summary>
    public const long QuarantineBytes = 4 << 20;

    /// <summary>Tombstones of returned blocks kept to name a double free.</summary>
    public const int TombstoneLimit = 1 << 20;

    private readonly object _sync = new();
    private readonly Dictionary<nuint, DebugBlockRecord> _blocks = [];

    // Inner block starts of live and quarantined blocks: such an address is an interior pointer of a hooked block
    // that the inner allocator would take for one of its own.
    private readonly HashSet<nuint> _innerStarts = [];
    private readonly Queue<(nuint User, long Serial)> _tombstones = new();
    private long _serial;
    private long _liveBlocks;

    /// <summary>A layer of these hooks over <paramref name="inner"/> for <paramref name="domain"/> (the caller keeps owning <paramref name="inner"/>).</summary>
    public DebugAllocator Wrap(IAllocator inner, AllocDomain domain) => new(this, inner, domain);

    /// <summary>Blocks handed out by the hooks' layers and not freed.</summary>
    public long LiveBlocks
    {
        get
        {
            lock (_sync)
            {
                return _liveBlocks;
            }
        }
    }

    internal void* Allocate(DebugAllocator layer, nuint size, nuint alignment, bool zeroed)
    {
        layer.ThrowIfDisposed();
        byte* user = NewBlock(layer, DebugBlockLayout.HeaderSize(alignment), size, alignment);
        if (zeroed)
        {
            NativeMemory.Clear(user, size);
        }

        return user;
    }

    internal HookedLookup Free(void* pointer, AllocDomain through, out DebugBlockRecord released)
    {
        lock (_sync)
        {
            HookedLookup found = FindChecked(pointer, "Free", through, out released, out AllocatorFaultException? broken,
                "The block was freed all the same (it is in the quarantine), so it is not leaked; the heap is intact.");
            if (found != HookedLookup.Done)
            {
                return found;
            }

            Retire((byte*)pointer, released);
            if (broken != null)
            {
                throw broken;
            }

            return HookedLookup.Done;
        }
    }

    internal HookedLookup Reallocate(void* pointer, nuint newSize, AllocDomain through, out void* moved, out DebugBlockRecord released)
    {
        moved = null;
        lock (_sync)
        {
            HookedLookup found = FindChecked(pointer, "Reallocate", through, out DebugBlockRecord record, out AllocatorFaultException? broken,
                "Nothing was changed: the block is still live, its bytes as found; Free reports it again and frees it.");
            released = record;
            if (found != HookedLookup.Done)
            {
                return found;
            }

            if (broken != null)
            {
                throw broken;
            }

            // Always move, so that a stale pointer to the old block is caught like any freed one.
            DebugAllocator layer = record.Layer;
            byte* user = NewBlock(layer, layer.HeaderSize, newSize, layer.InnerAlignment);
            BlockCopy.Copy(pointer, user, Math.Min(newSize, record.Size));
            Retire((byte*)pointer, record);
            moved = user;
            return HookedLookup.Done;
        }
    }

    internal HookedLookup UsableSize(void* pointer, AllocDomain through, out nuint size, out DebugBlockRecord released)
    {
        lock (_sync)
        {
            HookedLookup found = Find(pointer, "UsableSize", through, out released);
            size = released.Size;
            return found;
        }
    }

    internal bool IsLiveIn(void* pointer, DebugAllocator layer)
    {
        lock (_sync)
        {
            return _blocks.TryGetValue((nuint)pointer, out DebugBlockRecord r) && r.State == DebugBlockState.Live && r.Layer == layer;
        }
    }

    /// <summary>The fault for a pointer neither the hooks nor any other allocator took: a double free when the hooks returned it, else foreign.</summary>
    internal static AllocatorFaultException NotFound(void* pointer, string call, AllocDomain? through, HookedLookup found, in DebugBlockRecord released, string where) =>
        found == HookedLookup.Released
            ? FaultReport.ForBlock(AllocatorFault.DoubleFree, (byte*)pointer, call, through ?? released.Domain, released, memoryHeld: false, "Nothing was changed.")
            : FaultReport.Foreign(pointer, call, through, where);

    /// <summary>Returns every quarantined block of <paramref name="layer"/> to its inner allocator.</summary>
    internal void Flush(DebugAllocator layer)
    {
        lock (_sync)
        {
            while (layer.Quarantine.Count > 0)
            {
                ReleaseOldest(layer);
            }
        }
    }

    /// <summary>
    /// Looks the pointer up, and throws the faults that need no further search: a freed block still in quarantine,
    /// a live block of another domain, the inner start of a hooked block. <see cref="HookedLookup.Done"/> means live
    /// and of this domain: the caller goes on with it.
    /// </summary>
    private HookedLookup Find(void* pointer, string call, AllocDomain through, out DebugBlockRecord record)
    {
        if (!_blocks.TryGetValue((nuint)pointer, out record))
        {
            if (_innerStarts.Contains((nuint)pointer))
            {
                throw FaultReport.Foreign(pointer, call, through, "(it is the start of the memory under a block of the debug hooks, an interior pointer)");
            }

            return HookedLookup.NotHooked;
        }

        switch (record.State)
        {
            case DebugBlockState.Released:
                return HookedLookup.Released;
            case DebugBlockState.Quarantined:
                throw FaultReport.ForBlock(AllocatorFault.DoubleFree, (byte*)pointer, call, through, record, memoryHeld: true, "Nothing was changed.");
        }

        if (record.Domain != through)
        {
            throw FaultReport.ForBlock(AllocatorFault.WrongDomain, (byte*)pointer, call, through, record, memoryHeld: true,
                $"Nothing was changed: the block is still live; free it through the {record.Domain} domain.");
        }

        record.Layer.ThrowIfDisposed();
        return HookedLookup.Done;
    }

    /// <summary><see cref="Find"/>, and for a live block of this domain the fault its header and guards show, if any (not thrown).</summary>
    private HookedLookup FindChecked(void* pointer, string call, AllocDomain through, out DebugBlockRecord record, out AllocatorFaultException? broken, string consequence)
    {
        HookedLookup found = Find(pointer, call, through, out record);
        broken = found == HookedLookup.Done ? GuardFault((byte*)pointer, call, through, record, consequence) : null;
        return found;
    }

    private static AllocatorFaultException? GuardFault(byte* user, string call, AllocDomain through, in DebugBlockRecord r, string consequence)
    {
        if (!DebugBlockLayout.FrontIntact(user, r.HeaderSize, r.Size, r.Serial, r.Domain))
        {
            return FaultReport.ForBlock(AllocatorFault.WriteBeforeStart, user, call, through, r, memoryHeld: true, consequence);
        }

        return DebugBlockLayout.TailIntact(user, r.Size)
            ? null
            : FaultReport.ForBlock(AllocatorFault.WriteAfterEnd, user, call, through, r, memoryHeld: true, consequence);
    }

    /// <summary>A block from the layer's inner allocator, formatted and recorded; an exception leaves nothing allocated.</summary>
    private byte* NewBlock(DebugAllocator layer, nuint header, nuint size, nuint alignment)
    {
        nuint innerSize = DebugBlockLayout.InnerSize(header, size);
        var inner = (byte*)(alignment > layer.InnerAlignment ? layer.Inner.AllocateAligned(innerSize, alignment) : layer.Inner.Allocate(innerSize));
        try
        {
            lock (_sync)
            {
                return Record(layer, inner, header, size);
            }
        }
        catch
        {
            layer.Inner.Free(inner);
            throw;
        }
    }

    /// <summary>Formats and records a fresh inner block; room is made before anything changes, so an exception leaves the table as it was.</summary>
    private byte* Record(DebugAllocator layer, byte* inner, nuint header, nuint size)
    {
        _blocks.EnsureCapacity(_blocks.Count + 1);
        _innerStarts.EnsureCapacity(_innerStarts.Count + 1);
        long serial = ++_serial;
        byte* user = DebugBlockLayout.Format(inner, header, size, serial, layer.Domain);
        NativeMemory.Fill(user, size, DebugBlockLayout.FreshByte);
        _blocks[(nuint)user] = new DebugBlockRecord { Layer = layer, Size = size, HeaderSize = header, Serial = serial, State = DebugBlockState.Live };
        _innerStarts.Add((nuint)inner);
        layer.LiveBlocks++;
        _liveBlocks++;
        layer.LiveBytes += size;
        return user;
    }

    /// <summary>A freed block: filled, into the quarantine, and the oldest quarantined blocks out of it.</summary>
    private void Retire(byte* user, DebugBlockRecord record)
    {
        DebugAllocator layer = record.Layer;
        NativeMemory.Fill(user, record.Size, DebugBlockLayout.FreedByte);
        record.State = DebugBlockState.Quarantined;
        _blocks[(nuint)user] = record;
        layer.Quarantine.Enqueue((nuint)user);
        layer.QuarantinedBytes += (long)record.Size;
        layer.LiveBlocks--;
        _liveBlocks--;
        layer.LiveBytes -= record.Size;
        while (layer.Quarantine.Count > QuarantineBlocks || layer.QuarantinedBytes > QuarantineBytes)
        {
            ReleaseOldest(layer);
        }
    }

    private void ReleaseOldest(DebugAllocator layer)
    {
        nuint user = layer.Quarantine.Dequeue();
        DebugBlockRecord record = _blocks[user];
        layer.QuarantinedBytes -= (long)record.Size;
        nuint inner = user - record.HeaderSize;
        _innerStarts.Remove(inner);
        record.State = DebugBlockState.Released;
        _blocks[user] = record;
        _tombstones.Enqueue((user, record.Serial));
        while (_tombstones.Count > TombstoneLimit)
        {
            (nuint old, long serial) = _tombstones.Dequeue();
            if (_blocks.TryGetValue(old, out DebugBlockRecord t) && t.State == DebugBlockState.Released && t.Serial == serial)
            {
                _blocks.Remove(old);
            }
        }

        try
        {
            layer.Inner.Free((void*)inner);
        }
        catch (ObjectDisposedException)
        {
            // The owner disposed the inner allocator under live hooks: its memory, this block's included, is gone already.
        }
    }
}
