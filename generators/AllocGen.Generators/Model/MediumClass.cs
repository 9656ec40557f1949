namespace AllocGen.Generators.Model;

/// <summary>One class of the medium tier (docs/medium-tier.md), resolved from the configuration.</summary>
/// <param name="BlockSize">Its grid size rounded up to a multiple of Alignment.</param>
/// <param name="SpanPools">Pools per span, chosen by the span rule.</param>
internal readonly record struct MediumClass(int BlockSize, int SpanPools);
