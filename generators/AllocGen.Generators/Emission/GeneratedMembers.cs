using System;
using System.Collections.Generic;
using System.Linq;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using AllocGen.Generators.Validation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AllocGen.Generators.Emission;

/// <summary>
/// The members a template adds to the user's type, read from the template itself (rendered once for a default
/// configuration and parsed), so the clash checks can never miss a member the template gains. The set of members
/// does not depend on the geometry: only their bodies and constants do. A pool allocator's thread policy chooses
/// which code the template renders, so its members are read once per policy; a safe-only project (no unsafe code)
/// gets other templates, read once each too.
/// </summary>
internal sealed class GeneratedMembers
{
    // Indexed by policy, then by safe-only (0: with unsafe code, 1: safe members only).
    private static readonly Lazy<GeneratedMembers>[,] s_pool =
    {
        { PoolMembers(ThreadPolicy.SingleThreaded, safeOnly: false), PoolMembers(ThreadPolicy.SingleThreaded, safeOnly: true) },
        { PoolMembers(ThreadPolicy.Locked, safeOnly: false), PoolMembers(ThreadPolicy.Locked, safeOnly: true) },
        { PoolMembers(ThreadPolicy.PerThread, safeOnly: false), PoolMembers(ThreadPolicy.PerThread, safeOnly: true) },
    };

    private static readonly Lazy<GeneratedMembers>[] s_bump =
    [
        new(() => FromTemplate(BumpArenaEmitter.Render(DefaultBumpSpec(safeOnly: false)))),
        new(() => FromTemplate(BumpArenaEmitter.Render(DefaultBumpSpec(safeOnly: true)))),
    ];

    // Three distinct types, so that the probe declares every field a domains class can have.
    private static readonly Lazy<GeneratedMembers> s_domains = new(() => FromTemplate(AllocatorDomainsEmitter.Render(DefaultDomainsSpec())));

    private static readonly CSharpParseOptions s_probeParseOptions = CSharpParseOptions.Default.WithDocumentationMode(DocumentationMode.None);

    private GeneratedMembers(IReadOnlyList<GeneratedMember> members) => Members = members;

    /// <summary>What [PoolAllocator] generates with the thread policy <paramref name="threading"/>, with or without unsafe code.</summary>
    public static GeneratedMembers Pool(ThreadPolicy threading, bool safeOnly) => s_pool[(int)threading, safeOnly ? 1 : 0].Value;

    /// <summary>What [BumpArena] generates, with or without unsafe code.</summary>
    public static GeneratedMembers Bump(bool safeOnly) => s_bump[safeOnly ? 1 : 0].Value;

    /// <summary>What [AllocatorDomains] generates (its fields are named after the domains, not the allocator types).</summary>
    public static GeneratedMembers Domains => s_domains.Value;

    public IReadOnlyList<GeneratedMember> Members { get; }

    /// <summary>Reads the members of the single type declaration in <paramref name="renderedType"/>.</summary>
    internal static GeneratedMembers FromTemplate(string renderedType)
    {
        // Only the declarations matter here: leave the documentation comments unparsed (they are most of the text).
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(renderedType, s_probeParseOptions).GetRoot();
        TypeDeclarationSyntax type = root.Members.OfType<TypeDeclarationSyntax>().Single();
        var members = new List<GeneratedMember>();
        foreach (MemberDeclarationSyntax member in type.Members)
        {
            bool visibleToDerived = member.Modifiers.Any(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.ProtectedKeyword) || m.IsKind(SyntaxKind.InternalKeyword));
            switch (member)
            {
                case MethodDeclarationSyntax method:
                    members.Add(new GeneratedMember(method.Identifier.ValueText, GeneratedMemberKind.Method, visibleToDerived, method.TypeParameterList, method.ParameterList.Parameters));
                    break;
                case PropertyDeclarationSyntax property:
                    members.Add(new GeneratedMember(property.Identifier.ValueText, GeneratedMemberKind.Other, visibleToDerived));
                    break;
                case BaseFieldDeclarationSyntax field:
                    members.AddRange(field.Declaration.Variables.Select(v => new GeneratedMember(v.Identifier.ValueText, GeneratedMemberKind.Other, visibleToDerived)));
                    break;
                case EventDeclarationSyntax @event:
                    members.Add(new GeneratedMember(@event.Identifier.ValueText, GeneratedMemberKind.Other, visibleToDerived));
                    break;
                case BaseTypeDeclarationSyntax nested:
                    members.Add(new GeneratedMember(nested.Identifier.ValueText, GeneratedMemberKind.Type, visibleToDerived, (nested as TypeDeclarationSyntax)?.TypeParameterList));
                    break;
                case DelegateDeclarationSyntax @delegate:
                    members.Add(new GeneratedMember(@delegate.Identifier.ValueText, GeneratedMemberKind.Type, visibleToDerived, @delegate.TypeParameterList));
                    break;
                case DestructorDeclarationSyntax:
                    members.Add(new GeneratedMember("~" + type.Identifier.ValueText, GeneratedMemberKind.Destructor, visibleToDerived: false));
                    break;
                default:
                    // Constructors, indexers and operators would clash by rules not checked here: teach the clash checks first.
                    throw new NotSupportedException("The clash checks do not know the generated member kind " + member.Kind() + ".");
            }
        }

        return new GeneratedMembers(members);
    }

    private static Lazy<GeneratedMembers> PoolMembers(ThreadPolicy threading, bool safeOnly) =>
        new(() => FromTemplate(PoolAllocatorEmitter.Render(DefaultPoolSpec(threading, safeOnly))));

    private static PoolAllocatorSpec DefaultPoolSpec(ThreadPolicy threading, bool safeOnly)
    {
        var config = new PoolConfig(PoolConfig.DefaultArenaSize, PoolConfig.DefaultPoolSize, PoolConfig.DefaultAlignment, PoolConfig.DefaultSmallRequestThreshold, null, (int)threading);
        PoolConfigValidator.Validate(config, out int[] sizeClasses, out MediumClass[] mediumClasses);
        return new PoolAllocatorSpec(Probe, config.ArenaSize, config.PoolSize, config.Alignment, config.SmallRequestThreshold, sizeClasses.ToEquatableArray(), mediumClasses.ToEquatableArray(), threading, safeOnly);
    }

    private static BumpArenaSpec DefaultBumpSpec(bool safeOnly) => new(Probe, BumpArenaValidator.DefaultBlockSize, BumpArenaValidator.DefaultAlignment, safeOnly);

    private static AllocatorDomainsSpec DefaultDomainsSpec() => new(Probe, new[] { "Raw", "Mem", "Object" }
        .Select(name => new DomainAllocatorSpec("global::AllocGenProbe" + name, "AllocGenProbe" + name, IsStruct: false, CallsDirectly: true, AllocatorThreadSafety.Unknown))
        .ToEquatableArray());

    private static TypeSpec Probe => new(string.Empty, "AllocGenProbe", EquatableArray<string>.Empty);
}

internal enum GeneratedMemberKind
{
    /// <summary>A method: it may coexist with a user's method of the same name and other parameters (an overload).</summary>
    Method,

    /// <summary>A nested type: it may coexist with a user's nested type of the same name and another arity.</summary>
    Type,

    /// <summary>The finalizer.</summary>
    Destructor,

    /// <summary>A field, constant, property or event: nothing else may have its name.</summary>
    Other,
}

/// <summary>One generated member, as syntax of the template.</summary>
internal sealed class GeneratedMember
{
    public GeneratedMember(string name, GeneratedMemberKind kind, bool visibleToDerived, TypeParameterListSyntax? typeParameters = null, SeparatedSyntaxList<ParameterSyntax> parameters = default)
    {
        Name = name;
        Kind = kind;
        VisibleToDerived = visibleToDerived;
        TypeParameters = typeParameters?.Parameters.Select(p => p.Identifier.ValueText).ToArray() ?? Array.Empty<string>();
        Parameters = parameters.ToArray();
        Display = kind switch
        {
            GeneratedMemberKind.Method => name + TypeParameterText + "(" + string.Join(", ", Parameters.Select(ParameterText)) + ")",
            _ => name + TypeParameterText,
        };
    }

    public string Name { get; }

    public GeneratedMemberKind Kind { get; }

    /// <summary>Whether a type deriving from the generated one sees the member (it is not private).</summary>
    public bool VisibleToDerived { get; }

    public IReadOnlyList<string> TypeParameters { get; }

    public IReadOnlyList<ParameterSyntax> Parameters { get; }

    /// <summary>The member as a message shows it, e.g. <c>Free(void*)</c>.</summary>
    public string Display { get; }

    private string TypeParameterText => TypeParameters.Count == 0 ? string.Empty : "<" + string.Join(", ", TypeParameters) + ">";

    private static string ParameterText(ParameterSyntax parameter) =>
        string.Concat(parameter.Modifiers.Select(m => m.ValueText + " ")) + parameter.Type?.ToString().Replace("global::", string.Empty);
}
