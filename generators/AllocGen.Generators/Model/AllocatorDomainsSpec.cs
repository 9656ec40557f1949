using AllocGen.Generators.Helpers;

namespace AllocGen.Generators.Model;

/// <summary>A validated [AllocatorDomains] declaration: the allocator of each domain, indexed by <see cref="AllocDomain"/>.</summary>
internal sealed record AllocatorDomainsSpec(TypeSpec Type, EquatableArray<DomainAllocatorSpec> Domains);

/// <summary>
/// The allocator type a [Domain] names, as the generated code writes it.
/// </summary>
/// <param name="CodeName">The type as C# source, <c>global::</c>-qualified.</param>
/// <param name="DisplayName">The type as users name it, for comments and messages.</param>
/// <param name="IsStruct">A struct is held boxed, so that the direct calls and the domain set share one instance.</param>
/// <param name="CallsDirectly">
/// Whether the type implements IAllocator's allocation members with public methods of its own, which the generated
/// code calls without interface dispatch (otherwise, as for an explicit implementation, it calls them through IAllocator).
/// </param>
/// <param name="ThreadSafety">What the generator knows of the type's thread safety.</param>
internal sealed record DomainAllocatorSpec(string CodeName, string DisplayName, bool IsStruct, bool CallsDirectly, AllocatorThreadSafety ThreadSafety);

/// <summary>What the generator knows, at compile time, of whether an allocator is safe from any thread.</summary>
internal enum AllocatorThreadSafety
{
    /// <summary>Only the allocator knows (its IsThreadSafe).</summary>
    Unknown,

    /// <summary>Safe from any thread: AllocGen's SystemAllocator, or a [PoolAllocator] that is Locked or PerThread.</summary>
    ThreadSafe,

    /// <summary>A [PoolAllocator] with ThreadPolicy.SingleThreaded.</summary>
    SingleThreaded,
}

/// <summary>
/// A valid [AllocatorDomains] declaration and where its attribute is: the location serves the check that spans all
/// declarations (no two may have the same name up to letter case) and stays out of the spec the emitter reads, so
/// moving the declaration does not re-render it.
/// </summary>
internal sealed record AllocatorDomainsTarget(AllocatorDomainsSpec Spec, LocationInfo? Attribute);
