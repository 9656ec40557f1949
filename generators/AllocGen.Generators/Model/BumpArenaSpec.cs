namespace AllocGen.Generators.Model;

/// <summary>A validated bump arena declaration.</summary>
internal sealed record BumpArenaSpec(TypeSpec Type, int BlockSize, int Alignment);
