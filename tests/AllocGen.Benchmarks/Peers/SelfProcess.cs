using System.Diagnostics;
using System.Reflection;

namespace AllocGen.Benchmarks.Peers;

/// <summary>This benchmark program started again as a child process, with the static-TLS tunable jemalloc needs from process start.</summary>
internal static class SelfProcess
{
    /// <summary>How to start this program with <paramref name="arguments"/> (through <c>dotnet</c> when it runs as a DLL).</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var psi = new ProcessStartInfo { UseShellExecute = false };
        var processPath = Environment.ProcessPath ?? "dotnet";
        psi.FileName = processPath;
        if (Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var argument in arguments)
            psi.ArgumentList.Add(argument);
        // Set for every child, jemalloc's or not, so that all rows run alike (see NativePeer.TlsTunableName).
        psi.Environment[NativePeer.TlsTunableName] = NativePeer.TlsTunableValue;
        return psi;
    }
}
