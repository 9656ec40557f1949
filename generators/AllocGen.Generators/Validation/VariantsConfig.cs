using System.Collections.Generic;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace AllocGen.Generators.Validation;

/// <summary>The raw values of a [PoolAllocatorVariants] declaration and its [VariantSizeClasses] sets, before validation.</summary>
/// <param name="TypeName">The class as messages name it.</param>
/// <param name="ArenaSizes">The listed arena sizes (the [PoolAllocator] default alone when the argument is left out).</param>
/// <param name="PoolSizes">The listed pool sizes (likewise).</param>
/// <param name="Alignments">The listed alignments (likewise).</param>
/// <param name="SmallRequestThresholds">The listed thresholds, or null when the argument is left out.</param>
/// <param name="SizeClassSets">One list per [VariantSizeClasses], in declaration order; none for the default classes.</param>
/// <param name="Threading">The <c>Threading</c> argument's underlying value, already checked.</param>
internal sealed record VariantsConfig(
    string TypeName,
    IReadOnlyList<int> ArenaSizes,
    IReadOnlyList<int> PoolSizes,
    IReadOnlyList<int> Alignments,
    IReadOnlyList<int>? SmallRequestThresholds,
    IReadOnlyList<IReadOnlyList<int>> SizeClassSets,
    int Threading);

/// <summary>One thing wrong with a variants declaration, and where it is written.</summary>
/// <param name="Descriptor">What is wrong.</param>
/// <param name="List">The argument at fault (<c>ArenaSizes</c>, ..., or <see cref="VariantsValidator.SizeClassSetList"/>), or null for the attribute.</param>
/// <param name="SetIndex">For a size class set, which [VariantSizeClasses] (declaration order), or -1.</param>
/// <param name="ElementIndex">The index of the value at fault in its list, or -1 for the whole list.</param>
/// <param name="Arguments">The message arguments.</param>
internal sealed record VariantProblem(DiagnosticDescriptor Descriptor, string? List, int SetIndex, int ElementIndex, object[] Arguments);

/// <summary>One valid combination: the generated type's name and its pool configuration (its medium tier the default one).</summary>
internal sealed record PlannedVariant(string Name, int ArenaSize, int PoolSize, int Alignment, int SmallRequestThreshold, int[] SizeClasses, MediumClass[] MediumClasses);
