using System.Collections.Generic;
using System.Linq;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;

namespace AllocGen.Generators.Emission;

/// <summary>
/// Renders a [PoolAllocatorVariants] class: each variant's body is <see cref="PoolAllocatorEmitter.Render"/> of its
/// spec, the very code a hand-declared [PoolAllocator] with that configuration gets, nested in the user's class; the
/// driver structs and the registry come from PoolAllocatorVariants.sbn-cs.
/// </summary>
internal static class PoolAllocatorVariantsEmitter
{
    public static (string HintName, string Source) Emit(PoolAllocatorVariantsSpec spec, EquatableArray<string> caseClashes) =>
        (HintNames.For(spec.Type, "PoolAllocatorVariants", caseClashes), SourceFile.Wrap(spec.Type, "PoolAllocatorVariants", Render(spec)));

    /// <summary>The class declaration alone, without namespace or containing types.</summary>
    public static string Render(PoolAllocatorVariantsSpec spec) =>
        RenderRegistry(spec.Type.CodeName, spec.Variants.Select(v => new VariantModel(v.Type.CodeName, Indent(PoolAllocatorEmitter.Render(v)))));

    /// <summary>
    /// The members the class gets for variants named <paramref name="names"/> (the nested types, Variants, VisitAll),
    /// read from the rendered registry with empty variant bodies, for the clash checks.
    /// </summary>
    public static GeneratedMembers GeneratedMembersFor(IEnumerable<string> names) =>
        GeneratedMembers.FromTemplate(RenderRegistry("AllocGenProbe", names.Select(name => new VariantModel(name, string.Empty))));

    private static string RenderRegistry(string typeName, IEnumerable<VariantModel> variants) =>
        TemplateRenderer.Render("PoolAllocatorVariants.sbn-cs", new VariantsTemplateModel
        {
            TypeName = typeName,
            GeneratorVersion = GeneratorInfo.Version,
            Variants = variants.ToList(),
        });

    private static string Indent(string text) =>
        string.Join("\n", text.TrimEnd('\n').Split('\n').Select(line => line.Length == 0 ? line : "    " + line));
}

/// <summary>What PoolAllocatorVariants.sbn-cs reads. Property names are used verbatim in the template.</summary>
internal sealed class VariantsTemplateModel
{
    public string TypeName { get; set; } = "";
    public string GeneratorVersion { get; set; } = "";
    public List<VariantModel> Variants { get; set; } = new();
    public int VariantCount => Variants.Count;
}

/// <summary>One variant as the template prints it: its name and its rendered [PoolAllocator] body, indented.</summary>
internal sealed class VariantModel
{
    public VariantModel(string name, string body)
    {
        Name = name;
        Body = body;
    }

    public string Name { get; }
    public string Body { get; }
}
