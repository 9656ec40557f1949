using System;
using System.Collections.Generic;
using System.Linq;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis.CSharp;

namespace AllocGen.Generators.Emission;

/// <summary>Plans an [AllocatorDomains] class from its spec (which field serves which domain, how it is called) and renders it.</summary>
internal static class AllocatorDomainsEmitter
{
    /// <summary>The oldest C# that compiles the generated code (its file-scoped namespace).</summary>
    public const LanguageVersion MinimumLanguageVersion = LanguageVersion.CSharp10;

    /// <summary>Nothing is emitted for a name in <paramref name="nameClashes"/> (AG0036 is reported instead).</summary>
    public static (string HintName, string Source)? Emit(AllocatorDomainsSpec spec, EquatableArray<string> nameClashes) =>
        nameClashes.AsSpan().IndexOf(spec.Type.DisplayName) >= 0
            ? null
            : (HintNames.For(spec.Type, "AllocatorDomains", EquatableArray<string>.Empty), SourceFile.Wrap(spec.Type, "AllocatorDomains", Render(spec)));

    /// <summary>The type declaration alone, without namespace or containing types.</summary>
    public static string Render(AllocatorDomainsSpec spec) => TemplateRenderer.Render("AllocatorDomains.sbn-cs", DomainsTemplateModel.From(spec));
}

/// <summary>What AllocatorDomains.sbn-cs reads. Property names are used verbatim in the template.</summary>
internal sealed class DomainsTemplateModel
{
    private static readonly string[] s_prefixes = ["Raw", string.Empty, "Object"];

    public string TypeName { get; private set; } = "";
    public string DisplayName { get; private set; } = "";
    public string GeneratorVersion { get; private set; } = "";

    /// <summary>Which type serves which domains, for the class summary.</summary>
    public string Summary { get; private set; } = "";

    /// <summary>The fields of the declared allocators, one per distinct type.</summary>
    public List<AllocatorFieldModel> Allocators { get; private set; } = new();

    /// <summary>The DomainSet constructor's allocator arguments: the field of each domain's allocator.</summary>
    public string DomainSetArguments { get; private set; } = "";

    public List<DomainModel> Domains { get; private set; } = new();

    public static DomainsTemplateModel From(AllocatorDomainsSpec spec)
    {
        // One field per distinct type, named after the first domain that declares it (domains are in AllocDomain order).
        var fields = new List<AllocatorFieldModel>();
        var fieldOfDomain = new AllocatorFieldModel[spec.Domains.Count];
        for (int d = 0; d < spec.Domains.Count; d++)
        {
            DomainAllocatorSpec allocator = spec.Domains[d];
            AllocatorFieldModel? field = fields.FirstOrDefault(f => f.Allocator == allocator);
            if (field is null)
            {
                field = new AllocatorFieldModel(allocator, "s_allocGen" + (AllocDomain)d);
                fields.Add(field);
            }

            field.Domains.Add((AllocDomain)d);
            fieldOfDomain[d] = field;
        }

        return new DomainsTemplateModel
        {
            TypeName = spec.Type.CodeName,
            DisplayName = spec.Type.DisplayName,
            GeneratorVersion = GeneratorInfo.Version,
            Summary = string.Join(", ", fields.Select(f => Names(f.Domains) + (f.Domains.Count == 1 ? " is served by " : " by one shared ") + "<c>" + Xml(f.Allocator.DisplayName) + "</c>")) + ".",
            Allocators = fields,
            DomainSetArguments = string.Join(", ", fieldOfDomain.Select(f => f.FieldName)),
            Domains = fieldOfDomain.Select((f, d) => new DomainModel((AllocDomain)d, s_prefixes[d], f)).ToList(),
        };
    }

    /// <summary>"Raw", "Mem and Object", "Raw, Mem and Object".</summary>
    internal static string Names(IReadOnlyList<AllocDomain> domains) =>
        domains.Count == 1 ? domains[0].ToString() : string.Join(", ", domains.Take(domains.Count - 1)) + " and " + domains[domains.Count - 1];

    internal static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}

/// <summary>The static field holding one declared allocator, and how the fast paths call it.</summary>
internal sealed class AllocatorFieldModel
{
    public AllocatorFieldModel(DomainAllocatorSpec allocator, string fieldName)
    {
        Allocator = allocator;
        FieldName = fieldName;

        // A struct is boxed once, so that the fast paths (on the box's contents) and the DomainSet share one instance.
        FieldType = allocator.IsStruct ? "global::AllocGen.IAllocator" : allocator.CodeName;
        Initializer = allocator.IsStruct ? "new " + allocator.CodeName + "()" : "new()";
        Direct = (allocator.IsStruct, allocator.CallsDirectly) switch
        {
            (true, true) => "global::System.Runtime.CompilerServices.Unsafe.Unbox<" + allocator.CodeName + ">(" + fieldName + ")",
            (false, false) => "((global::AllocGen.IAllocator)" + fieldName + ")",
            _ => fieldName,
        };
        Held = (allocator.IsStruct, allocator.CallsDirectly) switch
        {
            (true, true) => ", boxed so that one instance serves every caller",
            (true, false) or (false, false) => ", called through IAllocator (it implements IAllocator's methods explicitly)",
            _ => string.Empty,
        };
    }

    public DomainAllocatorSpec Allocator { get; }
    public string FieldName { get; }
    public string FieldType { get; }
    public string Initializer { get; }

    /// <summary>The expression the fast paths call the allocator's methods on.</summary>
    public string Direct { get; }

    /// <summary>How the field holds the allocator, when that is not plain, for its summary.</summary>
    public string Held { get; }

    public List<AllocDomain> Domains { get; } = new();

    /// <summary>"the Raw domain", "the Mem and Object domains".</summary>
    public string Serves => "the " + DomainsTemplateModel.Names(Domains) + (Domains.Count == 1 ? " domain" : " domains, one instance shared between them");
}

/// <summary>One domain's members as the template prints them.</summary>
internal sealed class DomainModel
{
    public DomainModel(AllocDomain domain, string prefix, AllocatorFieldModel field)
    {
        Name = domain.ToString();
        Prefix = prefix;
        Direct = field.Direct;
        string declared = "the declared <c>" + DomainsTemplateModel.Xml(field.Allocator.DisplayName) + "</c> " + field.Allocator.ThreadSafety switch
        {
            AllocatorThreadSafety.ThreadSafe => "is thread-safe.",
            AllocatorThreadSafety.SingleThreaded => "is not thread-safe (ThreadPolicy.SingleThreaded): call from one thread at a time.",
            _ => "is thread-safe when its IsThreadSafe says so.",
        };
        ThreadSafety = domain == AllocDomain.Raw
            ? "The Raw domain is safe from any thread when its allocator is: " + declared
            : "The " + Name + " domain is as thread-safe as its allocator: " + declared;
    }

    public string Name { get; }

    /// <summary>"Raw", "" (Mem: plain Malloc/Free) or "Object".</summary>
    public string Prefix { get; }

    public string Direct { get; }

    public string ThreadSafety { get; }
}
