using System;
using AllocGen.Generators.Helpers;

namespace AllocGen.Generators.Model;

/// <summary>
/// The result of reading one type declared with a kind's attribute: the kind's spec to emit (null when the declaration
/// is invalid, or belongs to another kind) and the diagnostics to report. Value-equal, so an edit elsewhere leaves it
/// cached.
/// </summary>
internal sealed record KindModel<TSpec>(TSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
    where TSpec : class, IEquatable<TSpec>
{
    /// <summary>Nothing to emit and nothing to report (the compiler, or another kind, reports the problem).</summary>
    public static KindModel<TSpec> None { get; } = new(null, EquatableArray<DiagnosticInfo>.Empty);

    /// <summary>Nothing to emit; the declaration's problems.</summary>
    public static KindModel<TSpec> Invalid(EquatableArray<DiagnosticInfo> diagnostics) => new(null, diagnostics);
}
