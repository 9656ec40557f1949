using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// AG0026 fires exactly below the oldest C# that compiles the generated code. The oldest version is found here by
/// compiling the generated files at each version, not taken from the generator, so the two cannot drift apart.
/// </summary>
public sealed class LanguageVersionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly LanguageVersion[] s_versions =
    [
        LanguageVersion.CSharp9, LanguageVersion.CSharp10, LanguageVersion.CSharp11, LanguageVersion.CSharp12, LanguageVersion.Latest,
    ];

    // Declarations of each kind in the places generated code differs: the global namespace, a namespace, nested
    // types, irregular size classes. Block-scoped namespaces keep the input itself valid at every version tested.
    private const string PoolDeclarations = """
        using AllocGen;

        [PoolAllocator] public sealed partial class GlobalHeap { }

        namespace Game.Memory
        {
            [PoolAllocator(ArenaSize = 65536, PoolSize = 4096)] public sealed partial class Heap { }

            public partial class Outer
            {
                [PoolAllocator, SizeClasses(16, 48, 512)] internal sealed partial class Irregular { }
            }
        }
        """;

    private const string BumpDeclarations = """
        using AllocGen;

        [BumpArena] public sealed partial class GlobalArena { }

        namespace Game.Memory
        {
            [BumpArena(BlockSize = 4096, Alignment = 8)] public sealed partial class Scratch { }

            public partial class Outer
            {
                [BumpArena] internal sealed partial class Nested { }
            }
        }
        """;

    public static TheoryData<string> Kinds() => new(nameof(PoolDeclarations), nameof(BumpDeclarations));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AG0026IsReportedExactlyWhereTheGeneratedCodeDoesNotCompile(string kind)
    {
        string source = kind == nameof(PoolDeclarations) ? PoolDeclarations : BumpDeclarations;
        ImmutableArray<SyntaxTree> generated = GeneratorHarness.Run(source).Result.GeneratedTrees;
        Assert.Equal(3, generated.Length);

        var lines = new List<string>();
        foreach (LanguageVersion version in s_versions)
        {
            CSharpParseOptions options = new(version);
            ImmutableArray<Diagnostic> errors = GeneratorHarness.ErrorsAndWarnings(CSharpCompilation.Create(
                "Versions",
                [CSharpSyntaxTree.ParseText(source, options, "Source0.cs"), .. generated.Select(t => CSharpSyntaxTree.ParseText(t.GetText(), options, t.FilePath))],
                GeneratorHarness.References,
                GeneratorHarness.CompilationOptions()));
            Assert.DoesNotContain(errors, e => e.Location.SourceTree?.FilePath == "Source0.cs");
            bool compiles = errors.IsEmpty;

            GeneratorRun run = RunAt(version, source);
            bool reported = run.GeneratorDiagnostics.Any(d => d.Id == "AG0026");
            lines.Add($"C# {version.ToDisplayString()}: generated code {(compiles ? "compiles" : "fails (" + errors[0].Id + ")")}, AG0026 {(reported ? "reported" : "not reported")}");
            Assert.True(compiles != reported, string.Join("\n", lines));
            output.WriteLine(lines[^1]);

            if (reported)
            {
                Assert.All(run.GeneratorDiagnostics, d => Assert.Equal("AG0026", d.Id));
                Assert.Equal(3, run.GeneratorDiagnostics.Length);
                Assert.Empty(run.Result.GeneratedTrees);
            }
            else
            {
                // The same code as compiled above (already shown to compile at this version).
                Assert.Empty(run.GeneratorDiagnostics);
                Assert.Equal(generated.Select(t => t.ToString()), run.Result.GeneratedTrees.Select(t => t.ToString()));
            }
        }

        // Some version below the oldest one tested must fail, or the test would not show where the limit is.
        Assert.Contains("fails", lines[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[PoolAllocator(ArenaSize = 65536)]", LanguageVersion.CSharp10, "needs C# 11 or later, but the project compiles C# 10")]
    [InlineData("[BumpArena]", LanguageVersion.CSharp9, "needs C# 10 or later, but the project compiles C# 9")]
    public void AG0026IsAtTheAttributeAndNamesBothVersions(string attribute, LanguageVersion version, string message)
    {
        string source = $"using AllocGen;\n\nnamespace Game\n{{\n    {attribute}\n    public sealed partial class Heap {{ }}\n}}\n";
        GeneratorRun run = RunAt(version, source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("AG0026", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(source.IndexOf(attribute.Trim('[', ']'), StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
        Assert.Equal(attribute.Length - 2, diagnostic.Location.SourceSpan.Length);
        Assert.Contains(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(run.Result.GeneratedTrees);
        Assert.Empty(GeneratorHarness.ErrorsAndWarnings(run.OutputCompilation));
    }

    private static GeneratorRun RunAt(LanguageVersion version, string source)
    {
        CSharpParseOptions options = new(version);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Versions", [CSharpSyntaxTree.ParseText(source, options, "Source0.cs")], GeneratorHarness.References, GeneratorHarness.CompilationOptions());
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new AllocatorGenerator().AsSourceGenerator()], parseOptions: options);
        return GeneratorHarness.Run(driver, compilation);
    }
}
