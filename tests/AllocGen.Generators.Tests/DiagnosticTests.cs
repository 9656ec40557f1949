using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// One test (or theory) per diagnostic AllocGen can report. Each checks the id, that it is an error (AG0028: a warning
/// that can be suppressed), that it points at the offending attribute argument (or the attribute, for problems of the
/// type itself), that nothing is generated for the invalid type (AG0028: that it is generated), and that the
/// generator did not throw.
/// </summary>
/// <remarks>
/// AG0099 (internal error) is not tested: it is reported only when the parser itself throws, and no legitimate
/// declaration makes it throw (an exception in the emitter is not turned into AG0099; see EdgeCaseTests).
/// AG0023 to AG0025 (clashes with generated members) are in ClashDiagnosticTests, AG0026 in LanguageVersionTests.
/// </remarks>
public sealed class DiagnosticTests
{
    /// <summary>An expected diagnostic: its id and the text of the span it must cover.</summary>
    /// <param name="Id">The diagnostic id.</param>
    /// <param name="SpanText">The exact text the location covers; must occur once in the source (or in <paramref name="Within"/>).</param>
    /// <param name="Within">When the span text is not unique: a unique larger text that contains it.</param>
    /// <param name="MessageContains">Text the formatted message must contain.</param>
    /// <param name="Severity">Error for every id but the warnings (AG0028).</param>
    public sealed record Expected(string Id, string SpanText, string? Within = null, string? MessageContains = null, DiagnosticSeverity Severity = DiagnosticSeverity.Error);

    // ---- AG0001: not partial -------------------------------------------------------------------------------

    [Fact]
    public void AG0001_TypeNotPartial()
    {
        const string source = """
            using AllocGen;

            namespace Game;

            [PoolAllocator]
            public sealed class GameHeap
            {
            }
            """;
        AssertDiagnostics(source, new Expected("AG0001", "PoolAllocator", MessageContains: "'Game.GameHeap' must be declared partial"));
    }

    [Fact]
    public void AG0001_ContainingTypeNotPartial()
    {
        const string source = """
            using AllocGen;

            namespace Game;

            public class Outer
            {
                [PoolAllocator(ArenaSize = 65536)]
                public sealed partial class GameHeap
                {
                }
            }
            """;
        AssertDiagnostics(source, new Expected("AG0001", "PoolAllocator(ArenaSize = 65536)",
            MessageContains: "'Game.Outer' must be declared partial so that AllocGen can add the allocator's members to 'Game.Outer.GameHeap'"));
    }

    [Fact]
    public void AG0001_OuterOfTwoContainingTypesNotPartial()
    {
        const string source = """
            using AllocGen;

            public class Outer
            {
                public partial class Middle
                {
                    [BumpArena]
                    public sealed partial class Scratch
                    {
                    }
                }
            }
            """;
        AssertDiagnostics(source, new Expected("AG0001", "BumpArena", MessageContains: "'Outer' must be declared partial"));
    }

    [Fact]
    public void AG0001_EachNonPartialTypeIsNamed()
    {
        const string source = """
            using AllocGen;

            public class Outer
            {
                public partial class Middle
                {
                    [BumpArena]
                    public sealed class Scratch
                    {
                    }
                }
            }
            """;
        GeneratorRun run = AssertDiagnostics(source, new Expected("AG0001", "BumpArena"), new Expected("AG0001", "BumpArena"));
        Assert.Equal(
            ["'Outer' must be declared partial", "'Outer.Middle.Scratch' must be declared partial"],
            run.GeneratorDiagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Split(" so that")[0]).Order(StringComparer.Ordinal));
    }

    // ---- AG0002: not a class -------------------------------------------------------------------------------

    [Theory]
    [InlineData("public partial struct Heap { }", "CS0592", "a struct")]
    [InlineData("public partial record Heap { }", null, "a record")]
    [InlineData("public partial record struct Heap { }", "CS0592", "a record struct")]
    [InlineData("public partial interface Heap { }", "CS0592", "an interface")]
    public void AG0002_NotAClass(string declaration, string? compilerError, string kind)
    {
        string source = "using AllocGen;\n\n[PoolAllocator(PoolSize = 4096)]\n" + declaration + "\n";
        AssertDiagnostics(source, [new Expected("AG0002", "PoolAllocator(PoolSize = 4096)", MessageContains: "'Heap' must be a class, not " + kind + ":")],
            compilerErrors: compilerError is null ? [] : [compilerError]);
    }

    // ---- AG0022: static ------------------------------------------------------------------------------------

    [Fact]
    public void AG0022_PoolAllocatorOnStaticClass()
    {
        string source = "using AllocGen;\n\n[PoolAllocator(PoolSize = 4096)]\npublic static partial class Heap { }\n";
        AssertDiagnostics(source, new Expected("AG0022", "PoolAllocator(PoolSize = 4096)", MessageContains: "'Heap' must not be static"));
    }

    [Fact]
    public void AG0022_BumpArenaOnStaticClass()
    {
        const string source = """
            using AllocGen;

            [BumpArena(BlockSize = 4096)]
            internal static partial class Scratch
            {
            }
            """;
        AssertDiagnostics(source, new Expected("AG0022", "BumpArena(BlockSize = 4096)", MessageContains: "'Scratch' must not be static"));
    }

    // ---- AG0003: generic -----------------------------------------------------------------------------------

    [Fact]
    public void AG0003_GenericType()
    {
        const string source = """
            using AllocGen;

            [PoolAllocator]
            public sealed partial class Heap<T>
            {
            }
            """;
        AssertDiagnostics(source, new Expected("AG0003", "PoolAllocator", MessageContains: "'Heap<T>'"));
    }

    [Fact]
    public void AG0003_TypeNestedInGenericType()
    {
        const string source = """
            using AllocGen;

            namespace Game;

            public partial class Outer<TKey, TValue>
            {
                public partial class Middle
                {
                    [BumpArena(Alignment = 16)]
                    public sealed partial class Scratch
                    {
                    }
                }
            }
            """;
        AssertDiagnostics(source, new Expected("AG0003", "BumpArena(Alignment = 16)", MessageContains: "'Game.Outer<TKey, TValue>.Middle.Scratch'"));
    }

    // ---- AG0004 / AG0018: ArenaSize ------------------------------------------------------------------------

    [Theory]
    [InlineData("1000")]
    [InlineData("3 << 20")]
    [InlineData("0")]
    [InlineData("-1048576")]
    [InlineData("int.MinValue")]
    public void AG0004_ArenaSizeNotPowerOfTwo(string value)
    {
        string source = Pool($"ArenaSize = {value}");
        AssertDiagnostics(source, new Expected("AG0004", $"ArenaSize = {value}", MessageContains: "is not a power of two"));
    }

    [Theory]
    [InlineData("4096")]
    [InlineData("2048")]
    [InlineData("1")]
    public void AG0018_ArenaSizeOutOfRange(string value)
    {
        // The pool size is not judged against an arena size that is itself wrong: one diagnostic only.
        string source = Pool($"ArenaSize = {value}");
        AssertDiagnostics(source, new Expected("AG0018", $"ArenaSize = {value}", MessageContains: "must be from 8192 to 1073741824"));
    }

    // ---- AG0005 / AG0006: PoolSize -------------------------------------------------------------------------

    [Theory]
    [InlineData("5000")]
    [InlineData("12288")]
    [InlineData("0")]
    public void AG0005_PoolSizeNotPowerOfTwo(string value)
    {
        string source = Pool($"PoolSize = {value}");
        AssertDiagnostics(source, new Expected("AG0005", $"PoolSize = {value}", MessageContains: "is not a power of two"));
    }

    [Fact]
    public void AG0006_PoolSizeBelow4096()
    {
        string source = Pool("PoolSize = 2048");
        AssertDiagnostics(source, new Expected("AG0006", "PoolSize = 2048", MessageContains: "PoolSize 2048 must be at least 4096"));
    }

    [Fact]
    public void AG0006_PoolSizeAboveArenaSize()
    {
        string source = Pool("ArenaSize = 65536, PoolSize = 131072");
        AssertDiagnostics(source, new Expected("AG0006", "PoolSize = 131072", MessageContains: "at most half of ArenaSize (65536)"));
    }

    [Fact]
    public void AG0006_PoolSizeEqualToArenaSize_LeavesNoPoolBesideTheHeaders()
    {
        string source = Pool("ArenaSize = 65536, PoolSize = 65536");
        AssertDiagnostics(source, new Expected("AG0006", "PoolSize = 65536", MessageContains: "the first pool of each arena holds the pool headers"));
    }

    [Fact]
    public void AG0006_DefaultPoolSizeAboveArenaSize_PointsAtTheAttribute()
    {
        // PoolSize is not written, so there is no argument to point at.
        string source = Pool("ArenaSize = 8192");
        AssertDiagnostics(source, new Expected("AG0006", "PoolAllocator(ArenaSize = 8192)", MessageContains: "PoolSize 16384"));
    }

    // ---- AG0007: Alignment ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("24")]
    [InlineData("4")]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("8192")]
    [InlineData("-16")]
    public void AG0007_AlignmentInvalid(string value)
    {
        string source = Pool($"Alignment = {value}");
        AssertDiagnostics(source, new Expected("AG0007", $"Alignment = {value}", MessageContains: "must be a power of two from 8 to 4096"));
    }

    // ---- AG0008: SmallRequestThreshold ---------------------------------------------------------------------

    [Theory]
    [InlineData("SmallRequestThreshold = 100", "SmallRequestThreshold = 100")] // not a multiple of 16
    [InlineData("Alignment = 64, SmallRequestThreshold = 96", "SmallRequestThreshold = 96")] // multiple of 32, not 64
    [InlineData("SmallRequestThreshold = 0", "SmallRequestThreshold = 0")]
    [InlineData("SmallRequestThreshold = -16", "SmallRequestThreshold = -16")]
    [InlineData("PoolSize = 4096, SmallRequestThreshold = 4112", "SmallRequestThreshold = 4112")] // one step more than the pool
    [InlineData("PoolSize = 4096, Alignment = 4096, SmallRequestThreshold = 8192", "SmallRequestThreshold = 8192")] // two pools' worth
    public void AG0008_ThresholdInvalid(string arguments, string spanText)
    {
        string source = Pool(arguments);
        AssertDiagnostics(source, new Expected("AG0008", spanText, MessageContains: "must be a positive multiple of Alignment"));
    }

    [Fact]
    public void AG0008_DefaultThresholdNotAMultipleOfTheAlignment_PointsAtTheAttribute()
    {
        // Alignment 4096: the default threshold of 512 is not a multiple of it.
        string source = Pool("PoolSize = 4096, Alignment = 4096");
        AssertDiagnostics(source, new Expected("AG0008", "PoolAllocator(PoolSize = 4096, Alignment = 4096)", MessageContains: "at most 4096"));
    }

    [Fact]
    public void AG0008_IsNotReportedWhileAlignmentIsWrong()
    {
        // The threshold is judged against the alignment only once the alignment is right.
        string source = Pool("Alignment = 24, SmallRequestThreshold = 100");
        AssertDiagnostics(source, new Expected("AG0007", "Alignment = 24"));
    }

    // ---- AG0009 .. AG0014: [SizeClasses] -------------------------------------------------------------------

    [Theory]
    [InlineData("SizeClasses")]
    [InlineData("SizeClasses()")]
    [InlineData("SizeClasses(new int[0])")]
    [InlineData("SizeClasses(new int[] { })")]
    public void AG0009_SizeClassesEmpty(string attribute)
    {
        string source = Pool(null, attribute);
        AssertDiagnostics(source, new Expected("AG0009", attribute, MessageContains: "must list at least one size"));
    }

    [Fact]
    public void AG0010_SizeClassesUnsorted()
    {
        string source = Pool(null, "SizeClasses(16, 64, 32, 512)");
        AssertDiagnostics(source, new Expected("AG0010", "32", MessageContains: "Size class 32 follows 64"));
    }

    [Fact]
    public void AG0010_SizeClassesUnsorted_ArrayForm()
    {
        string source = Pool(null, "SizeClasses(new[] { 16, 48, 32, 512 })");
        AssertDiagnostics(source, new Expected("AG0010", "32", MessageContains: "Size class 32 follows 48"));
    }

    [Fact]
    public void AG0011_SizeClassDuplicated()
    {
        string source = Pool(null, "SizeClasses(16, 32, 32, 512)");
        AssertDiagnostics(source, new Expected("AG0011", "32", Within: "32, 512", MessageContains: "Size class 32 is listed more than once"));
    }

    [Fact]
    public void AG0011_EachDuplicateIsReportedAtItsOwnElement()
    {
        string source = Pool(null, "SizeClasses(16, 16, 32, 32, 512)");
        AssertDiagnostics(source,
            new Expected("AG0011", "16", Within: "16, 32"),
            new Expected("AG0011", "32", Within: "32, 512"));
    }

    [Fact]
    public void AG0012_SizeClassNotAligned()
    {
        string source = Pool(null, "SizeClasses(16, 40, 64)");
        AssertDiagnostics(source, new Expected("AG0012", "40", MessageContains: "Size class 40 must be a positive multiple of Alignment (16)"));
    }

    [Theory]
    [InlineData("SizeClasses(new[] { 16, 40, 64 })")]
    [InlineData("SizeClasses(new int[] { 16, 40, 64 })")]
    [InlineData("SizeClasses(40)")]
    public void AG0012_SizeClassNotAligned_OtherForms(string attribute)
    {
        string source = Pool(null, attribute);
        AssertDiagnostics(source, new Expected("AG0012", "40"));
    }

    [Theory]
    [InlineData("SizeClasses(0, 16, 512)", "0")]
    [InlineData("SizeClasses(-16, 16, 512)", "-16")]
    public void AG0012_SizeClassNotPositive(string attribute, string element)
    {
        string source = Pool(null, attribute);
        AssertDiagnostics(source, new Expected("AG0012", element, Within: attribute));
    }

    [Fact]
    public void AG0012_AgainstADeclaredAlignment()
    {
        string source = Pool("Alignment = 32, SmallRequestThreshold = 256", "SizeClasses(32, 48, 256)");
        AssertDiagnostics(source, new Expected("AG0012", "48", MessageContains: "Alignment (32)"));
    }

    [Fact]
    public void AG0013_SizeClassAboveThreshold()
    {
        string source = Pool(null, "SizeClasses(16, 512, 1024)");
        AssertDiagnostics(source, new Expected("AG0013", "1024", MessageContains: "Size class 1024 is larger than SmallRequestThreshold (512)"));
    }

    [Fact]
    public void AG0014_LargestSizeClassBelowThreshold()
    {
        string source = Pool(null, "SizeClasses(16, 32, 256)");
        AssertDiagnostics(source, new Expected("AG0014", "SizeClasses(16, 32, 256)", MessageContains: "The largest size class (256) must equal SmallRequestThreshold (512)"));
    }

    // ---- AG0015, AG0016: attribute combinations ------------------------------------------------------------

    [Fact]
    public void AG0015_SizeClassesWithoutPoolAllocator()
    {
        const string source = """
            using AllocGen;

            [SizeClasses(16, 512)]
            public sealed partial class NotAHeap
            {
            }
            """;
        AssertDiagnostics(source, new Expected("AG0015", "SizeClasses(16, 512)", MessageContains: "[SizeClasses] on 'NotAHeap' only applies to a [PoolAllocator] type"));
    }

    [Fact]
    public void AG0015_SizeClassesOnABumpArena()
    {
        const string source = """
            using AllocGen;

            [BumpArena]
            [SizeClasses(16, 512)]
            public sealed partial class Scratch
            {
            }
            """;

        // The arena itself is fine and generated; only the stray [SizeClasses] is reported.
        GeneratorRun run = AssertDiagnostics(source, [new Expected("AG0015", "SizeClasses(16, 512)")], expectNoSource: false);
        Assert.Equal(["Scratch.BumpArena.g.cs"], run.HintNames);
    }

    [Theory]
    [InlineData("[PoolAllocator, BumpArena]\npublic sealed partial class Both { }", "PoolAllocator")]
    [InlineData("[BumpArena]\n[PoolAllocator(ArenaSize = 65536)]\npublic sealed partial class Both { }", "PoolAllocator(ArenaSize = 65536)")]
    [InlineData("[PoolAllocator]\npublic sealed partial class Both { }\n[BumpArena]\npublic sealed partial class Both { }", "PoolAllocator")]
    public void AG0016_PoolAllocatorAndBumpArena(string declarations, string spanText)
    {
        string source = "using AllocGen;\n\n" + declarations + "\n";
        AssertDiagnostics(source, new Expected("AG0016", spanText, MessageContains: "'Both' has both [PoolAllocator] and [BumpArena]"));
    }

    // ---- AG0017: too many classes --------------------------------------------------------------------------

    [Fact]
    public void AG0017_TooManyDefaultSizeClasses()
    {
        // 4096 / 8 = 512 default classes.
        string source = Pool("Alignment = 8, SmallRequestThreshold = 4096");
        AssertDiagnostics(source, new Expected("AG0017", "SmallRequestThreshold = 4096", MessageContains: "512 size classes are declared"));
    }

    [Fact]
    public void AG0017_TooManyExplicitSizeClasses()
    {
        string list = "SizeClasses(" + string.Join(", ", Enumerable.Range(1, 256).Select(i => i * 8)) + ")";
        string source = Pool("Alignment = 8, SmallRequestThreshold = 2048", list);
        AssertDiagnostics(source, new Expected("AG0017", list, MessageContains: "256 size classes are declared"));
    }

    [Fact]
    public void AG0017_ExactlyTheMaximumIsValid()
    {
        // 255 explicit classes and 255 default classes are both fine.
        string list = "SizeClasses(" + string.Join(", ", Enumerable.Range(1, 255).Select(i => i * 8)) + ")";
        AssertValid(Pool("Alignment = 8, SmallRequestThreshold = 2040", list));
        AssertValid(Pool("Alignment = 8, SmallRequestThreshold = 2040"));
    }

    // ---- AG0037: safe members only (AG0019 is for domains classes only, see DomainsDiagnosticTests) -------------

    [Fact]
    public void AG0037_SafeSurfaceOnly_PoolAllocator()
    {
        string source = Pool("PoolSize = 8192");
        GeneratorRun run = AssertDiagnostics(
            source,
            [new Expected("AG0037", "PoolAllocator(PoolSize = 8192)", MessageContains: "'Game.Heap' gets its safe members only (RentSpan, Rent, AsMemoryPool, GetStats, Trim and Allocator, an IAllocator) and no pointer members; set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project for Allocate, Free and the other pointer members", Severity: DiagnosticSeverity.Info)],
            allowUnsafe: false,
            expectNoSource: false);
        Assert.Single(run.Result.GeneratedTrees);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
    }

    [Fact]
    public void AG0037_SafeSurfaceOnly_BumpArena()
    {
        const string source = """
            using AllocGen;

            namespace Game;

            [BumpArena]
            public sealed partial class Scratch
            {
            }
            """;
        GeneratorRun run = AssertDiagnostics(
            source,
            [new Expected("AG0037", "BumpArena", MessageContains: "'Game.Scratch' gets its safe members only (RentSpan, Own, Reset and the byte counts) and no pointer members; set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project for Allocate, Allocate<T> and AllocateSpan", Severity: DiagnosticSeverity.Info)],
            allowUnsafe: false,
            expectNoSource: false);
        Assert.Single(run.Result.GeneratedTrees);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
    }

    [Fact]
    public void AG0037_IsNotReportedWhenUnsafeIsAllowed()
    {
        AssertValid(Pool("PoolSize = 8192"));
    }

    [Fact]
    public void AG0037_AnErrorStillStopsASafeOnlyDeclaration()
    {
        // The note travels with the error, and nothing is generated.
        string source = Pool("PoolSize = 1000");
        AssertDiagnostics(
            source,
            [new Expected("AG0037", "PoolAllocator(PoolSize = 1000)", Severity: DiagnosticSeverity.Info), new Expected("AG0005", "PoolSize = 1000")],
            allowUnsafe: false);
    }

    // ---- AG0027 / AG0028: Threading -----------------------------------------------------------------------

    [Theory]
    [InlineData("(ThreadPolicy)3", "3")]
    [InlineData("(ThreadPolicy)(-1)", "-1")]
    [InlineData("(ThreadPolicy)int.MaxValue", "2147483647")]
    public void AG0027_ThreadingNotAPolicy(string value, string number)
    {
        string source = Pool($"Threading = {value}");
        AssertDiagnostics(source, new Expected("AG0027", $"Threading = {value}", MessageContains: $"Threading {number} is not a ThreadPolicy"));
    }

    [Theory]
    [InlineData("64 << 20", "67108864 (64 MiB)")]
    [InlineData("1 << 30", "1073741824 (1024 MiB)")]
    public void AG0028_PerThreadWithLargeArenasIsAWarningAndTheAllocatorIsGenerated(string arenaSize, string shown)
    {
        string source = Pool($"Threading = ThreadPolicy.PerThread, ArenaSize = {arenaSize}, PoolSize = 1 << 20");
        GeneratorRun run = AssertDiagnostics(source,
            [new Expected("AG0028", $"ArenaSize = {arenaSize}", Severity: DiagnosticSeverity.Warning, MessageContains: $"ArenaSize {shown} with ThreadPolicy.PerThread")],
            expectNoSource: false);
        Assert.Equal(["Game.Heap.PoolAllocator.g.cs"], run.HintNames);
        Assert.Contains("global::AllocGen.Threading.PerThreadPoolHeap<AllocGenGeometry> _allocGenHeap", run.Source("Game.Heap.PoolAllocator.g.cs"), StringComparison.Ordinal);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
    }

    [Theory]
    [InlineData("Threading = ThreadPolicy.PerThread, ArenaSize = 32 << 20")] // below 64 MiB
    [InlineData("Threading = ThreadPolicy.PerThread")]
    [InlineData("Threading = ThreadPolicy.Locked, ArenaSize = 1 << 30, PoolSize = 1 << 20")] // one heap: one arena set
    [InlineData("Threading = ThreadPolicy.SingleThreaded, ArenaSize = 64 << 20")]
    public void AG0028_OnlyForPerThreadWithArenasOf64MiBOrMore(string arguments)
    {
        AssertValid(Pool(arguments));
    }

    [Fact]
    public void AG0028_WithAnErrorGeneratesNothing()
    {
        string source = Pool("Threading = ThreadPolicy.PerThread, ArenaSize = 64 << 20, Alignment = 24");
        AssertDiagnostics(source,
            new Expected("AG0007", "Alignment = 24"),
            new Expected("AG0028", "ArenaSize = 64 << 20", Severity: DiagnosticSeverity.Warning));
    }

    [Fact]
    public void AG0027_WithAnInvalidArenaSizeReportsBoth()
    {
        // An undefined policy has no arena rule to break: the ArenaSize error stands on its own, and no AG0028.
        string source = Pool("Threading = (ThreadPolicy)7, ArenaSize = 1000");
        AssertDiagnostics(source, new Expected("AG0004", "ArenaSize = 1000"), new Expected("AG0027", "Threading = (ThreadPolicy)7"));
    }

    [Fact]
    public void AG0028_CanBeTurnedOffForTheProject()
    {
        // <NoWarn>AG0028</NoWarn> reaches the compilation as a specific diagnostic option. (A #pragma does not work on
        // generator diagnostics whose location is rebuilt from values, as every cached AllocGen diagnostic's is.)
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Pool("Threading = ThreadPolicy.PerThread, ArenaSize = 64 << 20"));
        GeneratorRun reported = GeneratorHarness.Run(compilation);
        Assert.Equal("AG0028", Assert.Single(reported.GeneratorDiagnostics).Id);

        GeneratorRun noWarn = GeneratorHarness.Run(compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
            [new KeyValuePair<string, ReportDiagnostic>("AG0028", ReportDiagnostic.Suppress)])));
        Assert.True(noWarn.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Format(noWarn.GeneratorDiagnostics));
        Assert.Equal(["Game.Heap.PoolAllocator.g.cs"], noWarn.HintNames);
    }

    // ---- AG0100 .. AG0102: MediumRequestThreshold ----------------------------------------------------------

    [Theory]
    [InlineData("MediumRequestThreshold = 512", "MediumRequestThreshold = 512", "MediumRequestThreshold 512 must be above SmallRequestThreshold (512)")]
    [InlineData("MediumRequestThreshold = 256", "MediumRequestThreshold = 256", "MediumRequestThreshold 256 must be above SmallRequestThreshold (512)")]
    [InlineData("MediumRequestThreshold = -1", "MediumRequestThreshold = -1", "MediumRequestThreshold -1 must be above")]
    [InlineData("Alignment = 64, SmallRequestThreshold = 4096, MediumRequestThreshold = 4096", "MediumRequestThreshold = 4096", "must be above SmallRequestThreshold (4096)")]
    public void AG0100_MediumThresholdNotAboveSmall(string arguments, string spanText, string message)
    {
        AssertDiagnostics(Pool(arguments), new Expected("AG0100", spanText, MessageContains: message));
    }

    [Theory]
    [InlineData("MediumRequestThreshold = 200000", "MediumRequestThreshold 200000 is not a medium class size", "the nearest are 196608 and 229376")]
    [InlineData("MediumRequestThreshold = 1000", "MediumRequestThreshold 1000 is not", "the nearest are 896 and 1024")]
    [InlineData("MediumRequestThreshold = 9 << 7", "MediumRequestThreshold 1152 is not", "the nearest are 1024 and 1280")]
    [InlineData("Alignment = 4096, SmallRequestThreshold = 4096, MediumRequestThreshold = 5120", "a multiple of Alignment 4096", "the nearest are 4096 and 8192")]
    public void AG0101_MediumThresholdNotOnTheGrid(string arguments, string message, string nearest)
    {
        string span = arguments.Substring(arguments.IndexOf("MediumRequestThreshold", StringComparison.Ordinal));
        GeneratorRun run = AssertDiagnostics(Pool(arguments), new Expected("AG0101", span, MessageContains: message));
        Assert.Contains(nearest, Assert.Single(run.GeneratorDiagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MediumRequestThreshold = 512 << 10", "MediumRequestThreshold 524288 must be at most 262144, a quarter of ArenaSize (1048576)")]
    [InlineData("ArenaSize = 65536, PoolSize = 4096, MediumRequestThreshold = 32768", "must be at most 16384, a quarter of ArenaSize (65536)")]
    public void AG0102_MediumThresholdAboveAQuarterOfTheArena(string arguments, string message)
    {
        string span = arguments.Substring(arguments.IndexOf("MediumRequestThreshold", StringComparison.Ordinal));
        AssertDiagnostics(Pool(arguments), new Expected("AG0102", span, MessageContains: message));
    }

    [Fact]
    public void AG0101_AndAG0102_AreBothReportedForAnOffGridValueAboveAQuarterOfTheArena()
    {
        AssertDiagnostics(Pool("MediumRequestThreshold = 300000"),
            new Expected("AG0101", "MediumRequestThreshold = 300000", MessageContains: "the nearest are 262144 and 327680"),
            new Expected("AG0102", "MediumRequestThreshold = 300000"));
    }

    [Fact]
    public void AG0100_IsNotReportedWhileTheSmallThresholdIsWrong()
    {
        // The medium threshold is judged against the small one only once that is right.
        AssertDiagnostics(Pool("SmallRequestThreshold = 100, MediumRequestThreshold = 64"), new Expected("AG0008", "SmallRequestThreshold = 100"));
    }

    [Fact]
    public void AMediumThresholdFromAConstantIsCheckedAsItsValue()
    {
        const string source = """
            using AllocGen;

            namespace Game;

            internal static class Sizes
            {
                public const int Medium = 100 * 1000;
            }

            [PoolAllocator(MediumRequestThreshold = Sizes.Medium)]
            public sealed partial class Heap
            {
            }
            """;
        AssertDiagnostics(source, new Expected("AG0101", "MediumRequestThreshold = Sizes.Medium", MessageContains: "MediumRequestThreshold 100000 is not"));
    }

    // ---- AG0020 / AG0021: [BumpArena] ----------------------------------------------------------------------

    [Theory]
    [InlineData("1000")]
    [InlineData("128")]
    [InlineData("134217728")] // 128 MiB
    [InlineData("0")]
    [InlineData("-256")]
    public void AG0020_BlockSizeInvalid(string value)
    {
        string source = Arena($"BlockSize = {value}");
        AssertDiagnostics(source, new Expected("AG0020", $"BlockSize = {value}", MessageContains: "must be a power of two from 256 to 67108864"));
    }

    [Theory]
    [InlineData("Alignment = 3", "Alignment = 3")]
    [InlineData("Alignment = 0", "Alignment = 0")]
    [InlineData("Alignment = 8192", "Alignment = 8192")] // above 4096, even though the block is 8192
    [InlineData("BlockSize = 256, Alignment = 512", "Alignment = 512")] // larger than the block
    [InlineData("BlockSize = 1024, Alignment = 2048", "Alignment = 2048")]
    public void AG0021_ArenaAlignmentInvalid(string arguments, string spanText)
    {
        string source = Arena(arguments);
        AssertDiagnostics(source, new Expected("AG0021", spanText, MessageContains: "must be a power of two from 1 to 4096"));
    }

    [Fact]
    public void AG0020_AndAG0021_AreBothReported()
    {
        string source = Arena("BlockSize = 1000, Alignment = 3");
        AssertDiagnostics(source, new Expected("AG0020", "BlockSize = 1000"), new Expected("AG0021", "Alignment = 3"));
    }

    // ---- Several problems, several declarations ------------------------------------------------------------

    [Fact]
    public void IndependentProblemsAreEachReportedAtTheirArgument()
    {
        string source = Pool("ArenaSize = 1000, PoolSize = 5000, Alignment = 24");
        AssertDiagnostics(source,
            new Expected("AG0004", "ArenaSize = 1000"),
            new Expected("AG0005", "PoolSize = 5000"),
            new Expected("AG0007", "Alignment = 24"));
    }

    [Fact]
    public void ShapeAndConfigurationProblemsAreBothReported()
    {
        const string source = """
            using AllocGen;

            [PoolAllocator(ArenaSize = 1000)]
            public sealed class Heap<T>
            {
            }
            """;
        AssertDiagnostics(source,
            new Expected("AG0001", "PoolAllocator(ArenaSize = 1000)"),
            new Expected("AG0003", "PoolAllocator(ArenaSize = 1000)"),
            new Expected("AG0004", "ArenaSize = 1000"));
    }

    [Fact]
    public void AnInvalidDeclarationDoesNotStopAValidOne()
    {
        const string source = """
            using AllocGen;

            namespace Game;

            [PoolAllocator(ArenaSize = 1000)]
            public sealed partial class Broken
            {
            }

            [PoolAllocator]
            public sealed partial class Fine
            {
            }
            """;
        GeneratorRun run = AssertDiagnostics(source, [new Expected("AG0004", "ArenaSize = 1000")], expectNoSource: false);
        Assert.Equal(["Game.Fine.PoolAllocator.g.cs"], run.HintNames);
        Assert.Empty(run.OutputErrorsAndWarnings);
    }

    [Fact]
    public void ArgumentsGivenAsConstantExpressionsPointAtTheWholeArgument()
    {
        const string source = """
            using AllocGen;

            [PoolAllocator(ArenaSize = Sizes.Arena * 3, PoolSize = 1 << 12)]
            public sealed partial class Heap
            {
            }

            internal static class Sizes
            {
                public const int Arena = 1 << 16;
            }
            """;
        AssertDiagnostics(source, new Expected("AG0004", "ArenaSize = Sizes.Arena * 3", MessageContains: "ArenaSize 196608"));
    }

    // ---- Valid declarations --------------------------------------------------------------------------------

    private static readonly string[] s_validDeclarations =
    [
        "[PoolAllocator] public sealed partial class Heap { }",
        "[PoolAllocator(ArenaSize = 8192, PoolSize = 4096, Alignment = 8, SmallRequestThreshold = 8)] public sealed partial class Heap { }",
        "[PoolAllocator(ArenaSize = 65536, PoolSize = 32768)] public sealed partial class Heap { }",
        "[PoolAllocator(PoolSize = 4096, Alignment = 32, SmallRequestThreshold = 4096)] public sealed partial class Heap { }",
        "[PoolAllocator(ArenaSize = 1 << 30, PoolSize = 1 << 20, Alignment = 4096, SmallRequestThreshold = 255 * 4096)] public sealed partial class Heap { }",
        "[PoolAllocator(PoolSize = 8192, Alignment = 4096, SmallRequestThreshold = 4096)] public sealed partial class Heap { }",
        "[PoolAllocator(PoolSize = 4096, Alignment = 8, SmallRequestThreshold = 4032)] [SizeClasses(8, 4032)] public sealed partial class Heap { }",
        "[PoolAllocator(Alignment = 2048, PoolSize = 4096, SmallRequestThreshold = 2048)] internal partial class Heap { }",
        "[PoolAllocator, SizeClasses(16, 32, 48, 64, 128, 256, 512)] public partial class Heap { }",
        "[PoolAllocator, SizeClasses(512)] public partial class Heap { }",
        "[PoolAllocator, SizeClasses(new[] { 16, 512 })] public partial class Heap { }",
        "[PoolAllocator] public abstract partial class Heap { }",
        "[PoolAllocator] public partial class Heap { public Heap() { } public Heap(int ignored) : this() { _ = ignored; } }",
        "[PoolAllocator] public partial class Heap { private Heap(string ignored) { _ = ignored; } }",
        "public static partial class Outer { public partial struct Middle { [PoolAllocator] public sealed partial class Heap { } } }",
        "public partial record Outer { [PoolAllocator] internal sealed partial class Heap { } }",
        "public partial interface IOuter { [PoolAllocator] public sealed partial class Heap { } }",
        "[PoolAllocator] public partial class Heap { [PoolAllocator(PoolSize = 4096)] private sealed partial class Inner { } [BumpArena] private sealed partial class Scratch { } }",
        "[BumpArena] public sealed partial class Arena { }",
        "[BumpArena(BlockSize = 256, Alignment = 1)] public sealed partial class Arena { }",
        "[BumpArena(BlockSize = 256, Alignment = 256)] public sealed partial class Arena { }",
        "[BumpArena(BlockSize = 64 << 20, Alignment = 4096)] public sealed partial class Arena { }",
        "[BumpArena(Alignment = 2)] internal partial class Arena { }",
        "[PoolAllocator] public partial class Heap { } [SizeClasses(16, 48, 512)] public partial class Heap { }",
        "[PoolAllocator] public sealed partial class Ĥeap { }",
        "[PoolAllocator(Threading = ThreadPolicy.SingleThreaded)] public sealed partial class Heap { }",
        "[PoolAllocator(Threading = ThreadPolicy.Locked, PoolSize = 4096, Alignment = 8)] public sealed partial class Heap { }",
        "[PoolAllocator(Threading = ThreadPolicy.PerThread, ArenaSize = 65536)] [SizeClasses(16, 64, 512)] public partial class Heap { }",
        "[PoolAllocator(Threading = (ThreadPolicy)2)] internal sealed partial class Heap { }",
        "[PoolAllocator(MediumRequestThreshold = 0)] public sealed partial class Heap { }",
        "[PoolAllocator(MediumRequestThreshold = 640)] public sealed partial class Heap { }",
        "[PoolAllocator(MediumRequestThreshold = 196608)] public sealed partial class Heap { }",
        "[PoolAllocator(MediumRequestThreshold = 256 << 10)] public sealed partial class Heap { }",
        "[PoolAllocator(ArenaSize = 2 << 20, MediumRequestThreshold = 512 << 10)] public sealed partial class Heap { }",
        "[PoolAllocator(SmallRequestThreshold = 1024, MediumRequestThreshold = 1280)] public sealed partial class Heap { }",
        "[PoolAllocator(ArenaSize = 8192, PoolSize = 4096, SmallRequestThreshold = 2048)] public sealed partial class Heap { }",
        "[PoolAllocator(Alignment = 4096, SmallRequestThreshold = 4096, MediumRequestThreshold = 65536)] public sealed partial class Heap { }",
        "[PoolAllocator(Threading = ThreadPolicy.PerThread, PoolSize = 4096, Alignment = 8, MediumRequestThreshold = 5 << 10)] public sealed partial class Heap { }",
        "[PoolAllocator(SmallRequestThreshold = 16, MediumRequestThreshold = 32)] [SizeClasses(16)] public sealed partial class Heap { }",
    ];

    public static TheoryData<string> ValidDeclarations() => new(s_validDeclarations);

    [Theory]
    [MemberData(nameof(ValidDeclarations))]
    public void ValidDeclarationsProduceNoDiagnosticsAndCodeThatCompilesCleanly(string declaration)
    {
        AssertValid("using AllocGen;\n\nnamespace Game.Memory;\n\n" + declaration + "\n");
    }

    [Fact]
    public void AllValidDeclarationsTogetherCompileCleanly()
    {
        string[] sources = s_validDeclarations
            .Select((declaration, i) => $"using AllocGen;\n\nnamespace Game.Memory{i};\n\n{declaration}\n")
            .ToArray();
        GeneratorRun run = GeneratorHarness.Run(sources);
        Assert.Null(run.GeneratorResult.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
        Assert.True(run.HintNames.Count >= sources.Length);
    }

    // ---- Helpers -------------------------------------------------------------------------------------------

    /// <summary>A [PoolAllocator] type in a namespace, with the given arguments and an optional second attribute.</summary>
    private static string Pool(string? arguments, string? secondAttribute = null) =>
        "using AllocGen;\n\nnamespace Game;\n\n"
        + (arguments is null ? "[PoolAllocator]\n" : $"[PoolAllocator({arguments})]\n")
        + (secondAttribute is null ? string.Empty : $"[{secondAttribute}]\n")
        + "public sealed partial class Heap\n{\n}\n";

    /// <summary>A [BumpArena] type in a namespace, with the given arguments.</summary>
    private static string Arena(string arguments) =>
        $"using AllocGen;\n\nnamespace Game;\n\n[BumpArena({arguments})]\npublic sealed partial class Scratch\n{{\n}}\n";

    internal static GeneratorRun AssertDiagnostics(string source, params Expected[] expected) =>
        AssertDiagnostics(source, expected, allowUnsafe: true);

    /// <summary>
    /// Runs the generator on <paramref name="source"/> (as Source0.cs) and checks that it reports exactly
    /// <paramref name="expected"/>, each an error at its span; that it did not throw; that the input has no
    /// compiler error but <paramref name="compilerErrors"/>; and, unless told otherwise, that nothing is generated.
    /// Each is an error unless its <see cref="Expected.Severity"/> says otherwise.
    /// </summary>
    internal static GeneratorRun AssertDiagnostics(
        string source,
        Expected[] expected,
        bool allowUnsafe = true,
        string[]? compilerErrors = null,
        bool expectNoSource = true)
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([source], allowUnsafe));
        Assert.Null(run.GeneratorResult.Exception);

        // The test source itself must be valid C#, apart from the compiler errors the case is about.
        ImmutableArray<Diagnostic> inputErrors = GeneratorHarness.ErrorsAndWarnings(run.InputCompilation);
        Assert.Equal(
            (compilerErrors ?? []).Order(StringComparer.Ordinal),
            inputErrors.Select(d => d.Id).Order(StringComparer.Ordinal));

        SourceText text = SourceText.From(source);
        var actual = run.GeneratorDiagnostics
            .Select(d => (d.Id, d.Location.SourceSpan.Start, d.Location.SourceSpan.Length))
            .Order()
            .ToList();
        var wanted = expected
            .Select(e => (e.Id, Start: SpanOf(source, e).Start, Length: SpanOf(source, e).Length))
            .Order()
            .ToList();
        Assert.True(
            wanted.SequenceEqual(actual),
            "Expected:\n" + string.Join("\n", expected.Select(e => $"  {e.Id} at '{e.SpanText}'"))
            + "\nActual:\n" + string.Join("\n", run.GeneratorDiagnostics.Select(d => $"  {d.Id} at '{TextAt(source, d.Location.SourceSpan)}': {d.GetMessage()}")));

        foreach (Diagnostic diagnostic in run.GeneratorDiagnostics)
        {
            // Errors cannot be configured away; a warning can (it flags a declaration that works).
            DiagnosticSeverity severity = expected.First(e => e.Id == diagnostic.Id).Severity;
            Assert.Equal(severity, diagnostic.Severity);
            Assert.Equal(severity, diagnostic.Descriptor.DefaultSeverity);
            Assert.False(diagnostic.IsWarningAsError);
            Assert.NotEqual("AG0099", diagnostic.Id);
            Assert.Equal("AllocGen", diagnostic.Descriptor.Category);
            Assert.Equal(severity == DiagnosticSeverity.Error, diagnostic.Descriptor.CustomTags.Contains(WellKnownDiagnosticTags.NotConfigurable));
            Assert.EndsWith("#" + diagnostic.Id.ToLowerInvariant(), diagnostic.Descriptor.HelpLinkUri, StringComparison.Ordinal);

            // The line span travels through the cached pipeline separately from the text span: both must agree.
            FileLinePositionSpan lineSpan = diagnostic.Location.GetLineSpan();
            Assert.Equal("Source0.cs", lineSpan.Path);
            Assert.Equal(text.Lines.GetLinePositionSpan(diagnostic.Location.SourceSpan), lineSpan.Span);
        }

        foreach (Expected e in expected.Where(e => e.MessageContains is not null))
        {
            Assert.Contains(
                run.GeneratorDiagnostics,
                d => d.Id == e.Id && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(e.MessageContains!, StringComparison.Ordinal));
        }

        if (expectNoSource)
        {
            Assert.True(run.Result.GeneratedTrees.IsEmpty, "Generated: " + string.Join(", ", run.HintNames));
        }

        return run;
    }

    /// <summary>Runs the generator and checks: no diagnostics, sources generated, an output without errors or warnings.</summary>
    internal static void AssertValid(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Null(run.GeneratorResult.Exception);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Format(run.GeneratorDiagnostics));
        ImmutableArray<Diagnostic> inputErrors = GeneratorHarness.ErrorsAndWarnings(run.InputCompilation);
        Assert.True(inputErrors.IsEmpty, "The input has errors: " + GeneratorHarness.Format(inputErrors));
        Assert.NotEmpty(run.Result.GeneratedTrees);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
    }

    private static TextSpan SpanOf(string source, Expected expected)
    {
        int offset = 0;
        string haystack = source;
        if (expected.Within is not null)
        {
            offset = UniqueIndex(source, expected.Within);
            haystack = expected.Within;
        }

        return new TextSpan(offset + UniqueIndex(haystack, expected.SpanText), expected.SpanText.Length);
    }

    private static int UniqueIndex(string haystack, string needle)
    {
        int index = haystack.IndexOf(needle, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{needle}' does not occur in the source.");
        Assert.True(index == haystack.LastIndexOf(needle, StringComparison.Ordinal), $"'{needle}' occurs more than once; give a Within text.");
        return index;
    }

    private static string TextAt(string source, TextSpan span) =>
        span.End <= source.Length ? source.Substring(span.Start, span.Length) : $"<{span}>";
}
