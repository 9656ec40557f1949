using System.Collections.Generic;
using System.Linq;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Model;

namespace AllocGen.Generators.Validation;

/// <summary>One [Domain] as written: the domain's value and what the named allocator type is.</summary>
/// <param name="Domain">The AllocDomain argument's underlying value (an enum argument reaches the generator as its number).</param>
/// <param name="AllocatorDisplayName">The allocator type as users name it.</param>
/// <param name="Allocator">The allocator, when it can serve a domain.</param>
/// <param name="AllocatorProblem">Why it cannot, when it cannot.</param>
internal sealed record DeclaredDomain(int Domain, string AllocatorDisplayName, DomainAllocatorSpec? Allocator, string? AllocatorProblem);

/// <summary>
/// Checks the [Domain]s of an [AllocatorDomains] class and resolves the allocator of each domain. Pure, like
/// <see cref="PoolConfigValidator"/>. A problem's <see cref="ConfigProblem.Argument"/> is <see cref="DomainArgument"/>
/// or <see cref="AllocatorArgument"/> of the [Domain] at <see cref="ConfigProblem.ElementIndex"/>, or null for the
/// [AllocatorDomains] attribute.
/// </summary>
internal static class DomainsValidator
{
    public const string DomainArgument = "domain";
    public const string AllocatorArgument = "allocatorType";

    private static readonly AllocDomain[] s_domains = [AllocDomain.Raw, AllocDomain.Mem, AllocDomain.Object];

    /// <summary>
    /// Validates the declarations of <paramref name="typeName"/>; returns the problems (errors, and AG0034 warnings)
    /// and, when there is no error, the allocator of each domain in <see cref="AllocDomain"/> order.
    /// </summary>
    public static List<ConfigProblem> Validate(string typeName, IReadOnlyList<DeclaredDomain> declared, out DomainAllocatorSpec[] allocators)
    {
        var problems = new List<ConfigProblem>();
        var byDomain = new DomainAllocatorSpec?[s_domains.Length];
        var seen = new bool[s_domains.Length];
        allocators = [];

        for (int i = 0; i < declared.Count; i++)
        {
            DeclaredDomain declaration = declared[i];
            bool defined = declaration.Domain >= 0 && declaration.Domain < s_domains.Length;
            string domainName = defined ? ((AllocDomain)declaration.Domain).ToString() : declaration.Domain.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!defined)
            {
                problems.Add(new(DiagnosticDescriptors.DomainUndefined, DomainArgument, i, [domainName]));
            }
            else if (seen[declaration.Domain])
            {
                problems.Add(new(DiagnosticDescriptors.DomainDeclaredTwice, DomainArgument, i, [domainName, typeName]));
            }

            if (declaration.Allocator is not { } allocator)
            {
                problems.Add(new(DiagnosticDescriptors.DomainAllocatorInvalid, AllocatorArgument, i, [declaration.AllocatorDisplayName, domainName, declaration.AllocatorProblem ?? "it cannot be read"]));
            }
            else if (allocator.ThreadSafety == AllocatorThreadSafety.SingleThreaded)
            {
                string raw = declaration.Domain == (int)AllocDomain.Raw ? " (and Raw must be safe from any thread)" : string.Empty;
                problems.Add(new(DiagnosticDescriptors.DomainOverSingleThreadedPool, AllocatorArgument, i, [domainName, typeName, allocator.DisplayName, raw]));
            }

            if (defined && !seen[declaration.Domain])
            {
                seen[declaration.Domain] = true;
                byDomain[declaration.Domain] = declaration.Allocator;
            }
        }

        List<AllocDomain> missing = s_domains.Where(d => !seen[(int)d]).ToList();
        if (missing.Count != 0)
        {
            problems.Add(new(DiagnosticDescriptors.DomainMissing, null, -1, [typeName, Describe(missing)]));
        }

        if (problems.All(p => p.Descriptor.DefaultSeverity != Microsoft.CodeAnalysis.DiagnosticSeverity.Error))
        {
            allocators = byDomain.Select(a => a!).ToArray();
        }

        return problems;
    }

    /// <summary>"the Raw domain", "the Raw and Object domains", "the Raw, Mem and Object domains".</summary>
    private static string Describe(IReadOnlyList<AllocDomain> domains) =>
        domains.Count == 1
            ? "the " + domains[0] + " domain"
            : "the " + string.Join(", ", domains.Take(domains.Count - 1)) + " and " + domains[domains.Count - 1] + " domains";
}
