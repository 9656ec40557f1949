using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.RegularExpressions;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Microsoft.CodeAnalysis;
using Xunit.Sdk;

namespace AllocGen.Generators.Tests.Infrastructure;

/// <summary>
/// A small Verify-style snapshot helper for source generator tests (a stand-in for Verify /
/// Verify.SourceGenerators, whose API it mirrors so that a later switch is mechanical).
/// </summary>
/// <remarks>
/// <para>
/// Snapshots live in <c>Snapshots/</c> next to the calling test source file. A test
/// <c>Method</c> in <c>ClassTests.cs</c> owns the files:
/// <list type="bullet">
/// <item><c>ClassTests.Method#{hint without .cs}.verified.cs</c>: one per generated source, holding
/// <c>//HintName: {hint}</c> followed by the source text;</item>
/// <item><c>ClassTests.Method.verified.txt</c>: the generator diagnostics, only when there are any;</item>
/// <item><c>ClassTests.Method.verified.{extension}</c>: for <see cref="Verify(string, string, string?, string, string)"/>.</item>
/// </list>
/// An optional <c>parameters</c> argument (Verify's <c>UseParameters</c>) is appended to the method
/// part as <c>ClassTests.Method_{parameters}</c>.
/// </para>
/// <para>
/// Text is compared after normalising CRLF to LF, dropping one trailing newline and scrubbing the
/// generator version (<c>GeneratedCode("AllocGen.Generators", "1.2.3")</c> becomes
/// <c>GeneratedCode("AllocGen.Generators", "&lt;version&gt;")</c>). Verified files of this test whose
/// hint was not produced fail the test (delete them or fix the generator). On any difference the
/// actual content is written to <c>*.received.*</c> beside the verified file and a
/// <see cref="SnapshotMismatchException"/> is thrown whose message lists the new, changed and missing
/// files with a compact unified diff. To accept, rename the received files to <c>.verified.</c>, or:
/// </para>
/// <para>
/// <b>Auto-accept:</b> run the tests with the environment variable
/// <c>ALLOCGEN_ACCEPT_SNAPSHOTS=1</c> (for example
/// <c>ALLOCGEN_ACCEPT_SNAPSHOTS=1 dotnet test tests/AllocGen.Generators.Tests</c>). Received content is
/// then written straight to the verified files, stale verified files of the test are deleted and the
/// test passes. The variable is ignored when <c>CI</c> is <c>true</c>, so a CI run can never accept
/// its own output. Review the resulting <c>git diff</c> of <c>Snapshots/</c> before committing.
/// </para>
/// <para>
/// Files are written as UTF-8 without BOM with LF line endings. Failures are thrown synchronously
/// (the returned task is always completed), so a forgotten <c>await</c> still fails the test.
/// </para>
/// </remarks>
public static class Snapshot
{
    /// <summary>The environment variable that turns on auto-accept (value <c>1</c>).</summary>
    public const string AcceptEnvironmentVariable = "ALLOCGEN_ACCEPT_SNAPSHOTS";

    /// <summary>The folder, next to the test source file, that holds the snapshots.</summary>
    public const string SnapshotsFolderName = "Snapshots";

    private const string GeneratorToolName = "AllocGen.Generators";
    private const string ScrubbedVersion = "<version>";
    private const int DiffContextLines = 3;
    private const int MaxDiffLinesPerFile = 80;

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    // A superset of GeneratedCode\("([^"]+)", "([^"]+)"\): also accepts the Attribute suffix and
    // optional whitespace around the arguments.
    private static readonly Regex GeneratedCodeRegex = new(
        """GeneratedCode(?:Attribute)?\(\s*"([^"]+)"\s*,\s*"([^"]+)"\s*\)""",
        RegexOptions.CultureInvariant);

    private static readonly Regex DeterministicPathRegex = new(
        @"^/_\d*[/\\](.+)$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Verifies the generated sources and generator diagnostics of <paramref name="driver"/>'s last
    /// run (<see cref="GeneratorDriver.GetRunResult"/>). Rethrows any exception a generator threw.
    /// </summary>
    /// <param name="driver">A driver on which <c>RunGenerators</c> has been called.</param>
    /// <param name="parameters">Appended as <c>_{parameters}</c> to the method part of the file names
    /// (like Verify's <c>UseParameters</c>); use it for theories.</param>
    /// <param name="sourceFile">Supplied by the compiler: the calling test source file.</param>
    /// <param name="method">Supplied by the compiler: the calling test method.</param>
    public static Task Verify(
        GeneratorDriver driver,
        string? parameters = null,
        [CallerFilePath] string sourceFile = "",
        [CallerMemberName] string method = "")
    {
        ArgumentNullException.ThrowIfNull(driver);
        return Verify(driver.GetRunResult(), parameters, sourceFile, method);
    }

    /// <summary>
    /// Verifies the generated sources and generator diagnostics of a run result. Rethrows any
    /// exception a generator threw (an <see cref="AggregateException"/> if several did).
    /// </summary>
    /// <param name="result">The run result, from <see cref="GeneratorDriver.GetRunResult"/>.</param>
    /// <param name="parameters">Appended as <c>_{parameters}</c> to the method part of the file names.</param>
    /// <param name="sourceFile">Supplied by the compiler: the calling test source file.</param>
    /// <param name="method">Supplied by the compiler: the calling test method.</param>
    public static Task Verify(
        GeneratorDriverRunResult result,
        string? parameters = null,
        [CallerFilePath] string sourceFile = "",
        [CallerMemberName] string method = "")
    {
        var (directory, className) = ResolveLocation(sourceFile);
        return VerifyCore(result, directory, className, method, parameters);
    }

    /// <summary>
    /// Verifies plain text against <c>{Class}.{Method}.verified.{extension}</c>.
    /// </summary>
    /// <param name="text">The text to verify.</param>
    /// <param name="extension">The snapshot file extension, without the dot.</param>
    /// <param name="parameters">Appended as <c>_{parameters}</c> to the method part of the file name.</param>
    /// <param name="sourceFile">Supplied by the compiler: the calling test source file.</param>
    /// <param name="method">Supplied by the compiler: the calling test method.</param>
    public static Task Verify(
        string text,
        string extension = "txt",
        string? parameters = null,
        [CallerFilePath] string sourceFile = "",
        [CallerMemberName] string method = "")
    {
        var (directory, className) = ResolveLocation(sourceFile);
        return VerifyCore(text, extension, directory, className, method, parameters);
    }

    /// <summary>
    /// Verifies a run result against snapshots in an explicit directory.
    /// </summary>
    /// <param name="autoAccept">Overrides the environment (<see cref="IsAutoAcceptEnabled()"/>) when set.</param>
    internal static Task VerifyCore(
        GeneratorDriverRunResult result,
        string snapshotDirectory,
        string className,
        string method,
        string? parameters = null,
        bool? autoAccept = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ThrowGeneratorExceptions(result);

        var baseName = BaseName(className, method, parameters);
        var expected = new List<SnapshotFile>();

        var sources = result.Results
            .SelectMany(r => r.GeneratedSources)
            .OrderBy(s => s.HintName, StringComparer.Ordinal)
            .ToList();
        foreach (var source in sources)
        {
            var hint = source.HintName;
            var stem = hint.EndsWith(".cs", StringComparison.Ordinal) ? hint[..^3] : hint;
            expected.Add(new SnapshotFile(
                $"{baseName}#{SanitizeFileNamePart(stem)}",
                "cs",
                "//HintName: " + hint + "\n" + source.SourceText.ToString()));
        }

        var diagnostics = result.Diagnostics;
        if (!diagnostics.IsEmpty)
        {
            expected.Add(new SnapshotFile(baseName, "txt", FormatDiagnostics(diagnostics)));
        }

        // Verified files owned by this test that this run does not produce.
        var stale = new List<string>();
        if (Directory.Exists(snapshotDirectory))
        {
            var expectedNames = new HashSet<string>(
                expected.Select(f => f.VerifiedFileName), StringComparer.Ordinal);
            foreach (var path in Directory.EnumerateFiles(snapshotDirectory))
            {
                var name = Path.GetFileName(path);
                var owned =
                    (name.StartsWith(baseName + "#", StringComparison.Ordinal)
                        && name.EndsWith(".verified.cs", StringComparison.Ordinal))
                    || string.Equals(name, baseName + ".verified.txt", StringComparison.Ordinal);
                if (owned && !expectedNames.Contains(name))
                {
                    stale.Add(name);
                }
            }

            stale.Sort(StringComparer.Ordinal);
        }

        var receivedPatterns = new Func<string, bool>(name =>
            (name.StartsWith(baseName + "#", StringComparison.Ordinal)
                && name.EndsWith(".received.cs", StringComparison.Ordinal))
            || string.Equals(name, baseName + ".received.txt", StringComparison.Ordinal));

        Compare(snapshotDirectory, baseName, expected, stale, receivedPatterns, autoAccept);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Verifies plain text against a snapshot in an explicit directory.
    /// </summary>
    /// <param name="autoAccept">Overrides the environment (<see cref="IsAutoAcceptEnabled()"/>) when set.</param>
    internal static Task VerifyCore(
        string text,
        string extension,
        string snapshotDirectory,
        string className,
        string method,
        string? parameters = null,
        bool? autoAccept = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(extension);
        extension = extension.TrimStart('.');
        if (extension.Length == 0)
        {
            throw new ArgumentException("The extension must not be empty.", nameof(extension));
        }

        var baseName = BaseName(className, method, parameters);
        var file = new SnapshotFile(baseName, extension, text);
        var receivedName = file.ReceivedFileName;
        Compare(
            snapshotDirectory,
            baseName,
            [file],
            [],
            name => string.Equals(name, receivedName, StringComparison.Ordinal),
            autoAccept);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Replaces the version argument of every <c>GeneratedCode("AllocGen.Generators", "...")</c> by
    /// <c>"&lt;version&gt;"</c>.
    /// </summary>
    internal static string ScrubVersion(string text) =>
        GeneratedCodeRegex.Replace(text, match =>
            string.Equals(match.Groups[1].Value, GeneratorToolName, StringComparison.Ordinal)
                ? $"GeneratedCode(\"{GeneratorToolName}\", \"{ScrubbedVersion}\")"
                : match.Value);

    /// <summary>
    /// The comparison form of a snapshot text: CRLF normalised to LF, one trailing newline dropped,
    /// the generator version scrubbed.
    /// </summary>
    internal static string Normalize(string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (normalized.EndsWith('\n'))
        {
            normalized = normalized[..^1];
        }

        return ScrubVersion(normalized);
    }

    /// <summary>
    /// Formats diagnostics in a stable, readable shape: sorted by path, span, id and message; one
    /// block per diagnostic, separated by blank lines.
    /// </summary>
    internal static string FormatDiagnostics(IEnumerable<Diagnostic> diagnostics)
    {
        var entries = diagnostics
            .Select(d =>
            {
                var hasSpan = d.Location.Kind != LocationKind.None;
                var span = hasSpan ? d.Location.GetLineSpan() : default;
                return (
                    Diagnostic: d,
                    HasSpan: hasSpan,
                    Path: hasSpan ? (span.Path ?? string.Empty).Replace('\\', '/') : string.Empty,
                    Start: span.StartLinePosition,
                    End: span.EndLinePosition,
                    Message: d.GetMessage(CultureInfo.InvariantCulture));
            })
            .OrderBy(e => e.HasSpan)
            .ThenBy(e => e.Path, StringComparer.Ordinal)
            .ThenBy(e => e.Start)
            .ThenBy(e => e.End)
            .ThenBy(e => e.Diagnostic.Id, StringComparer.Ordinal)
            .ThenBy(e => e.Message, StringComparer.Ordinal);

        var builder = new StringBuilder();
        foreach (var entry in entries)
        {
            if (builder.Length > 0)
            {
                builder.Append('\n');
            }

            var location = entry.HasSpan
                ? string.Create(
                    CultureInfo.InvariantCulture,
                    $"{entry.Path}: ({entry.Start.Line},{entry.Start.Character})-({entry.End.Line},{entry.End.Character})")
                : "<none>";
            builder.Append("Id: ").Append(entry.Diagnostic.Id).Append('\n');
            builder.Append("Severity: ").Append(entry.Diagnostic.Severity.ToString()).Append('\n');
            builder.Append("Location: ").Append(location).Append('\n');
            builder.Append("Message: ").Append(entry.Message).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>
    /// A compact unified-style line diff of two (normalised) texts, with <c>@@ -a,b +c,d @@</c> hunk
    /// headers and three lines of context; empty when the texts have equal lines.
    /// </summary>
    internal static string UnifiedDiff(string expected, string actual, int maxLines = MaxDiffLinesPerFile)
    {
        var lines = InlineDiffBuilder.Diff(expected, actual, ignoreWhiteSpace: false, ignoreCase: false).Lines;
        var count = lines.Count;
        var oldNumber = new int[count];
        var newNumber = new int[count];
        var changed = new bool[count];
        int oldLine = 1, newLine = 1;
        for (var i = 0; i < count; i++)
        {
            oldNumber[i] = oldLine;
            newNumber[i] = newLine;
            switch (lines[i].Type)
            {
                case ChangeType.Deleted:
                    oldLine++;
                    changed[i] = true;
                    break;
                case ChangeType.Inserted:
                    newLine++;
                    changed[i] = true;
                    break;
                case ChangeType.Imaginary:
                    break;
                default:
                    oldLine++;
                    newLine++;
                    break;
            }
        }

        // Hunks: ranges of changed lines widened by the context and merged when they touch.
        var hunks = new List<(int Start, int End)>();
        for (var i = 0; i < count; i++)
        {
            if (!changed[i])
            {
                continue;
            }

            var start = Math.Max(0, i - DiffContextLines);
            var end = Math.Min(count - 1, i + DiffContextLines);
            if (hunks.Count > 0 && start <= hunks[^1].End + 1)
            {
                hunks[^1] = (hunks[^1].Start, end);
            }
            else
            {
                hunks.Add((start, end));
            }
        }

        var builder = new StringBuilder();
        var written = 0;
        var total = hunks.Sum(h => h.End - h.Start + 2);
        foreach (var (start, end) in hunks)
        {
            int oldCount = 0, newCount = 0;
            for (var i = start; i <= end; i++)
            {
                if (lines[i].Type != ChangeType.Inserted && lines[i].Type != ChangeType.Imaginary)
                {
                    oldCount++;
                }

                if (lines[i].Type != ChangeType.Deleted && lines[i].Type != ChangeType.Imaginary)
                {
                    newCount++;
                }
            }

            var hunk = new List<string>
            {
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"@@ -{oldNumber[start]},{oldCount} +{newNumber[start]},{newCount} @@"),
            };
            for (var i = start; i <= end; i++)
            {
                var prefix = lines[i].Type switch
                {
                    ChangeType.Deleted => "-",
                    ChangeType.Inserted => "+",
                    _ => " ",
                };
                if (lines[i].Type != ChangeType.Imaginary)
                {
                    hunk.Add(prefix + lines[i].Text);
                }
            }

            foreach (var line in hunk)
            {
                if (written == maxLines)
                {
                    builder.Append(CultureInfo.InvariantCulture, $"... ({total - written} more diff lines)\n");
                    return builder.ToString();
                }

                builder.Append(line).Append('\n');
                written++;
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Whether <see cref="AcceptEnvironmentVariable"/> is <c>1</c> and <c>CI</c> is not <c>true</c>.
    /// </summary>
    internal static bool IsAutoAcceptEnabled() => IsAutoAcceptEnabled(Environment.GetEnvironmentVariable);

    /// <inheritdoc cref="IsAutoAcceptEnabled()"/>
    internal static bool IsAutoAcceptEnabled(Func<string, string?> getEnvironmentVariable) =>
        string.Equals(getEnvironmentVariable(AcceptEnvironmentVariable)?.Trim(), "1", StringComparison.Ordinal)
        && !string.Equals(getEnvironmentVariable("CI")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The snapshot directory (<c>Snapshots/</c> beside the source file) and the class name (the
    /// source file name without extension) for a <c>[CallerFilePath]</c>.
    /// </summary>
    internal static (string Directory, string ClassName) ResolveLocation(string sourceFile) =>
        ResolveLocation(sourceFile, AppContext.BaseDirectory);

    /// <inheritdoc cref="ResolveLocation(string)"/>
    /// <remarks>
    /// A deterministic build (<c>ContinuousIntegrationBuild</c>, set when <c>CI=true</c>) maps source
    /// paths to <c>/_/relative/path.cs</c>; such a path is resolved against the ancestors of
    /// <paramref name="probeStart"/> (the test output folder), the first one holding the file wins.
    /// </remarks>
    internal static (string Directory, string ClassName) ResolveLocation(string sourceFile, string probeStart)
    {
        if (string.IsNullOrEmpty(sourceFile))
        {
            throw new ArgumentException("The caller file path is empty.", nameof(sourceFile));
        }

        var resolved = sourceFile;
        var match = DeterministicPathRegex.Match(sourceFile);
        if (match.Success && !File.Exists(sourceFile))
        {
            var relative = match.Groups[1].Value
                .Replace('\\', Path.DirectorySeparatorChar)
                .Replace('/', Path.DirectorySeparatorChar);
            for (var dir = new DirectoryInfo(probeStart); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate))
                {
                    resolved = candidate;
                    break;
                }
            }
        }

        var directory = Path.GetDirectoryName(resolved) ?? string.Empty;
        return (Path.Combine(directory, SnapshotsFolderName), Path.GetFileNameWithoutExtension(resolved));
    }

    /// <summary>The file name stem <c>{Class}.{Method}</c> or <c>{Class}.{Method}_{parameters}</c>.</summary>
    internal static string BaseName(string className, string method, string? parameters)
    {
        if (string.IsNullOrEmpty(className))
        {
            throw new ArgumentException("The class name is empty.", nameof(className));
        }

        if (string.IsNullOrEmpty(method))
        {
            throw new ArgumentException("The method name is empty.", nameof(method));
        }

        var name = $"{className}.{method}";
        return parameters is null ? name : $"{name}_{SanitizeFileNamePart(parameters).Replace('#', '_')}";
    }

    private static string SanitizeFileNamePart(string part)
    {
        var builder = new StringBuilder(part.Length);
        foreach (var c in part)
        {
            builder.Append(c < ' ' || "<>:\"/\\|?*".Contains(c, StringComparison.Ordinal) ? '_' : c);
        }

        return builder.ToString();
    }

    private static void ThrowGeneratorExceptions(GeneratorDriverRunResult result)
    {
        var exceptions = result.Results
            .Where(r => r.Exception is not null)
            .Select(r => r.Exception!)
            .ToList();
        if (exceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(exceptions[0]).Throw();
        }

        if (exceptions.Count > 1)
        {
            throw new AggregateException("Several generators threw.", exceptions);
        }
    }

    private static void Compare(
        string snapshotDirectory,
        string baseName,
        IReadOnlyList<SnapshotFile> expected,
        IReadOnlyList<string> staleVerified,
        Func<string, bool> isOwnedReceived,
        bool? autoAccept)
    {
        ArgumentException.ThrowIfNullOrEmpty(snapshotDirectory);
        var accept = autoAccept ?? IsAutoAcceptEnabled();

        var added = new List<SnapshotFile>();
        var changed = new List<(SnapshotFile File, string Diff)>();
        var failing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in expected)
        {
            var verifiedPath = Path.Combine(snapshotDirectory, file.VerifiedFileName);
            var actual = Normalize(file.Content);
            if (!File.Exists(verifiedPath))
            {
                added.Add(file);
            }
            else
            {
                var verified = Normalize(File.ReadAllText(verifiedPath));
                if (string.Equals(verified, actual, StringComparison.Ordinal))
                {
                    continue;
                }

                changed.Add((file, UnifiedDiff(verified, actual)));
            }

            failing.Add(file.ReceivedFileName);
            Directory.CreateDirectory(snapshotDirectory);
            var target = accept ? verifiedPath : Path.Combine(snapshotDirectory, file.ReceivedFileName);
            WriteText(target, actual);
        }

        if (accept)
        {
            foreach (var name in staleVerified)
            {
                File.Delete(Path.Combine(snapshotDirectory, name));
            }

            failing.Clear();
        }

        // Received files of this test that no longer describe a difference.
        if (Directory.Exists(snapshotDirectory))
        {
            foreach (var path in Directory.EnumerateFiles(snapshotDirectory))
            {
                var name = Path.GetFileName(path);
                if (isOwnedReceived(name) && !failing.Contains(name))
                {
                    File.Delete(path);
                }
            }
        }

        if (accept || (added.Count == 0 && changed.Count == 0 && staleVerified.Count == 0))
        {
            return;
        }

        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture, $"Snapshot mismatch for {baseName} in {snapshotDirectory}\n");
        if (added.Count > 0)
        {
            message.Append("New (no verified file; received written):\n");
            foreach (var file in added)
            {
                var lineCount = Normalize(file.Content).Split('\n').Length;
                message.Append(CultureInfo.InvariantCulture, $"  {file.ReceivedFileName} ({lineCount} lines)\n");
            }
        }

        if (changed.Count > 0)
        {
            message.Append("Changed (received written):\n");
            foreach (var (file, diff) in changed)
            {
                message.Append(CultureInfo.InvariantCulture, $"  {file.VerifiedFileName} -> {file.ReceivedFileName}\n");
                message.Append(CultureInfo.InvariantCulture, $"--- {file.VerifiedFileName}\n");
                message.Append(CultureInfo.InvariantCulture, $"+++ {file.ReceivedFileName}\n");
                message.Append(diff.Length > 0 ? diff : "(the texts differ only in a way the line diff does not show)\n");
            }
        }

        if (staleVerified.Count > 0)
        {
            message.Append("Missing (verified but not produced by this run; delete the file or fix the generator):\n");
            foreach (var name in staleVerified)
            {
                message.Append(CultureInfo.InvariantCulture, $"  {name}\n");
            }
        }

        message.Append(CultureInfo.InvariantCulture,
            $"To accept: rename the .received. files to .verified., or rerun with {AcceptEnvironmentVariable}=1.");

        throw new SnapshotMismatchException(
            message.ToString(),
            added.Select(f => f.VerifiedFileName).ToArray(),
            changed.Select(c => c.File.VerifiedFileName).ToArray(),
            staleVerified.ToArray());
    }

    private static void WriteText(string path, string normalizedContent) =>
        File.WriteAllText(path, normalizedContent + "\n", Utf8NoBom);

    private sealed record SnapshotFile(string Stem, string Extension, string Content)
    {
        public string VerifiedFileName => $"{Stem}.verified.{Extension}";

        public string ReceivedFileName => $"{Stem}.received.{Extension}";
    }
}

/// <summary>
/// Thrown by <see cref="Snapshot"/> when received output differs from the verified snapshots.
/// </summary>
public sealed class SnapshotMismatchException : XunitException
{
    /// <summary>Creates the exception.</summary>
    public SnapshotMismatchException(
        string message,
        IReadOnlyList<string> newFiles,
        IReadOnlyList<string> changedFiles,
        IReadOnlyList<string> missingFiles)
        : base(message)
    {
        NewFiles = newFiles;
        ChangedFiles = changedFiles;
        MissingFiles = missingFiles;
    }

    /// <summary>Verified file names that did not exist yet.</summary>
    public IReadOnlyList<string> NewFiles { get; }

    /// <summary>Verified file names whose content differs from the received content.</summary>
    public IReadOnlyList<string> ChangedFiles { get; }

    /// <summary>Verified file names of this test that the run did not produce.</summary>
    public IReadOnlyList<string> MissingFiles { get; }
}
