using Microsoft.CodeAnalysis;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// Unusual but legal declarations. The generator must never throw (a throw drops the code of every allocator in
/// the compilation, not just the odd one) and what it generates must compile. Tests skipped with "bug: ..." are
/// regression tests for reported generator bugs: remove the Skip once fixed.
/// </summary>
public sealed class EdgeCaseTests
{
    // ---- Known bugs (skipped until fixed) ------------------------------------------------------------------

    [Theory]
    [InlineData("namespace Game; [PoolAllocator] public partial class Heap { } [PoolAllocator] public partial class heap { }")]
    [InlineData("namespace Game; [PoolAllocator] public partial class Heap { } [BumpArena] public partial class HEAP { } [BumpArena] public partial class heap { }")]
    [InlineData("namespace A { [PoolAllocator] public partial class Heap { } } namespace a { [PoolAllocator] public partial class Heap { } }")]
    [InlineData("namespace N { public partial class Outer { [PoolAllocator] public partial class H { } } } namespace N.outer { [PoolAllocator] public partial class H { } }")]
    public void FullNamesDifferingOnlyInCaseAreAllGenerated(string declarations)
    {
        GeneratorRun run = AssertCompilesCleanly("using AllocGen;\n" + declarations);
        Assert.True(run.HintNames.Count >= 2);
    }

    [Theory]
    [InlineData("[PoolAllocator] public partial class @event { }")]
    [InlineData("[BumpArena] public partial class @object { }")]
    [InlineData("public partial class @class { [PoolAllocator] public partial class Heap { } }")]
    public void KeywordTypeNamesAreEscaped(string declaration)
    {
        AssertCompilesCleanly("using AllocGen;\nnamespace Game;\n" + declaration);
    }

    [Fact]
    public void KeywordNamespacesAreAllowed()
    {
        AssertCompilesCleanly("using AllocGen;\nnamespace @class.@int { [PoolAllocator] public partial class Heap { } }");
    }

    [Theory]
    [InlineData("[PoolAllocator] public partial class Heap(int capacity) { public int Capacity => capacity; }")]
    [InlineData("[BumpArena] public partial class Arena(string name) { public string Name => name; }")]
    [InlineData("public class Base { protected Base(int x) { _ = x; } } [PoolAllocator] public partial class Heap : Base { public Heap(string s) : base(s.Length) { } }")]
    public void TypesWithOnlyParameterizedConstructorsCompile(string declarations)
    {
        AssertCompilesCleanly("using AllocGen;\nnamespace Game;\n" + declarations);
    }

    [Fact]
    public void DuplicateAttributeOnTwoPartsDoesNotCrashTheGenerator()
    {
        GeneratorRun run = GeneratorHarness.Run(
            "using AllocGen;\nnamespace Game;\n[PoolAllocator] public partial class Heap { }\n[PoolAllocator] public partial class Heap { }\n[PoolAllocator] public partial class Other { }");
        Assert.Null(run.GeneratorResult.Exception);
        Assert.Contains("Game.Other.PoolAllocator.g.cs", run.HintNames);
    }

    [Fact]
    public void CollectionExpressionElementsAreLocatedPrecisely()
    {
        const string source = "using AllocGen;\n[PoolAllocator, SizeClasses([16, 40, 64])] public partial class Heap { }";
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("AG0012", diagnostic.Id);
        Assert.Equal(source.IndexOf("40", StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
        Assert.Equal(2, diagnostic.Location.SourceSpan.Length);
    }

    // ---- Handled today -------------------------------------------------------------------------------------

    [Theory]
    [InlineData("[PoolAllocator(ArenaSize = \"x\")] public partial class Heap { }", "CS0029")]
    [InlineData("[PoolAllocator(ArenaSize = Missing.Value)] public partial class Heap { }", "CS0103")]
    [InlineData("[PoolAllocator, SizeClasses(1.5)] public partial class Heap { }", "CS1503")]
    [InlineData("[PoolAllocator, SizeClasses(null)] public partial class Heap { }", "CS8625")]
    [InlineData("[PoolAllocator(Unknown = 1)] public partial class Heap { }", "CS0246")]
    [InlineData("[BumpArena(BlockSize = 1.5)] public partial class Arena { }", "CS0266")]
    [InlineData("[PoolAllocator] public partial class Heap : Heap { }", "CS0146")]
    [InlineData("[PoolAllocator] public partial class { }", "CS1001")]
    public void DeclarationsWithCompilerErrorsNeverMakeTheGeneratorThrow(string declaration, string compilerError)
    {
        GeneratorRun run = GeneratorHarness.Run("using AllocGen;\nnamespace Game;\n" + declaration);
        Assert.Null(run.GeneratorResult.Exception);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "AG0099" or "CS8785");
        Assert.Contains(GeneratorHarness.ErrorsAndWarnings(run.InputCompilation), d => d.Id == compilerError);
    }

    [Theory]
    [InlineData("[PoolAllocator] public partial class Ĥeap { } [PoolAllocator] public partial class 堆 { }")]
    [InlineData("[PoolAllocator] public partial class \\u0048eap { }")]
    [InlineData("[global::AllocGen.PoolAllocator(ArenaSize = 1 << 16)] public partial class Heap { }")]
    [InlineData("[PoolAllocatorAttribute] public partial class Heap { }")]
    [InlineData("[PoolAllocator] public abstract partial class Heap { }")]
    [InlineData("public partial interface IHost { [PoolAllocator] public partial class Heap { } }")]
    [InlineData("public partial record struct Host { [BumpArena] public partial class Arena { } }")]
    [InlineData("public static partial class Host { [PoolAllocator] internal sealed partial class Heap { } [BumpArena] internal sealed partial class Arena { } }")]
    [InlineData("[PoolAllocator] public partial class Heap { [PoolAllocator] private partial class Heap2 { } }")]
    [InlineData("[PoolAllocator] public partial class Heap { static Heap() { } }")]
    [InlineData("[PoolAllocator] public partial class Heap { } [SizeClasses(16, 48, 512)] public partial class Heap { }")]
    [InlineData("[PoolAllocator] public partial class Heap { } [BumpArena] public partial class heap2 { }")]
    [InlineData("public class Base { public Base(int x) { _ = x; } } [PoolAllocator] public partial class Heap : Base { public Heap() : base(1) { } }")]
    public void UnusualDeclarationsGenerateCodeThatCompiles(string declarations)
    {
        AssertCompilesCleanly("using AllocGen;\nnamespace Game;\n" + declarations);
    }

    [Fact]
    public void AliasedAttributeIsRecognized()
    {
        GeneratorRun run = GeneratorHarness.Run("using PA = AllocGen.PoolAllocatorAttribute;\n[PA(ArenaSize = 3)] public partial class Heap { }");
        Assert.Equal("AG0004", Assert.Single(run.GeneratorDiagnostics).Id);
    }

    [Fact]
    public void ATypeWithOnlyParameterizedConstructorsKeepsThem()
    {
        // The generator declares no constructor: the heap is set up by a field initializer, which runs in whatever
        // constructor the author wrote, and C# supplies the public parameterless one when the author wrote none.
        GeneratorRun run = AssertCompilesCleanly("using AllocGen;\nnamespace Game;\n[PoolAllocator] public partial class Heap { public Heap(int x) { _ = x; } }");
        Assert.DoesNotContain("public Heap()", run.Source("Game.Heap.PoolAllocator.g.cs"), StringComparison.Ordinal);
    }

    private static GeneratorRun AssertCompilesCleanly(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Null(run.GeneratorResult.Exception);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Format(run.GeneratorDiagnostics));
        Assert.NotEmpty(run.HintNames);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings.Take(10)));
        return run;
    }
}
