using System.Reflection;
using Xunit;
using Expected = AllocGen.Generators.Tests.DiagnosticTests.Expected;

namespace AllocGen.Generators.Tests;

/// <summary>
/// <c>[PoolAllocator(Threading = ...)]</c>: each policy's class holds that policy's runtime heap and nothing of the
/// others (no run-time branch on the policy), says what it guarantees, exposes the policy as a constant, and is
/// checked for clashes with the members its own template renders.
/// </summary>
public sealed class ThreadPolicyTests
{
    private const string HintName = "Game.Heap.PoolAllocator.g.cs";

    private static readonly Dictionary<ThreadPolicy, string> s_heapType = new()
    {
        [ThreadPolicy.SingleThreaded] = "global::AllocGen.Pools.PoolHeap",
        [ThreadPolicy.Locked] = "global::AllocGen.Threading.LockedPoolHeap",
        [ThreadPolicy.PerThread] = "global::AllocGen.Threading.PerThreadPoolHeap",
    };

    private static readonly Dictionary<ThreadPolicy, string> s_guarantee = new()
    {
        [ThreadPolicy.SingleThreaded] = "Not thread-safe: the caller synchronizes",
        [ThreadPolicy.Locked] = "Safe from any thread: one lock around one heap",
        [ThreadPolicy.PerThread] = "Safe from any thread: a heap per thread, lock-free frees from other threads",
    };

    public static TheoryData<ThreadPolicy> Policies() => new(Enum.GetValues<ThreadPolicy>());

    [Theory]
    [MemberData(nameof(Policies))]
    public void EachPolicyEmitsItsOwnHeapOnly(ThreadPolicy policy)
    {
        GeneratorRun run = GeneratorHarness.Run(Heap($"Threading = ThreadPolicy.{policy}"));
        Assert.Empty(run.GeneratorDiagnostics);
        string source = run.Source(HintName);

        // SingleThreaded: the field of before policies existed, byte for byte. PerThread's heap is a class: its reference is readonly.
        string modifiers = policy == ThreadPolicy.PerThread ? "private readonly" : "private";
        string heap = s_heapType[policy] + "<AllocGenGeometry>";
        Assert.Contains($"    {modifiers} {heap} _allocGenHeap = {heap}.Create();\n", source, StringComparison.Ordinal);
        Assert.Contains($"    public const global::AllocGen.ThreadPolicy Threading = global::AllocGen.ThreadPolicy.{policy};\n", source, StringComparison.Ordinal);
        Assert.Contains(s_guarantee[policy], source, StringComparison.Ordinal);
        foreach (ThreadPolicy other in Enum.GetValues<ThreadPolicy>().Where(p => p != policy))
        {
            // Not a branch in sight: the other policies' heaps and guarantees appear nowhere.
            Assert.DoesNotContain(s_heapType[other] + "<", source, StringComparison.Ordinal);
            Assert.DoesNotContain(s_guarantee[other], source, StringComparison.Ordinal);
            Assert.DoesNotContain("ThreadPolicy." + other, source, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ThreadingLeftOutIsSingleThreaded()
    {
        string unset = GeneratorHarness.Run(Heap(null)).Source(HintName);
        string single = GeneratorHarness.Run(Heap("Threading = ThreadPolicy.SingleThreaded")).Source(HintName);
        Assert.Equal(unset, single);
    }

    [Theory]
    [InlineData(ThreadPolicy.SingleThreaded, typeof(AllocGen.Pools.PoolHeap<>), false)]
    [InlineData(ThreadPolicy.Locked, typeof(AllocGen.Threading.LockedPoolHeap<>), false)]
    [InlineData(ThreadPolicy.PerThread, typeof(AllocGen.Threading.PerThreadPoolHeap<>), true)] // a readonly struct: its id and registry never change
    public void TheGeneratedClassReadsBackItsPolicyAndHoldsItsHeap(ThreadPolicy policy, Type heap, bool readOnlyField)
    {
        AssertCompiledPolicy(policy, heap, readOnlyField);
    }

    [Fact]
    public void TheGeneratorsPolicyNamesAndValuesAreTheRuntimes()
    {
        // The generator cannot reference the runtime: it keeps its own copy of the enum, and the generated constant
        // names the runtime's member, so the two must agree name for name and value for value.
        Type mirror = typeof(AllocatorGenerator).Assembly.GetType("AllocGen.Generators.Model.ThreadPolicy", throwOnError: true)!;
        Assert.Equal(Enum.GetNames<ThreadPolicy>(), Enum.GetNames(mirror));
        Assert.Equal(Enum.GetValues<ThreadPolicy>().Select(v => (int)v), Enum.GetValues(mirror).Cast<object>().Select(Convert.ToInt32));
    }

    // ---- Clash checks read the members of the policy's own template ----------------------------------------

    [Theory]
    [MemberData(nameof(Policies))]
    public void AUserMemberNamedThreadingClashesUnderEveryPolicy(ThreadPolicy policy)
    {
        const string member = "public static int Threading => 0;";
        DiagnosticTests.AssertDiagnostics(Heap($"Threading = ThreadPolicy.{policy}", member),
            new Expected("AG0023", "Threading", Within: member, MessageContains: "clashes with 'Threading'"));
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void AUserFieldNamedLikeTheHeapClashesUnderEveryPolicy(ThreadPolicy policy)
    {
        const string member = "public object? _allocGenHeap;";
        DiagnosticTests.AssertDiagnostics(Heap($"Threading = ThreadPolicy.{policy}", member),
            new Expected("AG0023", "_allocGenHeap", Within: member, MessageContains: "clashes with '_allocGenHeap'"));
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void AnAllocatorDerivedFromAnAllocatorOfAnyPolicyIsReported(ThreadPolicy basePolicy)
    {
        string source = "using AllocGen;\n\nnamespace Game;\n\n"
            + $"[PoolAllocator(Threading = ThreadPolicy.{basePolicy})]\npublic partial class BaseHeap\n{{\n}}\n\n"
            + "[PoolAllocator(Threading = ThreadPolicy.Locked)]\npublic sealed partial class Heap : BaseHeap\n{\n}\n";
        GeneratorRun run = DiagnosticTests.AssertDiagnostics(source,
            [new Expected("AG0024", "BaseHeap", Within: ": BaseHeap", MessageContains: "'Game.Heap' inherits 'Game.BaseHeap.")], expectNoSource: false);
        Assert.Equal(["Game.BaseHeap.PoolAllocator.g.cs"], run.HintNames);
    }

    [Fact]
    public void AnUndefinedPolicyIsStillCheckedForClashes()
    {
        // AG0027 stops generation, but a clash is reported with it (against the default policy's members), so fixing
        // the policy does not reveal a second error.
        const string member = "public void Trim() { }";
        DiagnosticTests.AssertDiagnostics(Heap("Threading = (ThreadPolicy)5", member),
            new Expected("AG0023", "Trim", Within: member),
            new Expected("AG0027", "Threading = (ThreadPolicy)5"));
    }

    // ---- Helpers -------------------------------------------------------------------------------------------

    private static void AssertCompiledPolicy(ThreadPolicy policy, Type heap, bool readOnlyField)
    {
        GeneratorRun run = GeneratorHarness.Run(Heap($"Threading = ThreadPolicy.{policy}"));
        Assert.Empty(run.GeneratorDiagnostics);
        using LoadedAssembly loaded = GeneratorHarness.EmitAndLoad(run.OutputCompilation);
        Type type = loaded.Assembly.GetType("Game.Heap", throwOnError: true)!;

        FieldInfo threading = type.GetField("Threading", BindingFlags.Public | BindingFlags.Static)!;
        Assert.True(threading.IsLiteral);
        Assert.Equal(typeof(ThreadPolicy), threading.FieldType);
        Assert.Equal((int)policy, threading.GetRawConstantValue());

        FieldInfo field = type.GetField("_allocGenHeap", BindingFlags.NonPublic | BindingFlags.Instance)!;
        Assert.Equal(heap, field.FieldType.GetGenericTypeDefinition());
        Assert.Equal(readOnlyField, field.IsInitOnly);

        // And it works: a block in, a block out.
        using var allocator = (IAllocator)Activator.CreateInstance(type)!;
        unsafe
        {
            byte* block = (byte*)allocator.Allocate(24);
            block[23] = 0x5A;
            Assert.True(allocator.Owns(block));
            allocator.Free(block);
        }
    }

    private static string Heap(string? arguments, string? member = null) =>
        "using AllocGen;\n\nnamespace Game;\n\n"
        + (arguments is null ? "[PoolAllocator]\n" : $"[PoolAllocator({arguments})]\n")
        + "public sealed unsafe partial class Heap\n{\n" + (member is null ? string.Empty : "    " + member + "\n") + "}\n";
}
