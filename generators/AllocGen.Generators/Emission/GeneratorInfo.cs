namespace AllocGen.Generators.Emission;

internal static class GeneratorInfo
{
    /// <summary>The generator's version, printed in [GeneratedCode].</summary>
    public static readonly string Version = typeof(GeneratorInfo).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";
}
