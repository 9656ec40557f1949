using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AllocGen.Generators.Tests.Infrastructure;

/// <summary>
/// Tests of the <see cref="Snapshot"/> helper itself, each in its own temporary snapshot folder and
/// with auto-accept pinned off unless a test turns it on.
/// </summary>
public sealed class SnapshotTests : IDisposable
{
    private const string ClassName = "FakeTests";
    private const string Method = "Generates";

    private readonly string _directory =
        Path.Combine(Path.GetTempPath(), "allocgen-snapshot-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task FirstRunWithoutVerifiedFilesFailsAndWritesReceived()
    {
        var result = Run(Source("A.g.cs", "class A { }"), Source("B.g.cs", "class B { }"));

        var ex = await Assert.ThrowsAsync<SnapshotMismatchException>(() => VerifyRun(result));

        Assert.Equal(
            ["FakeTests.Generates#A.g.verified.cs", "FakeTests.Generates#B.g.verified.cs"],
            ex.NewFiles);
        Assert.Empty(ex.ChangedFiles);
        Assert.Empty(ex.MissingFiles);
        Assert.Contains("FakeTests.Generates#A.g.received.cs", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FakeTests.Generates#B.g.received.cs", ex.Message, StringComparison.Ordinal);
        Assert.Equal(
            ["FakeTests.Generates#A.g.received.cs", "FakeTests.Generates#B.g.received.cs"],
            FileNames());
        Assert.Equal("//HintName: A.g.cs\nclass A { }\n", ReadBytesAsText("FakeTests.Generates#A.g.received.cs"));
        Assert.IsAssignableFrom<Xunit.Sdk.XunitException>(ex);
    }

    [Fact]
    public async Task AcceptingReceivedPassesAndDeletesReceived()
    {
        var result = Run(Source("A.g.cs", "class A { }"), Source("B.g.cs", "class B { }"));
        await Assert.ThrowsAsync<SnapshotMismatchException>(() => VerifyRun(result));

        AcceptAllReceived();
        File.WriteAllText(Path.Combine(_directory, "FakeTests.Generates#Old.received.cs"), "stale");

        await VerifyRun(result);

        Assert.Equal(
            ["FakeTests.Generates#A.g.verified.cs", "FakeTests.Generates#B.g.verified.cs"],
            FileNames());
    }

    [Fact]
    public async Task ChangedTextFailsWithDiffNamingTheChangedLine()
    {
        var before = "class A\n{\n    public int Old;\n    public int Same;\n}\n";
        var after = "class A\n{\n    public int New;\n    public int Same;\n}\n";
        await Assert.ThrowsAsync<SnapshotMismatchException>(() => VerifyRun(Run(Source("A.g.cs", before), Source("B.g.cs", "class B { }"))));
        AcceptAllReceived();

        var ex = await Assert.ThrowsAsync<SnapshotMismatchException>(
            () => VerifyRun(Run(Source("A.g.cs", after), Source("B.g.cs", "class B { }"))));

        Assert.Equal(["FakeTests.Generates#A.g.verified.cs"], ex.ChangedFiles);
        Assert.Empty(ex.NewFiles);
        Assert.Empty(ex.MissingFiles);
        // Line 1 is the //HintName header, so the changed field is line 4 of both files.
        Assert.Contains("@@ -1,6 +1,6 @@\n", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\n-    public int Old;\n+    public int New;\n", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\n     public int Same;\n", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("class B", ex.Message, StringComparison.Ordinal);
        // Only the changed file gets a received file; the verified file is untouched.
        Assert.Equal(
            ["FakeTests.Generates#A.g.received.cs", "FakeTests.Generates#A.g.verified.cs", "FakeTests.Generates#B.g.verified.cs"],
            FileNames());
        Assert.Contains("Old", ReadBytesAsText("FakeTests.Generates#A.g.verified.cs"), StringComparison.Ordinal);
        Assert.Contains("New", ReadBytesAsText("FakeTests.Generates#A.g.received.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void UnifiedDiffReportsLineNumbersOfAFarChange()
    {
        var expected = string.Join("\n", Enumerable.Range(1, 20).Select(i => $"line {i}"));
        var actual = expected.Replace("line 15", "line fifteen", StringComparison.Ordinal);

        var diff = Snapshot.UnifiedDiff(expected, actual);

        Assert.Equal(
            "@@ -12,7 +12,7 @@\n line 12\n line 13\n line 14\n-line 15\n+line fifteen\n line 16\n line 17\n line 18\n",
            diff);
        Assert.Equal(string.Empty, Snapshot.UnifiedDiff(expected, expected));
    }

    [Fact]
    public void UnifiedDiffIsCapped()
    {
        var expected = string.Join("\n", Enumerable.Range(1, 500).Select(i => $"a{i}"));
        var actual = string.Join("\n", Enumerable.Range(1, 500).Select(i => $"b{i}"));

        var diff = Snapshot.UnifiedDiff(expected, actual, maxLines: 10);

        Assert.Equal(11, diff.TrimEnd('\n').Split('\n').Length);
        Assert.EndsWith("more diff lines)\n", diff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingHintFailsAndNamesTheFile()
    {
        await Assert.ThrowsAsync<SnapshotMismatchException>(
            () => VerifyRun(Run(Source("A.g.cs", "class A { }"), Source("B.g.cs", "class B { }"))));
        AcceptAllReceived();

        var ex = await Assert.ThrowsAsync<SnapshotMismatchException>(
            () => VerifyRun(Run(Source("A.g.cs", "class A { }"))));

        Assert.Equal(["FakeTests.Generates#B.g.verified.cs"], ex.MissingFiles);
        Assert.Empty(ex.NewFiles);
        Assert.Empty(ex.ChangedFiles);
        Assert.Contains("Missing", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FakeTests.Generates#B.g.verified.cs", ex.Message, StringComparison.Ordinal);
        // Nothing to receive: the remaining file matches.
        Assert.Equal(
            ["FakeTests.Generates#A.g.verified.cs", "FakeTests.Generates#B.g.verified.cs"],
            FileNames());
    }

    [Fact]
    public async Task VerifiedFilesOfOtherTestsAreNotMissing()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "FakeTests.GeneratesMore#X.verified.cs"), "x");
        File.WriteAllText(Path.Combine(_directory, "FakeTests.Generates_p#X.verified.cs"), "x");
        File.WriteAllText(Path.Combine(_directory, "OtherTests.Generates#X.verified.cs"), "x");
        File.WriteAllText(Path.Combine(_directory, "FakeTests.Generates#A.g.verified.cs"), "//HintName: A.g.cs\nclass A { }");

        await VerifyRun(Run(Source("A.g.cs", "class A { }")));
    }

    [Fact]
    public async Task VersionIsScrubbed()
    {
        static string Versioned(string version) =>
            $"[global::System.CodeDom.Compiler.GeneratedCode(\"AllocGen.Generators\", \"{version}\")]\nclass A {{ }}";

        await Assert.ThrowsAsync<SnapshotMismatchException>(() => VerifyRun(Run(Source("A.g.cs", Versioned("1.2.3.0")))));
        AcceptAllReceived();

        var verified = ReadBytesAsText("FakeTests.Generates#A.g.verified.cs");
        Assert.Contains("GeneratedCode(\"AllocGen.Generators\", \"<version>\")", verified, StringComparison.Ordinal);
        Assert.DoesNotContain("1.2.3", verified, StringComparison.Ordinal);

        await VerifyRun(Run(Source("A.g.cs", Versioned("4.5.6-beta.7+abcdef"))));
    }

    [Theory]
    [InlineData(
        "[GeneratedCode(\"AllocGen.Generators\", \"1.0.0\")]",
        "[GeneratedCode(\"AllocGen.Generators\", \"<version>\")]")]
    [InlineData(
        "[global::System.CodeDom.Compiler.GeneratedCodeAttribute( \"AllocGen.Generators\",\"0.1.0-dev+1a2b\" )] x [GeneratedCode(\"AllocGen.Generators\", \"2.0\")]",
        "[global::System.CodeDom.Compiler.GeneratedCode(\"AllocGen.Generators\", \"<version>\")] x [GeneratedCode(\"AllocGen.Generators\", \"<version>\")]")]
    [InlineData(
        "[GeneratedCode(\"Other.Tool\", \"1.0.0\")]",
        "[GeneratedCode(\"Other.Tool\", \"1.0.0\")]")]
    [InlineData("no attribute here", "no attribute here")]
    public void ScrubVersionReplacesOnlyTheGeneratorVersion(string input, string expected) =>
        Assert.Equal(expected, Snapshot.ScrubVersion(input));

    [Fact]
    public async Task CrlfAndLfAreNotADifference()
    {
        Directory.CreateDirectory(_directory);
        // Verified with CRLF and a trailing newline; generated with LF and none.
        File.WriteAllText(
            Path.Combine(_directory, "FakeTests.Generates#A.g.verified.cs"),
            "//HintName: A.g.cs\r\nclass A\r\n{\r\n}\r\n");
        // Verified with LF and no trailing newline; generated with CRLF and a trailing newline.
        File.WriteAllText(
            Path.Combine(_directory, "FakeTests.Generates#B.g.verified.cs"),
            "//HintName: B.g.cs\nclass B\n{\n}");

        await VerifyRun(Run(Source("A.g.cs", "class A\n{\n}"), Source("B.g.cs", "class B\r\n{\r\n}\r\n")));

        Assert.Equal(
            ["FakeTests.Generates#A.g.verified.cs", "FakeTests.Generates#B.g.verified.cs"],
            FileNames());
    }

    [Fact]
    public async Task WhitespaceInsideALineIsADifference()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "FakeTests.Generates#A.g.verified.cs"), "//HintName: A.g.cs\nclass A { }\n");

        var ex = await Assert.ThrowsAsync<SnapshotMismatchException>(() => VerifyRun(Run(Source("A.g.cs", "class A {  }"))));

        Assert.Contains("\n-class A { }\n+class A {  }\n", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FilesAreWrittenAsUtf8WithoutBomAndLf()
    {
        await Assert.ThrowsAsync<SnapshotMismatchException>(
            () => VerifyRun(Run(Source("A.g.cs", "// héllo\r\nclass A { }\r\n"))));

        var bytes = File.ReadAllBytes(Path.Combine(_directory, "FakeTests.Generates#A.g.received.cs"));
        Assert.False(bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF, "BOM written");
        Assert.DoesNotContain((byte)'\r', bytes);
        Assert.Equal("//HintName: A.g.cs\n// héllo\nclass A { }\n", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public async Task DiagnosticsAreWrittenInAStableShape()
    {
        var result = Run(
            new TestGenerator
            {
                Sources = [Source("A.g.cs", "class A { }")],
                Diagnostics = [("AG0002", "second {0}", 2, 5), ("AG0001", "first {0}", 2, 5), ("AG0003", "earlier {0}", 0, 5)],
            });

        var ex = await Assert.ThrowsAsync<SnapshotMismatchException>(() => VerifyRun(result));

        Assert.Equal(["FakeTests.Generates#A.g.verified.cs", "FakeTests.Generates.verified.txt"], ex.NewFiles);
        Assert.Equal(
            """
            Id: AG0003
            Severity: Warning
            Location: Input.cs: (0,0)-(0,5)
            Message: earlier 1.5

            Id: AG0001
            Severity: Warning
            Location: Input.cs: (2,0)-(2,5)
            Message: first 1.5

            Id: AG0002
            Severity: Warning
            Location: Input.cs: (2,0)-(2,5)
            Message: second 1.5

            """.ReplaceLineEndings("\n"),
            ReadBytesAsText("FakeTests.Generates.received.txt"));

        AcceptAllReceived();
        await VerifyRun(result);
    }

    [Fact]
    public void DiagnosticMessagesUseTheInvariantCulture()
    {
        var previous = CultureInfoSwap("de-DE");
        try
        {
            var descriptor = new DiagnosticDescriptor("AG9999", "t", "value {0}", "c", DiagnosticSeverity.Error, true);
            var text = Snapshot.FormatDiagnostics([Diagnostic.Create(descriptor, Location.None, 1.5)]);
            Assert.Equal("Id: AG9999\nSeverity: Error\nLocation: <none>\nMessage: value 1.5\n", text);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public async Task StaleDiagnosticsFileFails()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "FakeTests.Generates#A.g.verified.cs"), "//HintName: A.g.cs\nclass A { }");
        File.WriteAllText(Path.Combine(_directory, "FakeTests.Generates.verified.txt"), "Id: AG0001");

        var ex = await Assert.ThrowsAsync<SnapshotMismatchException>(() => VerifyRun(Run(Source("A.g.cs", "class A { }"))));

        Assert.Equal(["FakeTests.Generates.verified.txt"], ex.MissingFiles);
    }

    [Fact]
    public async Task GeneratorExceptionIsRethrown()
    {
        var result = Run(new TestGenerator { Throw = new InvalidOperationException("boom") });

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => VerifyRun(result));

        Assert.Equal("boom", ex.Message);
        Assert.False(Directory.Exists(_directory));
    }

    [Fact]
    public async Task SeveralGeneratorExceptionsAreAggregated()
    {
        var result = Run(
            new TestGenerator { Throw = new InvalidOperationException("one") },
            new TestGenerator { Throw = new NotSupportedException("two") });

        var ex = await Assert.ThrowsAsync<AggregateException>(() => VerifyRun(result));

        Assert.Collection(
            ex.InnerExceptions,
            e => Assert.Equal("one", Assert.IsType<InvalidOperationException>(e).Message),
            e => Assert.Equal("two", Assert.IsType<NotSupportedException>(e).Message));
    }

    [Fact]
    public async Task ParametersAreAppendedToTheMethodName()
    {
        var result = Run(Source("A.g.cs", "class A { }"));

        var ex = await Assert.ThrowsAsync<SnapshotMismatchException>(
            () => Snapshot.VerifyCore(result, _directory, ClassName, Method, parameters: "size=16", autoAccept: false));
        await Assert.ThrowsAsync<SnapshotMismatchException>(
            () => Snapshot.VerifyCore(result, _directory, ClassName, Method, parameters: "a/b#c", autoAccept: false));

        Assert.Equal(["FakeTests.Generates_size=16#A.g.verified.cs"], ex.NewFiles);
        Assert.Equal(
            ["FakeTests.Generates_a_b_c#A.g.received.cs", "FakeTests.Generates_size=16#A.g.received.cs"],
            FileNames());
    }

    [Fact]
    public async Task AutoAcceptWritesVerifiedDeletesStaleAndPasses()
    {
        await Assert.ThrowsAsync<SnapshotMismatchException>(
            () => VerifyRun(Run(Source("A.g.cs", "class A { }"), Source("B.g.cs", "class B { }"))));
        AcceptAllReceived();
        var result = Run(Source("A.g.cs", "class A { int x; }"), Source("C.g.cs", "class C { }"));
        await Assert.ThrowsAsync<SnapshotMismatchException>(() => VerifyRun(result));

        await Snapshot.VerifyCore(result, _directory, ClassName, Method, autoAccept: true);

        Assert.Equal(
            ["FakeTests.Generates#A.g.verified.cs", "FakeTests.Generates#C.g.verified.cs"],
            FileNames());
        Assert.Equal("//HintName: A.g.cs\nclass A { int x; }\n", ReadBytesAsText("FakeTests.Generates#A.g.verified.cs"));
        await VerifyRun(result);
    }

    [Theory]
    [InlineData("1", null, true)]
    [InlineData("1", "false", true)]
    [InlineData("1", "true", false)]
    [InlineData("1", "TRUE", false)]
    [InlineData("0", null, false)]
    [InlineData(null, null, false)]
    [InlineData("true", null, false)]
    public void AutoAcceptNeedsTheVariableAndNoCi(string? accept, string? ci, bool expected)
    {
        string? Env(string name) => name switch
        {
            Snapshot.AcceptEnvironmentVariable => accept,
            "CI" => ci,
            _ => null,
        };

        Assert.Equal(expected, Snapshot.IsAutoAcceptEnabled(Env));
    }

    [Fact]
    public async Task PlainTextIsVerified()
    {
        var ex = await Assert.ThrowsAsync<SnapshotMismatchException>(
            () => Snapshot.VerifyCore("alpha\nbeta", "md", _directory, ClassName, Method, autoAccept: false));
        Assert.Equal(["FakeTests.Generates.verified.md"], ex.NewFiles);
        AcceptAllReceived();

        await Snapshot.VerifyCore("alpha\r\nbeta\r\n", "md", _directory, ClassName, Method, autoAccept: false);
        var changed = await Assert.ThrowsAsync<SnapshotMismatchException>(
            () => Snapshot.VerifyCore("alpha\ngamma", ".md", _directory, ClassName, Method, autoAccept: false));

        Assert.Contains("\n-beta\n+gamma\n", changed.Message, StringComparison.Ordinal);
        Assert.Equal(["FakeTests.Generates.received.md", "FakeTests.Generates.verified.md"], FileNames());
    }

    [Fact]
    public void LocationIsDerivedFromTheCallerFile()
    {
        var file = Path.Combine(_directory, "src", "tests", "Some.Tests", "GeneratorTests.cs");

        var (directory, className) = Snapshot.ResolveLocation(file, _directory);

        Assert.Equal(Path.Combine(_directory, "src", "tests", "Some.Tests", "Snapshots"), directory);
        Assert.Equal("GeneratorTests", className);
    }

    [Fact]
    public void DeterministicSourcePathsAreMappedBackToTheRepository()
    {
        var root = Path.Combine(_directory, "repo");
        var testDir = Path.Combine(root, "tests", "Some.Tests");
        Directory.CreateDirectory(testDir);
        File.WriteAllText(Path.Combine(testDir, "GeneratorTests.cs"), "// test");
        var binDir = Path.Combine(testDir, "bin", "Debug", "net10.0");
        Directory.CreateDirectory(binDir);

        var (directory, className) = Snapshot.ResolveLocation("/_/tests/Some.Tests/GeneratorTests.cs", binDir);

        Assert.Equal(Path.Combine(testDir, "Snapshots"), directory);
        Assert.Equal("GeneratorTests", className);
    }

    [Fact]
    public void PublicOverloadsUseTheCallerFileAndMember()
    {
        // The real location of this file (also under a deterministic "/_/" build); nothing is written.
        var (directory, className) = Snapshot.ResolveLocation(ThisFile());

        Assert.Equal("SnapshotTests", className);
        Assert.Equal(Snapshot.SnapshotsFolderName, Path.GetFileName(directory));
        Assert.True(
            File.Exists(Path.Combine(Path.GetDirectoryName(directory)!, "SnapshotTests.cs")),
            $"{directory} is not beside this test file");
        Assert.Equal("SnapshotTests.PublicOverloadsUseTheCallerFileAndMember", Snapshot.BaseName(className, CallerMember(), null));
    }

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    private static string CallerMember([System.Runtime.CompilerServices.CallerMemberName] string name = "") => name;

    private static System.Globalization.CultureInfo CultureInfoSwap(string name)
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo(name);
        return previous;
    }

    private Task VerifyRun(GeneratorDriverRunResult result) =>
        Snapshot.VerifyCore(result, _directory, ClassName, Method, autoAccept: false);

    private void AcceptAllReceived()
    {
        foreach (var path in Directory.GetFiles(_directory, "*.received.*"))
        {
            var verified = path.Replace(".received.", ".verified.", StringComparison.Ordinal);
            File.Move(path, verified, overwrite: true);
        }
    }

    private string[] FileNames() =>
        Directory.Exists(_directory)
            ? Directory.GetFiles(_directory).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray()
            : [];

    private string ReadBytesAsText(string name) =>
        Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(_directory, name)));

    private static (string Hint, string Text) Source(string hint, string text) => (hint, text);

    private static GeneratorDriverRunResult Run(params (string Hint, string Text)[] sources) =>
        Run(new TestGenerator { Sources = sources });

    private static GeneratorDriverRunResult Run(params IIncrementalGenerator[] generators)
    {
        var compilation = CSharpCompilation.Create(
            "SnapshotTestsInput",
            [CSharpSyntaxTree.ParseText("namespace N;\n\npublic class Input { }\n", path: "Input.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(generators);
        driver = driver.RunGenerators(compilation);
        return driver.GetRunResult();
    }

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray());

    /// <summary>
    /// A tiny generator: adds <see cref="Sources"/> after post-initialization (the first one) and from
    /// the compilation (the rest), reports <see cref="Diagnostics"/> on lines of the input file, or
    /// throws <see cref="Throw"/>.
    /// </summary>
    private sealed class TestGenerator : IIncrementalGenerator
    {
        public IReadOnlyList<(string Hint, string Text)> Sources { get; init; } = [];

        public IReadOnlyList<(string Id, string Format, int Line, int Length)> Diagnostics { get; init; } = [];

        public Exception? Throw { get; init; }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            if (Sources.Count > 0)
            {
                context.RegisterPostInitializationOutput(ctx =>
                    ctx.AddSource(Sources[0].Hint, SourceText.From(Sources[0].Text, Encoding.UTF8)));
            }

            context.RegisterSourceOutput(context.CompilationProvider, (ctx, compilation) =>
            {
                if (Throw is not null)
                {
                    throw Throw;
                }

                foreach (var (hint, text) in Sources.Skip(1))
                {
                    ctx.AddSource(hint, SourceText.From(text, Encoding.UTF8));
                }

                var tree = compilation.SyntaxTrees.Single(t => t.FilePath == "Input.cs");
                var lines = tree.GetText().Lines;
                foreach (var (id, format, line, length) in Diagnostics)
                {
                    var descriptor = new DiagnosticDescriptor(id, "Title", format, "Test", DiagnosticSeverity.Warning, true);
                    var span = new TextSpan(lines[line].Start, length);
                    ctx.ReportDiagnostic(Diagnostic.Create(descriptor, Location.Create(tree, span), 1.5));
                }
            });
        }
    }
}
