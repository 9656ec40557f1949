using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Xunit;
using Expected = AllocGen.Generators.Tests.DiagnosticTests.Expected;

namespace AllocGen.Generators.Tests;

/// <summary>
/// Declarations the generated members cannot be added to: a member of the user's type with a generated member's name
/// (and, for a method, its parameters), a base class member the generated one would hide, a file-local type. Each is
/// an AG error at the user's declaration, and nothing is generated for the type, so the user never sees a compiler
/// error inside a generated file.
/// </summary>
public sealed class ClashDiagnosticTests
{
    // ---- AG0023: a member of the type itself ---------------------------------------------------------------

    [Theory]
    [InlineData("public void Dispose() { }", "Dispose", "'Game.Heap.Dispose()' clashes with 'Dispose()', which AllocGen generates for 'Game.Heap'")]
    [InlineData("public static void Dispose() { }", "Dispose", "'Dispose()'")]
    [InlineData("public void* Allocate(nuint size) => null;", "Allocate", "'Allocate(nuint)'")]
    [InlineData("public void* Allocate(System.UIntPtr size) => null;", "Allocate", "'Allocate(nuint)'")]
    [InlineData("public TItem* Allocate<TItem>() where TItem : unmanaged => null;", "Allocate", "'Allocate<T>()'")]
    [InlineData("public void Free(void* pointer) { }", "Free", "'Free(void*)'")]
    [InlineData("public void* Reallocate(void* pointer, nuint newSize) => pointer;", "Reallocate", "'Reallocate(void*, nuint)'")]
    [InlineData("public AllocGen.Stats.AllocatorStats GetStats() => null!;", "GetStats", "'GetStats()'")]
    [InlineData("public int GetStats() => 0;", "GetStats", "'GetStats()'")] // the return type does not overload
    [InlineData("public const int ArenaSize = 1 << 20;", "ArenaSize", "'ArenaSize'")]
    [InlineData("public int PoolSize() => 0;", "PoolSize", "'PoolSize'")]
    [InlineData("public int Trim { get; set; }", "Trim", "'Trim()'")]
    [InlineData("public object? _allocGenHeap;", "_allocGenHeap", "'_allocGenHeap'")]
    [InlineData("private struct AllocGenGeometry { }", "AllocGenGeometry", "'AllocGenGeometry'")]
    public void AG0023_PoolMember(string member, string identifier, string message)
    {
        string source = Type("[PoolAllocator]", member);
        DiagnosticTests.AssertDiagnostics(source, new Expected("AG0023", identifier, Within: member, MessageContains: message));
    }

    [Theory]
    [InlineData("public void Reset() { }", "Reset", "'Reset()'")]
    [InlineData("public void Own(System.IDisposable owned) { }", "Own", "'Own(System.IDisposable)'")]
    [InlineData("public System.Span<T> AllocateSpan<T>(int count) where T : unmanaged => default;", "AllocateSpan", "'AllocateSpan<T>(int)'")]
    [InlineData("public const int BlockSize = 4096;", "BlockSize", "'BlockSize'")]
    [InlineData("public long BytesAllocated;", "BytesAllocated", "'BytesAllocated'")]
    public void AG0023_BumpArenaMember(string member, string identifier, string message)
    {
        string source = Type("[BumpArena]", member);
        DiagnosticTests.AssertDiagnostics(source, new Expected("AG0023", identifier, Within: member, MessageContains: message));
    }

    [Theory]
    [InlineData("[PoolAllocator]", "public void* Allocate(int size) => null;")]
    [InlineData("[PoolAllocator]", "public void Allocate<T, U>() { }")]
    [InlineData("[PoolAllocator]", "public void Free(byte* pointer) { }")]
    [InlineData("[PoolAllocator]", "public void Free(ref byte pointer) { }")]
    [InlineData("[PoolAllocator]", "public void Dispose(bool disposing) { }")]
    [InlineData("[PoolAllocator]", "private sealed class AllocGenGeometry<T> { }")]
    [InlineData("[PoolAllocator]", "public Heap() { }")]
    [InlineData("[BumpArena]", "public void Own(object owned) { }")]
    [InlineData("[BumpArena]", "public System.Span<T> AllocateSpan<T>(long count) where T : unmanaged => default;")]
    public void OverloadsAndOtherMembersAreNotClashes(string attribute, string member)
    {
        DiagnosticTests.AssertValid(Type(attribute, member));
    }

    [Fact]
    public void AG0023_EveryMemberTheTypeHoldsIsReported()
    {
        string source = Type("[PoolAllocator]", "public void Dispose() { } public void Trim() { } public int Unrelated() => 0;");
        DiagnosticTests.AssertDiagnostics(source,
            new Expected("AG0023", "Dispose"),
            new Expected("AG0023", "Trim"));
    }

    [Fact]
    public void AG0023_MemberInAnotherPartIsReportedInItsFile()
    {
        const string declaration = "using AllocGen;\nnamespace Game;\n[PoolAllocator] public sealed partial class Heap { }\n";
        const string otherPart = "namespace Game;\npublic sealed partial class Heap\n{\n    public void Dispose() { }\n}\n";
        GeneratorRun run = GeneratorHarness.Run(declaration, otherPart);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("AG0023", diagnostic.Id);
        Assert.Equal("Source1.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(otherPart.IndexOf("Dispose", StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
        Assert.Empty(run.Result.GeneratedTrees);
        Assert.Empty(GeneratorHarness.ErrorsAndWarnings(run.InputCompilation));
    }

    [Theory]
    [InlineData("[PoolAllocator]", "Alignment", "'Game.Alignment' clashes with 'Alignment'")]
    [InlineData("[PoolAllocator]", "Free", "'Free(void*)'")]
    [InlineData("[BumpArena]", "Reset", "'Reset()'")]
    public void AG0023_TypeNamedLikeAGeneratedMember(string attribute, string name, string message)
    {
        // A member cannot have its type's name (CS0542): reported at the type's name.
        string source = $"using AllocGen;\n\nnamespace Game;\n\n{attribute}\npublic sealed partial class {name}\n{{\n}}\n";
        DiagnosticTests.AssertDiagnostics(source, new Expected("AG0023", name, Within: "class " + name, MessageContains: message));
    }

    /// <summary>
    /// Independent of how the generator learns its own members: every member of the compiled generated type, read by
    /// reflection, is reported when the user's type declares a field of that name, and every public method when the
    /// user declares one with its parameters.
    /// </summary>
    [Theory]
    [InlineData("[PoolAllocator]")]
    [InlineData("[BumpArena]")]
    public void AG0023_CoversEveryGeneratedMember(string attribute)
    {
        const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        GeneratorRun run = GeneratorHarness.Run(Type(attribute, string.Empty));
        using LoadedAssembly loaded = GeneratorHarness.EmitAndLoad(run.OutputCompilation);
        Type generated = loaded.Assembly.GetType("Game.Heap", throwOnError: true)!;
        MemberInfo[] members = generated.GetMembers(declared)
            .Where(m => m is not ConstructorInfo && !(m is MethodInfo { IsSpecialName: true }) && !m.Name.Contains('<', StringComparison.Ordinal) && !m.Name.Contains('.', StringComparison.Ordinal))
            .ToArray();
        Assert.Contains(members, m => m.Name == "Dispose");

        foreach (string name in members.Select(m => m.Name).Distinct())
        {
            string member = $"public int {name};";
            DiagnosticTests.AssertDiagnostics(Type(attribute, member), new Expected("AG0023", name, Within: member));
        }

        foreach (MethodInfo method in members.OfType<MethodInfo>().Where(m => m.IsPublic))
        {
            string typeParameters = method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;
            string parameters = string.Join(", ", method.GetParameters().Select((p, i) => CSharpName(p.ParameterType) + " p" + i));
            string member = $"public static void {method.Name}{typeParameters}({parameters}) {{ }}";
            DiagnosticTests.AssertDiagnostics(Type(attribute, member), new Expected("AG0023", method.Name, Within: member));
        }
    }

    // ---- AG0024: a member of a base class ------------------------------------------------------------------

    [Theory]
    [InlineData("public class Base { public virtual void Dispose() { } }", "public partial class Heap : Base", "Base", "'Game.Heap' inherits 'Game.Base.Dispose()', which the generated 'Dispose()' would hide")] // CS0114
    [InlineData("public abstract class Base { public abstract void Dispose(); }", "public abstract partial class Heap : Base", "Base", "'Game.Base.Dispose()'")] // CS0533
    [InlineData("public class Base { public void Trim() { } }", "public partial class Heap : Base", "Base", "'Game.Base.Trim()'")] // CS0108
    [InlineData("public class Base { protected int Alignment; }", "public partial class Heap : Base", "Base", "'Game.Base.Alignment'")]
    [InlineData("public class Base { public int Free; }", "public partial class Heap : Base", "Base", "'Game.Base.Free'")]
    [InlineData("public class Root { public virtual void Dispose() { } } public class Base : Root { }", "public partial class Heap : Base", "Base", "'Game.Root.Dispose()'")]
    [InlineData("public class Base { public virtual void Dispose() { } }", "public partial class Heap : Game.Base, System.IDisposable", "Game.Base", "or do not derive 'Game.Heap' from 'Game.Base'")]
    [InlineData("", "public partial class Heap : System.ComponentModel.Component", "System.ComponentModel.Component", "'System.ComponentModel.Component.Dispose()'")]
    public void AG0024_InheritedMember(string baseDeclarations, string heapDeclaration, string baseListEntry, string message)
    {
        string source = $"using AllocGen;\n\nnamespace Game;\n\n{baseDeclarations}\n\n[PoolAllocator]\n{heapDeclaration}\n{{\n}}\n";
        DiagnosticTests.AssertDiagnostics(source, new Expected("AG0024", baseListEntry, Within: heapDeclaration, MessageContains: message));
    }

    [Fact]
    public void AG0024_BumpArenaBase()
    {
        const string source = "using AllocGen;\n\nnamespace Game;\n\npublic class Base { public virtual void Reset() { } }\n\n[BumpArena]\npublic partial class Arena : Base\n{\n}\n";
        DiagnosticTests.AssertDiagnostics(source, new Expected("AG0024", "Base", Within: ": Base", MessageContains: "'Game.Base.Reset()'"));
    }

    [Fact]
    public void AG0024_EachHiddenMemberIsReportedOnce()
    {
        const string source = """
            using AllocGen;

            namespace Game;

            public class Root { public virtual void Dispose() { } }
            public class Base : Root { public override void Dispose() { } public void Trim() { } }

            [PoolAllocator]
            public partial class Heap : Base
            {
            }
            """;
        GeneratorRun run = DiagnosticTests.AssertDiagnostics(source,
            new Expected("AG0024", "Base", Within: ": Base"),
            new Expected("AG0024", "Base", Within: ": Base"));
        Assert.Equal(
            ["'Game.Base.Dispose()'", "'Game.Base.Trim()'"],
            run.GeneratorDiagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Split(" inherits ")[1].Split(", which")[0]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("[PoolAllocator]", "[PoolAllocator(ArenaSize = 65536)]")]
    [InlineData("[BumpArena]", "[PoolAllocator(ArenaSize = 65536)]")]
    [InlineData("[PoolAllocator]", "[BumpArena(BlockSize = 4096)]")]
    public void AG0024_AllocatorDerivedFromAnAllocator(string baseAttribute, string derivedAttribute)
    {
        // The base's generated members are not in the compilation the generator reads; one diagnostic, the base is generated.
        string source = $"using AllocGen;\n\nnamespace Game;\n\n{baseAttribute}\npublic partial class BaseHeap\n{{\n}}\n\n{derivedAttribute}\npublic sealed partial class Heap : BaseHeap\n{{\n}}\n";
        GeneratorRun run = DiagnosticTests.AssertDiagnostics(source, [new Expected("AG0024", "BaseHeap", Within: ": BaseHeap", MessageContains: "'Game.Heap' inherits 'Game.BaseHeap.")], expectNoSource: false);
        Assert.Single(run.HintNames);
        Assert.StartsWith("Game.BaseHeap.", run.HintNames[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public class Base { private void Dispose() { } private int Alignment() => 0; }")]
    [InlineData("public class Base { protected virtual void Dispose(bool disposing) { } public void Free(byte* pointer) { } }")]
    [InlineData("public class Base { public static int Unrelated; }")]
    [InlineData("public abstract class Base : System.IDisposable { void System.IDisposable.Dispose() { } }")]
    public void InaccessibleAndOverloadedBaseMembersAreNotClashes(string baseDeclaration)
    {
        DiagnosticTests.AssertValid($"using AllocGen;\n\nnamespace Game;\n\npublic unsafe {baseDeclaration.Substring("public ".Length)}\n\n[PoolAllocator]\npublic partial class Heap : Base\n{{\n}}\n");
    }

    // ---- AG0025: file-local --------------------------------------------------------------------------------

    [Theory]
    [InlineData("[PoolAllocator]\nfile sealed partial class Heap { }", "PoolAllocator", "'Heap' is a file-local type")]
    [InlineData("[BumpArena(BlockSize = 4096)]\nfile sealed partial class Scratch { }", "BumpArena(BlockSize = 4096)", "'Scratch' is a file-local type")]
    [InlineData("file partial class Outer\n{\n    [PoolAllocator]\n    public sealed partial class Heap { }\n}", "PoolAllocator", "'Outer' is a file-local type: AllocGen adds the allocator's members to 'Outer.Heap'")]
    public void AG0025_FileLocalType(string declaration, string attribute, string message)
    {
        string source = "using AllocGen;\n\n" + declaration + "\n";
        DiagnosticTests.AssertDiagnostics(source, new Expected("AG0025", attribute, MessageContains: message));
    }

    // ---- Helpers -------------------------------------------------------------------------------------------

    private static string Type(string attribute, string members) =>
        $"using AllocGen;\n\nnamespace Game;\n\n{attribute}\npublic sealed unsafe partial class Heap\n{{\n    {members}\n}}\n";

    private static string CSharpName(System.Type type) => type switch
    {
        { IsPointer: true } => CSharpName(type.GetElementType()!) + "*",
        { IsGenericParameter: true } => type.Name,
        _ when type == typeof(void) => "void",
        _ when type == typeof(int) => "int",
        _ when type == typeof(nuint) => "nuint",
        _ => "global::" + type.FullName,
    };
}
