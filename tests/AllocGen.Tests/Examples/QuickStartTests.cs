using System.Diagnostics;
using AllocGen.Stats;
using AllocGen.Tests.Stats;
using Xunit;

namespace AllocGen.Tests.Examples;

/// <summary>Runs examples/QuickStart as a user would and checks what it prints.</summary>
public sealed class QuickStartTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task QuickStartRunsAndReportsItsArenas()
    {
        string root = RepositoryRoot();
        string project = Path.Combine(root, "examples", "QuickStart");
        string dll = Path.Combine(project, "bin", Configuration, "net10.0", "QuickStart.dll");
        if (!File.Exists(dll))
        {
            ProcessResult build = await RunDotnetAsync(root, "build", project, "-c", Configuration, "--nologo");
            Assert.True(build.ExitCode == 0, $"dotnet build {project} failed ({build.ExitCode}):{Environment.NewLine}{build.Output}{build.Error}");
            Assert.True(File.Exists(dll), $"{dll} is missing after the build");
        }

        ProcessResult run = await RunDotnetAsync(root, dll);

        string transcript = $"exit code {run.ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{run.Output}{Environment.NewLine}stderr:{Environment.NewLine}{run.Error}";
        Assert.True(run.ExitCode == 0, transcript);
        Assert.True(run.Output.Contains("kept as a spare", StringComparison.Ordinal), transcript);

        // The dump, read back: the 10,000 blocks the sample keeps live are in its rows, and its parts add up to the
        // arenas it holds (1 MiB each, the default geometry; the sample allocates no large block).
        DumpText dump = DumpText.Parse(run.Output);
        Assert.True(dump.Rows.Values.Sum(r => r.BlocksInUse) == 10_000, transcript);
        Assert.True(dump[StatsDump.TotalBytes] == dump.PartsSum, transcript);
        Assert.True(dump[StatsDump.TotalBytes] == dump[StatsDump.ArenasCurrent] * (1L << 20), transcript);
        Assert.True(dump[StatsDump.ArenasCurrent] > 0, transcript);
    }

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

    private static async Task<ProcessResult> RunDotnetAsync(string workingDirectory, params string[] arguments)
    {
        // Under `dotnet test` the host that runs us is in DOTNET_HOST_PATH; otherwise use the one on the PATH.
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        var start = new ProcessStartInfo(string.IsNullOrEmpty(host) || !File.Exists(host) ? "dotnet" : host)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds} s");
        }

        return new ProcessResult(process.ExitCode, await output, await error);
    }

    private sealed record ProcessResult(int ExitCode, string Output, string Error);
}
