using Microsoft.CodeAnalysis;
using Xunit;
using static AllocGen.Generators.Tests.DiagnosticTests;

namespace AllocGen.Generators.Tests;

/// <summary>
/// The diagnostics of [AllocatorDomains] declarations (AG0029 to AG0036, and the shared AG0001, AG0016, AG0023 on a
/// domains class): id, span, message arguments, and that each goes away once the declaration is fixed.
/// </summary>
public sealed class DomainsDiagnosticTests
{
    private const string Raw = "[Domain(AllocDomain.Raw, typeof(SystemAllocator))]";
    private const string Mem = "[Domain(AllocDomain.Mem, typeof(SystemAllocator))]";
    private const string Object = "[Domain(AllocDomain.Object, typeof(SystemAllocator))]";

    /// <summary>Every member of IAllocator, so that a test type implements it (the bodies are never run).</summary>
    private const string AllocatorBody = """
            public bool IsThreadSafe => true;
            public void* Allocate(nuint size) => null;
            public void* AllocateAligned(nuint size, nuint alignment) => null;
            public void* AllocateZeroed(nuint count, nuint size) => null;
            public void* Reallocate(void* pointer, nuint newSize) => null;
            public void Free(void* pointer) { }
            public bool Owns(void* pointer) => false;
            public nuint UsableSize(void* pointer) => 0;
            public AllocGen.Stats.AllocatorStats GetStats() => new() { LargeBlocks = 0, LargeBytes = 0 };
            public void Dispose() { }
        """;

    private static string Domains(string domains, string declaration = "public static partial class Mem { }") =>
        "using AllocGen;\n\n[AllocatorDomains]\n" + domains + "\n" + declaration + "\n";

    private static string Valid => Domains(Raw + "\n" + Mem + "\n" + Object);

    [Fact]
    public void TheValidDeclarationHasNoDiagnostic() => AssertValid(Valid);

    // ---- AG0029: not a static class ------------------------------------------------------------------------

    [Theory]
    [InlineData("public partial class Mem { }", null, "an instance class")]
    [InlineData("public sealed partial class Mem { }", null, "an instance class")]
    [InlineData("public partial record Mem { }", null, "a record")]
    [InlineData("public partial struct Mem { }", "CS0592", "a struct")]
    public void AG0029_NotAStaticClass(string declaration, string? compilerError, string kind)
    {
        string source = Domains(Raw + "\n" + Mem + "\n" + Object, declaration);
        AssertDiagnostics(source, [new Expected("AG0029", "AllocatorDomains", MessageContains: "'Mem' must be a static partial class, not " + kind + ":")],
            compilerErrors: compilerError is null ? [] : [compilerError, compilerError, compilerError, compilerError]);
    }

    [Fact]
    public void AG0001_DomainsClassNotPartial()
    {
        AssertDiagnostics(Domains(Raw + "\n" + Mem + "\n" + Object, "public static class Mem { }"), new Expected("AG0001", "AllocatorDomains", MessageContains: "'Mem' must be declared partial"));
    }

    [Fact]
    public void AG0003_GenericDomainsClass()
    {
        AssertDiagnostics(Domains(Raw + "\n" + Mem + "\n" + Object, "public static partial class Mem<T> { }"), new Expected("AG0003", "AllocatorDomains"));
    }

    // ---- AG0030: declared twice ----------------------------------------------------------------------------

    [Fact]
    public void AG0030_DomainDeclaredTwiceIsReportedAtTheSecondDomainArgument()
    {
        const string second = "[Domain(AllocDomain.Mem, typeof(AllocGen.SystemAllocator))]";
        string source = Domains(Raw + "\n" + Mem + "\n" + Object + "\n" + second);
        AssertDiagnostics(source, new Expected("AG0030", "AllocDomain.Mem", Within: second, MessageContains: "The Mem domain of 'Mem' is already declared"));
    }

    [Fact]
    public void AG0030_ByNamedArguments()
    {
        const string second = "[Domain(allocatorType: typeof(SystemAllocator), domain: AllocDomain.Raw)]";
        AssertDiagnostics(Domains(Raw + "\n" + Mem + "\n" + Object + "\n" + second), new Expected("AG0030", "domain: AllocDomain.Raw"));
    }

    // ---- AG0031: missing -----------------------------------------------------------------------------------

    [Theory]
    [InlineData(Raw + "\n" + Mem, "the Object domain")]
    [InlineData(Mem, "the Raw and Object domains")]
    [InlineData("", "the Raw, Mem and Object domains")]
    public void AG0031_MissingDomainsAreNamedAtTheAttribute(string domains, string missing)
    {
        AssertDiagnostics(Domains(domains), new Expected("AG0031", "AllocatorDomains", MessageContains: "'Mem' declares no allocator for " + missing + ":"));
    }

    // ---- AG0032: undefined domain --------------------------------------------------------------------------

    [Fact]
    public void AG0032_UndefinedDomainAtItsArgument()
    {
        string source = Domains(Raw + "\n" + Mem + "\n" + Object + "\n[Domain((AllocDomain)7, typeof(SystemAllocator))]");
        AssertDiagnostics(source, new Expected("AG0032", "(AllocDomain)7", MessageContains: "Domain 7 is not an AllocDomain"));
    }

    [Fact]
    public void AG0032_AnUndefinedDomainDoesNotCountAsTheMissingOne()
    {
        string source = Domains(Raw + "\n" + Mem + "\n[Domain((AllocDomain)(-1), typeof(SystemAllocator))]");
        AssertDiagnostics(source, new Expected("AG0032", "(AllocDomain)(-1)", MessageContains: "Domain -1 is not"), new Expected("AG0031", "AllocatorDomains", MessageContains: "the Object domain"));
    }

    // ---- AG0033: not a constructible IAllocator ------------------------------------------------------------

    [Theory]
    [InlineData("typeof(object)", "", "it does not implement AllocGen.IAllocator")]
    [InlineData("typeof(int[])", "", "it is not a class or struct")]
    [InlineData("typeof(IAllocator)", "", "it is an interface")]
    [InlineData("typeof(Tools)", "public static class Tools { }", "it is static")]
    [InlineData("typeof(Base)", "public abstract unsafe class Base : IAllocator { BODY }", "it is abstract")]
    [InlineData("typeof(Open<>)", "public sealed unsafe class Open<T> : IAllocator { BODY }", "it is an open generic type")]
    [InlineData("typeof(Sized)", "public sealed unsafe class Sized : IAllocator { public Sized(int size) { } BODY }", "it has no public parameterless constructor")]
    [InlineData("typeof(Hidden)", "public sealed unsafe class Hidden : IAllocator { internal Hidden() { } BODY }", "it has no public parameterless constructor")]
    [InlineData("typeof(Stacked)", "public unsafe ref struct Stacked : IAllocator { BODY }", "it is a ref struct, which a static field cannot hold")]
    [InlineData("null", "", "no type is given")]
    public void AG0033_AllocatorTypeAtItsTypeofArgument(string typeArgument, string declaration, string reason)
    {
        string domain = "[Domain(AllocDomain.Object, " + typeArgument + ")]";
        string source = Domains(Raw + "\n" + Mem + "\n" + domain) + declaration.Replace("BODY", AllocatorBody, StringComparison.Ordinal) + "\n";
        string[] compilerErrors = typeArgument switch
        {
            "null" => ["CS8625"], // a null literal for a non-nullable Type parameter: a warning, and AG0033
            "typeof(Stacked)" => ["CS9245", "CS9245"], // the compiler's own: a ref struct cannot take IAllocator's two default members (BlockAlignment, DumpStats)
            _ => [],
        };
        AssertDiagnostics(source, [new Expected("AG0033", typeArgument, Within: domain, MessageContains: "cannot serve the Object domain: " + reason + ";")], compilerErrors: compilerErrors);
    }

    [Theory]
    [InlineData("public sealed unsafe class Counting : IAllocator { BODY }")]
    [InlineData("public unsafe struct Counting : IAllocator { BODY }")]
    [InlineData("public sealed class Closed<T> : Counting { } public unsafe class Counting : IAllocator { BODY }")]
    public void AG0033_IsNotReportedForAConstructibleAllocator(string declaration)
    {
        string type = declaration.Contains("Closed<T>", StringComparison.Ordinal) ? "Closed<int>" : "Counting";
        AssertValid(Domains(Raw + "\n" + Mem + "\n[Domain(AllocDomain.Object, typeof(" + type + "))]") + declaration.Replace("BODY", AllocatorBody, StringComparison.Ordinal) + "\n");
    }

    // ---- AG0034: a single-threaded pool --------------------------------------------------------------------

    [Fact]
    public void AG0034_SingleThreadedPoolWarnsAtEachDomainItServesAndIsGenerated()
    {
        const string source = """
            using AllocGen;

            [PoolAllocator]
            public sealed partial class AppHeap { }

            [AllocatorDomains]
            [Domain(AllocDomain.Raw, typeof(AppHeap))]
            [Domain(AllocDomain.Mem, typeof(SystemAllocator))]
            [Domain(AllocDomain.Object, typeof(AppHeap))]
            public static partial class Mem { }
            """;
        GeneratorRun run = AssertDiagnostics(source,
            [
                new Expected("AG0034", "typeof(AppHeap)", Within: "[Domain(AllocDomain.Raw, typeof(AppHeap))]", Severity: DiagnosticSeverity.Warning,
                    MessageContains: "The Raw domain of 'Mem' is served by 'AppHeap', a [PoolAllocator] with ThreadPolicy.SingleThreaded, but a domain is static and reachable from any thread (and Raw must be safe from any thread): declare 'AppHeap' with Threading = ThreadPolicy.Locked or ThreadPolicy.PerThread"),
                new Expected("AG0034", "typeof(AppHeap)", Within: "[Domain(AllocDomain.Object, typeof(AppHeap))]", Severity: DiagnosticSeverity.Warning,
                    MessageContains: "The Object domain of 'Mem' is served by 'AppHeap', a [PoolAllocator] with ThreadPolicy.SingleThreaded, but a domain is static and reachable from any thread: declare"),
            ],
            expectNoSource: false);
        Assert.Equal(["AppHeap.PoolAllocator.g.cs", "Mem.AllocatorDomains.g.cs"], run.HintNames);
        Assert.Empty(run.OutputErrorsAndWarnings);
        Assert.Contains("is not thread-safe (ThreadPolicy.SingleThreaded)", run.Source("Mem.AllocatorDomains.g.cs"), StringComparison.Ordinal);

        AssertValid(source.Replace("[PoolAllocator]", "[PoolAllocator(Threading = ThreadPolicy.PerThread)]", StringComparison.Ordinal));
        AssertValid(source.Replace("[PoolAllocator]", "[PoolAllocator(Threading = ThreadPolicy.Locked)]", StringComparison.Ordinal));
    }

    // ---- AG0035: [Domain] alone ----------------------------------------------------------------------------

    [Fact]
    public void AG0035_DomainWithoutAllocatorDomainsAtTheFirstDomain()
    {
        string source = "using AllocGen;\n\n" + Raw + "\n" + Mem + "\n" + Object + "\npublic static partial class Mem { }\n";
        AssertDiagnostics(source, new Expected("AG0035", Raw.Trim('[', ']'), MessageContains: "[Domain] on 'Mem' only applies to an [AllocatorDomains] class"));
    }

    // ---- AG0036: two names that differ only in case --------------------------------------------------------

    [Fact]
    public void AG0036_NamesThatDifferOnlyInCaseAreReportedOnBothAndNeitherIsGenerated()
    {
        string first = "[AllocatorDomains]\n" + Raw + "\n" + Mem + "\n" + Object + "\npublic static partial class Mem { }\n";
        string second = "[AllocatorDomains]\n" + Raw + "\n" + Mem + "\n" + Object + "\npublic static partial class MEM { }\n";
        string source = "using AllocGen;\n\nnamespace Game\n{\n" + first + "}\n\nnamespace GAME\n{\n" + second + "}\n";
        AssertDiagnostics(source,
            new Expected("AG0036", "AllocatorDomains", Within: first, MessageContains: "'Game.Mem' and 'GAME.MEM' are [AllocatorDomains] classes whose full names differ only in letter case"),
            new Expected("AG0036", "AllocatorDomains", Within: second, MessageContains: "'GAME.MEM' and 'Game.Mem' are"));

        // Names that differ otherwise are fine.
        AssertValid("using AllocGen;\n\nnamespace Game\n{\n" + first + "}\n\nnamespace Tools\n{\n" + first + "}\n");
    }

    // ---- Shared diagnostics on a domains class -------------------------------------------------------------

    [Theory]
    [InlineData("[PoolAllocator]\n", "PoolAllocator", "[PoolAllocator] and [AllocatorDomains]")]
    [InlineData("[BumpArena]\n", "BumpArena", "[BumpArena] and [AllocatorDomains]")]
    public void AG0016_AnotherKindOnTheDomainsClass(string other, string spanText, string message)
    {
        string source = Domains(other + Raw + "\n" + Mem + "\n" + Object, "public sealed partial class Mem { }");
        AssertDiagnostics(source, new Expected("AG0016", spanText, MessageContains: "'Mem' has both " + message + "; an allocator type is one or the other"));
    }

    [Theory]
    [InlineData("public static void* Malloc(nuint size) => null;", "Malloc", "Malloc(nuint)")]
    [InlineData("public static string CurrentMode => \"\";", "CurrentMode", "CurrentMode")]
    [InlineData("internal static int s_allocGenRaw = 1;", "s_allocGenRaw", "s_allocGenRaw")]
    public void AG0023_MemberClashesWithAGeneratedOne(string member, string spanText, string generated)
    {
        string source = Domains(Raw + "\n" + Mem + "\n" + Object, "public static unsafe partial class Mem\n{\n    " + member + "\n}");
        AssertDiagnostics(source, new Expected("AG0023", spanText, MessageContains: "clashes with '" + generated + "', which AllocGen generates for 'Mem'"));
    }

    [Fact]
    public void AnOverloadOfAGeneratedMemberIsFine() =>
        AssertValid(Domains(Raw + "\n" + Mem + "\n" + Object, "public static unsafe partial class Mem\n{\n    public static void* Malloc(int size) => null;\n}"));

    [Fact]
    public void AG0019_UnsafeNotAllowed()
    {
        AssertDiagnostics(Valid, [new Expected("AG0019", "AllocatorDomains", MessageContains: "'Mem' uses pointers")], allowUnsafe: false);
    }

    [Fact]
    public void AnUnknownAllocatorTypeIsLeftToTheCompiler()
    {
        AssertDiagnostics(Domains(Raw + "\n" + Mem + "\n[Domain(AllocDomain.Object, typeof(Missing))]"), [], compilerErrors: ["CS0246"]);
    }
}
