namespace AllocGen;

/// <summary>Where a block recorded by the debug hooks is in its life.</summary>
internal enum DebugBlockState : byte
{
    /// <summary>Handed out and not freed.</summary>
    Live,

    /// <summary>Freed by the user; its memory is still held by the hooks (filled with <see cref="DebugBlockLayout.FreedByte"/>).</summary>
    Quarantined,

    /// <summary>Freed and returned to the inner allocator: a tombstone, kept to name a later double free.</summary>
    Released,
}

/// <summary>What the debug hooks know of one block, keyed by its user pointer: the truth the in-memory header is checked against.</summary>
internal struct DebugBlockRecord
{
    public DebugAllocator Layer;
    public nuint Size;
    public nuint HeaderSize;
    public long Serial;
    public DebugBlockState State;

    public readonly AllocDomain Domain => Layer.Domain;
}

/// <summary>What a hooks operation found when it did not complete the call itself.</summary>
internal enum HookedLookup
{
    /// <summary>The hooks did the call.</summary>
    Done,

    /// <summary>The hooks never handed out this pointer: another allocator may own it.</summary>
    NotHooked,

    /// <summary>The pointer names a block the hooks freed and returned to its inner allocator (see <see cref="DebugBlockState.Released"/>).</summary>
    Released,
}
