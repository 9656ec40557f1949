using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace AllocGen.Generators.Tests;

/// <summary>
/// The generator runs inside the compiler, which loads an analyzer's references from the analyzer's own folder or
/// from the compiler's assemblies and the framework it runs on, and from nowhere else. Every assembly the generator
/// references, directly or through Scriban, must be found there with at least the referenced version. The check reads
/// metadata only (nothing is loaded), against the analyzer folder as packed and the SDK that builds this project.
/// </summary>
public sealed class DependencyClosureTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryReferenceOfThePackedAnalyzerResolvesInTheCompilerHost()
    {
        Closure closure = Resolve(AnalyzerFiles(), CompilerFolder(), FrameworkFolderOfTheCompiler());
        foreach (string line in closure.Report)
        {
            output.WriteLine(line);
        }

        Assert.True(closure.Missing.Count == 0, "Not found in the analyzer folder or the compiler host:\n" + string.Join("\n", closure.Missing));
        Assert.Contains(closure.Report, l => l.StartsWith("Microsoft.CodeAnalysis ", StringComparison.Ordinal) && l.Contains("compiler", StringComparison.Ordinal));
        Assert.Contains(closure.Report, l => l.StartsWith("Scriban.Signed ", StringComparison.Ordinal) && l.Contains("analyzer folder", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutTheCompilerFolderMicrosoftCodeAnalysisIsMissing()
    {
        Closure closure = Resolve(AnalyzerFiles(), compilerFolder: null, FrameworkFolderOfTheCompiler());

        Assert.Contains(closure.Missing, m => m.StartsWith("Microsoft.CodeAnalysis ", StringComparison.Ordinal));
        Assert.Contains(closure.Missing, m => m.StartsWith("Microsoft.CodeAnalysis.CSharp ", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutScribanInTheAnalyzerFolderScribanIsMissing()
    {
        string[] generatorOnly = AnalyzerFiles().Where(f => Path.GetFileName(f) == "AllocGen.Generators.dll").ToArray();
        Closure closure = Resolve(generatorOnly, CompilerFolder(), FrameworkFolderOfTheCompiler());

        Assert.Equal(["Scriban.Signed " + AssemblyName.GetAssemblyName(AnalyzerFiles().Single(f => Path.GetFileName(f) == "Scriban.Signed.dll")).Version + ", referenced by AllocGen.Generators"], closure.Missing);
    }

    [Fact]
    public void ANewerVersionThanAnyAvailableIsMissing()
    {
        // The walk compares versions, not only names: a reference to a higher version than the folder holds fails.
        var available = new Dictionary<string, List<(Version Version, string Where)>>(StringComparer.OrdinalIgnoreCase)
        {
            ["Lib"] = [(new Version(1, 2, 0, 0), "here")],
        };
        Assert.Equal("here", Find(available, "Lib", new Version(1, 0, 0, 0)));
        Assert.Equal("here", Find(available, "lib", new Version(1, 2, 0, 0)));
        Assert.Null(Find(available, "Lib", new Version(1, 3, 0, 0)));
        Assert.Null(Find(available, "Other", new Version(1, 0, 0, 0)));
    }

    /// <summary>What the package puts in analyzers/dotnet/cs, recorded at build time from the generator project.</summary>
    private static string[] AnalyzerFiles()
    {
        string[] files = Metadata("AllocGen.AnalyzerFiles").Split(';', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["AllocGen.Generators.dll", "Scriban.Signed.dll"], files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(files, f => Assert.True(File.Exists(f), f));
        return files;
    }

    /// <summary>The SDK's compiler: dotnet-root/sdk/&lt;version&gt;/Roslyn/bincore, for the SDK that built this project.</summary>
    private static string CompilerFolder()
    {
        string folder = Path.Combine(DotnetRoot(), "sdk", Metadata("AllocGen.SdkVersion"), "Roslyn", "bincore");
        Assert.True(File.Exists(Path.Combine(folder, "csc.dll")), "No compiler in " + folder);
        return folder;
    }

    /// <summary>The shared framework csc.dll runs on, chosen from its runtimeconfig.json as the host would (roll forward to the nearest major, then its latest version).</summary>
    private static string FrameworkFolderOfTheCompiler()
    {
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(CompilerFolder(), "csc.runtimeconfig.json")));
        JsonElement framework = config.RootElement.GetProperty("runtimeOptions").GetProperty("framework");
        string name = framework.GetProperty("name").GetString()!;
        var required = Version.Parse(framework.GetProperty("version").GetString()!);
        var installed = Directory.GetDirectories(Path.Combine(DotnetRoot(), "shared", name))
            .Select(d => (Folder: d, Version: Version.TryParse(Path.GetFileName(d), out Version? v) ? v : null))
            .Where(f => f.Version is not null && f.Version >= required)
            .ToList();
        Assert.True(installed.Count > 0, $"{name} {required} (for csc.dll) is not installed");
        int major = installed.Min(f => f.Version!.Major);
        return installed.Where(f => f.Version!.Major == major).MaxBy(f => f.Version)!.Folder;
    }

    /// <summary>The dotnet root this test runs from: shared/Microsoft.NETCore.App/&lt;version&gt; holds System.Private.CoreLib.</summary>
    private static string DotnetRoot() =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));

    private static string Metadata(string key) =>
        typeof(DependencyClosureTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException(key + " was not recorded at build time");

    /// <summary>The references of the analyzer files, followed through every analyzer file they resolve to.</summary>
    private sealed record Closure(List<string> Report, List<string> Missing);

    private static Closure Resolve(IReadOnlyList<string> analyzerFiles, string? compilerFolder, string frameworkFolder)
    {
        var available = new Dictionary<string, List<(Version Version, string Where)>>(StringComparer.OrdinalIgnoreCase);
        var analyzerPaths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string file in analyzerFiles)
        {
            (string name, Version version) = Identity(file)!.Value;
            Add(available, name, version, "analyzer folder");
            analyzerPaths[name] = file;
        }

        foreach ((string? folder, string where) in new[] { (compilerFolder, "compiler (" + compilerFolder + ")"), (frameworkFolder, "framework (" + frameworkFolder + ")") })
        {
            foreach (string file in folder is null ? [] : Directory.GetFiles(folder, "*.dll"))
            {
                if (Identity(file) is var (name, version))
                {
                    Add(available, name, version, where);
                }
            }
        }

        var report = new List<string>();
        var missing = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var queue = new Queue<string>(analyzerFiles);
        while (queue.Count > 0)
        {
            string file = queue.Dequeue();
            string referrer = Identity(file)!.Value.Name;
            foreach ((string name, Version version) in References(file))
            {
                if (!seen.Add(name + " " + version))
                {
                    continue;
                }

                string? where = Find(available, name, version);
                if (where is null)
                {
                    missing.Add($"{name} {version}, referenced by {referrer}");
                    continue;
                }

                report.Add($"{name} {version} (from {referrer}): {where}");
                if (where == "analyzer folder" && analyzerPaths.TryGetValue(name, out string? path))
                {
                    queue.Enqueue(path);
                }
            }
        }

        report.Sort(StringComparer.Ordinal);
        return new Closure(report, missing);
    }

    private static void Add(Dictionary<string, List<(Version Version, string Where)>> available, string name, Version version, string where)
    {
        if (!available.TryGetValue(name, out var list))
        {
            available[name] = list = [];
        }

        list.Add((version, where));
    }

    /// <summary>Where an assembly of this name and at least this version is, first of the analyzer folder, the compiler, the framework.</summary>
    private static string? Find(Dictionary<string, List<(Version Version, string Where)>> available, string name, Version version) =>
        available.TryGetValue(name, out var candidates) ? candidates.FirstOrDefault(c => c.Version >= version).Where : null;

    private static (string Name, Version Version)? Identity(string file)
    {
        using var stream = File.OpenRead(file);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            return null;
        }

        MetadataReader reader = pe.GetMetadataReader();
        if (!reader.IsAssembly)
        {
            return null;
        }

        AssemblyDefinition definition = reader.GetAssemblyDefinition();
        return (reader.GetString(definition.Name), definition.Version);
    }

    private static List<(string Name, Version Version)> References(string file)
    {
        using var stream = File.OpenRead(file);
        using var pe = new PEReader(stream);
        MetadataReader reader = pe.GetMetadataReader();
        return reader.AssemblyReferences
            .Select(h => reader.GetAssemblyReference(h))
            .Select(r => (reader.GetString(r.Name), r.Version))
            .ToList();
    }
}
