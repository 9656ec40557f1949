namespace AllocGen.Tests.Domains.Generated;

/// <summary>The pool that serves Mem and Object in the generated-domains tests: Locked, as a static domain needs (AG0034).</summary>
[PoolAllocator(Threading = ThreadPolicy.Locked)]
public sealed partial class DomainTestHeap
{
}

/// <summary>The declaration: Raw on the system allocator, Mem and Object sharing one pool.</summary>
[AllocatorDomains]
[Domain(AllocDomain.Raw, typeof(SystemAllocator))]
[Domain(AllocDomain.Mem, typeof(DomainTestHeap))]
[Domain(AllocDomain.Object, typeof(DomainTestHeap))]
public static partial class TestMem
{
}

/// <summary>The same declaration for the tests that swap allocators (the domains are process-wide state).</summary>
[AllocatorDomains]
[Domain(AllocDomain.Raw, typeof(SystemAllocator))]
[Domain(AllocDomain.Mem, typeof(DomainTestHeap))]
[Domain(AllocDomain.Object, typeof(DomainTestHeap))]
public static partial class SwapMem
{
}

/// <summary>The same declaration for the tests that switch modes through the generated members.</summary>
[AllocatorDomains]
[Domain(AllocDomain.Raw, typeof(SystemAllocator))]
[Domain(AllocDomain.Mem, typeof(DomainTestHeap))]
[Domain(AllocDomain.Object, typeof(DomainTestHeap))]
public static partial class ModeMem
{
}
