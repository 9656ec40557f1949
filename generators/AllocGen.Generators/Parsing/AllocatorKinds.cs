using System.Collections.Generic;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Emission;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace AllocGen.Generators.Parsing;

/// <summary>
/// The kinds of declaration AllocGen generates, one attribute each. A type is of one kind: the first kind in the table
/// found on a type reads it and reports every other kind's attribute on it (AG0016); the later kinds leave it alone.
/// </summary>
internal static class AllocatorKinds
{
    private static readonly (string MetadataName, string AttributeName)[] s_kinds =
    [
        (KnownNames.PoolAllocatorAttribute, "PoolAllocator"),
        (KnownNames.BumpArenaAttribute, "BumpArena"),
        (KnownNames.AllocatorDomainsAttribute, "AllocatorDomains"),
        (KnownNames.PoolAllocatorVariantsAttribute, "PoolAllocatorVariants"),
    ];

    /// <summary>
    /// Whether the kind of <paramref name="metadataName"/> reads <paramref name="type"/>: false when a kind before it
    /// in the table is also on the type (that one reports the conflict). When true, adds AG0016 at
    /// <paramref name="location"/> for each later kind on the type.
    /// </summary>
    public static bool ReadsType(INamedTypeSymbol type, string metadataName, Location location, List<DiagnosticInfo> diagnostics)
    {
        int own = IndexOf(metadataName);
        for (int i = 0; i < own; i++)
        {
            if (AttributeReader.HasAttribute(type, s_kinds[i].MetadataName))
            {
                return false;
            }
        }

        for (int i = own + 1; i < s_kinds.Length; i++)
        {
            if (AttributeReader.HasAttribute(type, s_kinds[i].MetadataName))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConflictingAllocators, location, type.ToDisplayString(), s_kinds[own].AttributeName, s_kinds[i].AttributeName));
            }
        }

        return true;
    }

    /// <summary>
    /// The members generated on a type that can be a base class (an instance allocator), or null. A domains class is
    /// static, so nothing derives from it.
    /// </summary>
    public static GeneratedMembers? GeneratedFor(INamedTypeSymbol type) =>
        AttributeReader.FindAttribute(type, KnownNames.PoolAllocatorAttribute) is { } pool
            ? GeneratedMembers.Pool(PoolAllocatorParser.PolicyOrDefault(AttributeReader.Named(pool, "Threading", (int)ThreadPolicy.SingleThreaded)))
        : AttributeReader.HasAttribute(type, KnownNames.BumpArenaAttribute) ? GeneratedMembers.Bump
        : null;

    private static int IndexOf(string metadataName)
    {
        for (int i = 0; i < s_kinds.Length; i++)
        {
            if (s_kinds[i].MetadataName == metadataName)
            {
                return i;
            }
        }

        throw new System.ArgumentException("Not an allocator kind: " + metadataName, nameof(metadataName));
    }
}
