using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;

namespace AllocGen.Generators.Emission;

/// <summary>Renders a bump arena from its spec.</summary>
internal static class BumpArenaEmitter
{
    public static (string HintName, string Source) Emit(BumpArenaSpec spec, EquatableArray<string> caseClashes)
    {
        var model = new BumpTemplateModel
        {
            TypeName = spec.Type.CodeName,
            GeneratorVersion = GeneratorInfo.Version,
            BlockSize = spec.BlockSize,
            Alignment = spec.Alignment,
            BlockSizeText = PoolTemplateModel.Bytes(spec.BlockSize),
        };
        string body = TemplateRenderer.Render("BumpArena.sbn-cs", model);
        return (HintNames.For(spec.Type, "BumpArena", caseClashes), SourceFile.Wrap(spec.Type, "BumpArena", body));
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
