using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Helpers;
using Microsoft.CodeAnalysis;

namespace AllocGen.Generators.Model;

/// <summary>A diagnostic as values (Roslyn's <see cref="Diagnostic"/> has no value equality).</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), Arguments.AsSpan().ToArray());

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params object[] arguments) =>
        new(descriptor, LocationInfo.From(location), System.Linq.Enumerable.Select(arguments, a => System.Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty).ToEquatableArray());
}
