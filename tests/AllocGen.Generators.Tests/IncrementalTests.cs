using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// The pipeline caches: edits that do not touch an allocator declaration leave every tracked step Cached or
/// Unchanged; an edit of an attribute argument shows up as Modified; and no step output holds on to a symbol,
/// a syntax node, a compilation, a semantic model or a location.
/// </summary>
public sealed class IncrementalTests
{
    private const string PoolsFile = "Pools.cs";
    private const string ArenaFile = "Arena.cs";
    private const string OtherFile = "Other.cs";
    private const string DomainsFile = "Domains.cs";
    private const string VariantsFile = "Variants.cs";

    // One declaration for every pipeline: a default pool, a pool with explicit classes (which also runs the
    // [SizeClasses] pipeline), and a bump arena. All valid.
    private const string PoolsSource = """
        using AllocGen;

        namespace Game.Memory;

        [PoolAllocator(ArenaSize = 262144)]
        public sealed partial class GameHeap
        {
        }

        [PoolAllocator]
        [SizeClasses(16, 32, 48, 64, 128, 256, 512)]
        public sealed partial class IrregularHeap
        {
        }
        """;

    private const string ArenaSource = """
        using AllocGen;

        namespace Game.Memory;

        [BumpArena(BlockSize = 65536)]
        public sealed partial class Scratch
        {
        }
        """;

    // The domains pipeline (and the [Domain] one), over a pool of this file and SystemAllocator.
    private const string DomainsSource = """
        using AllocGen;

        namespace Game.Memory;

        [PoolAllocator(Threading = ThreadPolicy.Locked)]
        public sealed partial class SharedHeap
        {
        }

        [AllocatorDomains]
        [Domain(AllocDomain.Raw, typeof(SystemAllocator))]
        [Domain(AllocDomain.Mem, typeof(SharedHeap))]
        [Domain(AllocDomain.Object, typeof(SharedHeap))]
        public static partial class Mem
        {
        }
        """;

    // The variants pipeline (and the [VariantSizeClasses] one): 2 × 2 variants with one size class set, all valid.
    private const string VariantsSource = """
        using AllocGen;

        namespace Game.Memory;

        [PoolAllocatorVariants(ArenaSizes = new[] { 256 << 10, 1 << 20 }, PoolSizes = new[] { 4096, 16384 })]
        [VariantSizeClasses(16, 64, 256)]
        public static partial class HeapVariants
        {
        }
        """;

    private const string OtherSource = """
        namespace Game;

        public static class Other
        {
            public static int Answer() => 41;
        }
        """;

    /// <summary>Every constant of <see cref="TrackingNames"/>, read by reflection so a new step cannot be forgotten.</summary>
    public static IReadOnlyList<string> AllTrackingNames { get; } = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToList();

    [Fact]
    public void TrackingNamesAreFoundByReflection()
    {
        Assert.Equal(
            [
                "AllocatorDomainsModel", "AllocatorDomainsNameClashes", "AllocatorDomainsSpec", "AllocatorDomainsTarget", "BumpArenaHintClashes", "BumpArenaModel", "BumpArenaSpec",
                "OrphanDomains", "OrphanSizeClasses", "OrphanVariantSizeClasses", "PoolAllocatorHintClashes", "PoolAllocatorModel", "PoolAllocatorSpec",
                "PoolAllocatorVariantsHintClashes", "PoolAllocatorVariantsModel", "PoolAllocatorVariantsSpec",
            ],
            AllTrackingNames.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FirstRunHasEveryTrackedStepAndGeneratesEveryAllocator()
    {
        GeneratorRun run = GeneratorHarness.Run(CreateCompilation());
        Assert.Null(run.GeneratorResult.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(
            [
                "Game.Memory.GameHeap.PoolAllocator.g.cs", "Game.Memory.HeapVariants.PoolAllocatorVariants.g.cs", "Game.Memory.IrregularHeap.PoolAllocator.g.cs",
                "Game.Memory.Mem.AllocatorDomains.g.cs", "Game.Memory.Scratch.BumpArena.g.cs", "Game.Memory.SharedHeap.PoolAllocator.g.cs",
            ],
            run.HintNames);
        AssertEveryTrackedStepRan(run.GeneratorResult);
        foreach (string name in AllTrackingNames)
        {
            Assert.All(Outputs(run.GeneratorResult, name), output => Assert.Equal(IncrementalStepRunReason.New, output.Reason));
        }
    }

    [Fact]
    public void AddingAnUnrelatedSyntaxTreeLeavesEveryStepCachedOrUnchanged()
    {
        CSharpCompilationAndDriver first = RunFirst();
        Compilation edited = first.Compilation.AddSyntaxTrees(GeneratorHarness.ParseTree("class Unrelated {}", "Unrelated.cs"));

        GeneratorRun second = GeneratorHarness.Run(first.Driver, edited);

        AssertAllCachedOrUnchanged(second);
        Assert.Equal(first.Run.HintNames, second.HintNames);
    }

    [Fact]
    public void ReplacingAMethodBodyInAnotherFileLeavesEveryStepCachedOrUnchanged()
    {
        CSharpCompilationAndDriver first = RunFirst();
        SyntaxTree other = Tree(first.Compilation, OtherFile);
        var method = other.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single();
        var body = method.ExpressionBody!.Expression;
        SyntaxTree replaced = other.WithChangedText(
            other.GetText().Replace(body.Span, "41 + 1"));
        Compilation edited = first.Compilation.ReplaceSyntaxTree(other, replaced);

        GeneratorRun second = GeneratorHarness.Run(first.Driver, edited);

        Assert.Contains("41 + 1", Tree(edited, OtherFile).ToString(), StringComparison.Ordinal);
        AssertAllCachedOrUnchanged(second);
    }

    [Fact]
    public void EditingTriviaInTheAllocatorFileLeavesTheGeneratedCodeCached()
    {
        // A comment added at the end of the file moves no declaration: the models are equal, the specs cached.
        CSharpCompilationAndDriver first = RunFirst();
        SyntaxTree arena = Tree(first.Compilation, ArenaFile);
        SyntaxTree commented = arena.WithChangedText(arena.GetText().Replace(new Microsoft.CodeAnalysis.Text.TextSpan(arena.Length, 0), "\n// a trailing comment\n"));
        GeneratorRun second = GeneratorHarness.Run(first.Driver, first.Compilation.ReplaceSyntaxTree(arena, commented));

        AssertAllCachedOrUnchanged(second);
    }

    [Fact]
    public void ChangingArenaSizeModifiesThatPoolSpecOnly()
    {
        CSharpCompilationAndDriver first = RunFirst();
        SyntaxTree pools = Tree(first.Compilation, PoolsFile);
        string text = pools.GetText().ToString();
        int at = text.IndexOf("262144", StringComparison.Ordinal);
        SyntaxTree edited = pools.WithChangedText(
            pools.GetText().Replace(new Microsoft.CodeAnalysis.Text.TextSpan(at, "262144".Length), "524288"));

        GeneratorRun second = GeneratorHarness.Run(first.Driver, first.Compilation.ReplaceSyntaxTree(pools, edited));

        Assert.Null(second.GeneratorResult.Exception);
        AssertEveryTrackedStepRan(second.GeneratorResult);

        // The edited pool's spec is Modified and carries the new size; the other pool's is not.
        var specs = Outputs(second.GeneratorResult, TrackingNames.PoolAllocatorSpec);
        var modified = Assert.Single(specs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal(524288, ReadProperty<int>(modified.Value, "ArenaSize"));
        Assert.Contains("GameHeap", ReadProperty<object>(modified.Value, "Type").ToString(), StringComparison.Ordinal);
        Assert.All(specs.Where(o => !ReferenceEquals(o.Value, modified.Value)), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{o.Reason}: {o.Value}"));

        var models = Outputs(second.GeneratorResult, TrackingNames.PoolAllocatorModel);
        Assert.Contains(models, o => o.Reason == IncrementalStepRunReason.Modified);

        // The arena lives in another file: untouched.
        AssertCachedOrUnchanged(second, [TrackingNames.BumpArenaModel, TrackingNames.BumpArenaSpec]);

        // And the new constant reaches the generated code.
        Assert.Contains("public const int ArenaSize = 524288;", second.Source("Game.Memory.GameHeap.PoolAllocator.g.cs"), StringComparison.Ordinal);
        Assert.Empty(second.OutputErrorsAndWarnings);
    }

    [Fact]
    public void ChangingMediumRequestThresholdReRendersThatPoolOnly()
    {
        CSharpCompilationAndDriver first = RunFirst();
        GeneratorRun second = GeneratorHarness.Run(first.Driver, WithGameHeapAttribute(first.Compilation, "[PoolAllocator(ArenaSize = 262144, MediumRequestThreshold = 32768)]"));

        Assert.Null(second.GeneratorResult.Exception);

        // The edited pool's spec is Modified and carries the new tier (its default was a sixteenth of the arena, 16 KiB).
        var specs = Outputs(second.GeneratorResult, TrackingNames.PoolAllocatorSpec);
        var modified = Assert.Single(specs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal(32768, ReadProperty<int>(modified.Value, "MediumRequestThreshold"));
        Assert.Contains("GameHeap", ReadProperty<object>(modified.Value, "Type").ToString(), StringComparison.Ordinal);
        Assert.All(specs.Where(o => !ReferenceEquals(o.Value, modified.Value)), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{o.Reason}: {o.Value}"));
        AssertCachedOrUnchanged(second, [TrackingNames.BumpArenaModel, TrackingNames.BumpArenaSpec]);

        Assert.Contains("public const int MediumRequestThreshold = 32768;", second.Source("Game.Memory.GameHeap.PoolAllocator.g.cs"), StringComparison.Ordinal);
        Assert.Contains("public const int MediumRequestThreshold = 16384;", first.Run.Source("Game.Memory.GameHeap.PoolAllocator.g.cs"), StringComparison.Ordinal);
        Assert.Equal(first.Run.Source("Game.Memory.IrregularHeap.PoolAllocator.g.cs"), second.Source("Game.Memory.IrregularHeap.PoolAllocator.g.cs"));
        Assert.Empty(second.OutputErrorsAndWarnings);
    }

    [Fact]
    public void WritingTheDefaultMediumRequestThresholdOutLeavesTheSpecUnchanged()
    {
        // 16384 is the default of a 256 KiB arena: the argument changes the attribute, not the allocator.
        CSharpCompilationAndDriver first = RunFirst();
        GeneratorRun second = GeneratorHarness.Run(first.Driver, WithGameHeapAttribute(first.Compilation, "[PoolAllocator(ArenaSize = 262144, MediumRequestThreshold = 16384)]"));

        Assert.Null(second.GeneratorResult.Exception);
        Assert.All(Outputs(second.GeneratorResult, TrackingNames.PoolAllocatorSpec), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{o.Reason}: {o.Value}"));
        Assert.Equal(first.Run.Source("Game.Memory.GameHeap.PoolAllocator.g.cs"), second.Source("Game.Memory.GameHeap.PoolAllocator.g.cs"));
    }

    /// <summary>The compilation with GameHeap's attribute in Pools.cs replaced by <paramref name="attribute"/>.</summary>
    private static Compilation WithGameHeapAttribute(Compilation compilation, string attribute)
    {
        SyntaxTree pools = Tree(compilation, PoolsFile);
        const string before = "[PoolAllocator(ArenaSize = 262144)]";
        int at = pools.GetText().ToString().IndexOf(before, StringComparison.Ordinal);
        SyntaxTree edited = pools.WithChangedText(pools.GetText().Replace(new Microsoft.CodeAnalysis.Text.TextSpan(at, before.Length), attribute));
        return compilation.ReplaceSyntaxTree(pools, edited);
    }

    [Fact]
    public void ChangingThreadingReRendersThatPoolOnlyAndAnUnrelatedEditAfterwardsDoesNot()
    {
        CSharpCompilationAndDriver first = RunFirst();
        SyntaxTree pools = Tree(first.Compilation, PoolsFile);
        const string before = "[PoolAllocator(ArenaSize = 262144)]";
        int at = pools.GetText().ToString().IndexOf(before, StringComparison.Ordinal);
        SyntaxTree locked = pools.WithChangedText(pools.GetText().Replace(
            new Microsoft.CodeAnalysis.Text.TextSpan(at, before.Length), "[PoolAllocator(ArenaSize = 262144, Threading = ThreadPolicy.Locked)]"));
        Compilation lockedCompilation = first.Compilation.ReplaceSyntaxTree(pools, locked);

        GeneratorRun second = GeneratorHarness.Run(first.Driver, lockedCompilation);

        // The edited pool's spec is Modified and carries the policy; the other pool's and the arena's are not.
        var specs = Outputs(second.GeneratorResult, TrackingNames.PoolAllocatorSpec);
        var modified = Assert.Single(specs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal("Locked", ReadProperty<object>(modified.Value, "Threading").ToString());
        Assert.Contains("GameHeap", ReadProperty<object>(modified.Value, "Type").ToString(), StringComparison.Ordinal);
        Assert.All(specs.Where(o => !ReferenceEquals(o.Value, modified.Value)), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{o.Reason}: {o.Value}"));
        AssertCachedOrUnchanged(second, [TrackingNames.BumpArenaModel, TrackingNames.BumpArenaSpec]);

        // The re-rendered source holds the locked heap; the other pool's source is the one of the first run.
        Assert.Contains("global::AllocGen.Threading.LockedPoolHeap<AllocGenGeometry> _allocGenHeap", second.Source("Game.Memory.GameHeap.PoolAllocator.g.cs"), StringComparison.Ordinal);
        Assert.Equal(first.Run.Source("Game.Memory.IrregularHeap.PoolAllocator.g.cs"), second.Source("Game.Memory.IrregularHeap.PoolAllocator.g.cs"));
        Assert.Empty(second.OutputErrorsAndWarnings);

        // An unrelated edit after the policy change re-renders nothing.
        GeneratorRun third = GeneratorHarness.Run(second.Driver, lockedCompilation.AddSyntaxTrees(GeneratorHarness.ParseTree("class Unrelated {}", "Unrelated.cs")));
        AssertAllCachedOrUnchanged(third);
        Assert.Equal(second.Source("Game.Memory.GameHeap.PoolAllocator.g.cs"), third.Source("Game.Memory.GameHeap.PoolAllocator.g.cs"));
    }

    [Fact]
    public void AWarningTravelsWithItsCachedSpec()
    {
        // AG0028 leaves the allocator generated: the model carries the spec and the warning, both value-equal, so an
        // unrelated edit re-reports the same warning from the cache and re-renders nothing.
        const string warned = """
            using AllocGen;

            [PoolAllocator(Threading = ThreadPolicy.PerThread, ArenaSize = 64 << 20)]
            public sealed partial class WideHeap
            {
            }
            """;
        Compilation compilation = CreateCompilation().AddSyntaxTrees(GeneratorHarness.ParseTree(warned, "Warned.cs"));
        GeneratorRun first = GeneratorHarness.Run(compilation);
        Assert.Equal("AG0028", Assert.Single(first.GeneratorDiagnostics).Id);
        Assert.Contains("WideHeap.PoolAllocator.g.cs", first.HintNames);

        GeneratorRun second = GeneratorHarness.Run(first.Driver, compilation.AddSyntaxTrees(GeneratorHarness.ParseTree("class Unrelated {}", "Unrelated.cs")));

        AssertAllCachedOrUnchanged(second);
        Assert.Equal(first.GeneratorDiagnostics.Select(d => d.ToString()), second.GeneratorDiagnostics.Select(d => d.ToString()));
        Assert.Equal(first.HintNames, second.HintNames);
    }

    [Fact]
    public void MakingADeclarationInvalidAndValidAgainIsTracked()
    {
        CSharpCompilationAndDriver first = RunFirst();
        SyntaxTree arena = Tree(first.Compilation, ArenaFile);
        int at = arena.GetText().ToString().IndexOf("65536", StringComparison.Ordinal);
        SyntaxTree broken = arena.WithChangedText(arena.GetText().Replace(new Microsoft.CodeAnalysis.Text.TextSpan(at, 5), "65535"));

        Compilation brokenCompilation = first.Compilation.ReplaceSyntaxTree(arena, broken);
        GeneratorRun second = GeneratorHarness.Run(first.Driver, brokenCompilation);
        Assert.Equal("AG0020", Assert.Single(second.GeneratorDiagnostics).Id);
        Assert.DoesNotContain("Game.Memory.Scratch.BumpArena.g.cs", second.HintNames);
        Assert.Contains(Outputs(second.GeneratorResult, TrackingNames.BumpArenaModel), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(Outputs(second.GeneratorResult, TrackingNames.BumpArenaSpec), o => o.Reason == IncrementalStepRunReason.Removed);

        GeneratorRun third = GeneratorHarness.Run(second.Driver, brokenCompilation.ReplaceSyntaxTree(broken, arena));
        Assert.Empty(third.GeneratorDiagnostics);
        Assert.Equal(first.Run.HintNames, third.HintNames);
        Assert.Contains(Outputs(third.GeneratorResult, TrackingNames.BumpArenaSpec), o => o.Reason == IncrementalStepRunReason.New);
    }

    [Fact]
    public void InvalidDeclarationsAreCachedToo()
    {
        // Models carrying diagnostics must be value-equal as well, or every keystroke re-reports them.
        const string invalid = """
            using AllocGen;

            [PoolAllocator(ArenaSize = 1000)]
            [SizeClasses(16, 40, 64)]
            public sealed class Broken
            {
            }

            [SizeClasses(16, 512)]
            public sealed partial class Orphan
            {
            }

            [BumpArena(BlockSize = 3)]
            public sealed partial class BadArena
            {
            }
            """;
        Compilation compilation = CreateCompilation().AddSyntaxTrees(GeneratorHarness.ParseTree(invalid, "Invalid.cs"));
        GeneratorRun first = GeneratorHarness.Run(compilation);
        Assert.Equal(["AG0001", "AG0004", "AG0012", "AG0015", "AG0020"], first.GeneratorDiagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));

        GeneratorRun second = GeneratorHarness.Run(first.Driver, compilation.AddSyntaxTrees(GeneratorHarness.ParseTree("class Unrelated {}", "Unrelated.cs")));

        AssertAllCachedOrUnchanged(second);
        Assert.Equal(
            first.GeneratorDiagnostics.Select(d => d.ToString()).Order(StringComparer.Ordinal),
            second.GeneratorDiagnostics.Select(d => d.ToString()).Order(StringComparer.Ordinal));
    }

    // Declarations that clash with generated members (AG0023, AG0024, AG0025), with a base class in another file.
    private const string ClashingSource = """
        using AllocGen;

        namespace Game.Clashes;

        [PoolAllocator]
        public sealed partial class OwnDispose
        {
            public void Dispose() { }
        }

        [BumpArena]
        public partial class Derived : Resource
        {
        }

        [PoolAllocator]
        file sealed partial class Hidden
        {
        }
        """;

    private const string ResourceSource = """
        namespace Game.Clashes;

        public class Resource
        {
            public virtual void Reset() { }
        }
        """;

    [Fact]
    public void ClashDiagnosticsAreCachedAndHoldNoCompilerState()
    {
        Compilation compilation = CreateCompilation().AddSyntaxTrees(
            GeneratorHarness.ParseTree(ClashingSource, "Clashes.cs"), GeneratorHarness.ParseTree(ResourceSource, "Resource.cs"));
        GeneratorRun first = GeneratorHarness.Run(compilation);
        Assert.Equal(["AG0023", "AG0024", "AG0025"], first.GeneratorDiagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));

        GeneratorRun second = GeneratorHarness.Run(first.Driver, compilation.AddSyntaxTrees(GeneratorHarness.ParseTree("class Unrelated {}", "Unrelated.cs")));

        AssertAllCachedOrUnchanged(second);
        Assert.Equal(
            first.GeneratorDiagnostics.Select(d => d.ToString()).Order(StringComparer.Ordinal),
            second.GeneratorDiagnostics.Select(d => d.ToString()).Order(StringComparer.Ordinal));
        foreach (string name in AllTrackingNames)
        {
            foreach (var (value, _) in Outputs(second.GeneratorResult, name))
            {
                string? path = FindForbidden(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance), depth: 0);
                Assert.True(path is null, $"Step {name} outputs a value that roots compiler state: {path}");
            }
        }
    }

    [Fact]
    public void RenamingTheClashingBaseMemberInAnotherFileGeneratesTheArena()
    {
        // The clash lives in the base class's file, not the attributed one: an edit there must still be seen.
        SyntaxTree resource = GeneratorHarness.ParseTree(ResourceSource, "Resource.cs");
        Compilation compilation = CreateCompilation().AddSyntaxTrees(GeneratorHarness.ParseTree(ClashingSource, "Clashes.cs"), resource);
        GeneratorRun first = GeneratorHarness.Run(compilation);
        Assert.Contains(first.GeneratorDiagnostics, d => d.Id == "AG0024");
        Assert.DoesNotContain("Game.Clashes.Derived.BumpArena.g.cs", first.HintNames);

        SyntaxTree renamed = resource.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(ResourceSource.Replace("Reset()", "Restart()", StringComparison.Ordinal)));
        GeneratorRun second = GeneratorHarness.Run(first.Driver, compilation.ReplaceSyntaxTree(resource, renamed));

        Assert.DoesNotContain(second.GeneratorDiagnostics, d => d.Id == "AG0024");
        Assert.Contains("Game.Clashes.Derived.BumpArena.g.cs", second.HintNames);
        Assert.Contains(Outputs(second.GeneratorResult, TrackingNames.BumpArenaModel), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.DoesNotContain(second.OutputErrorsAndWarnings, d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void StepOutputsHoldNoSymbolsSyntaxCompilationsSemanticModelsOrLocations()
    {
        const string invalid = """
            using AllocGen;

            [PoolAllocator(ArenaSize = 1000)]
            public sealed class Broken
            {
            }

            [SizeClasses(16, 512)]
            public sealed partial class Orphan
            {
            }
            """;
        Compilation compilation = CreateCompilation().AddSyntaxTrees(GeneratorHarness.ParseTree(invalid, "Invalid.cs"));
        GeneratorRun first = GeneratorHarness.Run(compilation);
        GeneratorRun second = GeneratorHarness.Run(first.Driver, compilation.AddSyntaxTrees(GeneratorHarness.ParseTree("class Unrelated {}", "Unrelated.cs")));

        foreach (GeneratorRun run in new[] { first, second })
        {
            AssertEveryTrackedStepRan(run.GeneratorResult);
            foreach (string name in AllTrackingNames)
            {
                foreach (var (value, _) in Outputs(run.GeneratorResult, name))
                {
                    string? path = FindForbidden(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance), depth: 0);
                    Assert.True(path is null, $"Step {name} outputs a value that roots compiler state: {path}");
                }
            }
        }
    }

    [Fact]
    public void TheForbiddenObjectWalkFindsASymbolHiddenInAGraph()
    {
        // The walk itself must see through records, arrays, collections and private fields.
        Compilation compilation = CreateCompilation();
        INamedTypeSymbol symbol = compilation.GetTypeByMetadataName("Game.Other")!;
        var graph = new { Name = "x", Items = new List<object> { 1, new object[] { new KeyValuePair<string, object>("k", new Holder(symbol)) } } };
        string? path = FindForbidden(graph, "root", new HashSet<object>(ReferenceEqualityComparer.Instance), 0);
        Assert.NotNull(path);
        Assert.Contains("ISymbol", path, StringComparison.Ordinal);
        Assert.Null(FindForbidden(new { A = "x", B = new[] { 1, 2 } }, "root", new HashSet<object>(ReferenceEqualityComparer.Instance), 0));
    }

    // ---- Allocator domains -----------------------------------------------------------------------------------

    private static readonly string[] s_domainsSteps =
        [TrackingNames.AllocatorDomainsModel, TrackingNames.AllocatorDomainsTarget, TrackingNames.AllocatorDomainsSpec, TrackingNames.AllocatorDomainsNameClashes];

    [Fact]
    public void EditingAnotherAllocatorLeavesTheDomainsStepsCached()
    {
        CSharpCompilationAndDriver first = RunFirst();
        SyntaxTree pools = Tree(first.Compilation, PoolsFile);
        int at = pools.GetText().ToString().IndexOf("262144", StringComparison.Ordinal);
        SyntaxTree edited = pools.WithChangedText(pools.GetText().Replace(new Microsoft.CodeAnalysis.Text.TextSpan(at, "262144".Length), "524288"));

        GeneratorRun second = GeneratorHarness.Run(first.Driver, first.Compilation.ReplaceSyntaxTree(pools, edited));

        Assert.Contains(Outputs(second.GeneratorResult, TrackingNames.PoolAllocatorSpec), o => o.Reason == IncrementalStepRunReason.Modified);
        AssertCachedOrUnchanged(second, s_domainsSteps);
        Assert.Equal(first.Run.Source("Game.Memory.Mem.AllocatorDomains.g.cs"), second.Source("Game.Memory.Mem.AllocatorDomains.g.cs"));
    }

    [Fact]
    public void EditingTheDomainsDeclarationReRendersItOnly()
    {
        CSharpCompilationAndDriver first = RunFirst();
        SyntaxTree domains = Tree(first.Compilation, DomainsFile);
        const string before = "[Domain(AllocDomain.Object, typeof(SharedHeap))]";
        int at = domains.GetText().ToString().IndexOf(before, StringComparison.Ordinal);
        SyntaxTree edited = domains.WithChangedText(domains.GetText().Replace(
            new Microsoft.CodeAnalysis.Text.TextSpan(at, before.Length), "[Domain(AllocDomain.Object, typeof(SystemAllocator))]"));

        GeneratorRun second = GeneratorHarness.Run(first.Driver, first.Compilation.ReplaceSyntaxTree(domains, edited));

        Assert.Empty(second.GeneratorDiagnostics);
        var spec = Assert.Single(Outputs(second.GeneratorResult, TrackingNames.AllocatorDomainsSpec));
        Assert.Equal(IncrementalStepRunReason.Modified, spec.Reason);
        Assert.Contains(Outputs(second.GeneratorResult, TrackingNames.AllocatorDomainsModel), o => o.Reason == IncrementalStepRunReason.Modified);
        AssertCachedOrUnchanged(second, [TrackingNames.PoolAllocatorSpec, TrackingNames.BumpArenaModel, TrackingNames.BumpArenaSpec, TrackingNames.OrphanSizeClasses]);
        string source = second.Source("Game.Memory.Mem.AllocatorDomains.g.cs");
        Assert.Contains("new(\"Game.Memory.Mem\", s_allocGenRaw, s_allocGenMem, s_allocGenRaw)", source, StringComparison.Ordinal);
        Assert.NotEqual(first.Run.Source("Game.Memory.Mem.AllocatorDomains.g.cs"), source);
        Assert.Empty(second.OutputErrorsAndWarnings);
    }

    [Fact]
    public void MovingTheDomainsDeclarationMovesItsLocationButDoesNotReRenderIt()
    {
        // The attribute's location (for AG0036) lives in the target step, not in the spec the emitter reads.
        CSharpCompilationAndDriver first = RunFirst();
        SyntaxTree domains = Tree(first.Compilation, DomainsFile);
        SyntaxTree moved = domains.WithChangedText(domains.GetText().Replace(new Microsoft.CodeAnalysis.Text.TextSpan(0, 0), "// a leading comment\n\n"));

        GeneratorRun second = GeneratorHarness.Run(first.Driver, first.Compilation.ReplaceSyntaxTree(domains, moved));

        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Outputs(second.GeneratorResult, TrackingNames.AllocatorDomainsTarget)).Reason);
        AssertCachedOrUnchanged(second, [TrackingNames.AllocatorDomainsSpec, TrackingNames.PoolAllocatorSpec]);
        Assert.Equal(first.Run.Source("Game.Memory.Mem.AllocatorDomains.g.cs"), second.Source("Game.Memory.Mem.AllocatorDomains.g.cs"));
    }

    [Fact]
    public void ChangingTheThreadingOfADomainsPoolInAnotherFileIsSeen()
    {
        // The domains class reads its pool's Threading (AG0034): an edit of the pool's file must reach its model.
        SyntaxTree heap = GeneratorHarness.ParseTree("using AllocGen;\n[PoolAllocator(Threading = ThreadPolicy.Locked)]\npublic sealed partial class AppHeap { }\n", "AppHeap.cs");
        SyntaxTree domains = GeneratorHarness.ParseTree(
            "using AllocGen;\n[AllocatorDomains, Domain(AllocDomain.Raw, typeof(SystemAllocator)), Domain(AllocDomain.Mem, typeof(AppHeap)), Domain(AllocDomain.Object, typeof(AppHeap))]\npublic static partial class AppMem { }\n",
            "AppMem.cs");
        Compilation compilation = GeneratorHarness.CreateCompilation([heap, domains]);
        GeneratorRun first = GeneratorHarness.Run(compilation);
        Assert.Empty(first.GeneratorDiagnostics);

        SyntaxTree single = heap.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(heap.ToString().Replace("(Threading = ThreadPolicy.Locked)", string.Empty, StringComparison.Ordinal)));
        GeneratorRun second = GeneratorHarness.Run(first.Driver, compilation.ReplaceSyntaxTree(heap, single));

        Assert.Equal(["AG0034", "AG0034"], second.GeneratorDiagnostics.Select(d => d.Id));
        Assert.Contains(Outputs(second.GeneratorResult, TrackingNames.AllocatorDomainsModel), o => o.Reason == IncrementalStepRunReason.Modified);

        // And back: the warning goes with the policy.
        GeneratorRun third = GeneratorHarness.Run(second.Driver, compilation);
        Assert.Empty(third.GeneratorDiagnostics);
    }

    // ---- Pool allocator variants ----------------------------------------------------------------------------

    private static readonly string[] s_variantsSteps =
        [TrackingNames.PoolAllocatorVariantsModel, TrackingNames.PoolAllocatorVariantsSpec, TrackingNames.PoolAllocatorVariantsHintClashes, TrackingNames.OrphanVariantSizeClasses];

    [Fact]
    public void EditingAnotherAllocatorLeavesTheVariantsStepsCached()
    {
        CSharpCompilationAndDriver first = RunFirst();
        SyntaxTree pools = Tree(first.Compilation, PoolsFile);
        int at = pools.GetText().ToString().IndexOf("262144", StringComparison.Ordinal);
        SyntaxTree edited = pools.WithChangedText(pools.GetText().Replace(new Microsoft.CodeAnalysis.Text.TextSpan(at, "262144".Length), "524288"));

        GeneratorRun second = GeneratorHarness.Run(first.Driver, first.Compilation.ReplaceSyntaxTree(pools, edited));

        Assert.Contains(Outputs(second.GeneratorResult, TrackingNames.PoolAllocatorSpec), o => o.Reason == IncrementalStepRunReason.Modified);
        AssertCachedOrUnchanged(second, s_variantsSteps);
        Assert.Equal(first.Run.Source("Game.Memory.HeapVariants.PoolAllocatorVariants.g.cs"), second.Source("Game.Memory.HeapVariants.PoolAllocatorVariants.g.cs"));
    }

    [Fact]
    public void EditingAVariantListReRendersTheVariantsOnlyAndAnUnrelatedEditAfterwardsDoesNot()
    {
        CSharpCompilationAndDriver first = RunFirst();
        SyntaxTree variants = Tree(first.Compilation, VariantsFile);
        const string before = "PoolSizes = new[] { 4096, 16384 }";
        int at = variants.GetText().ToString().IndexOf(before, StringComparison.Ordinal);
        SyntaxTree edited = variants.WithChangedText(variants.GetText().Replace(
            new Microsoft.CodeAnalysis.Text.TextSpan(at, before.Length), "PoolSizes = new[] { 4096, 8192 }"));
        Compilation editedCompilation = first.Compilation.ReplaceSyntaxTree(variants, edited);

        GeneratorRun second = GeneratorHarness.Run(first.Driver, editedCompilation);

        Assert.Empty(second.GeneratorDiagnostics);
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Outputs(second.GeneratorResult, TrackingNames.PoolAllocatorVariantsSpec)).Reason);
        AssertCachedOrUnchanged(second, [TrackingNames.PoolAllocatorModel, TrackingNames.PoolAllocatorSpec, TrackingNames.BumpArenaSpec, TrackingNames.AllocatorDomainsSpec]);
        string source = second.Source("Game.Memory.HeapVariants.PoolAllocatorVariants.g.cs");
        Assert.Contains("visitor.Visit<Arena1M_Pool8K_Align16_Set1.Driver>", source, StringComparison.Ordinal);
        Assert.DoesNotContain("Pool16K", source, StringComparison.Ordinal);
        Assert.Equal(first.Run.Source("Game.Memory.GameHeap.PoolAllocator.g.cs"), second.Source("Game.Memory.GameHeap.PoolAllocator.g.cs"));
        Assert.Empty(second.OutputErrorsAndWarnings);

        GeneratorRun third = GeneratorHarness.Run(second.Driver, editedCompilation.AddSyntaxTrees(GeneratorHarness.ParseTree("class Unrelated {}", "Unrelated.cs")));
        AssertAllCachedOrUnchanged(third);
        Assert.Equal(source, third.Source("Game.Memory.HeapVariants.PoolAllocatorVariants.g.cs"));
    }

    [Fact]
    public void ASkippedCombinationsWarningTravelsWithItsCachedSpec()
    {
        const string warned = """
            using AllocGen;

            [PoolAllocatorVariants(ArenaSizes = new[] { 8192, 1 << 20 }, PoolSizes = new[] { 4096, 16384 })]
            public static partial class SomeSkipped
            {
            }
            """;
        Compilation compilation = CreateCompilation().AddSyntaxTrees(GeneratorHarness.ParseTree(warned, "Warned.cs"));
        GeneratorRun first = GeneratorHarness.Run(compilation);
        Assert.Equal("AG0042", Assert.Single(first.GeneratorDiagnostics).Id);
        Assert.Contains("SomeSkipped.PoolAllocatorVariants.g.cs", first.HintNames);

        GeneratorRun second = GeneratorHarness.Run(first.Driver, compilation.AddSyntaxTrees(GeneratorHarness.ParseTree("class Unrelated {}", "Unrelated.cs")));

        AssertAllCachedOrUnchanged(second);
        Assert.Equal(first.GeneratorDiagnostics.Select(d => d.ToString()), second.GeneratorDiagnostics.Select(d => d.ToString()));
    }

    // ---- Helpers -------------------------------------------------------------------------------------------

    private sealed record CSharpCompilationAndDriver(Compilation Compilation, GeneratorDriver Driver, GeneratorRun Run);

    private sealed class Holder(object value)
    {
        private readonly object _value = value;

        public object Value => _value;
    }

    private static Compilation CreateCompilation() =>
        GeneratorHarness.CreateCompilation(
        [
            GeneratorHarness.ParseTree(PoolsSource, PoolsFile),
            GeneratorHarness.ParseTree(ArenaSource, ArenaFile),
            GeneratorHarness.ParseTree(OtherSource, OtherFile),
            GeneratorHarness.ParseTree(DomainsSource, DomainsFile),
            GeneratorHarness.ParseTree(VariantsSource, VariantsFile),
        ]);

    private static CSharpCompilationAndDriver RunFirst()
    {
        Compilation compilation = CreateCompilation();
        GeneratorRun run = GeneratorHarness.Run(compilation);
        Assert.Null(run.GeneratorResult.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        AssertEveryTrackedStepRan(run.GeneratorResult);
        return new CSharpCompilationAndDriver(compilation, run.Driver, run);
    }

    private static SyntaxTree Tree(Compilation compilation, string path) =>
        compilation.SyntaxTrees.Single(t => t.FilePath == path);

    /// <summary>Fails unless every tracking name has at least one step with at least one output in the run.</summary>
    private static void AssertEveryTrackedStepRan(GeneratorRunResult result)
    {
        foreach (string name in AllTrackingNames)
        {
            Assert.True(result.TrackedSteps.TryGetValue(name, out var steps) && !steps.IsEmpty, $"No step named {name} in the run.");
            Assert.True(steps.SelectMany(s => s.Outputs).Any(), $"The steps named {name} have no outputs.");
        }
    }

    private static void AssertAllCachedOrUnchanged(GeneratorRun run)
    {
        Assert.Null(run.GeneratorResult.Exception);
        AssertEveryTrackedStepRan(run.GeneratorResult);
        foreach (string name in AllTrackingNames)
        {
            foreach (var (value, reason) in Outputs(run.GeneratorResult, name))
            {
                Assert.True(
                    reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"Step {name} output {value} is {reason}, expected Cached or Unchanged.");
            }
        }

        // Sources are only added by output steps: those must all be cached as well.
        foreach (var (value, reason) in run.GeneratorResult.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs))
        {
            Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Output step {value} is {reason}.");
        }
    }

    private static void AssertCachedOrUnchanged(GeneratorRun run, IEnumerable<string> names)
    {
        foreach (string name in names)
        {
            Assert.All(Outputs(run.GeneratorResult, name), o =>
                Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: {o.Reason}"));
        }
    }

    private static List<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string name) =>
        result.TrackedSteps.TryGetValue(name, out var steps)
            ? steps.SelectMany(s => s.Outputs).ToList()
            : [];

    private static T ReadProperty<T>(object value, string name) =>
        (T)(value.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new MissingMemberException(value.GetType().Name, name)).GetValue(value)!;

    /// <summary>
    /// Walks <paramref name="value"/>'s object graph through every instance field (public or not), array element
    /// and collection item, and returns the path to the first object that roots compiler state, or null.
    /// </summary>
    private static string? FindForbidden(object? value, string path, HashSet<object> visited, int depth)
    {
        if (value is null || depth > 64)
        {
            return null;
        }

        string? kind = value switch
        {
            ISymbol => nameof(ISymbol),
            SyntaxNode => nameof(SyntaxNode),
            SyntaxTree => nameof(SyntaxTree),
            Compilation => nameof(Compilation),
            SemanticModel => nameof(SemanticModel),
            Location => nameof(Location),
            AttributeData => nameof(AttributeData),
            SyntaxReference => nameof(SyntaxReference),
            _ => null,
        };
        if (kind is not null)
        {
            return $"{path} is a {kind} ({value.GetType().Name})";
        }

        Type type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is string or decimal or Type or MemberInfo or Assembly or Module or Pointer
            || type == typeof(IntPtr) || type == typeof(UIntPtr))
        {
            return null;
        }

        // Roslyn structs that wrap a node (SyntaxToken, SyntaxTrivia, SyntaxNodeOrToken) count as syntax too.
        if (type.Namespace == "Microsoft.CodeAnalysis" && type.Name is "SyntaxToken" or "SyntaxTrivia" or "SyntaxNodeOrToken" or "TypedConstant")
        {
            return $"{path} is a {type.Name}";
        }

        if (!type.IsValueType && !visited.Add(value))
        {
            return null;
        }

        if (value is Delegate d)
        {
            return FindForbidden(d.Target, path + ".Target", visited, depth + 1);
        }

        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (object? item in sequence)
            {
                if (FindForbidden(item, $"{path}[{i++}]", visited, depth + 1) is { } found)
                {
                    return found;
                }
            }
        }

        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer || field.FieldType.IsByRef || field.FieldType.IsByRefLike)
                {
                    continue;
                }

                if (FindForbidden(field.GetValue(value), $"{path}.{field.Name}", visited, depth + 1) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }
}
