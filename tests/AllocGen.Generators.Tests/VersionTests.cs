using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>[GeneratedCode] names the version of the package that generated the code, and so do both assemblies.</summary>
public sealed class VersionTests
{
    [Fact]
    public void GeneratedCodeTheGeneratorAndTheRuntimeCarryThePackageVersion()
    {
        // The runtime assembly's version is the package's: both come from the runtime project's Version.
        string packageVersion = InformationalVersion(typeof(PoolAllocatorAttribute).Assembly);
        GeneratorRun run = GeneratorHarness.Run(
            "using AllocGen;\n[PoolAllocator] public sealed partial class Heap { }\n[BumpArena] public sealed partial class Arena { }\n");

        Assert.Equal(2, run.Result.GeneratedTrees.Length);
        foreach (var tree in run.Result.GeneratedTrees)
        {
            Match attribute = Regex.Match(tree.ToString(), """GeneratedCode\("AllocGen.Generators", "([^"]*)"\)""");
            Assert.True(attribute.Success, tree.FilePath);
            Assert.Equal(packageVersion, attribute.Groups[1].Value);
        }

        Assert.Equal(packageVersion, InformationalVersion(typeof(AllocatorGenerator).Assembly));
        Version assemblyVersion = typeof(AllocatorGenerator).Assembly.GetName().Version!;
        Assert.Equal(Version.Parse(packageVersion), new Version(assemblyVersion.Major, assemblyVersion.Minor, assemblyVersion.Build));
        Assert.Equal(DeclaredVersion(), packageVersion);
    }

    /// <summary>The one &lt;Version&gt; of the repository, in Directory.Build.targets.</summary>
    private static string DeclaredVersion()
    {
        string targets = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(DocsExampleTests.DiagnosticsDocument))!, "Directory.Build.targets");
        MatchCollection versions = Regex.Matches(File.ReadAllText(targets), @"<Version>([^<]+)</Version>");
        return Assert.Single(versions).Groups[1].Value;
    }

    private static string InformationalVersion(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
}
