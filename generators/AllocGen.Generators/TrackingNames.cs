namespace AllocGen.Generators;

/// <summary>Names of the pipeline steps, so tests can assert that they are cached.</summary>
public static class TrackingNames
{
    /// <summary>[PoolAllocator] declarations read into models.</summary>
    public const string PoolAllocatorModel = nameof(PoolAllocatorModel);

    /// <summary>Valid pool allocator specs.</summary>
    public const string PoolAllocatorSpec = nameof(PoolAllocatorSpec);

    /// <summary>Pool allocator hint names that clash when letter case is ignored.</summary>
    public const string PoolAllocatorHintClashes = nameof(PoolAllocatorHintClashes);

    /// <summary>Bump arena hint names that clash when letter case is ignored.</summary>
    public const string BumpArenaHintClashes = nameof(BumpArenaHintClashes);

    /// <summary>[BumpArena] declarations read into models.</summary>
    public const string BumpArenaModel = nameof(BumpArenaModel);

    /// <summary>Valid bump arena specs.</summary>
    public const string BumpArenaSpec = nameof(BumpArenaSpec);

    /// <summary>[SizeClasses] declarations without [PoolAllocator].</summary>
    public const string OrphanSizeClasses = nameof(OrphanSizeClasses);

    /// <summary>[AllocatorDomains] declarations read into models.</summary>
    public const string AllocatorDomainsModel = nameof(AllocatorDomainsModel);

    /// <summary>Valid [AllocatorDomains] declarations with their attribute's location.</summary>
    public const string AllocatorDomainsTarget = nameof(AllocatorDomainsTarget);

    /// <summary>Valid allocator domains specs.</summary>
    public const string AllocatorDomainsSpec = nameof(AllocatorDomainsSpec);

    /// <summary>[AllocatorDomains] classes whose names are equal when letter case is ignored, and their diagnostics.</summary>
    public const string AllocatorDomainsNameClashes = nameof(AllocatorDomainsNameClashes);

    /// <summary>[Domain] declarations without [AllocatorDomains].</summary>
    public const string OrphanDomains = nameof(OrphanDomains);

    /// <summary>[PoolAllocatorVariants] declarations read into models.</summary>
    public const string PoolAllocatorVariantsModel = nameof(PoolAllocatorVariantsModel);

    /// <summary>Valid pool allocator variants specs.</summary>
    public const string PoolAllocatorVariantsSpec = nameof(PoolAllocatorVariantsSpec);

    /// <summary>Pool allocator variants hint names that clash when letter case is ignored.</summary>
    public const string PoolAllocatorVariantsHintClashes = nameof(PoolAllocatorVariantsHintClashes);

    /// <summary>[VariantSizeClasses] declarations without [PoolAllocatorVariants].</summary>
    public const string OrphanVariantSizeClasses = nameof(OrphanVariantSizeClasses);
}
