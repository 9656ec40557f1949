using Microsoft.CodeAnalysis;

namespace AllocGen.Generators.Diagnostics;

/// <summary>Every diagnostic AllocGen reports. Each id has a section in docs/diagnostics.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "AllocGen";
    public const string HelpBase = "https://github.com/AllocGen/AllocGen/blob/main/docs/diagnostics.md#";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant(), customTags: WellKnownDiagnosticTags.NotConfigurable);

    /// <summary>A declaration that compiles and works but is probably not what was meant; it can be suppressed.</summary>
    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());

    /// <summary>What the generator did, when that is not what a reader of the declaration would assume.</summary>
    private static DiagnosticDescriptor Info(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Info, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor NotPartial = Error("AG0001",
        "Allocator type must be partial",
        "'{0}' must be declared partial so that AllocGen can add the allocator's members to '{1}' (the allocator type and every type containing it must be partial)");

    public static readonly DiagnosticDescriptor NotAClass = Error("AG0002",
        "Allocator type must be a class",
        "'{0}' must be a class, not {1}: an allocator owns native memory and is disposed once");

    public static readonly DiagnosticDescriptor Generic = Error("AG0003",
        "Allocator type must not be generic",
        "'{0}' must not be generic or nested in a generic type: the allocator is specialized for constants, not type arguments");

    public static readonly DiagnosticDescriptor ArenaSizeNotPowerOfTwo = Error("AG0004",
        "ArenaSize must be a power of two",
        "ArenaSize {0} is not a power of two: arenas are aligned to their size so that a block's arena is found by masking");

    public static readonly DiagnosticDescriptor PoolSizeNotPowerOfTwo = Error("AG0005",
        "PoolSize must be a power of two",
        "PoolSize {0} is not a power of two: pools are aligned to their size so that a block's pool is found by masking");

    public static readonly DiagnosticDescriptor PoolSizeOutOfRange = Error("AG0006",
        "PoolSize out of range",
        "PoolSize {0} must be at least 4096 and at most half of ArenaSize ({1}): the first pool of each arena holds the pool headers");

    public static readonly DiagnosticDescriptor AlignmentInvalid = Error("AG0007",
        "Alignment must be a power of two in 8..4096",
        "Alignment {0} must be a power of two from 8 to 4096");

    public static readonly DiagnosticDescriptor ThresholdInvalid = Error("AG0008",
        "SmallRequestThreshold does not fit the pools",
        "SmallRequestThreshold {0} must be a positive multiple of Alignment ({1}) and at most {2}, the size of a pool");

    public static readonly DiagnosticDescriptor SizeClassesEmpty = Error("AG0009",
        "Size class list is empty",
        "[SizeClasses] must list at least one size");

    public static readonly DiagnosticDescriptor SizeClassesUnsorted = Error("AG0010",
        "Size classes must be ascending",
        "Size class {0} follows {1}: list the sizes in ascending order");

    public static readonly DiagnosticDescriptor SizeClassDuplicated = Error("AG0011",
        "Size class listed twice",
        "Size class {0} is listed more than once");

    public static readonly DiagnosticDescriptor SizeClassNotAligned = Error("AG0012",
        "Size class is not a multiple of Alignment",
        "Size class {0} must be a positive multiple of Alignment ({1}) so that every block stays aligned");

    public static readonly DiagnosticDescriptor SizeClassAboveThreshold = Error("AG0013",
        "Size class above the threshold",
        "Size class {0} is larger than SmallRequestThreshold ({1}); requests that large go to the system allocator");

    public static readonly DiagnosticDescriptor SizeClassesMissThreshold = Error("AG0014",
        "Largest size class is below the threshold",
        "The largest size class ({0}) must equal SmallRequestThreshold ({1}), or requests between them would have no class; add {1} or lower the threshold");

    public static readonly DiagnosticDescriptor SizeClassesWithoutPool = Error("AG0015",
        "[SizeClasses] needs [PoolAllocator]",
        "[SizeClasses] on '{0}' only applies to a [PoolAllocator] type");

    public static readonly DiagnosticDescriptor ConflictingAllocators = Error("AG0016",
        "Conflicting allocator attributes",
        "'{0}' has both [{1}] and [{2}]; an allocator type is one or the other");

    public static readonly DiagnosticDescriptor TooManySizeClasses = Error("AG0017",
        "Too many size classes",
        "{0} size classes are declared; at most 255 are supported (raise Alignment or lower SmallRequestThreshold)");

    public static readonly DiagnosticDescriptor ArenaSizeOutOfRange = Error("AG0018",
        "ArenaSize out of range",
        "ArenaSize {0} must be from 8192 to 1073741824 (1 GiB)");

    /// <summary>Only [AllocatorDomains] needs unsafe code: pool allocators and bump arenas get their safe surface instead (AG0037).</summary>
    public static readonly DiagnosticDescriptor UnsafeNotAllowed = Error("AG0019",
        "Unsafe code must be allowed",
        "The generated {1} '{0}' uses pointers: set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project (a [PoolAllocator] or [BumpArena] class compiles without it, with its safe members only)");

    public static readonly DiagnosticDescriptor BlockSizeInvalid = Error("AG0020",
        "BlockSize must be a power of two in 256 B..64 MiB",
        "BlockSize {0} must be a power of two from 256 to 67108864 (64 MiB)");

    public static readonly DiagnosticDescriptor ArenaAlignmentInvalid = Error("AG0021",
        "Arena alignment invalid",
        "Alignment {0} must be a power of two from 1 to 4096 and not larger than BlockSize ({1})");

    public static readonly DiagnosticDescriptor StaticClass = Error("AG0022",
        "Allocator type must not be static",
        "'{0}' must not be static: an allocator is an instance (its members are instance members), it owns native memory and is disposed once");

    public static readonly DiagnosticDescriptor MemberClash = Error("AG0023",
        "Member clashes with a generated member",
        "'{0}' clashes with '{1}', which AllocGen generates for '{2}': rename or remove '{0}'");

    public static readonly DiagnosticDescriptor InheritedMemberClash = Error("AG0024",
        "Inherited member clashes with a generated member",
        "'{0}' inherits '{1}', which the generated '{2}' would hide (generated members never override): rename it in the base class, or do not derive '{0}' from '{3}'");

    public static readonly DiagnosticDescriptor FileLocal = Error("AG0025",
        "Allocator type must not be file-local",
        "'{0}' is a file-local type: AllocGen adds the allocator's members to '{1}' from a generated file, which cannot see it; remove 'file' (internal, or a private nested type, also keeps it hidden)");

    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Error("AG0026",
        "C# version too old for the generated code",
        "The code AllocGen generates for '{0}' needs C# {1} or later, but the project compiles C# {2}: set <LangVersion> to {1} or later");

    public static readonly DiagnosticDescriptor ThreadingInvalid = Error("AG0027",
        "Threading is not a ThreadPolicy",
        "Threading {0} is not a ThreadPolicy: use ThreadPolicy.SingleThreaded, ThreadPolicy.Locked or ThreadPolicy.PerThread");

    public static readonly DiagnosticDescriptor PerThreadLargeArenas = Warning("AG0028",
        "PerThread heap with large arenas",
        "ArenaSize {0} ({1} MiB) with ThreadPolicy.PerThread: every thread that allocates from the allocator maps at least one arena of its own, so each thread costs {1} MiB of address space; use an ArenaSize below 64 MiB (the default is 1 MiB), or ThreadPolicy.Locked for one heap shared by all threads");

    public static readonly DiagnosticDescriptor DomainsNotStatic = Error("AG0029",
        "Allocator domains class must be static",
        "'{0}' must be a static partial class, not {1}: the domains are process-wide, so their members are static");

    public static readonly DiagnosticDescriptor DomainDeclaredTwice = Error("AG0030",
        "Domain declared twice",
        "The {0} domain of '{1}' is already declared: each domain has one allocator; remove this [Domain]");

    public static readonly DiagnosticDescriptor DomainMissing = Error("AG0031",
        "Domain missing",
        "'{0}' declares no allocator for {1}: add [Domain(AllocDomain.X, typeof(...))] for each of Raw, Mem and Object");

    public static readonly DiagnosticDescriptor DomainUndefined = Error("AG0032",
        "Domain is not an AllocDomain",
        "Domain {0} is not an AllocDomain: use AllocDomain.Raw, AllocDomain.Mem or AllocDomain.Object");

    public static readonly DiagnosticDescriptor DomainAllocatorInvalid = Error("AG0033",
        "Domain allocator is not a constructible IAllocator",
        "'{0}' cannot serve the {1} domain: {2}; a domain's allocator is a non-abstract, non-generic class or struct that implements AllocGen.IAllocator and has a public parameterless constructor");

    public static readonly DiagnosticDescriptor DomainOverSingleThreadedPool = Warning("AG0034",
        "Domain served by a single-threaded pool",
        "The {0} domain of '{1}' is served by '{2}', a [PoolAllocator] with ThreadPolicy.SingleThreaded, but a domain is static and reachable from any thread{3}: declare '{2}' with Threading = ThreadPolicy.Locked or ThreadPolicy.PerThread");

    public static readonly DiagnosticDescriptor DomainWithoutDomains = Error("AG0035",
        "[Domain] needs [AllocatorDomains]",
        "[Domain] on '{0}' only applies to an [AllocatorDomains] class");

    public static readonly DiagnosticDescriptor DomainsNameClash = Error("AG0036",
        "Allocator domains classes with the same name",
        "'{0}' and '{1}' are [AllocatorDomains] classes whose full names differ only in letter case: their generated files and the names their statistics are dumped under would clash; rename one");

    public static readonly DiagnosticDescriptor SafeSurfaceOnly = Info("AG0037",
        "Safe members only",
        "The project does not allow unsafe code, so '{0}' gets its safe members only ({1}) and no pointer members; set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project for {2}");

    public static readonly DiagnosticDescriptor VariantListEmpty = Error("AG0040",
        "Variant value list is empty",
        "{0} must list at least one value");

    public static readonly DiagnosticDescriptor VariantValueInvalid = Error("AG0041",
        "Variant value is invalid",
        "{0} value {1} is invalid in any combination: {2}");

    public static readonly DiagnosticDescriptor VariantCombinationSkipped = Warning("AG0042",
        "Variant combination skipped",
        "The variant {0} ({1}) is skipped: {2} ({3}); the other variants are generated");

    public static readonly DiagnosticDescriptor NoValidVariant = Error("AG0043",
        "No valid variant",
        "None of the {0} combinations of [PoolAllocatorVariants] on '{1}' is a valid pool allocator ({2}); change the values so that at least one is");

    public static readonly DiagnosticDescriptor TooManyVariants = Error("AG0044",
        "Too many variants",
        "[PoolAllocatorVariants] on '{0}' makes {1} valid variants; at most 64 are supported: shorten the value lists");

    public static readonly DiagnosticDescriptor VariantValueDuplicated = Warning("AG0045",
        "Variant value listed twice",
        "{0} lists {1} more than once; the repeat is ignored");

    public static readonly DiagnosticDescriptor VariantsNotStatic = Error("AG0046",
        "Variants class must be static",
        "'{0}' must be a static class, not {1}: [PoolAllocatorVariants] adds nested allocator types and static registry members to it");

    public static readonly DiagnosticDescriptor VariantSizeClassesWithoutVariants = Error("AG0047",
        "[VariantSizeClasses] needs [PoolAllocatorVariants]",
        "[VariantSizeClasses] on '{0}' only applies to a [PoolAllocatorVariants] class");

    public static readonly DiagnosticDescriptor MediumThresholdNotAboveSmall = Error("AG0100",
        "MediumRequestThreshold not above SmallRequestThreshold",
        "MediumRequestThreshold {0} must be above SmallRequestThreshold ({1}): the medium tier serves the requests above the small one; use 0 to turn the medium tier off");

    public static readonly DiagnosticDescriptor MediumThresholdNotOnGrid = Error("AG0101",
        "MediumRequestThreshold is not a medium class size",
        "MediumRequestThreshold {0} is not a medium class size (a power of two, or 5/4, 6/4 or 7/4 of one, and a multiple of Alignment {1}), so the last medium class would not end there: the nearest are {2} and {3}");

    public static readonly DiagnosticDescriptor MediumThresholdTooLarge = Error("AG0102",
        "MediumRequestThreshold above a quarter of ArenaSize",
        "MediumRequestThreshold {0} must be at most {1}, a quarter of ArenaSize ({2}), so that an arena holds several spans of the largest medium class; lower it or raise ArenaSize");

    public static readonly DiagnosticDescriptor InternalError = Error("AG0099",
        "AllocGen failed",
        "AllocGen could not generate '{0}': {1}. Please report this with the declaration.");
}
