using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace AllocGen.Generators.Validation;

/// <summary>The raw values of a [PoolAllocator] (and optional [SizeClasses]) declaration, before validation.</summary>
/// <param name="Threading">The <c>Threading</c> argument's underlying value (an enum argument reaches the generator as its number).</param>
/// <param name="MediumRequestThreshold">
/// The <c>MediumRequestThreshold</c> argument, or null when it is left out: its default depends on the arena size
/// (<see cref="MediumTier.DefaultThreshold"/>), and only a given value is checked.
/// </param>
internal sealed record PoolConfig(int ArenaSize, int PoolSize, int Alignment, int SmallRequestThreshold, IReadOnlyList<int>? SizeClasses, int Threading, int? MediumRequestThreshold = null)
{
    public const int DefaultArenaSize = 1 << 20;
    public const int DefaultPoolSize = 16 << 10;
    public const int DefaultAlignment = 16;
    public const int DefaultSmallRequestThreshold = 512;
}

/// <summary>One thing wrong with a declaration, and which argument it is about (for the diagnostic's location).</summary>
/// <param name="Descriptor">What is wrong.</param>
/// <param name="Argument">The attribute argument at fault (a property name, or <c>SizeClasses</c>), or null for the attribute.</param>
/// <param name="ElementIndex">For <c>SizeClasses</c>, the index of the size at fault, or -1.</param>
/// <param name="Arguments">The message arguments.</param>
internal sealed record ConfigProblem(DiagnosticDescriptor Descriptor, string? Argument, int ElementIndex, object[] Arguments);
