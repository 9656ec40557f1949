using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>One run of <see cref="AllocatorGenerator"/> over a compilation.</summary>
/// <param name="Driver">The driver after the run; run it again on an edited compilation to test caching.</param>
/// <param name="Result">The run result (generated sources, generator diagnostics, tracked steps).</param>
/// <param name="InputCompilation">The compilation the generator ran on.</param>
/// <param name="OutputCompilation">The input compilation plus the generated sources.</param>
/// <param name="GeneratorDiagnostics">The diagnostics the generator reported.</param>
public sealed record GeneratorRun(
    GeneratorDriver Driver,
    GeneratorDriverRunResult Result,
    Compilation InputCompilation,
    Compilation OutputCompilation,
    ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>The single generator's result.</summary>
    public GeneratorRunResult GeneratorResult => Assert.Single(Result.Results);

    /// <summary>Errors and warnings of the output compilation (hidden and info diagnostics excluded).</summary>
    public ImmutableArray<Diagnostic> OutputErrorsAndWarnings => GeneratorHarness.ErrorsAndWarnings(OutputCompilation);

    /// <summary>Generated source hint names, sorted.</summary>
    public IReadOnlyList<string> HintNames =>
        Result.Results.SelectMany(r => r.GeneratedSources).Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal).ToList();

    /// <summary>Text of the generated source whose hint name is <paramref name="hintName"/>.</summary>
    public string Source(string hintName) =>
        Assert.Single(Result.Results.SelectMany(r => r.GeneratedSources), s => s.HintName == hintName).SourceText.ToString();
}

/// <summary>
/// Builds compilations against the running runtime plus AllocGen.dll, runs <see cref="AllocatorGenerator"/> on them
/// with step tracking on, and emits and loads the results in collectible load contexts.
/// </summary>
public static class GeneratorHarness
{
    /// <summary>Parse options of every tree and of the driver: latest language version.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(CreateReferences);

    /// <summary>The trusted platform assemblies of this process and AllocGen.dll, once each.</summary>
    public static ImmutableArray<MetadataReference> References => s_references.Value;

    /// <summary>Compilation options: a library, unsafe allowed unless told otherwise, nullable enabled.</summary>
    public static CSharpCompilationOptions CompilationOptions(bool allowUnsafe = true) =>
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
            .WithAllowUnsafe(allowUnsafe)
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithDeterministic(true);

    /// <summary>Parses <paramref name="source"/> as a tree at <paramref name="path"/>.</summary>
    public static SyntaxTree ParseTree(string source, string path) =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path, Encoding.UTF8);

    /// <summary>A compilation of <paramref name="sources"/>, named <c>Source0.cs</c>, <c>Source1.cs</c>, ...</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) => CreateCompilation(sources, allowUnsafe: true);

    /// <summary>A compilation of <paramref name="sources"/>, named <c>Source0.cs</c>, <c>Source1.cs</c>, ...</summary>
    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources, bool allowUnsafe = true, string assemblyName = "GeneratorTestInput") =>
        CreateCompilation(sources.Select((s, i) => ParseTree(s, $"Source{i}.cs")), allowUnsafe, assemblyName);

    /// <summary>A compilation of the given trees.</summary>
    public static CSharpCompilation CreateCompilation(IEnumerable<SyntaxTree> trees, bool allowUnsafe = true, string assemblyName = "GeneratorTestInput") =>
        CSharpCompilation.Create(assemblyName, trees, References, CompilationOptions(allowUnsafe));

    /// <summary>A fresh driver holding the generator, with step tracking on and no output kind disabled.</summary>
    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new AllocatorGenerator().AsSourceGenerator() },
            additionalTexts: null,
            parseOptions: ParseOptions,
            optionsProvider: null,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Compiles <paramref name="sources"/> (unsafe allowed) and runs the generator once.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    /// <summary>Runs the generator over <paramref name="compilation"/> with a fresh driver.</summary>
    public static GeneratorRun Run(Compilation compilation) => Run(CreateDriver(), compilation);

    /// <summary>Runs <paramref name="driver"/> (fresh, or from an earlier run to test caching) over <paramref name="compilation"/>.</summary>
    public static GeneratorRun Run(GeneratorDriver driver, Compilation compilation)
    {
        GeneratorDriver after = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new GeneratorRun(after, after.GetRunResult(), compilation, output, diagnostics);
    }

    /// <summary>Errors and warnings of <paramref name="compilation"/> (hidden and info diagnostics excluded).</summary>
    public static ImmutableArray<Diagnostic> ErrorsAndWarnings(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();

    /// <summary>Diagnostics as one line each, for assertion messages.</summary>
    public static string Format(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => d.ToString()));

    /// <summary>
    /// Emits <paramref name="compilation"/> to memory and loads it into a new collectible load context in which
    /// AllocGen.dll resolves to the copy this test process already runs. Dispose the result to unload it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The compilation does not emit.</exception>
    public static LoadedAssembly EmitAndLoad(Compilation compilation) =>
        TryEmitAndLoad(compilation, out ImmutableArray<Diagnostic> diagnostics)
            ?? throw new InvalidOperationException("Emit failed:\n" + Format(diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));

    /// <summary>
    /// Like <see cref="EmitAndLoad"/>, but returns null when the compilation does not emit. Emitting compiles
    /// everything once, so <paramref name="errorsAndWarnings"/> (hidden and info excluded) spares a separate
    /// <see cref="Compilation.GetDiagnostics"/>, which would bind every method body a second time.
    /// </summary>
    public static LoadedAssembly? TryEmitAndLoad(Compilation compilation, out ImmutableArray<Diagnostic> errorsAndWarnings)
    {
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        errorsAndWarnings = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
        if (!result.Success)
        {
            return null;
        }

        stream.Position = 0;
        var context = new CollectibleContext(compilation.AssemblyName ?? "generated");
        return new LoadedAssembly(context, context.LoadFromStream(stream));
    }

    private static ImmutableArray<MetadataReference> CreateReferences()
    {
        var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .ToList();
        paths.Add(typeof(PoolAllocatorAttribute).Assembly.Location);

        // One reference per assembly name: the runtime's TPA list may already hold AllocGen.dll.
        return paths
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .GroupBy(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()))
            .ToImmutableArray();
    }

    private sealed class CollectibleContext(string name) : AssemblyLoadContext("AllocGen.Tests." + name, isCollectible: true)
    {
        private static readonly Assembly s_runtime = typeof(PoolAllocatorAttribute).Assembly;

        protected override Assembly? Load(AssemblyName assemblyName) =>
            string.Equals(assemblyName.Name, s_runtime.GetName().Name, StringComparison.Ordinal) ? s_runtime : null;
    }
}

/// <summary>An assembly loaded in its own collectible context; disposing unloads the context.</summary>
public sealed class LoadedAssembly : IDisposable
{
    internal LoadedAssembly(AssemblyLoadContext context, Assembly assembly)
    {
        Context = context;
        Assembly = assembly;
    }

    /// <summary>The collectible load context.</summary>
    public AssemblyLoadContext Context { get; }

    /// <summary>The loaded assembly.</summary>
    public Assembly Assembly { get; }

    /// <summary>Invokes the public static method <paramref name="typeName"/>.<paramref name="methodName"/>.</summary>
    public object? Invoke(string typeName, string methodName, params object?[] arguments)
    {
        Type type = Assembly.GetType(typeName, throwOnError: true)!;
        MethodInfo method = type.GetMethod(methodName, BindingFlags.Public | BindingFlags.Static)
            ?? throw new MissingMethodException(typeName, methodName);
        try
        {
            return method.Invoke(null, arguments);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Context.Unload();
}
