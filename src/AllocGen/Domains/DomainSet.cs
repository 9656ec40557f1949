using System.ComponentModel;

namespace AllocGen.Domains;

/// <summary>
/// How one domain is served now, read by the generated fast paths: while <see cref="AllocatesDirectly"/> (or
/// <see cref="FreesDirectly"/>) is set, the generated member calls the declared allocator itself; otherwise it asks
/// the <see cref="DomainSet"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct DomainRoute
{
    /// <summary>The declared allocator serves new blocks of this domain.</summary>
    public bool AllocatesDirectly;

    /// <summary>Every live block of this domain belongs to the declared allocator, so frees and reallocs go to it directly.</summary>
    public bool FreesDirectly;
}

/// <summary>
/// The run-time state of one <c>[AllocatorDomains]</c> class: the allocator each domain uses now, and the slow
/// paths taken when it is not the declared one. For generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe class DomainSet
{
    private readonly IAllocator[] _declared;
    private readonly IAllocator[] _current;

    /// <summary>Raw domain route.</summary>
    public DomainRoute Raw;

    /// <summary>Mem domain route.</summary>
    public DomainRoute Mem;

    /// <summary>Object domain route.</summary>
    public DomainRoute Object;

    /// <summary>Creates the state of a domains class named <paramref name="name"/> over its declared allocators.</summary>
    public DomainSet(string name, IAllocator raw, IAllocator mem, IAllocator @object)
    {
        Name = name;
        _declared = [raw, mem, @object];
        _current = [raw, mem, @object];
        Raw = Mem = Object = new DomainRoute { AllocatesDirectly = true, FreesDirectly = true };
    }

    /// <summary>The domains class, as users name it.</summary>
    public string Name { get; }

    /// <summary>The mode set by ALLOCGEN_MALLOC or <see cref="Configure"/>.</summary>
    public string CurrentMode => "default";

    /// <summary>Allocates through the domain's current allocator.</summary>
    public void* Allocate(AllocDomain domain, nuint size) => _current[(int)domain].Allocate(size);

    /// <summary>Allocates zeroed memory through the domain's current allocator.</summary>
    public void* AllocateZeroed(AllocDomain domain, nuint count, nuint size) => _current[(int)domain].AllocateZeroed(count, size);

    /// <summary>Resizes a block of the domain.</summary>
    public void* Reallocate(AllocDomain domain, void* pointer, nuint newSize) => _current[(int)domain].Reallocate(pointer, newSize);

    /// <summary>Frees a block of the domain.</summary>
    public void Free(AllocDomain domain, void* pointer) => _current[(int)domain].Free(pointer);

    /// <summary>Replaces the domain's allocator (the caller keeps ownership of it).</summary>
    public void SetAllocator(AllocDomain domain, IAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        _current[(int)domain] = allocator;
        ref DomainRoute route = ref RouteOf(domain);
        route.AllocatesDirectly = ReferenceEquals(allocator, _declared[(int)domain]);
        route.FreesDirectly &= route.AllocatesDirectly;
    }

    /// <summary>The domain's current allocator.</summary>
    public IAllocator GetAllocator(AllocDomain domain) => _current[(int)domain];

    /// <summary>Wraps every domain's allocator in the debug hooks.</summary>
    public void SetupDebugHooks() => throw new NotImplementedException("Debug hooks: issue 17.");

    /// <summary>Switches every domain to <paramref name="mode"/>.</summary>
    public void Configure(string mode) => throw new NotImplementedException("Modes: issue 17.");

    /// <summary>Writes each distinct allocator's statistics, naming the domains it serves.</summary>
    public void DumpStats(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        for (int d = 0; d < _current.Length; d++)
        {
            writer.WriteLine($"{Name} domain {(AllocDomain)d}: {_current[d].GetType().Name}");
            _current[d].DumpStats(writer);
        }
    }

    private ref DomainRoute RouteOf(AllocDomain domain)
    {
        switch (domain)
        {
            case AllocDomain.Raw: return ref Raw;
            case AllocDomain.Mem: return ref Mem;
            case AllocDomain.Object: return ref Object;
            default: throw new ArgumentOutOfRangeException(nameof(domain), domain, "Not a domain.");
        }
    }
}
