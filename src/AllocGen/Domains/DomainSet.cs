using System.ComponentModel;
using AllocGen.Arenas;

namespace AllocGen.Domains;

/// <summary>
/// How one domain is served now, read by the generated fast paths: while <see cref="AllocatesDirectly"/> (or
/// <see cref="FreesDirectly"/>) is set, the generated member calls the declared allocator itself; otherwise it asks
/// the <see cref="DomainSet"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct DomainRoute
{
    /// <summary>The declared allocator, without hooks, serves new blocks of this domain.</summary>
    public bool AllocatesDirectly;

    /// <summary>
    /// Every live block of this domain belongs to the declared allocator, so frees and reallocs go to it directly.
    /// Cleared for good the first time anything else serves the domain (a mode, the hooks, <c>SetAllocator</c>), and
    /// before that allocator can hand out a block, so no thread can take a block of it to the declared allocator.
    /// </summary>
    public bool FreesDirectly;
}

/// <summary>
/// The run-time state of one <c>[AllocatorDomains]</c> class: the allocator each domain uses now, every allocator
/// that served it, and the slow paths taken when the declared one is not used directly. For generated code only;
/// docs/domains.md describes the behaviour.
/// </summary>
/// <remarks>
/// <para>
/// <b>Switching with live blocks.</b> A block is freed (or resized) by the allocator, and hook layer, that allocated
/// it, whatever serves the domain now: the slow paths ask the debug hooks' side table first (exact), then the
/// allocators that served the domain whose <c>Owns</c> is exact (<see cref="SystemAllocator"/>, debug layers of other
/// hooks), then the others (pool allocators: <c>Owns</c> is "in my arenas", and their <c>Free</c> rejects what is
/// not one of their blocks without changing anything), newest first. A pointer none of them takes is reported as an
/// <see cref="AllocatorFaultException"/>. A resize keeps the block with its allocator.
/// </para>
/// <para>
/// <b>Ownership.</b> Nothing here is disposed: the declared allocators belong to the generated class, an allocator
/// passed to <see cref="SetAllocator"/> stays its caller's (dispose it only once no block of it is live), and the
/// system allocator and hook layers the modes install live as long as this set, since their blocks may be live to
/// the end of the process.
/// </para>
/// <para>
/// <b>Threads.</b> Configuration calls are serialized; a call that races with one is served by the old or the new
/// allocator, and its block is found either way. Each domain's calls are as thread-safe as its current allocator.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe class DomainSet
{
    /// <summary>The environment variable that makes the set print its statistics to stderr at process exit when it is "1".</summary>
    public const string StatsVariable = "ALLOCGEN_MALLOCSTATS";

    private const int DomainCount = 3;

    private readonly object _sync = new();
    private readonly IAllocator[] _declared;
    private readonly IAllocator[] _current;
    private readonly IAllocator[][] _served;
    private readonly DebugHooks _hooks = new();
    private readonly List<DebugAllocator> _layers = [];
    private SystemAllocator? _system;
    private string _mode = "default";
    private volatile string? _badVariable;

    /// <summary>Raw domain route.</summary>
    public DomainRoute Raw;

    /// <summary>Mem domain route.</summary>
    public DomainRoute Mem;

    /// <summary>Object domain route.</summary>
    public DomainRoute Object;

    /// <summary>
    /// Creates the state of a domains class named <paramref name="name"/> over its declared allocators (one instance
    /// may serve several domains), in the mode ALLOCGEN_MALLOC names (unset or empty: <c>default</c>). A value that
    /// names no mode is not ignored: every allocation call then throws an <see cref="InvalidOperationException"/>
    /// naming it, until <see cref="Configure"/> sets a mode.
    /// </summary>
    public DomainSet(string name, IAllocator raw, IAllocator mem, IAllocator @object)
        : this(name, raw, mem, @object, Environment.GetEnvironmentVariable(AllocatorMode.Variable), Environment.GetEnvironmentVariable(StatsVariable))
    {
    }

    /// <summary>The constructor with the environment given (tests).</summary>
    internal DomainSet(string name, IAllocator raw, IAllocator mem, IAllocator @object, string? modeVariable, string? statsVariable)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(mem);
        ArgumentNullException.ThrowIfNull(@object);
        Name = name;
        _declared = [raw, mem, @object];
        _current = [raw, mem, @object];
        _served = [[raw], [mem], [@object]];
        Raw = Mem = Object = new DomainRoute { AllocatesDirectly = true, FreesDirectly = true };
        if (!string.IsNullOrEmpty(modeVariable))
        {
            if (AllocatorMode.TryParse(modeVariable, out AllocatorMode mode))
            {
                Apply(mode);
            }
            else
            {
                _badVariable = modeVariable;
                Raw = Mem = Object = default;
            }
        }

        if (statsVariable == "1")
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DumpStatsAtExit();
        }
    }

    /// <summary>The domains class, as users name it.</summary>
    public string Name { get; }

    /// <summary>
    /// The mode set by ALLOCGEN_MALLOC or <see cref="Configure"/> (turned into its <c>_debug</c> form by
    /// <see cref="SetupDebugHooks"/>), or <c>custom</c> once <see cref="SetAllocator"/> replaced an allocator.
    /// </summary>
    /// <exception cref="InvalidOperationException">ALLOCGEN_MALLOC named no mode and no mode was configured since.</exception>
    public string CurrentMode
    {
        get
        {
            ThrowIfBadVariable();
            return _mode;
        }
    }

    /// <summary>Allocates through the domain's current allocator.</summary>
    public void* Allocate(AllocDomain domain, nuint size)
    {
        ThrowIfBadVariable();
        return CurrentOf(domain).Allocate(size);
    }

    /// <summary>Allocates aligned memory through the domain's current allocator.</summary>
    public void* AllocateAligned(AllocDomain domain, nuint size, nuint alignment)
    {
        ThrowIfBadVariable();
        return CurrentOf(domain).AllocateAligned(size, alignment);
    }

    /// <summary>Allocates zeroed memory through the domain's current allocator.</summary>
    public void* AllocateZeroed(AllocDomain domain, nuint count, nuint size)
    {
        ThrowIfBadVariable();
        return CurrentOf(domain).AllocateZeroed(count, size);
    }

    /// <summary>Resizes a block of the domain with the allocator that allocated it; null allocates.</summary>
    /// <exception cref="AllocatorFaultException">No allocator of the domain (or its hooks) holds the block; nothing changed.</exception>
    public void* Reallocate(AllocDomain domain, void* pointer, nuint newSize)
    {
        if (pointer == null)
        {
            return Allocate(domain, newSize);
        }

        ThrowIfBadVariable();
        HookedLookup found = _hooks.Reallocate(pointer, newSize, CheckDomain(domain), out void* moved, out DebugBlockRecord released);
        if (found == HookedLookup.Done)
        {
            return moved;
        }

        return TryOutsideHooks(domain, pointer, BlockCall.Reallocate, newSize, out nuint result)
            ? (void*)result
            : throw NotFound(pointer, nameof(Reallocate), domain, found, released);
    }

    /// <summary>Frees a block of the domain with the allocator that allocated it; null is a no-op.</summary>
    /// <exception cref="AllocatorFaultException">No allocator of the domain (or its hooks) holds the block; nothing changed.</exception>
    public void Free(AllocDomain domain, void* pointer)
    {
        if (pointer == null)
        {
            return;
        }

        ThrowIfBadVariable();
        HookedLookup found = _hooks.Free(pointer, CheckDomain(domain), out DebugBlockRecord released);
        if (found != HookedLookup.Done && !TryOutsideHooks(domain, pointer, BlockCall.Free, 0, out _))
        {
            throw NotFound(pointer, nameof(Free), domain, found, released);
        }
    }

    /// <summary>The usable size of a block of the domain (the requested size under the hooks).</summary>
    /// <exception cref="AllocatorFaultException">No allocator of the domain (or its hooks) holds the block.</exception>
    public nuint UsableSize(AllocDomain domain, void* pointer)
    {
        ThrowIfBadVariable();
        HookedLookup found = _hooks.UsableSize(pointer, CheckDomain(domain), out nuint size, out DebugBlockRecord released);
        if (found == HookedLookup.Done)
        {
            return size;
        }

        return TryOutsideHooks(domain, pointer, BlockCall.UsableSize, 0, out nuint result)
            ? result
            : throw NotFound(pointer, nameof(UsableSize), domain, found, released);
    }

    /// <summary>
    /// Replaces the domain's allocator. The caller keeps ownership of <paramref name="allocator"/>: nothing here
    /// disposes it, and blocks it allocated are still freed by it after it is replaced in turn.
    /// </summary>
    public void SetAllocator(AllocDomain domain, IAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        lock (_sync)
        {
            Install(CheckDomain(domain), allocator);
            _mode = "custom";
        }
    }

    /// <summary>The domain's current allocator (a <see cref="DebugAllocator"/> under the hooks).</summary>
    public IAllocator GetAllocator(AllocDomain domain) => CurrentOf(domain);

    /// <summary>
    /// Wraps every domain's current allocator in the debug hooks, as <c>PyMem_SetupDebugHooks</c>; a domain already
    /// under them is left as it is. The layers share one side table, so a block freed through the wrong domain is seen.
    /// </summary>
    public void SetupDebugHooks()
    {
        ThrowIfBadVariable();
        lock (_sync)
        {
            for (int d = 0; d < DomainCount; d++)
            {
                if (_current[d] is not DebugAllocator layer || layer.Hooks != _hooks)
                {
                    Install((AllocDomain)d, LayerFor((AllocDomain)d, _current[d]));
                }
            }

            if (AllocatorMode.TryParse(_mode, out AllocatorMode mode))
            {
                _mode = mode.WithHooks;
            }
        }

        ArenaDebug.PoisonReleasedMemory = true;
    }

    /// <summary>Switches every domain to <paramref name="mode"/>; live blocks stay valid and are freed by their own allocators.</summary>
    /// <exception cref="ArgumentException"><paramref name="mode"/> is not a mode; the message lists the modes. Nothing changed.</exception>
    public void Configure(string mode)
    {
        if (!AllocatorMode.TryParse(mode, out AllocatorMode parsed))
        {
            throw new ArgumentException(AllocatorMode.NotAMode(mode), nameof(mode));
        }

        lock (_sync)
        {
            Apply(parsed);
            _badVariable = null;
        }
    }

    /// <summary>Writes, for each allocator serving a domain now, the domains it serves and its statistics.</summary>
    public void DumpStats(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        IAllocator[] current = [.. _current];
        var done = new List<IAllocator>();
        for (int d = 0; d < DomainCount; d++)
        {
            IAllocator under = Underlying(current[d]);
            if (done.Contains(under))
            {
                continue;
            }

            done.Add(under);
            var domains = Enumerable.Range(0, DomainCount).Where(e => Underlying(current[e]) == under).ToList();
            string names = string.Join(", ", domains.Select(e => (AllocDomain)e));
            writer.WriteLine($"{Name} ({(_badVariable is null ? _mode : "invalid ALLOCGEN_MALLOC")}): {names} {(domains.Count == 1 ? "domain" : "domains")} served by {under.GetType().Name}");
            foreach (int e in domains)
            {
                if (current[e] is DebugAllocator layer)
                {
                    layer.WriteSummary(writer);
                }
            }

            under.DumpStats(writer);
            writer.WriteLine();
        }
    }

    /// <summary>Test hook: returns every hook layer's quarantined blocks to its allocator, so the allocators' counts show leaks.</summary>
    internal void ReleaseQuarantines()
    {
        lock (_sync)
        {
            foreach (DebugAllocator layer in _layers)
            {
                _hooks.Flush(layer);
            }
        }
    }

    /// <summary>The side table of this set's hook layers.</summary>
    internal DebugHooks Hooks => _hooks;

    private static IAllocator Underlying(IAllocator allocator) => allocator is DebugAllocator layer ? layer.Inner : allocator;

    private void DumpStatsAtExit()
    {
        try
        {
            DumpStats(Console.Error);
        }
        catch (ObjectDisposedException)
        {
            Console.Error.WriteLine($"{Name}: an allocator was disposed before the process exit; no statistics.");
        }
    }

    private void Apply(AllocatorMode mode)
    {
        for (int d = 0; d < DomainCount; d++)
        {
            IAllocator allocator = mode.System ? System : _declared[d];
            Install((AllocDomain)d, mode.Hooks ? LayerFor((AllocDomain)d, allocator) : allocator);
        }

        _mode = mode.Name;
        if (mode.Hooks)
        {
            // The bump arenas have no domain: under the hooks they poison what they release.
            ArenaDebug.PoisonReleasedMemory = true;
        }
    }

    /// <summary>The set's system allocator: a declared one if there is one (so the Raw domain stays direct in <c>malloc</c> mode).</summary>
    private SystemAllocator System => _system ??= _declared.OfType<SystemAllocator>().FirstOrDefault() ?? new SystemAllocator();

    private DebugAllocator LayerFor(AllocDomain domain, IAllocator inner)
    {
        foreach (DebugAllocator layer in _layers)
        {
            if (layer.Domain == domain && layer.Inner == inner)
            {
                return layer;
            }
        }

        DebugAllocator created = _hooks.Wrap(inner, domain);
        _layers.Add(created);
        return created;
    }

    /// <summary>
    /// Makes <paramref name="allocator"/> serve the domain. Order matters for the threads that read the route
    /// without the lock: frees stop going directly before the new allocator can hand out a block, and it is among
    /// the allocators a slow free asks before it becomes current.
    /// </summary>
    private void Install(AllocDomain domain, IAllocator allocator)
    {
        int d = (int)domain;
        ref DomainRoute route = ref RouteOf(domain);
        bool declared = ReferenceEquals(allocator, _declared[d]);
        if (!declared)
        {
            Volatile.Write(ref route.FreesDirectly, false);
        }

        if (Array.IndexOf(_served[d], allocator) < 0)
        {
            Volatile.Write(ref _served[d], [.. _served[d], allocator]);
        }

        Volatile.Write(ref _current[d], allocator);
        Volatile.Write(ref route.AllocatesDirectly, declared);
    }

    private enum BlockCall
    {
        Free,
        Reallocate,
        UsableSize,
    }

    /// <summary>
    /// Does the call with the allocator, among those that served the domain (other than this set's hook layers, whose
    /// blocks the side table names), that holds the block: exact owners first, then pool allocators newest first.
    /// </summary>
    private bool TryOutsideHooks(AllocDomain domain, void* pointer, BlockCall call, nuint newSize, out nuint result)
    {
        IAllocator[] served = Volatile.Read(ref _served[(int)domain]);
        for (int pass = 0; pass < 2; pass++)
        {
            bool exactPass = pass == 0;
            for (int i = served.Length - 1; i >= 0; i--)
            {
                IAllocator allocator = served[i];
                bool exact = allocator is SystemAllocator or DebugAllocator;
                if (exact != exactPass || allocator is DebugAllocator layer && layer.Hooks == _hooks)
                {
                    continue;
                }

                try
                {
                    if (!allocator.Owns(pointer))
                    {
                        continue;
                    }

                    result = Call(allocator, pointer, call, newSize);
                    return true;
                }
                catch (ObjectDisposedException)
                {
                    // Disposed by its owner: none of its blocks is live any more.
                }
                catch (ArgumentException e) when (!exact && e is not AllocatorFaultException)
                {
                    // In the arenas of a pool allocator but not one of its live blocks: maybe an older allocator's.
                }
            }
        }

        result = 0;
        return false;
    }

    private static nuint Call(IAllocator allocator, void* pointer, BlockCall call, nuint newSize)
    {
        switch (call)
        {
            case BlockCall.Free:
                allocator.Free(pointer);
                return 0;
            case BlockCall.Reallocate:
                return (nuint)allocator.Reallocate(pointer, newSize);
            default:
                return allocator.UsableSize(pointer);
        }
    }

    private AllocatorFaultException NotFound(void* pointer, string call, AllocDomain domain, HookedLookup found, in DebugBlockRecord released) =>
        DebugHooks.NotFound(pointer, call, domain, found, released, $"of the debug hooks nor of any allocator that served the {domain} domain of {Name}");

    private IAllocator CurrentOf(AllocDomain domain) => Volatile.Read(ref _current[(int)CheckDomain(domain)]);

    private static AllocDomain CheckDomain(AllocDomain domain) =>
        (uint)domain < DomainCount ? domain : throw new ArgumentOutOfRangeException(nameof(domain), domain, "Not a domain.");

    private void ThrowIfBadVariable()
    {
        if (_badVariable is { } bad)
        {
            throw new InvalidOperationException(
                $"{AllocatorMode.Variable}: {AllocatorMode.NotAMode(bad)} The domains of {Name} refuse every " +
                $"allocation until {AllocatorMode.Variable} names a mode or Configure sets one.");
        }
    }

    private ref DomainRoute RouteOf(AllocDomain domain)
    {
        switch (domain)
        {
            case AllocDomain.Raw: return ref Raw;
            case AllocDomain.Mem: return ref Mem;
            default: return ref Object;
        }
    }
}
