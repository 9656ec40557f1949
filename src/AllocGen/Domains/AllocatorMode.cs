namespace AllocGen.Domains;

/// <summary>
/// The modes of <c>ALLOCGEN_MALLOC</c> and <c>Configure</c>, as CPython's <c>PYTHONMALLOC</c>: which allocator serves
/// every domain, and whether the debug hooks wrap it.
/// </summary>
internal readonly record struct AllocatorMode(string Name, bool System, bool Hooks)
{
    /// <summary>The environment variable read when a domains class is first used.</summary>
    public const string Variable = "ALLOCGEN_MALLOC";

    /// <summary>Every valid mode, in the order the messages list them.</summary>
    public static readonly AllocatorMode[] All =
    [
        new("default", System: false, Hooks: false),
        new("malloc", System: true, Hooks: false),
        new("pool", System: false, Hooks: false),
        new("debug", System: false, Hooks: true),
        new("malloc_debug", System: true, Hooks: true),
        new("pool_debug", System: false, Hooks: true),
    ];

    /// <summary>The mode named exactly <paramref name="name"/> (lower case, as CPython), if there is one.</summary>
    public static bool TryParse(string? name, out AllocatorMode mode)
    {
        foreach (AllocatorMode m in All)
        {
            if (m.Name == name)
            {
                mode = m;
                return true;
            }
        }

        mode = default;
        return false;
    }

    /// <summary>The mode with the debug hooks added (what <c>SetupDebugHooks</c> turns a mode into).</summary>
    public string WithHooks => Hooks ? Name : System ? "malloc_debug" : Name == "pool" ? "pool_debug" : "debug";

    /// <summary>"'x' is not an allocator mode; the modes are ...": names the bad value and every valid one.</summary>
    public static string NotAMode(string? value) =>
        $"{(value is null ? "null" : $"'{value}'")} is not an allocator mode; the modes are {string.Join(", ", All.Select(m => m.Name))}.";
}
