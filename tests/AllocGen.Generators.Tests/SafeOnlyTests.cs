using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// A project without AllowUnsafeBlocks gets the safe surface of its pool allocators and bump arenas (AG0037 says so):
/// code without a pointer anywhere, which compiles without unsafe, keeps its geometry text and its cache.
/// </summary>
public sealed class SafeOnlyTests
{
    private const string Declarations = """
        using AllocGen;

        namespace Game.Memory;

        [PoolAllocator(ArenaSize = 262144)]
        public sealed partial class SingleHeap { }

        [PoolAllocator(Threading = ThreadPolicy.Locked)]
        [SizeClasses(16, 32, 48, 64, 128, 256, 512)]
        public sealed partial class LockedHeap { }

        [PoolAllocator(Threading = ThreadPolicy.PerThread, Alignment = 8, PoolSize = 4096)]
        public sealed partial class WorkerHeap { }

        [BumpArena(BlockSize = 65536, Alignment = 16)]
        public sealed partial class Scratch { }
        """;

    [Fact]
    public void EveryDeclarationIsGeneratedWithAnInfoAndCompilesWithoutUnsafe()
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([Declarations], allowUnsafe: false));

        Assert.Null(run.GeneratorResult.Exception);
        Assert.Equal(4, run.Result.GeneratedTrees.Length);
        Assert.Equal(4, run.GeneratorDiagnostics.Length);
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(("AG0037", DiagnosticSeverity.Info), (d.Id, d.Severity)));
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
    }

    [Fact]
    public void TheSafeOnlyOutputHasNoUnsafeKeywordAndNoPointerType()
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([Declarations], allowUnsafe: false));

        foreach (SyntaxTree tree in run.Result.GeneratedTrees)
        {
            SyntaxNode root = tree.GetRoot();
            Assert.DoesNotContain(root.DescendantTokens(), t => t.IsKind(SyntaxKind.UnsafeKeyword));
            Assert.Empty(root.DescendantNodes().OfType<PointerTypeSyntax>());
            Assert.Empty(root.DescendantNodes().OfType<FunctionPointerTypeSyntax>());
        }
    }

    [Fact]
    public void TheDetectionOfPointersFindsThemInTheUnsafeOutput()
    {
        // The check above must be able to fail: the same declarations with unsafe allowed have both.
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([Declarations], allowUnsafe: true));

        Assert.All(run.Result.GeneratedTrees, tree =>
        {
            Assert.Contains(tree.GetRoot().DescendantTokens(), t => t.IsKind(SyntaxKind.UnsafeKeyword));
            Assert.NotEmpty(tree.GetRoot().DescendantNodes().OfType<PointerTypeSyntax>());
        });
    }

    [Theory]
    [InlineData("SingleHeap")]
    [InlineData("LockedHeap")]
    [InlineData("WorkerHeap")]
    public void TheGeometryStructAndClassTableAreTheSameTextWithAndWithoutUnsafe(string heap)
    {
        string hint = $"Game.Memory.{heap}.PoolAllocator.g.cs";
        string safe = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([Declarations], allowUnsafe: false)).Source(hint);
        string full = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([Declarations], allowUnsafe: true)).Source(hint);

        Assert.Equal(Member(full, "AllocGenGeometry"), Member(safe, "AllocGenGeometry"));
        Assert.Equal(Member(full, "AllocGenClassTable"), Member(safe, "AllocGenClassTable"));
        Assert.Equal(Constants(full), Constants(safe));
    }

    [Fact]
    public void TheSafeOnlyPoolHasTheSafeMembersAndAnAllocatorButNoPointerMembers()
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([Declarations], allowUnsafe: false));
        INamedTypeSymbol heap = run.OutputCompilation.GetTypeByMetadataName("Game.Memory.LockedHeap")!;
        var names = heap.GetMembers().Where(m => !m.IsImplicitlyDeclared && m.DeclaredAccessibility == Accessibility.Public).Select(m => m.Name).ToHashSet();

        Assert.Superset(
            new HashSet<string> { "ArenaSize", "PoolSize", "Alignment", "SmallRequestThreshold", "SizeClassCount", "PoolsPerArena", "HeaderPoolsPerArena", "Threading", "IsThreadSafe", "SizeClasses", "Allocator", "RentSpan", "Rent", "AsMemoryPool", "GetStats", "DumpStats", "Trim", "ReusePolicy", "Dispose" },
            names);
        Assert.DoesNotContain("Allocate", names);
        Assert.DoesNotContain("Free", names);
        Assert.Equal("AllocGen.IAllocator", ((IPropertySymbol)heap.GetMembers("Allocator").Single()).Type.ToDisplayString());
        Assert.DoesNotContain(heap.AllInterfaces, i => i.Name == "IAllocator");

        INamedTypeSymbol arena = run.OutputCompilation.GetTypeByMetadataName("Game.Memory.Scratch")!;
        Assert.Single(arena.GetMembers("RentSpan"));
        Assert.Empty(arena.GetMembers("AllocateSpan"));
        Assert.Empty(arena.GetMembers("Allocate"));
    }

    [Fact]
    public void ADomainsClassStillNeedsUnsafeWhileItsPoolGetsTheSafeSurface()
    {
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            [PoolAllocator(Threading = ThreadPolicy.Locked)]
            public sealed partial class SharedHeap { }

            [AllocatorDomains]
            [Domain(AllocDomain.Raw, typeof(SystemAllocator))]
            [Domain(AllocDomain.Mem, typeof(SystemAllocator))]
            [Domain(AllocDomain.Object, typeof(SystemAllocator))]
            public static partial class Mem { }
            """;
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([source], allowUnsafe: false));

        Assert.Equal(["AG0019", "AG0037"], run.GeneratorDiagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["Game.Memory.SharedHeap.PoolAllocator.g.cs"], run.HintNames);
    }

    [Fact]
    public void RunningASafeOnlyCompilationAgainWithNothingChangedLeavesEveryStepCached()
    {
        Compilation compilation = GeneratorHarness.CreateCompilation([Declarations], allowUnsafe: false);
        GeneratorRun first = GeneratorHarness.Run(compilation);
        GeneratorRun second = GeneratorHarness.Run(first.Driver, compilation.AddSyntaxTrees(GeneratorHarness.ParseTree("class Unrelated { }", "Unrelated.cs")));

        Assert.Equal(first.HintNames, second.HintNames);
        foreach (string name in new[] { TrackingNames.PoolAllocatorModel, TrackingNames.PoolAllocatorSpec, TrackingNames.BumpArenaModel, TrackingNames.BumpArenaSpec })
        {
            var outputs = second.GeneratorResult.TrackedSteps[name].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: {o.Reason}"));
        }

        Assert.All(
            second.GeneratorResult.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void AllowingUnsafeCodeModifiesEverySpecAndRegeneratesThePointerMembers()
    {
        // The flag is part of the value-equal spec: toggling it is seen, and the output follows.
        Compilation safe = GeneratorHarness.CreateCompilation([Declarations], allowUnsafe: false);
        GeneratorRun first = GeneratorHarness.Run(safe);
        GeneratorRun second = GeneratorHarness.Run(first.Driver, safe.WithOptions(((CSharpCompilationOptions)safe.Options).WithAllowUnsafe(true)));

        Assert.Empty(second.GeneratorDiagnostics);
        Assert.All(
            second.GeneratorResult.TrackedSteps[TrackingNames.PoolAllocatorSpec].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
        Assert.Contains("unsafe partial class SingleHeap", second.Source("Game.Memory.SingleHeap.PoolAllocator.g.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe partial class", first.Source("Game.Memory.SingleHeap.PoolAllocator.g.cs"), StringComparison.Ordinal);
    }

    /// <summary>The text of the member (field, property or nested type) named <paramref name="name"/>.</summary>
    private static string Member(string source, string name) =>
        CSharpSyntaxTree.ParseText(source).GetRoot().DescendantNodes().OfType<MemberDeclarationSyntax>()
            .Single(m => m switch
            {
                PropertyDeclarationSyntax p => p.Identifier.ValueText == name,
                BaseTypeDeclarationSyntax t => t.Identifier.ValueText == name,
                _ => false,
            })
            .ToFullString();

    private static string Constants(string source) =>
        string.Concat(CSharpSyntaxTree.ParseText(source).GetRoot().DescendantNodes().OfType<FieldDeclarationSyntax>()
            .Where(f => f.Modifiers.Any(SyntaxKind.ConstKeyword))
            .Select(f => f.ToFullString()));
}
