using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// Every C# code block of the user-facing documentation compiles with the generator and the runtime referenced, as
/// in a fresh console project, so that the samples cannot rot; what the quick sample says about the code (the stats
/// table's columns) is what the code does; they cite no issue a reader cannot open; and no XML doc holds a measured
/// figure that would go stale.
/// </summary>
/// <remarks>
/// <para>
/// Documents: <c>README.md</c>, the package README <c>src/AllocGen/PACKAGE.md</c>, <c>docs/*.md</c> and
/// <c>examples/*/README.md</c>. <c>docs/diagnostics.md</c> is left out: its examples are meant to report AG
/// diagnostics, and a test of their own checks them.
/// </para>
/// <para>
/// A block is a fence opened with <c>```csharp</c> (or <c>```cs</c>, <c>```c#</c>). Each block is one source file of
/// its own compilation, with the global usings a console project gets from <c>ImplicitUsings</c> (so it needs its own
/// <c>using AllocGen;</c>), unsafe code allowed and nullable on. It must produce no generator diagnostic and no
/// compiler error or warning (consumers may build with warnings as errors). A block with top-level statements is a
/// program and is also run: it must finish without an exception.
/// </para>
/// <para>
/// A block that is deliberately a fragment (statements that cannot stand alone as a file) is marked by the line
/// <c>&lt;!-- snippet: fragment --&gt;</c> before its fence (blank lines aside); it is compiled as the body of a static unsafe
/// method, with <c>using AllocGen;</c>, and not run. Keep such markers rare: a sample a user can paste whole is better.
/// </para>
/// <para>
/// A block marked by <c>&lt;!-- snippet: safe-only --&gt;</c> is a file of a project without unsafe code: compiled
/// with unsafe code off, where the generator's one permitted diagnostic is the info AG0037, and run like any other.
/// </para>
/// </remarks>
public sealed class DocumentationSnippetTests
{
    /// <summary>The marker line that makes the next block a fragment.</summary>
    public const string FragmentMarker = "<!-- snippet: fragment -->";

    /// <summary>The marker line that compiles the next block without unsafe code.</summary>
    public const string SafeOnlyMarker = "<!-- snippet: safe-only -->";

    private const string ExcludedDocument = "docs/diagnostics.md";

    // The global usings of Microsoft.NET.Sdk with <ImplicitUsings>enable</ImplicitUsings>.
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly Regex OpeningFence = new(@"^(?<indent>\s*)```\s*(?<language>[^\s`]*)\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex ClosingFence = new(@"^\s*```\s*$", RegexOptions.CultureInvariant);
    private static readonly string[] CSharpLanguages = ["csharp", "cs", "c#"];

    /// <summary>Every C# block of the documentation, as (document relative to the repository root, line of its fence).</summary>
    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (string document in Documents())
        {
            foreach (Snippet snippet in Extract(document))
            {
                data.Add(snippet.Document, snippet.Line);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void SnippetCompilesWithTheGenerator(string document, int line) =>
        AssertCompilesAndRuns(Assert.Single(Extract(document), s => s.Line == line));

    [Fact]
    public void AFragmentCompilesAsAMethodBody()
    {
        string markdown = string.Join('\n', FragmentMarker, "```csharp", "int* values = stackalloc int[2];", "values[1] = values[0] = 1;", "```");
        Snippet fragment = Assert.Single(Parse("fragment.md", markdown));
        Assert.True(fragment.IsFragment);
        AssertCompilesAndRuns(fragment);
    }

    private static void AssertCompilesAndRuns(Snippet snippet)
    {
        string where = $"{snippet.Document}:{snippet.Line}";
        string source = snippet.IsFragment
            ? $"using AllocGen;\n\ninternal static unsafe class DocumentationFragment\n{{\n    internal static void Body()\n    {{\n{snippet.Code}\n    }}\n}}\n"
            : snippet.Code;

        SyntaxTree tree = GeneratorHarness.ParseTree(source, where);
        bool isProgram = tree.GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();
        CSharpCompilation compilation = CSharpCompilation.Create(
            "DocumentationSnippet",
            [tree, GeneratorHarness.ParseTree(ImplicitUsings, "ImplicitUsings.g.cs")],
            GeneratorHarness.References,
            GeneratorHarness.CompilationOptions(allowUnsafe: !snippet.IsSafeOnly).WithOutputKind(isProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary));

        GeneratorRun run = GeneratorHarness.Run(compilation);
        Assert.Null(run.GeneratorResult.Exception);
        Assert.True(
            run.GeneratorDiagnostics.All(d => snippet.IsSafeOnly && d.Id == "AG0037"),
            $"{where}: the generator reported\n{GeneratorHarness.Format(run.GeneratorDiagnostics)}");

        using LoadedAssembly? loaded = GeneratorHarness.TryEmitAndLoad(run.OutputCompilation, out ImmutableArray<Diagnostic> diagnostics);
        Assert.True(diagnostics.IsEmpty, $"{where} does not compile cleanly:\n{GeneratorHarness.Format(diagnostics)}\n\n{source}");
        Assert.NotNull(loaded);
        if (isProgram)
        {
            MethodInfo entryPoint = loaded.Assembly.EntryPoint ?? throw new InvalidOperationException($"{where}: no entry point");
            object?[] arguments = entryPoint.GetParameters().Length == 0 ? [] : [Array.Empty<string>()];
            try
            {
                entryPoint.Invoke(null, arguments);
            }
            catch (TargetInvocationException exception) when (exception.InnerException is not null)
            {
                Assert.Fail($"{where} compiles but throws when run: {exception.InnerException}");
            }
        }
    }

    [Fact]
    public void ASafeOnlySnippetIsCompiledWithoutUnsafeCode()
    {
        // The same pointer code compiles as a plain snippet and not as a safe-only one.
        const string code = "internal static class Pointers { internal static unsafe int Read(int* p) => *p; }";
        Snippet plain = Assert.Single(Parse("plain.md", string.Join('\n', "```csharp", code, "```")));
        Snippet safe = Assert.Single(Parse("safe.md", string.Join('\n', SafeOnlyMarker, "```csharp", code, "```")));

        Assert.True(safe.IsSafeOnly);
        AssertCompilesAndRuns(plain);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertCompilesAndRuns(safe));
    }

    [Fact]
    public void TheReadmeQuickSampleIsAmongTheSnippets()
    {
        // Guards the extraction itself: a fence syntax it no longer recognises would leave nothing to compile.
        Snippet first = Extract("README.md").First();
        Assert.Contains("[PoolAllocator", first.Code, StringComparison.Ordinal);
        Assert.Contains("Allocate<", first.Code, StringComparison.Ordinal);
        Assert.False(first.IsFragment);
        Assert.Contains("src/AllocGen/PACKAGE.md", Documents());
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("src/AllocGen/PACKAGE.md")]
    public void TheQuickSampleNamesTheStatsColumnsGetStatsPrints(string document)
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using AllocGen;
            [PoolAllocator] public sealed partial class StatsHeap { }
            public static class StatsTable
            {
                public static string Print() { using var heap = new StatsHeap(); return heap.GetStats().ToString(); }
            }
            """);
        using LoadedAssembly loaded = GeneratorHarness.EmitAndLoad(run.OutputCompilation);
        // The table's header line (under the dump's title lines).
        string header = ((string)loaded.Invoke("StatsTable", "Print")!).Split('\n').First(l => l.StartsWith("class", StringComparison.Ordinal));
        // The first two columns name the row (class index, block size); the rest are what the sample's comment lists.
        string[] counts = Regex.Split(header.Trim(), @"\s{2,}").Skip(2).ToArray();

        const string Lead = "// per class:";
        string comment = Extract(document).First().Code.Split('\n').Single(l => l.Contains("GetStats()", StringComparison.Ordinal));
        Assert.Contains(Lead, comment, StringComparison.Ordinal);
        string listed = comment[(comment.IndexOf(Lead, StringComparison.Ordinal) + Lead.Length)..].Split(';')[0];
        Assert.Equal(counts, listed.Split(',').Select(c => c.Trim()).ToArray());
    }

    [Fact]
    public void UserDocumentationCitesNoIssue()
    {
        // A reader of the README or of a package page cannot open the project's issues: say it in the document.
        var citation = new Regex(@"\bissue #\d+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
        string root = RepositoryRoot();
        string[] offenders = Documents()
            .SelectMany(d => File.ReadAllLines(Path.Combine(root, d)).Select((text, i) => (d, line: i + 1, text)))
            .Where(l => citation.IsMatch(l.text))
            .Select(l => $"{l.d}:{l.line}: {l.text.Trim()}")
            .ToArray();
        Assert.True(offenders.Length == 0, "Issue citations in user documentation:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void XmlDocsHoldNoMeasuredFigures()
    {
        // Timings and ratios go stale with every run; they live in docs/benchmarks.md, which is regenerated.
        var figure = new Regex(@"\b\d+(\.\d+)?(-\d+(\.\d+)?)?x\b|\b\d+(\.\d+)? ?(ns|µs|ms)\b|\d ?%", RegexOptions.CultureInvariant);
        string root = RepositoryRoot();
        var offenders = new List<string>();
        foreach (string folder in new[] { "src", "generators" })
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(root, folder), "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".sbn-cs", StringComparison.Ordinal))
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            {
                string[] lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                {
                    if (lines[i].TrimStart().StartsWith("///", StringComparison.Ordinal) && figure.IsMatch(lines[i]))
                    {
                        offenders.Add($"{Relative(root, file)}:{i + 1}: {lines[i].Trim()}");
                    }
                }
            }
        }

        Assert.True(offenders.Count == 0, "Measured figures in XML docs (move them to docs/benchmarks.md):\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void ExtractionFindsFencesMarkersAndIndentedBlocks()
    {
        string markdown = string.Join('\n',
            "text",
            "```csharp",
            "class A { }",
            "```",
            "```bash",
            "echo not C#",
            "```",
            FragmentMarker,
            "",
            "```cs",
            "int x = 1;",
            "```",
            "- a list item:",
            "  ```c#",
            "  class B { }",
            "  ```");

        List<Snippet> snippets = Parse("doc.md", markdown).ToList();

        Assert.Equal(3, snippets.Count);
        Assert.Equal(new Snippet("doc.md", 2, "class A { }", false), snippets[0]);
        Assert.Equal(new Snippet("doc.md", 10, "int x = 1;", true), snippets[1]);
        Assert.Equal(new Snippet("doc.md", 14, "class B { }", false), snippets[2]);
    }

    /// <summary>The documents whose C# blocks are checked, relative to the repository root with '/' separators.</summary>
    private static IReadOnlyList<string> Documents()
    {
        string root = RepositoryRoot();
        var documents = new List<string> { "README.md", "src/AllocGen/PACKAGE.md" };
        documents.AddRange(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Select(p => Relative(root, p)));
        documents.AddRange(Directory.GetDirectories(Path.Combine(root, "examples"))
            .Select(d => Path.Combine(d, "README.md"))
            .Where(File.Exists)
            .Select(p => Relative(root, p)));
        return documents
            .Where(d => !string.Equals(d, ExcludedDocument, StringComparison.Ordinal))
            .OrderBy(d => d, StringComparer.Ordinal)
            .ToList();
    }

    private static IEnumerable<Snippet> Extract(string document) =>
        Parse(document, File.ReadAllText(Path.Combine(RepositoryRoot(), document)));

    /// <summary>The C# blocks of <paramref name="markdown"/>; <see cref="Snippet.Line"/> is the 1-based line of the opening fence.</summary>
    private static IEnumerable<Snippet> Parse(string document, string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        string? previousText = null;
        for (int i = 0; i < lines.Length; i++)
        {
            Match fence = OpeningFence.Match(lines[i]);
            if (!fence.Success)
            {
                if (lines[i].Trim().Length > 0)
                {
                    previousText = lines[i].Trim();
                }

                continue;
            }

            int indent = fence.Groups["indent"].Length;
            int opening = i;
            var code = new List<string>();
            for (i++; i < lines.Length && !ClosingFence.IsMatch(lines[i]); i++)
            {
                code.Add(lines[i].Length >= indent && lines[i][..indent].Trim().Length == 0 ? lines[i][indent..] : lines[i].TrimStart());
            }

            string language = fence.Groups["language"].Value;
            if (CSharpLanguages.Contains(language, StringComparer.OrdinalIgnoreCase))
            {
                yield return new Snippet(document, opening + 1, string.Join('\n', code), previousText == FragmentMarker, previousText == SafeOnlyMarker);
            }

            previousText = null;
        }
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    /// <summary>The directory holding AllocGen.sln, found by walking up from the test assembly.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AllocGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"AllocGen.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>One C# block of a document.</summary>
    /// <param name="Document">The document, relative to the repository root.</param>
    /// <param name="Line">The 1-based line of its opening fence.</param>
    /// <param name="Code">The block's text, without the fences and the fence's indentation.</param>
    /// <param name="IsFragment">Marked with <see cref="FragmentMarker"/>: compiled as a method body.</param>
    /// <param name="IsSafeOnly">Marked with <see cref="SafeOnlyMarker"/>: compiled without unsafe code.</param>
    private sealed record Snippet(string Document, int Line, string Code, bool IsFragment, bool IsSafeOnly = false);
}
