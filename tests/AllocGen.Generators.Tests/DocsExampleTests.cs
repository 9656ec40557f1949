using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// docs/diagnostics.md cannot rot: every diagnostic has a section with a bad and a fixed example, each bad example
/// makes AllocGen report its id and no other, and each fixed example compiles with no diagnostic at all.
/// </summary>
/// <remarks>
/// A C# example is compiled as written, after <c>using System; using AllocGen;</c>, with unsafe code allowed; an
/// example that is only an attribute gets <c>public sealed partial class GameHeap { }</c> after it. An XML example
/// is a project file fragment: its <c>AllowUnsafeBlocks</c> (off unless set, as in MSBuild) and <c>LangVersion</c>
/// apply to a default declaration, a <c>[PoolAllocator]</c> class, or for AG0019, which only a domains class can get,
/// an <c>[AllocatorDomains]</c> class.
/// </remarks>
public sealed partial class DocsExampleTests
{
    private const string DefaultDeclaration = "[PoolAllocator]\npublic sealed partial class GameHeap { }\n";

    private const string DomainsDeclaration = "[AllocatorDomains]\n[Domain(AllocDomain.Raw, typeof(SystemAllocator))]\n[Domain(AllocDomain.Mem, typeof(SystemAllocator))]\n[Domain(AllocDomain.Object, typeof(SystemAllocator))]\npublic static partial class Mem { }\n";

    private static readonly Lazy<IReadOnlyList<DocSection>> s_sections = new(() => ReadSections(File.ReadAllText(DiagnosticsDocument)));

    /// <summary>docs/diagnostics.md, found from the test's output folder up.</summary>
    public static string DiagnosticsDocument
    {
        get
        {
            for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "docs", "diagnostics.md");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("docs/diagnostics.md not found above " + AppContext.BaseDirectory);
        }
    }

    public static TheoryData<string> Ids() => new(s_sections.Value.Where(s => s.Bad is not null).Select(s => s.Id));

    [Fact]
    public void EveryDiagnosticHasASectionWithABadAndAFixedExample()
    {
        Dictionary<string, string> titles = DescriptorTitles();
        string document = File.ReadAllText(DiagnosticsDocument);
        Assert.Equal(titles.Keys.Order(StringComparer.Ordinal), s_sections.Value.Select(s => s.Id).Order(StringComparer.Ordinal));
        foreach (DocSection section in s_sections.Value)
        {
            Assert.Equal(titles[section.Id], section.Title);
            Assert.Contains($"| [{section.Id}](#{section.Id.ToLowerInvariant()}) | {section.Title} |", document, StringComparison.Ordinal);
            Assert.Contains($"<a id=\"{section.Id.ToLowerInvariant()}\"></a>\n## {section.Id}:", document.ReplaceLineEndings("\n"), StringComparison.Ordinal);
            if (section.Id != "AG0099")
            {
                Assert.True(section.Bad is not null && section.Fixed is not null, section.Id + " needs a bad example and, after 'Fixed:', a fixed one");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void BadExampleReportsItsId(string id)
    {
        DocSection section = s_sections.Value.Single(s => s.Id == id);
        GeneratorRun run = Compile(section.Bad!, id);

        Assert.Null(run.GeneratorResult.Exception);
        Assert.True(
            run.GeneratorDiagnostics.Length > 0 && run.GeneratorDiagnostics.All(d => d.Id == id),
            $"The bad example of {id} reports: " + GeneratorHarness.Format(run.GeneratorDiagnostics) + "\n" + section.Bad!.Code);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void FixedExampleCompilesWithoutDiagnostics(string id)
    {
        DocSection section = s_sections.Value.Single(s => s.Id == id);
        GeneratorRun run = Compile(section.Fixed!, id);

        Assert.Null(run.GeneratorResult.Exception);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, $"The fixed example of {id} reports: " + GeneratorHarness.Format(run.GeneratorDiagnostics) + "\n" + section.Fixed!.Code);
        Assert.NotEmpty(run.Result.GeneratedTrees);
        ImmutableArray<Diagnostic> errors = run.OutputErrorsAndWarnings;
        Assert.True(errors.IsEmpty, $"The fixed example of {id} does not compile: " + GeneratorHarness.Format(errors) + "\n" + section.Fixed!.Code);
    }

    [Fact]
    public void TheReaderFindsTheExamplesOfASection()
    {
        const string markdown = """
            <a id="ag0001"></a>
            ## AG0001: Title one

            ```csharp
            bad one
            ```

            Fixed:

            ```xml
            fixed one
            ```

            <a id="ag0099"></a>
            ## AG0099: Title two

            No examples.
            """;
        IReadOnlyList<DocSection> sections = ReadSections(markdown);

        Assert.Equal(["AG0001", "AG0099"], sections.Select(s => s.Id));
        Assert.Equal(new DocExample("csharp", "bad one\n"), sections[0].Bad);
        Assert.Equal(new DocExample("xml", "fixed one\n"), sections[0].Fixed);
        Assert.Equal("Title two", sections[1].Title);
        Assert.Null(sections[1].Bad);
    }

    /// <summary>A diagnostic's section: its id, title, and the examples before and after "Fixed:".</summary>
    public sealed record DocSection(string Id, string Title, DocExample? Bad, DocExample? Fixed);

    /// <summary>A fenced code block.</summary>
    public sealed record DocExample(string Language, string Code);

    private static IReadOnlyList<DocSection> ReadSections(string markdown)
    {
        var sections = new List<DocSection>();
        string[] lines = markdown.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match heading = HeadingPattern().Match(lines[i]);
            if (!heading.Success)
            {
                continue;
            }

            DocExample? bad = null, @fixed = null;
            bool afterFixed = false;
            for (i++; i < lines.Length && !HeadingPattern().IsMatch(lines[i]); i++)
            {
                if (lines[i].Trim() == "Fixed:")
                {
                    afterFixed = true;
                }
                else if (lines[i].StartsWith("```", StringComparison.Ordinal))
                {
                    string language = lines[i].Substring(3).Trim();
                    var code = new System.Text.StringBuilder();
                    for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
                    {
                        code.Append(lines[i]).Append('\n');
                    }

                    var example = new DocExample(language, code.ToString());
                    Assert.True(afterFixed ? @fixed is null : bad is null, $"{heading.Groups[1].Value} has more than one {(afterFixed ? "fixed" : "bad")} example");
                    if (afterFixed)
                    {
                        @fixed = example;
                    }
                    else
                    {
                        bad = example;
                    }
                }
            }

            i--;
            sections.Add(new DocSection(heading.Groups[1].Value, heading.Groups[2].Value.Trim(), bad, @fixed));
        }

        return sections;
    }

    private static GeneratorRun Compile(DocExample example, string id)
    {
        string source;
        bool allowUnsafe = true;
        LanguageVersion version = LanguageVersion.Latest;
        switch (example.Language)
        {
            case "csharp":
                source = example.Code;
                if (!TypeDeclarationPattern().IsMatch(source))
                {
                    source += "public sealed partial class GameHeap { }\n";
                }

                break;
            case "xml":
                source = id == "AG0019" ? DomainsDeclaration : DefaultDeclaration;
                allowUnsafe = Regex.IsMatch(example.Code, @"<AllowUnsafeBlocks>\s*true\s*</AllowUnsafeBlocks>", RegexOptions.IgnoreCase);
                Match langVersion = Regex.Match(example.Code, @"<LangVersion>\s*([^<\s]+)\s*</LangVersion>");
                if (langVersion.Success)
                {
                    Assert.True(LanguageVersionFacts.TryParse(langVersion.Groups[1].Value, out version), "Unknown LangVersion " + langVersion.Groups[1].Value);
                }

                break;
            default:
                throw new InvalidOperationException("Examples are csharp or xml, not " + example.Language);
        }

        var options = new CSharpParseOptions(version);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "DocsExample",
            [CSharpSyntaxTree.ParseText("using System;\nusing AllocGen;\n\n" + source, options, "Example.cs")],
            GeneratorHarness.References,
            GeneratorHarness.CompilationOptions(allowUnsafe));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new AllocatorGenerator().AsSourceGenerator()], parseOptions: options);
        return GeneratorHarness.Run(driver, compilation);
    }

    /// <summary>The id and title of every descriptor the generator declares (the class is internal: by reflection).</summary>
    private static Dictionary<string, string> DescriptorTitles() =>
        typeof(AllocatorGenerator).Assembly.GetType("AllocGen.Generators.Diagnostics.DiagnosticDescriptors", throwOnError: true)!
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetValue(null))
            .OfType<DiagnosticDescriptor>()
            .ToDictionary(d => d.Id, d => d.Title.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^## (AG\d{4}):(.*)$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"\b(class|struct|interface|record)\s+\w")]
    private static partial Regex TypeDeclarationPattern();
}
