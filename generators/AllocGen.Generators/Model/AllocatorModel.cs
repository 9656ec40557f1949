using AllocGen.Generators.Helpers;

namespace AllocGen.Generators.Model;

/// <summary>
/// The result of reading one attributed type: a spec to emit (null when the declaration is invalid) and the
/// diagnostics to report. Value-equal, so an edit elsewhere leaves it cached.
/// </summary>
internal sealed record AllocatorModel(PoolAllocatorSpec? Pool, BumpArenaSpec? Bump, EquatableArray<DiagnosticInfo> Diagnostics);
