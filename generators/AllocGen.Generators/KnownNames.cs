namespace AllocGen.Generators;

/// <summary>Metadata names of the runtime types the generator looks for.</summary>
internal static class KnownNames
{
    public const string PoolAllocatorAttribute = "AllocGen.PoolAllocatorAttribute";
    public const string SizeClassesAttribute = "AllocGen.SizeClassesAttribute";
    public const string BumpArenaAttribute = "AllocGen.BumpArenaAttribute";
    public const string AllocatorDomainsAttribute = "AllocGen.AllocatorDomainsAttribute";
    public const string DomainAttribute = "AllocGen.DomainAttribute";
    public const string PoolAllocatorVariantsAttribute = "AllocGen.PoolAllocatorVariantsAttribute";
    public const string VariantSizeClassesAttribute = "AllocGen.VariantSizeClassesAttribute";
    public const string IAllocator = "AllocGen.IAllocator";
    public const string SystemAllocator = "AllocGen.SystemAllocator";
}
