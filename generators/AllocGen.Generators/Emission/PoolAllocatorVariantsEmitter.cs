using System.Collections.Generic;
using System.Linq;
using System.Text;
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

    /// <summary>
    /// The class declaration alone, without namespace or containing types. The variant bodies are rendered one by one
    /// and put in place of the template's placeholder line: 64 of them make more text than one Scriban value may hold.
    /// </summary>
    public static string Render(PoolAllocatorVariantsSpec spec)
    {
        string registry = RenderRegistry(spec.Type.CodeName, spec.Variants.Select(v => v.Type.CodeName));
        var bodies = new StringBuilder();
        foreach (PoolAllocatorSpec variant in spec.Variants)
        {
            bodies.Append(Indent(PoolAllocatorEmitter.Render(variant))).Append("\n\n");
        }

        return registry.Replace(BodiesPlaceholder + "\n", bodies.ToString());
    }

    /// <summary>
    /// The members the class gets for variants named <paramref name="names"/> (the nested types, Variants, VisitAll),
    /// read from the rendered registry, for the clash checks.
    /// </summary>
    public static GeneratedMembers GeneratedMembersFor(IEnumerable<string> names) =>
        GeneratedMembers.FromTemplate(RenderRegistry("AllocGenProbe", names).Replace(BodiesPlaceholder + "\n", string.Empty));

    /// <summary>The line of the template where the variant bodies go.</summary>
    private const string BodiesPlaceholder = "// AllocGen: the variant bodies";

    private static string RenderRegistry(string typeName, IEnumerable<string> names) =>
        TemplateRenderer.Render("PoolAllocatorVariants.sbn-cs", new VariantsTemplateModel
        {
            TypeName = typeName,
            GeneratorVersion = GeneratorInfo.Version,
            BodiesPlaceholder = BodiesPlaceholder,
            Variants = names.Select(name => new VariantModel(name)).ToList(),
        });

    private static string Indent(string text) =>
        string.Join("\n", text.TrimEnd('\n').Split('\n').Select(line => line.Length == 0 ? line : "    " + line));
}

/// <summary>What PoolAllocatorVariants.sbn-cs reads. Property names are used verbatim in the template.</summary>
internal sealed class VariantsTemplateModel
{
    public string TypeName { get; set; } = "";
    public string GeneratorVersion { get; set; } = "";
    public string BodiesPlaceholder { get; set; } = "";
    public List<VariantModel> Variants { get; set; } = new();
    public int VariantCount => Variants.Count;
}

/// <summary>One variant as the template prints it: the nested type's name.</summary>
internal sealed class VariantModel
{
    public VariantModel(string name) => Name = name;

    public string Name { get; }
}
