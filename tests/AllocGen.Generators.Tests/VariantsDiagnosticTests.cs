using Microsoft.CodeAnalysis;
using Xunit;
using static AllocGen.Generators.Tests.DiagnosticTests;

namespace AllocGen.Generators.Tests;

/// <summary>
/// The diagnostics of [PoolAllocatorVariants] and [VariantSizeClasses] (AG0040 to AG0047): id, severity, span and
/// message of each, that an error generates nothing and that a warning leaves the valid variants generated.
/// </summary>
public sealed class VariantsDiagnosticTests
{
    private const string VariantsFile = "Game.HeapVariants.PoolAllocatorVariants.g.cs";

    // ---- AG0040: empty list ------------------------------------------------------------------------------

    [Theory]
    [InlineData("ArenaSizes = new int[0]", "ArenaSizes")]
    [InlineData("PoolSizes = new int[] { }", "PoolSizes")]
    [InlineData("Alignments = []", "Alignments")]
    public void AG0040_AnEmptyListIsAnError(string argument, string list)
    {
        AssertDiagnostics(Variants(argument), new Expected("AG0040", argument, MessageContains: list + " must list at least one value"));
    }

    [Fact]
    public void AG0040_ANullListIsAnEmptyOne()
    {
        AssertDiagnostics(Variants("SmallRequestThresholds = null"),
            [new Expected("AG0040", "SmallRequestThresholds = null", MessageContains: "SmallRequestThresholds must list at least one value")], compilerErrors: ["CS8625"]);
    }

    [Fact]
    public void AG0040_AnEmptySizeClassSetIsAnError()
    {
        AssertDiagnostics(Variants("", "VariantSizeClasses"), new Expected("AG0040", "VariantSizeClasses", MessageContains: "[VariantSizeClasses] must list at least one value"));
    }

    // ---- AG0041: a value invalid on its own --------------------------------------------------------------

    [Theory]
    [InlineData("ArenaSizes = new[] { 1 << 20, 1000 }", "1000", "ArenaSizes value 1000 is invalid in any combination: an arena size must be a power of two (AG0004)")]
    [InlineData("ArenaSizes = new[] { 1 << 20, 4096 }", "4096", "ArenaSizes value 4096 is invalid in any combination: an arena size must be from 8192 to 1073741824 (AG0018)")]
    [InlineData("PoolSizes = [16384, 3000]", "3000", "PoolSizes value 3000 is invalid in any combination: a pool size must be a power of two (AG0005)")]
    [InlineData("PoolSizes = [2048]", "2048", "PoolSizes value 2048 is invalid in any combination: a pool size must be from 4096")]
    [InlineData("Alignments = new int[] { 16, 24 }", "24", "Alignments value 24 is invalid in any combination: an alignment must be a power of two from 8 to 4096 (AG0007)")]
    [InlineData("SmallRequestThresholds = new[] { 256, 100 }", "100", "SmallRequestThresholds value 100 is invalid in any combination: a threshold must be a positive multiple of 8")]
    public void AG0041_AValueInvalidInAnyCombinationIsAnErrorAtTheValue(string argument, string value, string message)
    {
        AssertDiagnostics(Variants(argument), new Expected("AG0041", value, Within: argument, MessageContains: message));
    }

    [Theory]
    [InlineData("VariantSizeClasses(32, 16, 64)", "16", "[VariantSizeClasses] value 16 is invalid in any combination: sizes must be strictly ascending")]
    [InlineData("VariantSizeClasses(16, 20, 64)", "20", "[VariantSizeClasses] value 20 is invalid in any combination: a size class must be a positive multiple of 8")]
    [InlineData("VariantSizeClasses(new[] { 16, 16 })", "16 }", "[VariantSizeClasses] value 16 is invalid in any combination: sizes must be strictly ascending")]
    public void AG0041_AnIllFormedSizeClassSetIsAnErrorAtTheSize(string set, string size, string message)
    {
        Expected expected = size == "16 }"
            ? new Expected("AG0041", "16", Within: "16 })", MessageContains: message)
            : new Expected("AG0041", size, Within: set, MessageContains: message);
        AssertDiagnostics(Variants("", set), expected);
    }

    // ---- AG0042: an invalid combination is skipped -------------------------------------------------------

    [Fact]
    public void AG0042_AnInvalidCombinationIsSkippedWithAWarningNamingItAndTheRule()
    {
        const string arguments = "ArenaSizes = new[] { 8192, 1 << 20 }, PoolSizes = new[] { 4096, 16384 }";
        GeneratorRun run = AssertDiagnostics(Variants(arguments),
            [new Expected("AG0042", $"PoolAllocatorVariants({arguments})", Severity: DiagnosticSeverity.Warning,
                MessageContains: "The variant Arena8K_Pool16K_Align16 (ArenaSize 8192, PoolSize 16384, Alignment 16, SmallRequestThreshold 512) is skipped: PoolSize 16384 must be at least 4096 and at most half of ArenaSize (8192)")],
            expectNoSource: false);

        string source = run.Source(VariantsFile);
        Assert.DoesNotContain("Arena8K_Pool16K_Align16", source, StringComparison.Ordinal);
        foreach (string name in new[] { "Arena8K_Pool4K_Align16", "Arena1M_Pool4K_Align16", "Arena1M_Pool16K_Align16" })
        {
            Assert.Contains($"visitor.Visit<{name}.Driver>({name}.Driver.Info);", source, StringComparison.Ordinal);
        }

        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
    }

    [Fact]
    public void AG0042_ASizeClassSetThatDoesNotFitAnAlignmentSkipsThatCombination()
    {
        // 24 is a multiple of 8, not of 16: the set serves the 8-byte variant only.
        GeneratorRun run = AssertDiagnostics(Variants("Alignments = new[] { 8, 16 }", "VariantSizeClasses(24, 48, 96)"),
            [new Expected("AG0042", "PoolAllocatorVariants(Alignments = new[] { 8, 16 })", Severity: DiagnosticSeverity.Warning,
                MessageContains: "The variant Arena1M_Pool16K_Align16_Set1 (ArenaSize 1048576, PoolSize 16384, Alignment 16, SmallRequestThreshold 96, size class set 1) is skipped: Size class 24 must be a positive multiple of Alignment (16) so that every block stays aligned (AG0012)")],
            expectNoSource: false);
        Assert.Contains("public const int SmallRequestThreshold = 96;", run.Source(VariantsFile), StringComparison.Ordinal);
    }

    [Fact]
    public void AG0042_WithThresholdsListedASetMustEndAtEachThreshold()
    {
        // Listed thresholds name the variants (_Small...) and are a dimension of their own: the set ending at 512 does not
        // fit the threshold 256 (its 512 is above it), so that combination is skipped.
        GeneratorRun run = AssertDiagnostics(Variants("SmallRequestThresholds = new[] { 256, 512 }", "VariantSizeClasses(16, 64, 512)"),
            [new Expected("AG0042", "PoolAllocatorVariants(SmallRequestThresholds = new[] { 256, 512 })", Severity: DiagnosticSeverity.Warning,
                MessageContains: "The variant Arena1M_Pool16K_Align16_Small256_Set1 (ArenaSize 1048576, PoolSize 16384, Alignment 16, SmallRequestThreshold 256, size class set 1) is skipped: Size class 512 is larger than SmallRequestThreshold (256)")],
            expectNoSource: false);
        string source = run.Source(VariantsFile);
        Assert.Contains("visitor.Visit<Arena1M_Pool16K_Align16_Small512_Set1.Driver>", source, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(source, @"visitor\.Visit<"));
    }

    [Fact]
    public void ThresholdsWithTheDefaultClassesGiveOneVariantEach()
    {
        GeneratorRun run = GeneratorHarness.Run(Variants("SmallRequestThresholds = new[] { 128, 1024 }"));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
        string source = run.Source(VariantsFile);
        Assert.Contains("public sealed partial class Arena1M_Pool16K_Align16_Small128", source, StringComparison.Ordinal);
        Assert.Contains("public sealed partial class Arena1M_Pool16K_Align16_Small1024", source, StringComparison.Ordinal);
        Assert.Contains("public const int SizeClassCount = 64;", source, StringComparison.Ordinal);
    }

    // ---- AG0043: no valid combination --------------------------------------------------------------------

    [Fact]
    public void AG0043_NoValidCombinationIsAnErrorThatGivesTheReasons()
    {
        const string arguments = "ArenaSizes = new[] { 8192 }, PoolSizes = new[] { 8192, 16384 }";
        AssertDiagnostics(Variants(arguments), new Expected("AG0043", $"PoolAllocatorVariants({arguments})",
            MessageContains: "None of the 2 combinations of [PoolAllocatorVariants] on 'Game.HeapVariants' is a valid pool allocator (Arena8K_Pool8K_Align16: PoolSize 8192 must be at least 4096 and at most half of ArenaSize (8192)"));
    }

    // ---- AG0044: more than 64 variants -------------------------------------------------------------------

    [Fact]
    public void AG0044_MoreThan64VariantsIsAnError()
    {
        // 5 arenas × 2 pools × 7 alignments, all valid: 70.
        const string arguments = "ArenaSizes = new[] { 64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20 }, PoolSizes = new[] { 4096, 8192 }, Alignments = new[] { 8, 16, 32, 64, 128, 256, 512 }";
        AssertDiagnostics(Variants(arguments), new Expected("AG0044", $"PoolAllocatorVariants({arguments})",
            MessageContains: "[PoolAllocatorVariants] on 'Game.HeapVariants' makes 70 valid variants; at most 64 are supported"));
    }

    [Fact]
    public void AG0044_Exactly64VariantsAreGenerated()
    {
        // 4 arenas × 2 pools × 8 alignments... less one alignment, times 2 sets: 4 × 2 × 4 × 2 = 64.
        GeneratorRun run = GeneratorHarness.Run(Variants(
            "ArenaSizes = new[] { 64 << 10, 128 << 10, 256 << 10, 1 << 20 }, PoolSizes = new[] { 4096, 8192 }, Alignments = new[] { 8, 16, 32, 64 }",
            "VariantSizeClasses(64, 128)", "VariantSizeClasses(64, 512)"));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
        Assert.Equal(64, System.Text.RegularExpressions.Regex.Matches(run.Source(VariantsFile), @"visitor\.Visit<").Count);
    }

    // ---- AG0045: a value listed twice --------------------------------------------------------------------

    [Fact]
    public void AG0045_ARepeatedValueIsAWarningAndIgnored()
    {
        GeneratorRun run = AssertDiagnostics(Variants("Alignments = new[] { 16, 0x10, 8 }"),
            [new Expected("AG0045", "0x10", Severity: DiagnosticSeverity.Warning, MessageContains: "Alignments lists 16 more than once; the repeat is ignored")],
            expectNoSource: false);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(run.Source(VariantsFile), @"visitor\.Visit<").Count);
    }

    [Fact]
    public void AG0045_ARepeatedSizeClassSetIsAWarningAndIgnored()
    {
        GeneratorRun run = AssertDiagnostics(Variants("", "VariantSizeClasses(16, 512)", "VariantSizeClasses(new[] { 16, 512 })"),
            [new Expected("AG0045", "VariantSizeClasses(new[] { 16, 512 })", Severity: DiagnosticSeverity.Warning, MessageContains: "[VariantSizeClasses] lists (16, 512) more than once")],
            expectNoSource: false);
        Assert.Contains("Arena1M_Pool16K_Align16_Set1.Driver.Info", run.Source(VariantsFile), StringComparison.Ordinal);
        Assert.DoesNotContain("_Set2", run.Source(VariantsFile), StringComparison.Ordinal);
    }

    // ---- AG0046: not a static class ----------------------------------------------------------------------

    [Theory]
    [InlineData("public partial class HeapVariants", "an instance class")]
    [InlineData("public partial record HeapVariants", "a record")]
    public void AG0046_TheClassMustBeStatic(string declaration, string kind)
    {
        string source = $"using AllocGen;\n\nnamespace Game;\n\n[PoolAllocatorVariants]\n{declaration}\n{{\n}}\n";
        AssertDiagnostics(source, new Expected("AG0046", "PoolAllocatorVariants", MessageContains: $"'Game.HeapVariants' must be a static class, not {kind}"));
    }

    // ---- AG0047: [VariantSizeClasses] alone --------------------------------------------------------------

    [Fact]
    public void AG0047_VariantSizeClassesWithoutPoolAllocatorVariantsIsAnError()
    {
        const string source = "using AllocGen;\n\nnamespace Game;\n\n[VariantSizeClasses(16, 512)]\n[VariantSizeClasses(32, 512)]\npublic static partial class Lonely\n{\n}\n";
        AssertDiagnostics(source, new Expected("AG0047", "VariantSizeClasses(16, 512)", MessageContains: "[VariantSizeClasses] on 'Game.Lonely' only applies to a [PoolAllocatorVariants] class"));
    }

    // ---- Reused diagnostics ------------------------------------------------------------------------------

    [Fact]
    public void AG0016_PoolAllocatorAndPoolAllocatorVariantsOnOneType()
    {
        const string source = "using AllocGen;\n\nnamespace Game;\n\n[PoolAllocator]\n[PoolAllocatorVariants]\npublic sealed partial class Both\n{\n}\n";
        AssertDiagnostics(source, new Expected("AG0016", "PoolAllocator", Within: "[PoolAllocator]", MessageContains: "'Game.Both' has both [PoolAllocator] and [PoolAllocatorVariants]"));
    }

    [Fact]
    public void AG0016_AllocatorDomainsAndPoolAllocatorVariantsOnOneType()
    {
        const string source = """
            using AllocGen;

            namespace Game;

            [AllocatorDomains]
            [Domain(AllocDomain.Raw, typeof(SystemAllocator))]
            [Domain(AllocDomain.Mem, typeof(SystemAllocator))]
            [Domain(AllocDomain.Object, typeof(SystemAllocator))]
            [PoolAllocatorVariants]
            public static partial class Both
            {
            }
            """;
        AssertDiagnostics(source, new Expected("AG0016", "AllocatorDomains", Within: "[AllocatorDomains]", MessageContains: "has both [AllocatorDomains] and [PoolAllocatorVariants]"));
    }

    [Fact]
    public void AG0027_AnUndefinedThreadingIsAnError()
    {
        AssertDiagnostics(Variants("Threading = (ThreadPolicy)5"), new Expected("AG0027", "Threading = (ThreadPolicy)5"));
    }

    [Fact]
    public void AG0023_AUserMemberNamedLikeTheRegistryClashes()
    {
        // VisitAll() without a parameter is an overload, not a clash.
        const string source = "using AllocGen;\n\nnamespace Game;\n\n[PoolAllocatorVariants]\npublic static partial class HeapVariants\n{\n    public static int Variants => 0;\n    public static int VisitAll() => 0;\n    public static class Arena1M_Pool16K_Align16 { }\n}\n";
        AssertDiagnostics(source,
            new Expected("AG0023", "Variants", Within: "int Variants", MessageContains: "'Game.HeapVariants.Variants' clashes with 'Variants'"),
            new Expected("AG0023", "Arena1M_Pool16K_Align16", MessageContains: "clashes with 'Arena1M_Pool16K_Align16'"));
    }

    [Fact]
    public void AValidDeclarationInANestedStaticClassCompiles()
    {
        const string source = "using AllocGen;\n\nnamespace Game;\n\npublic static partial class Outer\n{\n    [PoolAllocatorVariants(PoolSizes = new[] { 4096, 8192 })]\n    internal static partial class Inner { }\n}\n";
        AssertValid(source);
    }

    [Fact]
    public void TheAttributesDefaultsAreThoseOfPoolAllocatorAndItsLimitIsTheGenerators()
    {
        // The generator reads a list left out as the [PoolAllocator] default alone; the attribute says the same.
        var variants = new PoolAllocatorVariantsAttribute();
        var pool = new PoolAllocatorAttribute();
        Assert.Equal([pool.ArenaSize], variants.ArenaSizes);
        Assert.Equal([pool.PoolSize], variants.PoolSizes);
        Assert.Equal([pool.Alignment], variants.Alignments);
        Assert.Empty(variants.SmallRequestThresholds);
        Assert.Equal(pool.Threading, variants.Threading);
        object? limit = typeof(AllocatorGenerator).Assembly.GetType("AllocGen.Generators.Validation.VariantsValidator", throwOnError: true)!
            .GetField("MaxVariants")!.GetRawConstantValue();
        Assert.Equal(PoolAllocatorVariantsAttribute.MaxVariants, limit);
    }

    /// <summary>A [PoolAllocatorVariants] class Game.HeapVariants with the given arguments and extra attributes.</summary>
    private static string Variants(string arguments, params string[] attributes) =>
        "using AllocGen;\n\nnamespace Game;\n\n"
        + (arguments.Length == 0 ? "[PoolAllocatorVariants]\n" : $"[PoolAllocatorVariants({arguments})]\n")
        + string.Concat(attributes.Select(a => $"[{a}]\n"))
        + "public static partial class HeapVariants\n{\n}\n";
}
