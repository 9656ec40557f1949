namespace AllocGen;

/// <summary>
/// Declares allocator domains on a <c>static partial</c> class: with one <see cref="DomainAttribute"/> per domain,
/// the AllocGen source generator emits <c>RawMalloc</c>…<c>ObjectFree</c>, <c>SetAllocator</c>, <c>Configure</c>
/// and <c>DumpStats</c> on it, calling the declared allocators directly.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class AllocatorDomainsAttribute : Attribute
{
}
