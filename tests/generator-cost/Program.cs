using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using AllocGen;
using AllocGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

// Usage: dotnet run -c Release --project tests/generator-cost -- [N] [repeats]
//
// Times AllocatorGenerator as the compiler runs it (GeneratorDriver.GetTimingInfo, the figure -p:ReportAnalyzer=true
// prints) over N [PoolAllocator] classes of the configurations measure.sh declares. CPU is the process's processor time
// over the same run (the JIT's background threads included): on a shared machine it moves far less than the clock.
//   cold           the first run in this process: loading and JIT-compiling the generator and Scriban, parsing the
//                  templates, and the run itself. A command-line build without the compiler server pays this every time.
//   warm full      a fresh driver over a fresh compilation in the same process (the compiler server's case): median.
//   unrelated edit the same driver after an edit of another file: every allocator is cached.
//   one edited     the same driver after one allocator's arguments changed: one allocator re-rendered.
int count = args.Length > 0 ? int.Parse(args[0]) : 64;
int repeats = args.Length > 1 ? int.Parse(args[1]) : 5;

var parse = new CSharpParseOptions(LanguageVersion.Latest);
double lastCpu = 0;
ImmutableArray<MetadataReference> references = References();

// Warm up the compiler's own code (parsing, binding, the driver) with a generator that reads the same attributes,
// so that the cold figure is the generator's, not Roslyn's JIT (the compiler's own copy of Roslyn is precompiled).
WarmUp(new WarmUpGenerator(), Compilation(Allocators(count, "Warm")));

GeneratorDriver driver = Driver(new AllocatorGenerator());
double cold = Time(ref driver, Compilation(Allocators(count, "Cold")), out int sources);
double coldCpu = lastCpu;

var warm = new List<double>();
var warmCpu = new List<double>();
for (int r = 0; r < repeats; r++)
{
    GeneratorDriver fresh = Driver(new AllocatorGenerator());
    warm.Add(Time(ref fresh, Compilation(Allocators(count, "Warm" + r)), out _));
    warmCpu.Add(lastCpu);
}

CSharpCompilation baseline = Compilation(Allocators(count, "Steady"));
GeneratorDriver steady = Driver(new AllocatorGenerator());
Time(ref steady, baseline, out _);
var unrelated = new List<double>();
var edited = new List<double>();
for (int r = 0; r < repeats; r++)
{
    SyntaxTree other = baseline.SyntaxTrees.Single(t => t.FilePath == "Other.cs");
    CSharpCompilation touched = baseline.ReplaceSyntaxTree(other, Tree("namespace GeneratorCost; internal static class Other { public const int Edit = " + r + "; }", "Other.cs"));
    unrelated.Add(Time(ref steady, touched, out _));

    SyntaxTree first = baseline.SyntaxTrees.Single(t => t.FilePath == "Allocators.cs");
    string text = first.ToString();
    const string heap0 = "SmallRequestThreshold = 512)]";
    int at = text.IndexOf(heap0, StringComparison.Ordinal);
    string changed = text.Substring(0, at) + "SmallRequestThreshold = " + (256 + (r % 2 * 128)) + ")]" + text.Substring(at + heap0.Length);
    edited.Add(Time(ref steady, touched.ReplaceSyntaxTree(touched.SyntaxTrees.Single(t => t.FilePath == "Allocators.cs"), Tree(changed, "Allocators.cs")), out _));
    steady = Driver(new AllocatorGenerator());
    Time(ref steady, baseline, out _);
}

Console.WriteLine($"allocators: {count}, generated files: {sources}, repeats: {repeats}");
Console.WriteLine($"cold (first run in the process)  {cold,8:F1} ms  {cold / count,6:F2} ms per allocator   CPU {coldCpu,7:F1} ms");
Console.WriteLine($"warm full run (median)           {Median(warm),8:F1} ms  {Median(warm) / count,6:F2} ms per allocator   CPU {Median(warmCpu),7:F1} ms   [{string.Join(", ", warm.Select(w => w.ToString("F1")))}]");
Console.WriteLine($"incremental, unrelated edit      {Median(unrelated),8:F1} ms");
Console.WriteLine($"incremental, one allocator edited {Median(edited),7:F1} ms");
return 0;

static double Median(List<double> values)
{
    var sorted = values.OrderBy(v => v).ToList();
    return sorted[sorted.Count / 2];
}

GeneratorDriver Driver(IIncrementalGenerator generator) =>
    CSharpGeneratorDriver.Create(new[] { generator.AsSourceGenerator() }, parseOptions: parse);

double Time(ref GeneratorDriver d, Compilation compilation, out int generated)
{
    TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    d = d.RunGenerators(compilation);
    lastCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
    GeneratorDriverRunResult result = d.GetRunResult();
    if (result.Diagnostics.FirstOrDefault(x => x.Severity >= DiagnosticSeverity.Warning) is { } problem)
    {
        throw new InvalidOperationException("The generator reported " + problem);
    }

    generated = result.GeneratedTrees.Length;
    return d.GetTimingInfo().GeneratorTimes.Single().ElapsedTime.TotalMilliseconds;
}

void WarmUp(IIncrementalGenerator generator, Compilation compilation)
{
    GeneratorDriver d = Driver(generator);
    Time(ref d, compilation, out _);
}

SyntaxTree Tree(string text, string path) => CSharpSyntaxTree.ParseText(text, parse, path, Encoding.UTF8);

CSharpCompilation Compilation(string allocators) =>
    CSharpCompilation.Create(
        "GeneratorCost",
        new[] { Tree(allocators, "Allocators.cs"), Tree("namespace GeneratorCost; internal static class Other { }", "Other.cs") },
        references,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

// The i-th allocator of measure.sh: arena 256 KiB..2 MiB, pool 4..16 KiB, alignment 8..32, threshold 256 or 512,
// every third with explicit [SizeClasses], every fifth Locked and every fifth PerThread.
static string Allocators(int n, string prefix)
{
    var text = new StringBuilder("using AllocGen;\n\nnamespace GeneratorCost;\n\n");
    for (int i = 0; i < n; i++)
    {
        int align = 8 << (i % 3);
        int threshold = i % 2 == 0 ? 512 : 256;
        string threading = (i % 5) switch { 3 => ", Threading = ThreadPolicy.Locked", 4 => ", Threading = ThreadPolicy.PerThread", _ => "" };
        text.Append($"[PoolAllocator(ArenaSize = {1 << (18 + (i % 4))}, PoolSize = {1 << (12 + (i % 3))}, Alignment = {align}, SmallRequestThreshold = {threshold}{threading})]\n");
        if (i % 3 == 2)
        {
            var sizes = new List<int>();
            for (int s = align; s < threshold; s *= 2)
            {
                sizes.Add(s);
            }

            sizes.Add(threshold - align);
            sizes.Add(threshold);
            text.Append("[SizeClasses(").Append(string.Join(", ", sizes)).Append(")]\n");
        }

        text.Append($"public sealed partial class {prefix}Heap{i} {{ }}\n\n");
    }

    return text.ToString();
}

static ImmutableArray<MetadataReference> References()
{
    var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        .Append(typeof(PoolAllocatorAttribute).Assembly.Location);
    return paths
        .GroupBy(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase)
        .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()))
        .ToImmutableArray();
}

/// <summary>Reads what AllocGen reads (the attributes, the members, the base types) and generates nothing.</summary>
internal sealed class WarmUpGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<int> read = context.SyntaxProvider.ForAttributeWithMetadataName(
            "AllocGen.PoolAllocatorAttribute",
            static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
            static (target, _) =>
            {
                var type = (INamedTypeSymbol)target.TargetSymbol;
                return type.GetAttributes().Length + type.GetMembers().Length + type.ToDisplayString().Length
                    + (target.SemanticModel.Compilation.IsSymbolAccessibleWithin(type, type) ? 1 : 0);
            });
        context.RegisterSourceOutput(read.Collect(), static (output, values) => output.AddSource("WarmUp.g.cs", "// " + values.Sum()));
    }
}
