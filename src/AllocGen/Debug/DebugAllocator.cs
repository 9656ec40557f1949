using AllocGen.Stats;

namespace AllocGen;

/// <summary>
/// Debug hooks over any <see cref="IAllocator"/>, in the spirit of CPython's <c>PyMem_SetupDebugHooks</c>: every block
/// gets a header (requested size, domain id, serial number) and guard bytes before and after; fresh bytes are 0xCD,
/// freed bytes 0xDD, guards 0xFD. Overruns (at free and realloc), writes before the start, double frees, frees through
/// another domain and pointers no layer handed out are reported, every time, as <see cref="AllocatorFaultException"/>;
/// a reported call changes nothing else (see <see cref="DebugHooks"/> for what a double free needs to be caught).
/// </summary>
/// <remarks>
/// The user pointer keeps the inner allocator's <see cref="IAllocator.BlockAlignment"/>: the header is a multiple of it.
/// <see cref="UsableSize"/> is the requested size (the bytes after it are guards). <see cref="GetStats"/> is the inner
/// allocator's, whose blocks are the hooked blocks plus their headers and guards, and the quarantined ones.
/// <see cref="IsThreadSafe"/> is the inner allocator's. The inner allocator stays its creator's to dispose;
/// <see cref="Dispose"/> returns this layer's quarantined blocks to it and leaves live blocks live in it.
/// </remarks>
public sealed unsafe class DebugAllocator : IAllocator
{
    private bool _disposed;

    /// <summary>Hooks over <paramref name="inner"/>, with a side table of their own, reporting <paramref name="domain"/>.</summary>
    public DebugAllocator(IAllocator inner, AllocDomain domain = AllocDomain.Raw)
        : this(new DebugHooks(), inner, domain)
    {
    }

    internal DebugAllocator(DebugHooks hooks, IAllocator inner, AllocDomain domain)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Hooks = hooks;
        Inner = inner;
        Domain = domain;
        InnerAlignment = inner.BlockAlignment;
        HeaderSize = DebugBlockLayout.HeaderSize(InnerAlignment);
    }

    /// <summary>The allocator under the hooks.</summary>
    public IAllocator Inner { get; }

    /// <summary>The domain this layer allocates for (recorded in every block).</summary>
    public AllocDomain Domain { get; }

    /// <summary>The side table this layer shares with the other layers of its domains.</summary>
    public DebugHooks Hooks { get; }

    /// <inheritdoc/>
    public bool IsThreadSafe => Inner.IsThreadSafe;

    internal nuint InnerAlignment { get; }

    /// <summary>The inner allocator's: the header keeps it.</summary>
    public nuint BlockAlignment => InnerAlignment;

    internal nuint HeaderSize { get; }

    // Guarded by the hooks' lock.
    internal Queue<nuint> Quarantine { get; } = new();

    internal long QuarantinedBytes { get; set; }

    internal long LiveBlocks { get; set; }

    internal nuint LiveBytes { get; set; }

    /// <inheritdoc/>
    public void* Allocate(nuint size) => Hooks.Allocate(this, size, InnerAlignment, zeroed: false);

    /// <inheritdoc/>
    public void* AllocateAligned(nuint size, nuint alignment)
    {
        ThrowHelper.ThrowIfNotPowerOfTwo(alignment);

        return Hooks.Allocate(this, size, Math.Max(alignment, InnerAlignment), zeroed: false);
    }

    /// <inheritdoc/>
    public void* AllocateZeroed(nuint count, nuint size)
    {
        return Hooks.Allocate(this, ThrowHelper.ZeroedRequestSize(count, size), InnerAlignment, zeroed: true);
    }

    /// <inheritdoc/>
    /// <exception cref="AllocatorFaultException">A fault; the block is unchanged.</exception>
    public void* Reallocate(void* pointer, nuint newSize)
    {
        if (pointer == null)
        {
            return Allocate(newSize);
        }

        HookedLookup found = Hooks.Reallocate(pointer, newSize, Domain, out void* moved, out DebugBlockRecord released);
        return found == HookedLookup.Done ? moved : throw DebugHooks.NotFound(pointer, nameof(Reallocate), Domain, found, released, "of these debug hooks");
    }

    /// <inheritdoc/>
    /// <exception cref="AllocatorFaultException">A fault (see <see cref="AllocatorFault"/>).</exception>
    public void Free(void* pointer)
    {
        if (pointer == null)
        {
            return;
        }

        HookedLookup found = Hooks.Free(pointer, Domain, out DebugBlockRecord released);
        if (found != HookedLookup.Done)
        {
            throw DebugHooks.NotFound(pointer, nameof(Free), Domain, found, released, "of these debug hooks");
        }
    }

    /// <summary>Exact: whether the pointer is a live block this layer handed out. Reads no memory.</summary>
    public bool Owns(void* pointer) => Hooks.IsLiveIn(pointer, this);

    /// <summary>The size the block was requested with.</summary>
    /// <exception cref="AllocatorFaultException">Not a live block of this layer's domain.</exception>
    public nuint UsableSize(void* pointer)
    {
        HookedLookup found = Hooks.UsableSize(pointer, Domain, out nuint size, out DebugBlockRecord released);
        return found == HookedLookup.Done ? size : throw DebugHooks.NotFound(pointer, nameof(UsableSize), Domain, found, released, "of these debug hooks");
    }

    /// <summary>The inner allocator's statistics (hooked blocks count with their headers and guards).</summary>
    public AllocatorStats GetStats() => Inner.GetStats();

    /// <summary>One line about the hooks' blocks, then the inner allocator's table.</summary>
    public void DumpStats(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteSummary(writer);
        Inner.DumpStats(writer);
    }

    internal void WriteSummary(TextWriter writer) =>
        writer.WriteLine($"debug hooks ({Domain} domain): {LiveBlocks} live blocks of {LiveBytes} requested bytes, {Quarantine.Count} freed blocks of {QuarantinedBytes} bytes in quarantine");

    /// <summary>Returns the quarantined blocks to the inner allocator (which is not disposed); later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            Hooks.Flush(this);
            _disposed = true;
        }
    }

    internal void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowHelper.ObjectDisposed(nameof(DebugAllocator));
        }
    }
}
