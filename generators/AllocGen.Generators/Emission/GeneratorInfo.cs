using System.Reflection;

namespace AllocGen.Generators.Emission;

internal static class GeneratorInfo
{
    /// <summary>
    /// The generator's version, printed in [GeneratedCode]: the package version (Directory.Build.targets gives both
    /// projects one), without the source-revision suffix the SDK appends to the informational version.
    /// </summary>
    public static readonly string Version = Read(typeof(GeneratorInfo).Assembly);

    private static string Read(Assembly assembly)
    {
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return assembly.GetName().Version?.ToString() ?? "0.0.0";
        }

        int metadata = informational!.IndexOf('+');
        return metadata < 0 ? informational : informational.Substring(0, metadata);
    }
}
