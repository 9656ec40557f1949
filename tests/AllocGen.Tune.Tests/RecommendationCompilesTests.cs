using System.Collections.Immutable;
using AllocGen.Generators;
using AllocGen.Tune.Fitting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AllocGen.Tune.Tests;

/// <summary>The attribute lines the report prints compile with the generator, and AttributeRules agrees with it on broken ones.</summary>
public sealed class RecommendationCompilesTests
{
    public static TheoryData<int, int, int, int, int[]> Configurations() => new()
    {
        { 1 << 20, 16 << 10, 16, 512, [16, 48, 128, 512] },
        { 256 << 10, 4 << 10, 8, 512, [24, 40, 56, 72, 104, 128, 200, 304, 480, 512] },
        { 1 << 20, 64 << 10, 16, 1024, [1024] },
        { 8 << 10, 4 << 10, 8, 4096, [8, 4096] },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void TheRecommendedLinesCompileWithoutADiagnostic(int arenaSize, int poolSize, int alignment, int threshold, int[] classes)
    {
        Assert.Null(AttributeRules.FindError(arenaSize, poolSize, alignment, threshold, classes));

        ImmutableArray<Diagnostic> diagnostics = Compile(
            AttributeRules.PoolAllocatorLine(arenaSize, poolSize, alignment, threshold),
            AttributeRules.SizeClassesLine(classes));

        Assert.True(diagnostics.IsEmpty, string.Join('\n', diagnostics));
    }

    public static TheoryData<int, int, int, int, int[]> BrokenConfigurations() => new()
    {
        { 1 << 20, 16 << 10, 16, 512, [16, 48, 128] },
        { 1 << 20, 16 << 10, 16, 512, [16, 40, 512] },
        { 1 << 20, 16 << 10, 16, 512, [48, 16, 512] },
        { 3 << 20, 16 << 10, 16, 512, [512] },
        { 1 << 20, 16 << 10, 12, 516, [516] },
        { 16 << 10, 16 << 10, 16, 512, [512] },
    };

    [Theory]
    [MemberData(nameof(BrokenConfigurations))]
    public void ALineTheGeneratorRejectsIsOneTheRulesReject(int arenaSize, int poolSize, int alignment, int threshold, int[] classes)
    {
        ImmutableArray<Diagnostic> diagnostics = Compile(
            AttributeRules.PoolAllocatorLine(arenaSize, poolSize, alignment, threshold),
            AttributeRules.SizeClassesLine(classes));

        Assert.Contains(diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("AG", StringComparison.Ordinal));
        Assert.NotNull(AttributeRules.FindError(arenaSize, poolSize, alignment, threshold, classes));
    }

    /// <summary>Errors and warnings of the generator and of the compilation of a class declared with the two lines.</summary>
    private static ImmutableArray<Diagnostic> Compile(string poolAllocatorLine, string sizeClassesLine)
    {
        string source = $$"""
            using AllocGen;

            {{poolAllocatorLine}}
            {{sizeClassesLine}}
            public sealed partial class RecommendedHeap { }
            """;
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "Recommendation",
            [CSharpSyntaxTree.ParseText(source, parseOptions)],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary).WithAllowUnsafe(true).WithNullableContextOptions(NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new AllocatorGenerator().AsSourceGenerator()], parseOptions: parseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        return generatorDiagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
    }

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(PoolAllocatorAttribute).Assembly.Location)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .GroupBy(Path.GetFileNameWithoutExtension, StringComparer.OrdinalIgnoreCase)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()))
            .ToImmutableArray());
}
