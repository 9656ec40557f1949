using AllocGen.Domains;

namespace AllocGen.Arenas;

/// <summary>
/// Debug aids of the bump arenas. With <see cref="PoisonReleasedMemory"/> on, <c>Reset</c> and <c>Dispose</c> fill
/// every normal-sized block they release (the first one, kept for reuse, included) with the freed pattern 0xDD, as
/// the debug hooks fill a freed block, before the block is reused or goes back to the process-wide
/// <see cref="BlockCache"/>: a stale span then reads 0xDD instead of a newer allocation's data. Blocks of their own
/// (requests larger than a block) go back to the system allocator unfilled.
/// </summary>
public static class ArenaDebug
{
    /// <summary>
    /// Whether released arena memory is poisoned. On by default in a Debug build of the runtime, and when
    /// ALLOCGEN_MALLOC names a mode with the debug hooks (<c>debug</c>, <c>pool_debug</c>, <c>malloc_debug</c>);
    /// turned on by a domains class's <c>Configure</c> with such a mode and by its <c>SetupDebugHooks</c> (never
    /// turned off by them: other domains classes may still run under the hooks). May be set at any time; it costs a
    /// pass over the released blocks at each <c>Reset</c> and <c>Dispose</c>, nothing on the allocation path.
    /// </summary>
    public static bool PoisonReleasedMemory { get; set; } = OnByDefault();

    /// <summary>The byte released arena memory is filled with (the debug hooks' freed pattern).</summary>
    public const byte FreedByte = DebugBlockLayout.FreedByte;

    private static bool OnByDefault()
    {
#if DEBUG
        return true;
#else
        return AllocatorMode.TryParse(Environment.GetEnvironmentVariable(AllocatorMode.Variable), out AllocatorMode mode) && mode.Hooks;
#endif
    }
}
