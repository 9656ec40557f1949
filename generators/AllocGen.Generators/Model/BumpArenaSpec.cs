namespace AllocGen.Generators.Model;

/// <summary>A validated bump arena declaration.</summary>
/// <param name="SafeOnly">The project does not allow unsafe code: only the members without pointers are generated.</param>
internal sealed record BumpArenaSpec(TypeSpec Type, int BlockSize, int Alignment, bool SafeOnly);
