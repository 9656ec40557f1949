using System.Runtime.CompilerServices;
using AllocGen.Generators.Tests.Infrastructure;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// Snapshots of the generated source for representative declarations, and of the diagnostics of a few invalid
/// ones. Snapshots live in Snapshots/SnapshotTests.*; rerun with ALLOCGEN_ACCEPT_SNAPSHOTS=1 to accept a change
/// and review the diff.
/// </summary>
public sealed class SnapshotTests
{
    [Fact]
    public Task DefaultPoolAllocator()
    {
        // CPython's 64-bit pymalloc geometry: 1 MiB arenas, 16 KiB pools, 16-byte alignment, 32 classes up to 512.
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            [PoolAllocator]
            public sealed partial class GameHeap
            {
            }
            """;
        return VerifyClean(source);
    }

    [Fact]
    public Task SmallPoolsEightByteAlignment()
    {
        // 4 KiB pools, 8-byte alignment: 64 classes of 8..512 bytes.
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            [PoolAllocator(PoolSize = 4096, Alignment = 8)]
            public sealed partial class SmallPoolHeap
            {
            }
            """;
        return VerifyClean(source);
    }

    [Fact]
    public Task MediumTierWithACoarseAlignment()
    {
        // One small class of 4096; medium classes up to 64 KiB, the first four of them all rounded up to 8192.
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            [PoolAllocator(Alignment = 4096, SmallRequestThreshold = 4096, MediumRequestThreshold = 64 << 10)]
            public sealed partial class PageHeap
            {
            }
            """;
        return VerifyClean(source);
    }

    [Fact]
    public Task MediumTierOff()
    {
        // MediumRequestThreshold = 0: the code of an allocator without the tier, the constant 0 and no medium classes.
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            [PoolAllocator(MediumRequestThreshold = 0)]
            public sealed partial class SmallOnlyHeap
            {
            }
            """;
        return VerifyClean(source);
    }

    [Fact]
    public Task IrregularSizeClassesNestedInContainingClass()
    {
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            public static partial class Engine
            {
                [PoolAllocator]
                [SizeClasses(16, 32, 48, 64, 128, 256, 512)]
                internal sealed partial class IrregularHeap
                {
                }
            }
            """;
        return VerifyClean(source);
    }

    [Fact]
    public Task LockedPoolAllocator()
    {
        // The default geometry behind one lock: the snapshot differs from DefaultPoolAllocator's in the heap's type,
        // the Threading constant and the remarks only.
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            [PoolAllocator(Threading = ThreadPolicy.Locked)]
            public sealed partial class SharedHeap
            {
            }
            """;
        return VerifyClean(source);
    }

    [Fact]
    public Task PerThreadPoolAllocator()
    {
        // The default geometry, a heap per thread: a readonly field holding the PerThreadPoolHeap class.
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            [PoolAllocator(Threading = ThreadPolicy.PerThread)]
            public sealed partial class WorkerHeap
            {
            }
            """;
        return VerifyClean(source);
    }

    [Fact]
    public Task DefaultBumpArena()
    {
        const string source = """
            using AllocGen;

            namespace Compiler.Syntax;

            [BumpArena]
            public sealed partial class AstArena
            {
            }
            """;
        return VerifyClean(source);
    }

    [Fact]
    public Task BumpArenaWithLargeBlocks()
    {
        const string source = """
            using AllocGen;

            namespace Compiler.Syntax;

            [BumpArena(BlockSize = 65536, Alignment = 16)]
            public sealed partial class LargeBlockArena
            {
            }
            """;
        return VerifyClean(source);
    }

    [Fact]
    public Task SafeOnlyLockedPoolAllocator()
    {
        // A project without AllowUnsafeBlocks: the safe members over a SafePoolHeap, the same constants and geometry.
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            [PoolAllocator(Threading = ThreadPolicy.Locked)]
            public sealed partial class SafeSharedHeap
            {
            }
            """;
        return VerifySafeOnly(source);
    }

    [Fact]
    public Task SafeOnlyBumpArena()
    {
        const string source = """
            using AllocGen;

            namespace Compiler.Syntax;

            [BumpArena]
            public sealed partial class SafeAstArena
            {
            }
            """;
        return VerifySafeOnly(source);
    }

    [Fact]
    public Task Diagnostics()
    {
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            [PoolAllocator(ArenaSize = 1000, Alignment = 24)]
            public sealed partial class BadGeometry
            {
            }

            [PoolAllocator]
            [SizeClasses(16, 40, 64)]
            public sealed partial class BadClasses
            {
            }

            [PoolAllocator]
            public sealed class NotPartial
            {
            }

            [BumpArena(BlockSize = 128, Alignment = 3)]
            public sealed partial class BadArena
            {
            }

            [SizeClasses(16, 512)]
            public sealed partial class Orphan
            {
            }
            """;
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([source]));
        Assert.Null(run.GeneratorResult.Exception);
        Assert.Empty(run.Result.GeneratedTrees);
        Assert.Equal(7, run.GeneratorDiagnostics.Length);
        return Snapshot.Verify(run.Driver);
    }

    [Fact]
    public void IrregularSizeClassesServeEachSizeFromTheSmallestClassThatHoldsIt()
    {
        // The class table of the irregular snapshot, checked by running it: sizes 0..16 are served by the 16-byte
        // class, 17..32 by 32, 33..48 by 48, 49..64 by 64, 65..128 by 128, 129..256 by 256, 257..512 by 512.
        const string source = """
            using AllocGen;

            namespace Game.Memory;

            public static partial class Engine
            {
                [PoolAllocator]
                [SizeClasses(16, 32, 48, 64, 128, 256, 512)]
                internal sealed partial class IrregularHeap
                {
                }

                public static unsafe int[] UsableSizes()
                {
                    using var heap = new IrregularHeap();
                    var sizes = new int[IrregularHeap.SmallRequestThreshold + 2];
                    for (int size = 0; size < sizes.Length; size++)
                    {
                        void* block = heap.Allocate((nuint)size);
                        sizes[size] = (int)heap.UsableSize(block);
                        heap.Free(block);
                    }

                    return sizes;
                }
            }
            """;
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));

        using LoadedAssembly loaded = GeneratorHarness.EmitAndLoad(run.OutputCompilation);
        var usable = (int[])loaded.Invoke("Game.Memory.Engine", "UsableSizes")!;
        int[] classes = [16, 32, 48, 64, 128, 256, 512];
        for (int size = 0; size <= 512; size++)
        {
            Assert.Equal(classes.First(c => c >= size), usable[size]);
        }

        Assert.Equal(640, usable[513]); // above the threshold: the first medium class, 513..640 bytes
    }

    /// <summary>Generated without unsafe code: the one diagnostic is AG0037, and the output compiles without unsafe.</summary>
    private static Task VerifySafeOnly(string source, [CallerFilePath] string sourceFile = "", [CallerMemberName] string method = "")
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([source], allowUnsafe: false));
        Assert.Null(run.GeneratorResult.Exception);
        Assert.Equal("AG0037", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
        return Snapshot.Verify(run.Driver, parameters: null, sourceFile, method);
    }

    private static Task VerifyClean(string source, [CallerFilePath] string sourceFile = "", [CallerMemberName] string method = "")
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Null(run.GeneratorResult.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
        return Snapshot.Verify(run.Driver, parameters: null, sourceFile, method);
    }
}
