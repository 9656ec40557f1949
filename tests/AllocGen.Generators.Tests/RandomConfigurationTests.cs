using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using AllocGen.Tests.Pools;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace AllocGen.Generators.Tests;

/// <summary>
/// A property test over random [PoolAllocator] (and [BumpArena]) configurations, valid and invalid, with a fixed
/// seed. Each configuration is judged by an oracle written here from the documented rules (independent of the
/// generator's validator) and cross-checked against the generator's own pure validator; invalid ones must be
/// reported and generate nothing, valid ones must compile cleanly and serve allocations correctly when run.
/// </summary>
/// <remarks>
/// Roslyn compilations are the cost, so the configurations of a batch share one compilation, one generator run,
/// one emitted assembly (with a test driver written into its source) and one collectible load context.
/// </remarks>
public sealed partial class RandomConfigurationTests(ITestOutputHelper output)
{
    private const int Seed = 0x5EED;
    private const int ConfigurationCount = 200;
    private const int BatchSize = 50;
    private const string Namespace = "RandomConfigs";

    /// <summary>Size in bytes of the runtime's pool header, as the generator assumes it.</summary>
    private const int PoolHeaderSize = 64;

    /// <summary>Sizes of the structs the driver allocates with Allocate&lt;T&gt;.</summary>
    private static readonly int[] s_typedSizes = [8, 24, 100, 512, 1000, 4096];

    // ---- The configurations --------------------------------------------------------------------------------

    /// <summary>How a [SizeClasses] list is written.</summary>
    public enum ListForm
    {
        Params,
        ImplicitArray,
        TypedArray,
    }

    /// <summary>One random declaration; null properties are left out of the attribute (their default applies).</summary>
    public sealed record PoolDeclaration(int Index, int? ArenaSize, int? PoolSize, int? Alignment, int? Threshold, int[]? Classes, ListForm Form)
    {
        /// <summary>The MediumRequestThreshold argument, or null when it is left out.</summary>
        public int? MediumThreshold { get; init; }

        public string TypeName => "Heap" + Index.ToString("D3", CultureInfo.InvariantCulture);

        public string FilePath => TypeName + ".cs";

        public int EffectiveArenaSize => ArenaSize ?? (1 << 20);

        public int EffectivePoolSize => PoolSize ?? (16 << 10);

        public int EffectiveAlignment => Alignment ?? 16;

        public int EffectiveThreshold => Threshold ?? 512;

        /// <summary>The given medium threshold, else the default (docs/medium-tier.md): up to the smaller of 64 KiB and a sixteenth of the arena, none when that is not above the threshold.</summary>
        public int EffectiveMediumThreshold => MediumThreshold ?? MediumTierSpec.DefaultThreshold(EffectiveArenaSize, EffectiveThreshold);

        /// <summary>The medium classes' block sizes by the spec's grid (none without a tier).</summary>
        public int[] MediumBlocks => EffectiveMediumThreshold == 0 ? [] : MediumTierSpec.BlockSizes(EffectiveThreshold, EffectiveMediumThreshold, EffectiveAlignment);

        /// <summary>Each medium class's largest request: its grid size.</summary>
        public int[] MediumLimits => [.. Enumerable.Range(0, MediumBlocks.Length).Select(m => (int)MediumTierSpec.ClassRange(m, EffectiveThreshold).High)];

        public string Arguments => string.Join(", ", new[]
        {
            ArenaSize is { } a ? "ArenaSize = " + Text(a) : null,
            PoolSize is { } p ? "PoolSize = " + Text(p) : null,
            Alignment is { } al ? "Alignment = " + Text(al) : null,
            Threshold is { } t ? "SmallRequestThreshold = " + Text(t) : null,
            MediumThreshold is { } m ? "MediumRequestThreshold = " + Text(m) : null,
        }.Where(s => s is not null));

        public string PoolAttribute => Arguments.Length == 0 ? "PoolAllocator" : $"PoolAllocator({Arguments})";

        public string? ClassesAttribute => Classes switch
        {
            null => null,
            [] => Form == ListForm.Params ? "SizeClasses" : "SizeClasses(new int[0])",
            _ => Form switch
            {
                ListForm.ImplicitArray => $"SizeClasses(new[] {{ {List(Classes)} }})",
                ListForm.TypedArray => $"SizeClasses(new int[] {{ {List(Classes)} }})",
                _ => $"SizeClasses({List(Classes)})",
            },
        };

        public string Source =>
            $"using AllocGen;\n\nnamespace {Namespace};\n\n[{PoolAttribute}]\n"
            + (ClassesAttribute is null ? string.Empty : $"[{ClassesAttribute}]\n")
            + $"public sealed partial class {TypeName}\n{{\n}}\n";

        public override string ToString() => $"{TypeName}: [{PoolAttribute}]" + (ClassesAttribute is null ? string.Empty : $" [{ClassesAttribute}]");

        private static string List(int[] values) => string.Join(", ", values.Select(Text));
    }

    /// <summary>What the oracle expects of a declaration.</summary>
    /// <param name="Valid">Whether every rule holds.</param>
    /// <param name="Classes">For a valid declaration, its size classes.</param>
    /// <param name="Violated">Every rule (as its diagnostic id) the declaration breaks.</param>
    /// <param name="Required">Ids that must be reported: the independent geometry checks.</param>
    /// <param name="OneOf">When the geometry is right but later rules break: at least one of these must be reported.</param>
    public sealed record Verdict(bool Valid, int[] Classes, IReadOnlySet<string> Violated, IReadOnlySet<string> Required, IReadOnlySet<string> OneOf);

    // ---- The tests -----------------------------------------------------------------------------------------

    [Fact]
    public void PoolHeaderSizeMatchesTheGeneratorsAssumption()
    {
        int runtime = Unsafe.SizeOf<AllocGen.Pools.PoolHeader>();
        Assert.Equal(PoolHeaderSize, runtime);

        // PoolConfigValidator is internal (no InternalsVisibleTo): read its constant by reflection.
        Type validator = typeof(AllocatorGenerator).Assembly.GetType("AllocGen.Generators.Validation.PoolConfigValidator", throwOnError: true)!;
        object? constant = validator.GetField("PoolHeaderSize", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)?.GetRawConstantValue();
        Assert.Equal(runtime, Assert.IsType<int>(constant));
    }

    [Fact]
    public void OracleAgreesWithTheGeneratorsPureValidator()
    {
        // Cheap (no compilation), so many more configurations than the end-to-end test.
        var random = new Random(Seed + 1);
        int valid = 0;
        for (int i = 0; i < 5000; i++)
        {
            PoolDeclaration declaration = NextDeclaration(random, i);
            Verdict verdict = Judge(declaration);
            (string[] ids, int[] classes) = RunPureValidator(declaration);
            Assert.True(verdict.Valid == (ids.Length == 0), $"{declaration}: oracle says {(verdict.Valid ? "valid" : "invalid")}, validator reports [{string.Join(", ", ids)}]");
            AssertReportedIdsAreJustified(declaration, verdict, ids);
            if (verdict.Valid)
            {
                valid++;
                Assert.Equal(verdict.Classes, classes);
            }
        }

        Assert.InRange(valid, 1000, 4000);
    }

    [Fact]
    public void RandomPoolConfigurationsAreReportedOrGenerateWorkingAllocators()
    {
        var total = Stopwatch.StartNew();
        TimeSpan cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var random = new Random(Seed);
        List<PoolDeclaration> declarations = Enumerable.Range(0, ConfigurationCount).Select(i => NextDeclaration(random, i)).ToList();
        int validCount = 0, mediumTierCount = 0, givenMediumValid = 0, mediumRulesReported = 0;
        var failures = new List<string>();

        foreach (PoolDeclaration[] batch in declarations.Chunk(BatchSize))
        {
            var watch = Stopwatch.StartNew();
            var verdicts = batch.ToDictionary(d => d, Judge);
            Compilation compilation = GeneratorHarness.CreateCompilation(batch.Select(d => GeneratorHarness.ParseTree(d.Source, d.FilePath)), assemblyName: $"{Namespace}{batch[0].Index:D3}");
            GeneratorRun run = GeneratorHarness.Run(compilation);
            Assert.Null(run.GeneratorResult.Exception);
            Assert.Empty(GeneratorHarness.ErrorsAndWarnings(compilation));

            // Every generator diagnostic belongs to one declaration's file.
            var byFile = run.GeneratorDiagnostics.ToLookup(d => d.Location.GetLineSpan().Path);
            Assert.All(byFile, group => Assert.Contains(batch, d => d.FilePath == group.Key));

            var valid = new List<PoolDeclaration>();
            foreach (PoolDeclaration declaration in batch)
            {
                Verdict verdict = verdicts[declaration];
                Diagnostic[] diagnostics = byFile[declaration.FilePath].ToArray();
                string hint = $"{Namespace}.{declaration.TypeName}.PoolAllocator.g.cs";
                bool generated = run.HintNames.Contains(hint);
                (string[] validatorIds, _) = RunPureValidator(declaration);

                try
                {
                    Assert.Equal(validatorIds.Order(StringComparer.Ordinal), diagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));
                    if (verdict.Valid)
                    {
                        Assert.True(diagnostics.Length == 0, GeneratorHarness.Format(diagnostics));
                        Assert.True(generated, "no source was generated");
                        valid.Add(declaration);
                    }
                    else
                    {
                        Assert.NotEmpty(diagnostics);
                        Assert.False(generated, "source was generated for an invalid declaration");
                        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
                        Assert.DoesNotContain(diagnostics, d => d.Id == "AG0099");
                        AssertReportedIdsAreJustified(declaration, verdict, diagnostics.Select(d => d.Id).ToArray());
                        AssertLocations(declaration, diagnostics);
                    }
                }
                catch (Exception exception) when (exception is Xunit.Sdk.XunitException)
                {
                    failures.Add($"{declaration}\n    {exception.Message.Replace("\n", "\n    ", StringComparison.Ordinal)}");
                }
            }

            validCount += valid.Count;
            mediumTierCount += valid.Count(d => d.EffectiveMediumThreshold != 0);
            givenMediumValid += valid.Count(d => d.MediumThreshold is > 0);
            mediumRulesReported += run.GeneratorDiagnostics.Count(d => d.Id is "AG0100" or "AG0101" or "AG0102");

            // The generated code and the driver, in one assembly compiled once (emitting reports every error and
            // warning, of the generated files and of the driver alike), loaded and run once for the batch.
            // Optimized, as the generated code would ship (and the driver's loops run faster).
            long generatedAt = watch.ElapsedMilliseconds;
            Compilation withDriver = run.OutputCompilation
                .AddSyntaxTrees(GeneratorHarness.ParseTree(DriverSource(valid, verdicts), "Driver.cs"))
                .WithOptions(run.OutputCompilation.Options.WithOptimizationLevel(OptimizationLevel.Release));
            LoadedAssembly? emitted = GeneratorHarness.TryEmitAndLoad(withDriver, out var problems);
            Assert.True(problems.IsEmpty, GeneratorHarness.Format(problems.Take(20)));
            using (LoadedAssembly loaded = Assert.IsType<LoadedAssembly>(emitted))
            {
                long compiledAt = watch.ElapsedMilliseconds;
                string report = (string)loaded.Invoke($"{Namespace}.Checks", "Run")!;
                if (report.Length != 0)
                {
                    failures.Add(report);
                }

                output.WriteLine(
                    $"Batch {batch[0].Index}..{batch[^1].Index}: {valid.Count} valid, {batch.Length - valid.Count} invalid; " +
                    $"generate+check {generatedAt} ms, compile+emit {compiledAt - generatedAt} ms, run {watch.ElapsedMilliseconds - compiledAt} ms");
            }
        }

        output.WriteLine($"{ConfigurationCount} configurations, {validCount} valid ({mediumTierCount} with a medium tier, {givenMediumValid} of them given), {mediumRulesReported} medium-tier diagnostics, in {total.ElapsedMilliseconds} ms ({(Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalMilliseconds:F0} ms CPU in the process)");
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n" + string.Join("\n", failures));

        // The generator is meant to see both kinds in numbers.
        Assert.InRange(validCount, ConfigurationCount / 4, ConfigurationCount * 3 / 4);
        Assert.InRange(mediumTierCount, validCount / 4, validCount - 1);
        Assert.True(givenMediumValid > 0 && mediumRulesReported > 0, $"{givenMediumValid} valid tiers with a given threshold, {mediumRulesReported} medium-tier diagnostics");
    }

    [Fact]
    public void RandomBumpArenaConfigurationsAreReportedOrGenerateWorkingArenas()
    {
        var random = new Random(Seed + 2);
        var arenas = new List<(string Name, int? BlockSize, int? Alignment, bool Valid)>();
        for (int i = 0; i < 60; i++)
        {
            int? block = random.Next(8) switch
            {
                0 => null,
                1 => random.Next(3) switch { 0 => 128, 1 => 1000, _ => 128 << 20 },
                _ => 1 << random.Next(8, 23),
            };
            int? alignment = random.Next(8) switch
            {
                0 => null,
                1 => random.Next(3) switch { 0 => 3, 1 => 8192, _ => 0 },
                _ => 1 << random.Next(0, 13),
            };
            int b = block ?? 8192, a = alignment ?? 8;
            bool blockOk = IsPowerOfTwo(b) && b >= 256 && b <= 64 << 20;
            bool valid = blockOk && IsPowerOfTwo(a) && a <= 4096 && a <= b;
            arenas.Add(($"Arena{i:D3}", block, alignment, valid));
        }

        var trees = arenas.Select(x =>
        {
            string args = string.Join(", ", new[] { x.BlockSize is { } b ? $"BlockSize = {Text(b)}" : null, x.Alignment is { } a ? $"Alignment = {Text(a)}" : null }.Where(s => s is not null));
            string attribute = args.Length == 0 ? "BumpArena" : $"BumpArena({args})";
            return GeneratorHarness.ParseTree($"using AllocGen;\n\nnamespace {Namespace};\n\n[{attribute}]\npublic sealed partial class {x.Name}\n{{\n}}\n", x.Name + ".cs");
        });
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(trees, assemblyName: "RandomArenas"));
        Assert.Null(run.GeneratorResult.Exception);
        var byFile = run.GeneratorDiagnostics.ToLookup(d => d.Location.GetLineSpan().Path);
        foreach (var arena in arenas)
        {
            Diagnostic[] diagnostics = byFile[arena.Name + ".cs"].ToArray();
            bool generated = run.HintNames.Contains($"{Namespace}.{arena.Name}.BumpArena.g.cs");
            Assert.True(arena.Valid == (diagnostics.Length == 0), $"{arena}: {GeneratorHarness.Format(diagnostics)}");
            Assert.Equal(arena.Valid, generated);
            Assert.All(diagnostics, d => Assert.Contains(d.Id, new[] { "AG0020", "AG0021" }));
        }

        // Allocation goes through the concrete types (the generated arena members are on no interface).
        var driver = new StringBuilder();
        driver.Append("using System;\n\nnamespace ").Append(Namespace).Append(";\n\npublic static unsafe class ArenaChecks\n{\n    public static string Run()\n    {\n        var failures = new System.Text.StringBuilder();\n");
        foreach (var arena in arenas.Where(a => a.Valid))
        {
            driver.Append(CultureInfo.InvariantCulture,
                $"        try {{ Exercise(new {arena.Name}(), {arena.BlockSize ?? 8192}, {arena.Alignment ?? 8}); }} catch (Exception e) {{ failures.Append(\"{arena.Name}: \").Append(e.Message).Append('\\n'); }}\n");
        }

        driver.Append("        return failures.ToString();\n    }\n\n");
        driver.Append(ArenaExerciseSource(arenas.Where(a => a.Valid).Select(a => a.Name)));
        driver.Append("}\n");

        Compilation withDriver = run.OutputCompilation
            .AddSyntaxTrees(GeneratorHarness.ParseTree(driver.ToString(), "ArenaDriver.cs"))
            .WithOptions(run.OutputCompilation.Options.WithOptimizationLevel(OptimizationLevel.Release));
        LoadedAssembly? emitted = GeneratorHarness.TryEmitAndLoad(withDriver, out var problems);
        Assert.True(problems.IsEmpty, GeneratorHarness.Format(problems.Take(20)));
        using LoadedAssembly loaded = Assert.IsType<LoadedAssembly>(emitted);
        string report = (string)loaded.Invoke($"{Namespace}.ArenaChecks", "Run")!;
        Assert.True(report.Length == 0, report);
        Assert.InRange(arenas.Count(a => a.Valid), 20, 55);
    }

    /// <summary>One Exercise overload per arena type: allocate around the block size, check alignment, reset, dispose.</summary>
    private static string ArenaExerciseSource(IEnumerable<string> names)
    {
        var text = new StringBuilder();
        foreach (string name in names)
        {
            text.Append(CultureInfo.InvariantCulture, $$"""
                    private static void Exercise({{name}} arena, int blockSize, int alignment)
                    {
                        if ({{name}}.BlockSize != blockSize || {{name}}.Alignment != alignment) throw new InvalidOperationException("constants");
                        nuint[] sizes = { 0, 1, (nuint)alignment, 7, 100, (nuint)blockSize / 2, (nuint)blockSize, (nuint)blockSize + 1, 3 };
                        byte*[] blocks = new byte*[sizes.Length];
                        for (int i = 0; i < sizes.Length; i++)
                        {
                            byte* p = (byte*)arena.Allocate(sizes[i]);
                            if (p == null) throw new InvalidOperationException("null for " + sizes[i]);
                            if (((nuint)p & (nuint)(alignment - 1)) != 0) throw new InvalidOperationException($"0x{(nuint)p:X} for {sizes[i]} is not aligned to {alignment}");
                            for (nuint j = 0; j < sizes[i]; j++) p[j] = (byte)(i + 1);
                            blocks[i] = p;
                        }

                        for (int i = 0; i < sizes.Length; i++)
                        {
                            for (nuint j = 0; j < sizes[i]; j++)
                            {
                                if (blocks[i][j] != (byte)(i + 1)) throw new InvalidOperationException($"block {i} was overwritten at {j}");
                            }
                        }

                        long* typed = arena.Allocate<long>();
                        if (((nuint)typed & 7) != 0) throw new InvalidOperationException("Allocate<long> is not aligned");
                        Span<int> span = arena.AllocateSpan<int>(10);
                        fixed (int* first = span)
                        {
                            if (span.Length != 10 || ((nuint)first & 3) != 0) throw new InvalidOperationException("AllocateSpan<int>(10)");
                        }

                        if (arena.BytesAllocated == 0 || arena.BlockCount == 0) throw new InvalidOperationException("counters");
                        arena.Reset();
                        if (arena.BytesAllocated != 0) throw new InvalidOperationException("BytesAllocated after Reset: " + arena.BytesAllocated);
                        arena.Dispose();
                        try
                        {
                            arena.Allocate(1);
                            throw new InvalidOperationException("Allocate after Dispose did not throw");
                        }
                        catch (ObjectDisposedException)
                        {
                        }
                    }


                """);
        }

        return text.ToString();
    }

    // ---- Random declarations -------------------------------------------------------------------------------

    /// <summary>A random declaration: mostly plausible values, with a share of wrong ones in every argument.</summary>
    public static PoolDeclaration NextDeclaration(Random random, int index)
    {
        // ArenaSize: usually 8 KiB..4 MiB, sometimes up to 1 GiB, sometimes wrong.
        int arenaExponent = random.NextDouble() < 0.8 ? random.Next(13, 23) : random.Next(12, 31);
        int? arena = random.NextDouble() switch
        {
            < 0.15 => null,
            < 0.25 => WrongSize(random, arenaExponent, belowMinimum: 12),
            _ => 1 << arenaExponent,
        };
        int arenaEffective = arena ?? 1 << 20;
        int arenaLimit = IsPowerOfTwo(arenaEffective) ? Math.Clamp(Log2(arenaEffective), 12, 30) : 20;

        // PoolSize: a power of two from 4 KiB up to half the arena (and 16 MiB), sometimes above, sometimes wrong.
        int? pool = random.NextDouble() switch
        {
            < 0.15 => null,
            < 0.22 => WrongSize(random, 13, belowMinimum: 12),
            < 0.28 => 1 << Math.Min(30, arenaLimit + random.Next(1, 3)),
            _ => 1 << random.Next(12, Math.Max(12, Math.Min(arenaLimit - 1, 24)) + 1),
        };
        int poolEffective = pool ?? 16 << 10;

        // Alignment: mostly 8 or 16, sometimes up to 4096, sometimes wrong.
        int? alignment = random.NextDouble() switch
        {
            < 0.15 => null,
            < 0.25 => new[] { 1, 2, 4, 12, 24, 0, 8192, -16, 48 }[random.Next(9)],
            < 0.55 => 8,
            < 0.75 => 16,
            _ => 1 << random.Next(5, 13),
        };
        int alignmentEffective = alignment ?? 16;
        int step = IsPowerOfTwo(alignmentEffective) && alignmentEffective >= 8 ? alignmentEffective : 16;

        // Size classes: explicit in 45% of the declarations.
        bool explicitClasses = random.NextDouble() < 0.45;

        // SmallRequestThreshold: a multiple of the alignment that fits the pool (at most 255 steps for default
        // classes, 256 KiB in all), sometimes too many steps, sometimes wrong.
        int capacity = IsPowerOfTwo(poolEffective) ? poolEffective : 4096;
        int maxSteps = Math.Max(1, Math.Min(capacity / step, Math.Min(explicitClasses ? 2048 : 255, (256 << 10) / step)));
        int? threshold = random.NextDouble() switch
        {
            < 0.15 => null,
            < 0.19 => (random.Next(1, maxSteps + 1) * step) + random.Next(1, step),
            < 0.21 => 0,
            < 0.23 => -step,
            < 0.25 => capacity + step,
            < 0.29 when !explicitClasses && capacity / step > 255 => random.Next(256, Math.Min(capacity / step, 600) + 1) * step,
            _ => random.Next(1, maxSteps + 1) * step,
        };
        int thresholdEffective = threshold ?? 512;

        int[]? classes = explicitClasses ? RandomClassList(random, step, thresholdEffective) : null;
        var form = random.NextDouble() switch
        {
            < 0.7 => ListForm.Params,
            < 0.85 => ListForm.ImplicitArray,
            _ => ListForm.TypedArray,
        };
        return new PoolDeclaration(index, arena, pool, alignment, threshold, classes, form)
        {
            MediumThreshold = RandomMediumThreshold(random, arenaEffective, alignmentEffective, thresholdEffective),
        };
    }

    /// <summary>
    /// MediumRequestThreshold: mostly left out (the default), sometimes 0 (no tier), sometimes a class size above the
    /// small threshold up to a quarter of the arena (and 1 MiB, so the run stays short), sometimes wrong: not above
    /// the small threshold, off the grid or unaligned, above a quarter of the arena.
    /// </summary>
    private static int? RandomMediumThreshold(Random random, int arena, int alignment, int threshold)
    {
        long ceiling = Math.Min(arena / 4, 1 << 20);
        int[] valid = alignment <= 0 || threshold < 4
            ? []
            : [.. Enumerable.Range(MediumTierSpec.Grid((nuint)threshold + 1), 80)
                .Select(MediumTierSpec.GridSize)
                .TakeWhile(size => size <= ceiling)
                .Where(size => size % alignment == 0)
                .Select(size => (int)size)];
        return random.NextDouble() switch
        {
            < 0.6 => null,
            < 0.66 => 0,
            < 0.86 when valid.Length != 0 => valid[random.Next(valid.Length)],
            < 0.9 => threshold - (threshold > 0 ? random.Next(2) * alignment : 0),
            < 0.95 => (int)Math.Min(int.MaxValue, (long)Math.Max(threshold, 1024) * 9 / 8),
            _ => (int)Math.Min(1 << 30, (long)arena / 2),
        };
    }

    /// <summary>A sorted list of multiples of <paramref name="step"/> ending at the threshold, then maybe broken.</summary>
    private static int[] RandomClassList(Random random, int step, int threshold)
    {
        int steps = Math.Max(1, threshold / step);
        int count = random.Next(1, Math.Min(steps, 40) + 1);
        var picked = new SortedSet<int> { steps * step };
        while (picked.Count < count)
        {
            picked.Add(random.Next(1, steps) * step);
        }

        var list = picked.ToList();
        if (random.NextDouble() >= 0.4)
        {
            return [.. list];
        }

        switch (random.Next(8))
        {
            case 0 when list.Count >= 2: // unsorted
                int i = random.Next(list.Count - 1);
                (list[i], list[i + 1]) = (list[i + 1], list[i]);
                break;
            case 1: // duplicated
                int d = random.Next(list.Count);
                list.Insert(d, list[d]);
                break;
            case 2: // not aligned
                int u = random.Next(list.Count);
                list[u] += step / 2;
                break;
            case 3 when list.Count >= 2: // largest below the threshold
                list.RemoveAt(list.Count - 1);
                break;
            case 4: // above the threshold
                list.Add(list[^1] + step);
                break;
            case 5: // empty
                list.Clear();
                break;
            case 6: // not positive
                list.Insert(0, random.Next(2) == 0 ? 0 : -step);
                break;
            case 7 when steps >= 256: // too many
                list = Enumerable.Range(1, steps).Select(k => k * step).ToList();
                break;
            default: // a broken list that is actually fine: keep it
                break;
        }

        return [.. list];
    }

    private static int WrongSize(Random random, int exponent, int belowMinimum) => random.Next(6) switch
    {
        0 => 1000,
        1 => 3 << exponent,
        2 => (1 << exponent) + 8,
        3 => 0,
        4 => -(1 << exponent),
        _ => 1 << random.Next(0, belowMinimum), // a power of two, but too small
    };

    // ---- The oracle ----------------------------------------------------------------------------------------

    /// <summary>
    /// Judges a declaration from the documented rules: ArenaSize a power of two in 8 KiB..1 GiB; PoolSize a power of
    /// two from 4 KiB to half the ArenaSize; Alignment a power of two in 8..4096; SmallRequestThreshold a positive
    /// multiple of the alignment that fits in a pool (headers live in the arena's table); default classes every
    /// multiple of the alignment up to the threshold, at most 255; explicit classes non-empty, strictly ascending,
    /// positive multiples of the alignment, none above the threshold, the last equal to it, at most 255; a given
    /// MediumRequestThreshold 0, or above the small threshold (AG0100), a class size of the grid that is a multiple of
    /// the alignment (AG0101) and at most a quarter of the arena (AG0102).
    /// </summary>
    public static Verdict Judge(PoolDeclaration declaration)
    {
        int arena = declaration.EffectiveArenaSize;
        int pool = declaration.EffectivePoolSize;
        int alignment = declaration.EffectiveAlignment;
        int threshold = declaration.EffectiveThreshold;
        var violated = new HashSet<string>();
        var required = new HashSet<string>();

        void Geometry(string id, bool broken, bool mustReport)
        {
            if (broken)
            {
                violated.Add(id);
                if (mustReport)
                {
                    required.Add(id);
                }
            }
        }

        bool arenaOk = IsPowerOfTwo(arena) && arena >= 8192 && arena <= 1 << 30;
        Geometry("AG0004", !IsPowerOfTwo(arena), true);
        Geometry("AG0018", IsPowerOfTwo(arena) && !arenaOk, true);
        Geometry("AG0005", !IsPowerOfTwo(pool), true);
        Geometry("AG0006", IsPowerOfTwo(pool) && (pool < 4096 || pool > arena / 2), IsPowerOfTwo(pool) && (pool < 4096 || (arenaOk && pool > arena / 2)));
        bool alignmentOk = IsPowerOfTwo(alignment) && alignment >= 8 && alignment <= 4096;
        Geometry("AG0007", !alignmentOk, true);
        bool geometryOk = violated.Count == 0;

        var later = new HashSet<string>();
        int step = alignment > 0 ? alignment : 1;
        int capacity = pool;
        if (threshold <= 0 || threshold % step != 0 || threshold > capacity)
        {
            later.Add("AG0008");
        }

        int[] classes = [];
        if (declaration.Classes is null)
        {
            if (threshold > 0 && threshold / step > 255)
            {
                later.Add("AG0017");
            }
            else if (threshold > 0)
            {
                classes = Enumerable.Range(1, threshold / step).Select(k => k * step).ToArray();
            }
        }
        else
        {
            int[] sizes = declaration.Classes;
            classes = sizes;
            if (sizes.Length == 0)
            {
                later.Add("AG0009");
            }

            for (int i = 0; i < sizes.Length; i++)
            {
                if (sizes[i] <= 0 || sizes[i] % step != 0)
                {
                    later.Add("AG0012");
                }

                if (sizes[i] > threshold)
                {
                    later.Add("AG0013");
                }

                if (Array.IndexOf(sizes, sizes[i]) < i)
                {
                    later.Add("AG0011");
                }

                if (i > 0 && sizes[i] < sizes[i - 1])
                {
                    later.Add("AG0010");
                }
            }

            if (sizes.Length > 255)
            {
                later.Add("AG0017");
            }

            if (sizes.Length != 0 && sizes[^1] != threshold)
            {
                later.Add("AG0014");
            }
        }

        // The medium tier: a given threshold is judged once the arena, pools, alignment and small threshold are right
        // (whatever the small classes), and then always reported.
        if (geometryOk && !later.Contains("AG0008") && declaration.MediumThreshold is { } medium && medium != 0)
        {
            var mediumRules = new HashSet<string>();
            if (medium <= threshold)
            {
                mediumRules.Add("AG0100");
            }
            else
            {
                if (MediumTierSpec.GridSize(MediumTierSpec.Grid((nuint)medium)) != medium || medium % step != 0)
                {
                    mediumRules.Add("AG0101");
                }

                if (medium > arena / 4)
                {
                    mediumRules.Add("AG0102");
                }
            }

            violated.UnionWith(mediumRules);
            required.UnionWith(mediumRules);
        }

        violated.UnionWith(later);
        bool valid = violated.Count == 0;
        return new Verdict(
            valid,
            valid ? classes : [],
            violated,
            required,
            geometryOk ? later : new HashSet<string>());
    }

    /// <summary>Every reported id names a rule the oracle sees broken; the required ones are all there.</summary>
    private static void AssertReportedIdsAreJustified(PoolDeclaration declaration, Verdict verdict, string[] ids)
    {
        foreach (string id in ids)
        {
            Assert.True(verdict.Violated.Contains(id), $"{declaration}: {id} is reported, but the oracle sees only [{string.Join(", ", verdict.Violated.Order())}] broken");
        }

        foreach (string id in verdict.Required)
        {
            Assert.True(ids.Contains(id), $"{declaration}: {id} is not reported (reported: [{string.Join(", ", ids)}])");
        }

        if (verdict.OneOf.Count != 0)
        {
            Assert.True(ids.Any(verdict.OneOf.Contains), $"{declaration}: none of [{string.Join(", ", verdict.OneOf.Order())}] is reported (reported: [{string.Join(", ", ids)}])");
        }
    }

    /// <summary>Each diagnostic points at the argument it is about, the size at fault, or the attribute.</summary>
    private static void AssertLocations(PoolDeclaration declaration, Diagnostic[] diagnostics)
    {
        string source = declaration.Source;
        foreach (Diagnostic diagnostic in diagnostics)
        {
            var span = diagnostic.Location.SourceSpan;
            string at = source.Substring(span.Start, span.Length);
            string? expected = diagnostic.Id switch
            {
                "AG0004" or "AG0018" => ArgumentOrAttribute("ArenaSize", declaration.ArenaSize),
                "AG0005" or "AG0006" => ArgumentOrAttribute("PoolSize", declaration.PoolSize),
                "AG0007" => ArgumentOrAttribute("Alignment", declaration.Alignment),
                "AG0008" => ArgumentOrAttribute("SmallRequestThreshold", declaration.Threshold),
                "AG0100" or "AG0101" or "AG0102" => ArgumentOrAttribute("MediumRequestThreshold", declaration.MediumThreshold),
                "AG0017" when declaration.Classes is null => ArgumentOrAttribute("SmallRequestThreshold", declaration.Threshold),
                "AG0009" or "AG0014" or "AG0017" => declaration.ClassesAttribute,
                _ => null,
            };

            if (expected is not null)
            {
                Assert.True(expected == at, $"{diagnostic.Id} covers '{at}', expected '{expected}'");
            }
            else
            {
                // AG0010..AG0013: the size itself, the first number of the message.
                Assert.Contains(diagnostic.Id, new[] { "AG0010", "AG0011", "AG0012", "AG0013" });
                string size = NumberRegex().Match(diagnostic.GetMessage(CultureInfo.InvariantCulture)).Value;
                Assert.True(Text(int.Parse(size, CultureInfo.InvariantCulture)) == at, $"{diagnostic.Id} covers '{at}', expected the size {size}");
                Assert.Contains(at, declaration.ClassesAttribute!, StringComparison.Ordinal);
            }
        }

        string ArgumentOrAttribute(string name, int? value) =>
            value is { } v ? $"{name} = {Text(v)}" : declaration.PoolAttribute;
    }

    [GeneratedRegex(@"-?\d+")]
    private static partial Regex NumberRegex();

    // ---- The generator's own validator, by reflection ------------------------------------------------------

    /// <summary>Runs the generator's internal PoolConfigValidator.Validate (no InternalsVisibleTo, so by reflection).</summary>
    private static (string[] Ids, int[] Classes) RunPureValidator(PoolDeclaration declaration)
    {
        object config = s_poolConfig.Value.Invoke(new object?[]
        {
            declaration.EffectiveArenaSize, declaration.EffectivePoolSize, declaration.EffectiveAlignment, declaration.EffectiveThreshold,
            declaration.Classes is null ? null : (IReadOnlyList<int>)declaration.Classes,
            (int)ThreadPolicy.SingleThreaded,
            declaration.MediumThreshold,
        });
        object?[] arguments = [config, null, null];
        var problems = (IEnumerable)s_validate.Value.Invoke(null, arguments)!;
        string[] ids = problems.Cast<object>()
            .Select(p => ((DiagnosticDescriptor)p.GetType().GetProperty("Descriptor")!.GetValue(p)!).Id)
            .ToArray();
        return (ids, (int[])arguments[1]!);
    }

    private static readonly Lazy<ConstructorInfo> s_poolConfig = new(() =>
        typeof(AllocatorGenerator).Assembly.GetType("AllocGen.Generators.Validation.PoolConfig", throwOnError: true)!
            .GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Single(c => c.GetParameters().Length == 7));

    private static readonly Lazy<MethodInfo> s_validate = new(() =>
        typeof(AllocatorGenerator).Assembly.GetType("AllocGen.Generators.Validation.PoolConfigValidator", throwOnError: true)!
            .GetMethod("Validate", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!);

    // ---- The test driver compiled with each batch ----------------------------------------------------------

    /// <summary>
    /// C# source of <c>RandomConfigs.Checks.Run()</c>: for each valid declaration, checks the generated constants
    /// and exercises a fresh heap; returns one line per failing heap, or an empty string.
    /// </summary>
    private static string DriverSource(IReadOnlyList<PoolDeclaration> valid, IReadOnlyDictionary<PoolDeclaration, Verdict> verdicts)
    {
        var text = new StringBuilder();
        text.Append("using System;\nusing System.Runtime.InteropServices;\nusing AllocGen;\n\nnamespace ").Append(Namespace).Append(";\n\n");
        foreach (int size in s_typedSizes)
        {
            text.Append(CultureInfo.InvariantCulture, $"[StructLayout(LayoutKind.Sequential, Size = {size})]\npublic struct S{size}\n{{\n    public byte First;\n}}\n\n");
        }

        text.Append("public static unsafe class Checks\n{\n    public static string Run()\n    {\n        var failures = new System.Text.StringBuilder();\n");
        foreach (PoolDeclaration declaration in valid)
        {
            text.Append(CultureInfo.InvariantCulture, $"        Harness.Try(failures, \"{declaration}\", Check{declaration.TypeName});\n");
        }

        text.Append("        return failures.ToString();\n    }\n");
        foreach (PoolDeclaration declaration in valid)
        {
            int[] classes = verdicts[declaration].Classes;
            int alignment = declaration.EffectiveAlignment;
            int poolsPerArena = declaration.EffectiveArenaSize / declaration.EffectivePoolSize;
            int headerPools = (int)((((long)poolsPerArena * PoolHeaderSize) + declaration.EffectivePoolSize - 1) / declaration.EffectivePoolSize);
            string name = declaration.TypeName;
            string list = string.Join(", ", classes.Select(Text));
            text.Append(CultureInfo.InvariantCulture, $$"""

                    private static void Check{{name}}()
                    {
                        int[] classes = { {{list}} };
                        Harness.Constants({{name}}.SizeClasses, classes, new[] { {{name}}.ArenaSize, {{name}}.PoolSize, {{name}}.Alignment, {{name}}.SmallRequestThreshold, {{name}}.SizeClassCount, {{name}}.PoolsPerArena, {{name}}.HeaderPoolsPerArena, {{name}}.MediumRequestThreshold },
                            new[] { {{declaration.EffectiveArenaSize}}, {{declaration.EffectivePoolSize}}, {{alignment}}, {{declaration.EffectiveThreshold}}, {{classes.Length}}, {{poolsPerArena - headerPools}}, {{headerPools}}, {{declaration.EffectiveMediumThreshold}} });
                        int[] mediumBlocks = { {{string.Join(", ", declaration.MediumBlocks.Select(Text))}} };
                        int[] mediumLimits = { {{string.Join(", ", declaration.MediumLimits.Select(Text))}} };
                        Harness.MediumClasses({{name}}.MediumSizeClasses, mediumBlocks);
                        using var heap = new {{name}}();
                        Harness.Exercise(heap, classes, {{alignment}}, {{declaration.EffectiveThreshold}}, {{declaration.EffectivePoolSize}}, {{declaration.EffectiveMediumThreshold}}, mediumBlocks, mediumLimits, {{declaration.Index}});

                """);
            foreach (int size in s_typedSizes)
            {
                text.Append(CultureInfo.InvariantCulture, $"        Harness.Typed(heap, heap.Allocate<S{size}>(), {size}, classes, {name}.MediumSizeClasses, {alignment}, {declaration.EffectiveThreshold});\n");
            }

            text.Append("        Harness.Disposal(heap);\n    }\n");
        }

        text.Append("}\n\n");
        text.Append(HarnessSource);
        return text.ToString();
    }

    /// <summary>The checks shared by every heap of a batch; they go through <c>IAllocator</c>.</summary>
    private const string HarnessSource = """
        internal static unsafe class Harness
        {
            public static void Try(System.Text.StringBuilder failures, string name, Action check)
            {
                try
                {
                    check();
                }
                catch (Exception exception)
                {
                    failures.Append(name).Append("\n    ").Append(exception.GetType().Name).Append(": ").Append(exception.Message).Append('\n');
                }
            }

            public static void Fail(string message) => throw new InvalidOperationException(message);

            public static void Constants(ReadOnlySpan<int> generatedClasses, int[] classes, int[] actual, int[] expected)
            {
                if (!generatedClasses.SequenceEqual(classes))
                {
                    Fail("SizeClasses is [" + string.Join(", ", generatedClasses.ToArray()) + "], expected [" + string.Join(", ", classes) + "]");
                }

                string[] names = { "ArenaSize", "PoolSize", "Alignment", "SmallRequestThreshold", "SizeClassCount", "PoolsPerArena", "HeaderPoolsPerArena", "MediumRequestThreshold" };
                for (int i = 0; i < names.Length; i++)
                {
                    if (actual[i] != expected[i])
                    {
                        Fail(names[i] + " is " + actual[i] + ", expected " + expected[i]);
                    }
                }
            }

            /// <summary>The smallest class holding <paramref name="size"/>, or the size itself above the threshold.</summary>
            public static nuint Expected(int[] classes, nuint size, int threshold)
            {
                if (size > (nuint)threshold)
                {
                    return size;
                }

                foreach (int c in classes)
                {
                    if ((nuint)c >= size)
                    {
                        return (nuint)c;
                    }
                }

                Fail("no class holds " + size);
                return 0;
            }

            public static void Block(IAllocator heap, void* block, nuint usable, int alignment, string what)
            {
                if (block == null)
                {
                    Fail(what + ": null");
                }

                if (((nuint)block & (nuint)(alignment - 1)) != 0)
                {
                    Fail(what + ": 0x" + ((nuint)block).ToString("X") + " is not aligned to " + alignment);
                }

                if (!heap.Owns(block))
                {
                    Fail(what + ": Owns is false");
                }

                nuint actual = heap.UsableSize(block);
                if (actual != usable)
                {
                    Fail(what + ": UsableSize is " + actual + ", expected " + usable);
                }
            }

            public static void Fill(byte* block, nuint size, int seed, string what)
            {
                for (nuint i = 0; i < size; i++)
                {
                    block[i] = (byte)((int)i * 7 + seed);
                }

                Verify(block, size, seed, what);
            }

            public static void Verify(byte* block, nuint size, int seed, string what)
            {
                for (nuint i = 0; i < size; i++)
                {
                    if (block[i] != (byte)((int)i * 7 + seed))
                    {
                        Fail(what + ": byte " + i + " changed");
                    }
                }
            }

            /// <summary>The medium classes: the spec's block sizes (MediumTierSpec), none without a tier.</summary>
            public static void MediumClasses(ReadOnlySpan<int> generated, int[] expected)
            {
                if (!generated.SequenceEqual(expected))
                {
                    Fail("MediumSizeClasses is [" + string.Join(", ", generated.ToArray()) + "], expected [" + string.Join(", ", expected) + "]");
                }
            }

            /// <summary>The usable size of a request of the medium tier: the block of the first class whose largest request holds it.</summary>
            public static nuint MediumBlockFor(int[] mediumBlocks, int[] mediumLimits, nuint size)
            {
                int m = 0;
                while ((nuint)mediumLimits[m] < size)
                {
                    m++;
                }

                return (nuint)mediumBlocks[m];
            }

            /// <summary>
            /// The medium tier at run time: each class's smallest and largest request get its block; a resize within
            /// the class keeps the block in place, one past its largest request moves it into the next class (past the
            /// last, to the system), and down into the small tier, the contents kept; random sizes of the tier, some
            /// reached by shrinking a system block, get the block of their class.
            /// </summary>
            public static void Medium(IAllocator heap, int[] classes, int alignment, int threshold, int mediumThreshold, int[] mediumBlocks, int[] mediumLimits, int seed)
            {
                for (int m = 0; m < mediumBlocks.Length; m++)
                {
                    nuint low = m == 0 ? (nuint)threshold + 1 : (nuint)mediumLimits[m - 1] + 1, high = (nuint)mediumLimits[m], block = (nuint)mediumBlocks[m];
                    string what = "medium class " + m + " (" + low + ".." + high + ", " + block + " B)";
                    byte* p = (byte*)heap.Allocate(low);
                    Block(heap, p, block, alignment, what + ", size " + low);
                    Fill(p, block, m, what);
                    if (heap.Reallocate(p, high) != p)
                    {
                        Fail(what + ": Reallocate from " + low + " to " + high + " moved the block");
                    }

                    Block(heap, p, block, alignment, what + ", resized in place to " + high);
                    Verify(p, block, m, what + ", resized in place");
                    nuint next = high + 1;
                    byte* moved = (byte*)heap.Reallocate(p, next);
                    if (moved == p)
                    {
                        Fail(what + ": Reallocate to " + next + ", another class, kept the block");
                    }

                    Block(heap, moved, m + 1 < mediumBlocks.Length ? (nuint)mediumBlocks[m + 1] : next, alignment, what + ", resized to " + next);
                    Verify(moved, high, m, what + ", resized to " + next);
                    byte* down = (byte*)heap.Reallocate(moved, (nuint)threshold);
                    Block(heap, down, Expected(classes, (nuint)threshold, threshold), alignment, what + ", resized to the small threshold");
                    Verify(down, (nuint)threshold, m, what + ", resized to the small threshold");
                    heap.Free(down);
                }

                var random = new Random(seed);
                for (int i = 0; i < 32; i++)
                {
                    nuint size = (nuint)random.Next(threshold + 1, mediumThreshold + 1);
                    byte* p;
                    if (i % 4 == 0)
                    {
                        p = (byte*)heap.Allocate((nuint)mediumThreshold + 1 + (nuint)random.Next(4096));
                        p = (byte*)heap.Reallocate(p, size);
                    }
                    else
                    {
                        p = (byte*)heap.Allocate(size);
                    }

                    Block(heap, p, MediumBlockFor(mediumBlocks, mediumLimits, size), alignment, "medium size " + size + (i % 4 == 0 ? ", shrunk from a system block" : string.Empty));
                    Fill(p, size, i, "medium size " + size);
                    heap.Free(p);
                }
            }

            public static void Exercise(IAllocator heap, int[] classes, int alignment, int threshold, int poolSize, int mediumThreshold, int[] mediumBlocks, int[] mediumLimits, int seed)
            {
                // One block of every class: aligned, owned, exactly the class size, every byte writable.
                for (int c = 0; c < classes.Length; c++)
                {
                    nuint size = (nuint)classes[c];
                    byte* block = (byte*)heap.Allocate(size);
                    Block(heap, block, size, alignment, "class " + c + " (" + size + " B)");
                    Fill(block, size, c, "class " + c);
                    heap.Free(block);
                }

                // The class table: each size is served by the smallest class that holds it.
                var sizes = new System.Collections.Generic.SortedSet<int> { 0, 1, threshold };
                if (threshold <= 4096)
                {
                    for (int s = 0; s <= threshold; s++)
                    {
                        sizes.Add(s);
                    }
                }
                else
                {
                    foreach (int c in classes)
                    {
                        sizes.Add(c - 1);
                        sizes.Add(c);
                        if (c < threshold)
                        {
                            sizes.Add(c + 1);
                        }
                    }
                }

                foreach (int s in sizes)
                {
                    void* block = heap.Allocate((nuint)s);
                    Block(heap, block, Expected(classes, (nuint)s, threshold), alignment, "size " + s);
                    heap.Free(block);
                }

                // More blocks than one pool holds, for the first, a middle and the last class: no two overlap.
                foreach (int c in new[] { 0, classes.Length / 2, classes.Length - 1 })
                {
                    int size = classes[c];
                    int perPool = poolSize / size;
                    int count = Math.Min(perPool + 1, Math.Max(2, Math.Min(150_000, (16 << 20) / size)));
                    var blocks = new nint[count];
                    var seen = new System.Collections.Generic.HashSet<nint>();
                    for (int round = 0; round < 2; round++)
                    {
                        for (int i = 0; i < count; i++)
                        {
                            byte* block = (byte*)heap.Allocate((nuint)size);
                            if (block == null || ((nuint)block & (nuint)(alignment - 1)) != 0 || !seen.Add((nint)block))
                            {
                                Fail("class " + c + ", block " + i + " of " + count + ": null, misaligned or handed out twice");
                            }

                            // A marker at both ends (they coincide for an 8-byte block).
                            block[size - 1] = (byte)i;
                            *(nint*)block = i;
                            blocks[i] = (nint)block;
                        }

                        for (int i = 0; i < count; i++)
                        {
                            byte* block = (byte*)blocks[i];
                            if (*(nint*)block != i || (size > sizeof(nint) && block[size - 1] != (byte)i))
                            {
                                Fail("class " + c + ", block " + i + " of " + count + " was overwritten by another block");
                            }
                        }

                        // Free the even blocks, then the odd ones, so pools go full -> used -> empty out of order.
                        for (int parity = 0; parity < 2; parity++)
                        {
                            for (int i = parity; i < count; i += 2)
                            {
                                heap.Free((void*)blocks[i]);
                            }
                        }

                        seen.Clear();
                    }
                }

                // Zero bytes: a unique block of the smallest class.
                void* zero = heap.Allocate(0);
                Block(heap, zero, (nuint)classes[0], alignment, "size 0");
                heap.Free(zero);

                if (mediumThreshold != 0)
                {
                    Medium(heap, classes, alignment, threshold, mediumThreshold, mediumBlocks, mediumLimits, seed);
                }

                // Above both tiers: the system allocator, still aligned, owned and exactly sized.
                nuint large = (nuint)Math.Max(threshold, mediumThreshold) + 1;
                byte* big = (byte*)heap.Allocate(large);
                Block(heap, big, large, alignment, "size " + large);
                Fill(big, large, 3, "large block");
                heap.Free(big);
                if (heap.Owns(big))
                {
                    Fail("a freed large block is still owned");
                }

                // Reallocate across the threshold and back, keeping the contents.
                nuint first = (nuint)classes[0];
                byte* moving = (byte*)heap.Allocate(first);
                Fill(moving, first, 5, "realloc source");
                moving = (byte*)heap.Reallocate(moving, large);
                Block(heap, moving, large, alignment, "reallocated to " + large);
                Verify(moving, first, 5, "reallocated up");
                moving = (byte*)heap.Reallocate(moving, 1);
                Block(heap, moving, first, alignment, "reallocated to 1");
                Verify(moving, 1, 5, "reallocated down");
                heap.Free(moving);

                // Zeroed memory is zero even where an earlier block left bytes behind.
                nuint last = (nuint)classes[^1];
                byte* zeroed = (byte*)heap.AllocateZeroed(1, last);
                Block(heap, zeroed, last, alignment, "zeroed");
                for (nuint i = 0; i < last; i++)
                {
                    if (zeroed[i] != 0)
                    {
                        Fail("AllocateZeroed left byte " + i + " set");
                    }
                }

                heap.Free(zeroed);

                // Nothing is left in use.
                var stats = heap.GetStats();
                if (stats.SizeClasses.Count != classes.Length + mediumBlocks.Length)
                {
                    Fail("GetStats has " + stats.SizeClasses.Count + " classes");
                }

                foreach (var row in stats.SizeClasses)
                {
                    // The size classes, then the medium ones; no pool holds a live block.
                    int blockSize = row.Index < classes.Length ? classes[row.Index] : mediumBlocks[row.Index - classes.Length];
                    if (row.BlocksInUse != 0 || row.Pools != 0 || row.BlockSize != blockSize)
                    {
                        Fail("GetStats class " + row.Index + ": " + row);
                    }
                }

                if (stats.LargeBlocks != 0)
                {
                    Fail("GetStats: " + stats.LargeBlocks + " large blocks left");
                }
            }

            /// <summary>A typed block (alignment 1): from the smallest small class, else medium class, that holds it, else the system.</summary>
            public static void Typed(IAllocator heap, void* block, int size, int[] classes, ReadOnlySpan<int> mediumClasses, int alignment, int threshold)
            {
                nuint usable = Expected(classes, (nuint)size, threshold);
                foreach (int medium in mediumClasses)
                {
                    if (size > threshold && medium >= size)
                    {
                        usable = (nuint)medium;
                        break;
                    }
                }

                Block(heap, block, usable, alignment, "Allocate<S" + size + ">");
                Fill((byte*)block, (nuint)size, size, "Allocate<S" + size + ">");
                heap.Free(block);
            }

            public static void Disposal(IAllocator heap)
            {
                heap.Dispose();
                heap.Dispose();
                try
                {
                    heap.Allocate(1);
                    Fail("Allocate after Dispose did not throw");
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        """;

    // ---- Small helpers -------------------------------------------------------------------------------------

    private static bool IsPowerOfTwo(int value) => value > 0 && (value & (value - 1)) == 0;

    private static int Log2(int value) => System.Numerics.BitOperations.Log2((uint)value);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
