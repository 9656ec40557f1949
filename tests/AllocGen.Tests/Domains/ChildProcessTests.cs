using System.Diagnostics;
using Xunit;

namespace AllocGen.Tests.Domains;

/// <summary>
/// What needs a process of its own, run in tests/AllocGen.TestHost: the variables read by the public constructor,
/// the statistics dump at process exit, and running out of memory under an address-space limit.
/// </summary>
public sealed class ChildProcessTests
{
    [Fact]
    public void MallocStatsPrintsTheDomainsStatisticsToStderrAtExit()
    {
        (int exit, string stdout, string stderr) = RunHost("alloc", ("ALLOCGEN_MALLOC", "debug"), ("ALLOCGEN_MALLOCSTATS", "1"));
        Assert.Equal(0, exit);
        Assert.Equal("allocated in mode debug", stdout.Trim());
        Assert.Contains("Host (debug): Raw domain served by SystemAllocator", stderr);
        Assert.Contains("Host (debug): Mem, Object domains served by HostHeap", stderr);
        Assert.Contains("debug hooks (Mem domain): 1 live blocks of 100 requested bytes", stderr);
        Assert.Contains("blocks in use", stderr);

        (_, _, string quiet) = RunHost("alloc", ("ALLOCGEN_MALLOC", "pool"), ("ALLOCGEN_MALLOCSTATS", "0"));
        Assert.Equal(string.Empty, quiet);
    }

    [Fact]
    public void ABadVariableIsReportedByTheFirstAllocationNotHiddenOrIgnored()
    {
        (int exit, string stdout, string stderr) = RunHost("alloc", ("ALLOCGEN_MALLOC", "Pool"), ("ALLOCGEN_MALLOCSTATS", null));
        Assert.Equal(0, exit);
        Assert.StartsWith("InvalidOperationException: ALLOCGEN_MALLOC: 'Pool' is not an allocator mode; the modes are default, malloc, pool, debug, malloc_debug, pool_debug.", stdout);
        Assert.Equal(string.Empty, stderr);
    }

    [AddressSpaceLimitFact]
    public void EveryModeThrowsOutOfMemoryKeepsItsBlocksAndServesAgainOnceMemoryIsFreed()
    {
        (int exit, string stdout, string stderr) = RunHost("oom", ("ALLOCGEN_MALLOC", null), ("ALLOCGEN_MALLOCSTATS", null));
        Assert.True(exit == 0, $"exit {exit}{Environment.NewLine}{stdout}{stderr}");
        foreach (string mode in TestDomains.Modes)
        {
            Assert.Matches($"(?m)^{mode}: ok \\([1-9] out-of-memory exceptions\\)$", stdout);
        }
    }

    private static (int Exit, string Stdout, string Stderr) RunHost(string command, params (string Name, string? Value)[] environment)
    {
        // tests/AllocGen.Tests/bin/<configuration>/<framework>/ -> tests/AllocGen.TestHost/bin/<configuration>/<framework>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = output.Name, configuration = output.Parent!.Name;
        string tests = output.Parent.Parent!.Parent!.Parent!.FullName;
        string host = Path.Combine(tests, "AllocGen.TestHost", "bin", configuration, framework, "AllocGen.TestHost.dll");
        Assert.True(File.Exists(host), $"{host} is not built");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(host);
        start.ArgumentList.Add(command);
        start.Environment["DOTNET_TieredCompilation"] = "0";

        // No background GC: its thread is created at the first background collection, which under the address-space
        // limit of "oom" may come when no stack can be mapped any more.
        start.Environment["DOTNET_gcConcurrent"] = "0";
        foreach ((string name, string? value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            Assert.Fail($"AllocGen.TestHost {command} did not finish within a minute");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A fact that limits a child's address space with setrlimit(RLIMIT_AS) and tunes glibc: Linux only.</summary>
public sealed class AddressSpaceLimitFactAttribute : FactAttribute
{
    public AddressSpaceLimitFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "setrlimit(RLIMIT_AS) and glibc's mallopt, which the child process uses, are Linux-only.";
        }
    }
}
