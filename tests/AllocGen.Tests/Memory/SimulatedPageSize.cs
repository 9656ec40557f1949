using AllocGen.Memory;
using Xunit;

namespace AllocGen.Tests.Memory;

/// <summary>
/// Tests that run the runtime as on a machine with larger OS pages. The page size is process-wide, so they run alone,
/// after every parallel test, never beside another test's heap.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SimulatedPageSizeCollection
{
    public const string Name = "Simulated OS page size";
}

/// <summary>
/// Makes the runtime use <c>bytes</c> as the OS page size until disposed (or the real page, where that is larger).
/// Declare it before the heaps it applies to, so they are disposed (their regions freed) under the page size they
/// were allocated with.
/// </summary>
internal sealed class SimulatedPageSize : IDisposable
{
    public SimulatedPageSize(int bytes)
    {
        Assert.Equal(0, OsPages.PageSizeOverride);
        Bytes = Math.Max(bytes, Environment.SystemPageSize);
        OsPages.PageSizeOverride = Bytes;
    }

    /// <summary>The page size in effect.</summary>
    public int Bytes { get; }

    public void Dispose() => OsPages.PageSizeOverride = 0;
}
