using System.Collections.Generic;
using System.Threading;
using AllocGen.Generators.Emission;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using AllocGen.Generators.Validation;
using Microsoft.CodeAnalysis;
using static AllocGen.Generators.Parsing.AttributeReader;
using static AllocGen.Generators.Parsing.DeclarationChecks;

namespace AllocGen.Generators.Parsing;

/// <summary>
/// Reads an [AllocatorDomains] class and all its [Domain]s (from every part) into a value model. The allocator types
/// are read here, down to the Threading of a [PoolAllocator] one; nothing symbolic leaves.
/// </summary>
internal static class AllocatorDomainsParser
{
    public static KindModel<AllocatorDomainsTarget> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Guard<AllocatorDomainsTarget>(context, cancellationToken, static (context, attribute, diagnostics, cancellationToken) =>
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            IReadOnlyList<AttributeData> domainAttributes = FindAttributes(type, KnownNames.DomainAttribute);
            Location location = AttributeLocation(attribute, context.TargetNode, cancellationToken);
            if (!AllocatorKinds.ReadsType(type, KnownNames.AllocatorDomainsAttribute, location, diagnostics)
                || !IsFirstApplication(type, context.TargetNode, KnownNames.AllocatorDomainsAttribute) || HasArgumentErrors(attribute)
                || AnyUnreadable(domainAttributes))
            {
                // Another kind reports the conflict; the compiler reports repeats, bad arguments and unknown types.
                return KindModel<AllocatorDomainsTarget>.None;
            }

            TypeSpec? typeSpec = CheckType(context, type, location, TypeForm.StaticClass, GeneratedMembers.Domains, AllocatorDomainsEmitter.MinimumLanguageVersion, diagnostics, cancellationToken);
            CheckUnsafe(context, type, location, "domains class", diagnostics);

            var declared = new List<DeclaredDomain>();
            foreach (AttributeData domain in domainAttributes)
            {
                DomainAllocatorReader.Result allocator = DomainAllocatorReader.Read(domain.ConstructorArguments[1].Value, context.SemanticModel.Compilation);
                declared.Add(new DeclaredDomain(domain.ConstructorArguments[0].Value is int value ? value : -1, allocator.DisplayName, allocator.Allocator, allocator.Problem));
            }

            List<ConfigProblem> problems = DomainsValidator.Validate(type.ToDisplayString(), declared, out DomainAllocatorSpec[] allocators);
            foreach (ConfigProblem problem in problems)
            {
                Location at = problem.ElementIndex < 0
                    ? location
                    : ConstructorArgumentLocation(
                        domainAttributes[problem.ElementIndex],
                        problem.Argument == DomainsValidator.DomainArgument ? 0 : 1,
                        AttributeLocation(domainAttributes[problem.ElementIndex], context.TargetNode, cancellationToken),
                        cancellationToken);
                diagnostics.Add(DiagnosticInfo.Create(problem.Descriptor, at, problem.Arguments));
            }

            // A warning (AG0034) leaves the declaration valid: it is generated, and the warning travels with it.
            return HasErrors(diagnostics) || typeSpec is null
                ? KindModel<AllocatorDomainsTarget>.Invalid(diagnostics.ToEquatableArray())
                : new KindModel<AllocatorDomainsTarget>(
                    new AllocatorDomainsTarget(new AllocatorDomainsSpec(typeSpec, allocators.ToEquatableArray()), LocationInfo.From(location)),
                    diagnostics.ToEquatableArray());
        });

    /// <summary>A [Domain] whose arguments the compiler rejects (an unknown type, a missing argument): it reports them.</summary>
    private static bool AnyUnreadable(IReadOnlyList<AttributeData> domains)
    {
        foreach (AttributeData domain in domains)
        {
            if (HasArgumentErrors(domain) || domain.ConstructorArguments.Length != 2)
            {
                return true;
            }
        }

        return false;
    }
}
