using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis.CSharp;

namespace AllocGen.Generators.Emission;

/// <summary>Renders a bump arena from its spec.</summary>
internal static class BumpArenaEmitter
{
    /// <summary>The oldest C# that compiles the generated code (its file-scoped namespace).</summary>
    public const LanguageVersion MinimumLanguageVersion = LanguageVersion.CSharp10;

    public static (string HintName, string Source) Emit(BumpArenaSpec spec, EquatableArray<string> caseClashes) =>
        (HintNames.For(spec.Type, "BumpArena", caseClashes), SourceFile.Wrap(spec.Type, "BumpArena", Render(spec)));

    /// <summary>The type declaration alone, without namespace or containing types (safe members only in a project without unsafe code).</summary>
    public static string Render(BumpArenaSpec spec)
    {
        var model = new BumpTemplateModel
        {
            TypeName = spec.Type.CodeName,
            GeneratorVersion = GeneratorInfo.Version,
            BlockSize = spec.BlockSize,
            Alignment = spec.Alignment,
            BlockSizeText = PoolTemplateModel.Bytes(spec.BlockSize),
        };
        return TemplateRenderer.Render(spec.SafeOnly ? "BumpArena.SafeOnly.sbn-cs" : "BumpArena.sbn-cs", model);
    }
}

/// <summary>What BumpArena.sbn-cs reads.</summary>
internal sealed class BumpTemplateModel
{
    public string TypeName { get; set; } = "";
    public string GeneratorVersion { get; set; } = "";
    public int BlockSize { get; set; }
    public int Alignment { get; set; }
    public string BlockSizeText { get; set; } = "";
}
