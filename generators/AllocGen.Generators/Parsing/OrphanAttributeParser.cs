using System.Threading;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis;
using static AllocGen.Generators.Parsing.AttributeReader;
using static AllocGen.Generators.Parsing.DeclarationChecks;

namespace AllocGen.Generators.Parsing;

/// <summary>
/// Attributes that only configure a kind: on a type without that kind's attribute they would be silently ignored,
/// so they are reported.
/// </summary>
internal static class OrphanAttributeParser
{
    /// <summary>[SizeClasses] without [PoolAllocator] (AG0015).</summary>
    public static EquatableArray<DiagnosticInfo> ParseSizeClasses(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Report(context, cancellationToken, KnownNames.SizeClassesAttribute, KnownNames.PoolAllocatorAttribute, DiagnosticDescriptors.SizeClassesWithoutPool);

    /// <summary>[Domain] without [AllocatorDomains] (AG0035), reported once per type, at its first [Domain].</summary>
    public static EquatableArray<DiagnosticInfo> ParseDomains(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Report(context, cancellationToken, KnownNames.DomainAttribute, KnownNames.AllocatorDomainsAttribute, DiagnosticDescriptors.DomainWithoutDomains);

    /// <summary>[VariantSizeClasses] without [PoolAllocatorVariants] (AG0047), reported once per type, at its first one.</summary>
    public static EquatableArray<DiagnosticInfo> ParseVariantSizeClasses(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Report(context, cancellationToken, KnownNames.VariantSizeClassesAttribute, KnownNames.PoolAllocatorVariantsAttribute, DiagnosticDescriptors.VariantSizeClassesWithoutVariants);

    private static EquatableArray<DiagnosticInfo> Report(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken, string orphan, string owner, DiagnosticDescriptor descriptor) =>
        Guard(context, cancellationToken, (context, attribute, diagnostics, cancellationToken) =>
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            if (!HasAttribute(type, owner) && IsFirstApplication(type, context.TargetNode, orphan))
            {
                diagnostics.Add(DiagnosticInfo.Create(descriptor, AttributeLocation(attribute, context.TargetNode, cancellationToken), type.ToDisplayString()));
            }

            return diagnostics.ToEquatableArray();
        }, static diagnostics => diagnostics);
}
