using AllocGen.Generators.Model;

namespace AllocGen.Generators.Emission;

/// <summary>Renders a bump arena from its spec.</summary>
internal static class BumpArenaEmitter
{
    public static (string HintName, string Source) Emit(BumpArenaSpec spec)
    {
        var model = new BumpTemplateModel
        {
            TypeName = spec.Type.Name,
            GeneratorVersion = GeneratorInfo.Version,
            EmitConstructor = spec.EmitConstructor,
            BlockSize = spec.BlockSize,
            Alignment = spec.Alignment,
            BlockSizeText = PoolTemplateModel.Bytes(spec.BlockSize),
        };
        string body = TemplateRenderer.Render("BumpArena.sbn-cs", model);
        return (spec.Type.HintPrefix + ".BumpArena.g.cs", SourceFile.Wrap(spec.Type, "BumpArena", body));
    }
}

/// <summary>What BumpArena.sbn-cs reads.</summary>
internal sealed class BumpTemplateModel
{
    public string TypeName { get; set; } = "";
    public string GeneratorVersion { get; set; } = "";
    public bool EmitConstructor { get; set; }
    public int BlockSize { get; set; }
    public int Alignment { get; set; }
    public string BlockSizeText { get; set; } = "";
}
