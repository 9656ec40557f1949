using System.Runtime.CompilerServices;
using AllocGen.Generators.Tests.Infrastructure;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// Snapshots of generated [AllocatorDomains] classes, the domains file only (the pools they use have snapshots of
/// their own), in Snapshots/DomainsSnapshotTests.*; rerun with ALLOCGEN_ACCEPT_SNAPSHOTS=1 to accept a change and
/// review the diff.
/// </summary>
public sealed class DomainsSnapshotTests
{
    [Fact]
    public Task IssueExample()
    {
        // The issue's declaration, with the pool Locked (a single-threaded one draws AG0034): Mem and Object share
        // one AppHeap field, Raw has SystemAllocator.
        const string source = """
            using AllocGen;

            namespace Game;

            [PoolAllocator(Threading = ThreadPolicy.Locked)] public sealed partial class AppHeap { }

            [AllocatorDomains]
            [Domain(AllocDomain.Raw, typeof(SystemAllocator))]
            [Domain(AllocDomain.Mem, typeof(AppHeap))]
            [Domain(AllocDomain.Object, typeof(AppHeap))]
            public static partial class Mem { }
            """;
        return VerifyClean(source, "Game.Mem.AllocatorDomains.g.cs");
    }

    [Fact]
    public Task ThreeDistinctAllocators()
    {
        // One field per domain, each named after it; declared out of order, emitted in AllocDomain order.
        const string source = """
            using AllocGen;

            [PoolAllocator(Threading = ThreadPolicy.PerThread)] public sealed partial class ObjectHeap { }
            [PoolAllocator(Threading = ThreadPolicy.Locked, ArenaSize = 262144)] public sealed partial class BufferHeap { }

            [AllocatorDomains]
            [Domain(AllocDomain.Object, typeof(ObjectHeap))]
            [Domain(AllocDomain.Mem, typeof(BufferHeap))]
            [Domain(AllocDomain.Raw, typeof(SystemAllocator))]
            public static partial class Domains { }
            """;
        return VerifyClean(source, "Domains.AllocatorDomains.g.cs");
    }

    [Fact]
    public Task NestedInNamespaceAndContainingClass()
    {
        // Every domain on SystemAllocator: one field serves all three.
        const string source = """
            using AllocGen;

            namespace Game.Engine.Memory;

            public static partial class Runtime
            {
                [AllocatorDomains]
                [Domain(AllocDomain.Raw, typeof(SystemAllocator))]
                [Domain(AllocDomain.Mem, typeof(SystemAllocator))]
                [Domain(AllocDomain.Object, typeof(SystemAllocator))]
                internal static partial class Mem { }
            }
            """;
        return VerifyClean(source, "Game.Engine.Memory.Runtime.Mem.AllocatorDomains.g.cs");
    }

    private static Task VerifyClean(string source, string hintName, [CallerFilePath] string sourceFile = "", [CallerMemberName] string method = "")
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Null(run.GeneratorResult.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
        return Snapshot.Verify(run.Source(hintName), "cs", parameters: null, sourceFile, method);
    }
}
