namespace AllocGen;

/// <summary>
/// Names the allocator that serves one domain of an <see cref="AllocatorDomainsAttribute"/> class: a type that
/// implements <see cref="IAllocator"/> and has a public parameterless constructor. Domains that name the same type
/// share one instance.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class DomainAttribute : Attribute
{
    /// <summary>Declares <paramref name="allocatorType"/> as the allocator of <paramref name="domain"/>.</summary>
    public DomainAttribute(AllocDomain domain, Type allocatorType)
    {
        Domain = domain;
        AllocatorType = allocatorType;
    }

    /// <summary>The domain served.</summary>
    public AllocDomain Domain { get; }

    /// <summary>The allocator type that serves it.</summary>
    public Type AllocatorType { get; }
}
