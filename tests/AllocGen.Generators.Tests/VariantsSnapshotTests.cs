using System.Runtime.CompilerServices;
using AllocGen.Generators.Tests.Infrastructure;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// Snapshots of a generated [PoolAllocatorVariants] class: the variant bodies (each what [PoolAllocator] generates for
/// its configuration), their driver structs and the registry, in Snapshots/VariantsSnapshotTests.*; rerun with
/// ALLOCGEN_ACCEPT_SNAPSHOTS=1 to accept a change and review the diff.
/// </summary>
public sealed class VariantsSnapshotTests
{
    [Fact]
    public Task TwoArenasTwoPoolsOneSizeClassSet()
    {
        // 2 × 2 combinations with one size class set; small classes keep the snapshot short.
        const string source = """
            using AllocGen;

            namespace Game.Tuning;

            [PoolAllocatorVariants(ArenaSizes = new[] { 256 << 10, 1 << 20 }, PoolSizes = new[] { 4096, 16384 }, Alignments = new[] { 16 })]
            [VariantSizeClasses(16, 32, 64)]
            public static partial class HeapVariants
            {
            }
            """;
        return VerifyClean(source, "Game.Tuning.HeapVariants.PoolAllocatorVariants.g.cs");
    }

    [Fact]
    public void EachVariantBodyIsWhatPoolAllocatorGeneratesForItsConfiguration()
    {
        // The same configuration declared by hand: its rendered type, indented one level, is in the variants file.
        const string variants = """
            using AllocGen;

            [PoolAllocatorVariants(ArenaSizes = new[] { 1 << 20 }, PoolSizes = new[] { 16384 }, Alignments = new[] { 8, 16 })]
            public static partial class Variants8And16 { }
            """;
        const string byHand = """
            using AllocGen;

            [PoolAllocator(ArenaSize = 1 << 20, PoolSize = 16384, Alignment = 8)]
            public sealed partial class Arena1M_Pool16K_Align8 { }
            """;
        GeneratorRun run = GeneratorHarness.Run(variants, byHand);
        Assert.Empty(run.GeneratorDiagnostics);
        string generated = run.Source("Variants8And16.PoolAllocatorVariants.g.cs");
        string handBody = run.Source("Arena1M_Pool16K_Align8.PoolAllocator.g.cs");
        int start = handBody.IndexOf("/// <summary>", StringComparison.Ordinal);
        string indented = string.Join("\n", handBody[start..].TrimEnd('\n').Split('\n').Select(line => line.Length == 0 ? line : "    " + line));
        Assert.Contains(indented, generated, StringComparison.Ordinal);
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
