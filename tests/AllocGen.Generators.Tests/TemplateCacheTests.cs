using System.Reflection;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// The generator's cost guard, without timing anything: a template is parsed once per process, however many
/// declarations render it. Parsing per render (a template's parse costs more than its render) made every build pay
/// for each allocator; the count of parses catches that deterministically.
/// </summary>
public sealed class TemplateCacheTests
{
    private static readonly Assembly s_generator = typeof(AllocatorGenerator).Assembly;

    [Fact]
    public void EachTemplateIsParsedOnceHoweverManyDeclarationsRenderIt()
    {
        // Eight pool allocators of different geometries and policies and two bump arenas: ten renders, twice over
        // (a second run with a fresh driver renders them all again).
        string source = "using AllocGen;\n" + string.Concat(Enumerable.Range(0, 8).Select(i =>
            $"[PoolAllocator(ArenaSize = {1 << (18 + (i % 3))}, Alignment = {8 << (i % 2)}, Threading = (ThreadPolicy){i % 3})] public sealed partial class Heap{i} {{ }}\n"))
            + "[BumpArena] public sealed partial class ArenaA { }\n[BumpArena(BlockSize = 131072)] public sealed partial class ArenaB { }\n";
        for (int run = 0; run < 2; run++)
        {
            GeneratorRun result = GeneratorHarness.Run(source);
            Assert.Empty(result.GeneratorDiagnostics);
            Assert.Equal(10, result.Result.GeneratedTrees.Length);
        }

        // Other tests render in this process too, in parallel: whatever they rendered, no template is parsed twice.
        int parses = ParseCount();
        Assert.InRange(parses, 2, TemplateCount());
    }

    [Fact]
    public void EveryTemplateIsEmbedded()
    {
        // The bound above is only a bound if it counts the templates the generator really has.
        string templates = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(DocsExampleTests.DiagnosticsDocument))!, "generators", "AllocGen.Generators", "Templates");
        Assert.Equal(Directory.GetFiles(templates, "*.sbn-cs").Length, TemplateCount());
    }

    [Fact]
    public void ATemplateMayStillCallScribansBuiltinFunctions()
    {
        // Contexts start without Scriban's builtin library (building it is a cost every compiler process paid); a
        // name no scope defines is looked up in it, so a template that calls string. or array. functions still works.
        MethodInfo render = Renderer().GetMethod("RenderText", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new MissingMethodException("TemplateRenderer", "RenderText");
        object? text = render.Invoke(null, new object[] { "{{ string.upcase Name }} has {{ array.size Classes }} classes", new { Name = "heap", Classes = new[] { 16, 32, 48 } } });
        Assert.Equal("HEAP has 3 classes", text);
    }

    private static Type Renderer() => s_generator.GetType("AllocGen.Generators.Emission.TemplateRenderer", throwOnError: true)!;

    private static int TemplateCount() =>
        s_generator.GetManifestResourceNames().Count(name => name.StartsWith("AllocGen.Templates.", StringComparison.Ordinal));

    private static int ParseCount()
    {
        // TemplateRenderer is internal (no InternalsVisibleTo): read its counter by reflection.
        PropertyInfo count = Renderer().GetProperty("ParseCount", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new MissingMemberException("TemplateRenderer", "ParseCount");
        return (int)count.GetValue(null)!;
    }
}
