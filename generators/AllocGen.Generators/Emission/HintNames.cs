using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;

namespace AllocGen.Generators.Emission;

/// <summary>
/// File names of the generated sources. Roslyn compares them ignoring case, so types whose names differ only in
/// case (legal C#) get a stable hash of their exact name appended; every other type keeps a plain, readable name.
/// </summary>
internal static class HintNames
{
    public static string For(TypeSpec type, string kind, EquatableArray<string> caseClashes)
    {
        string prefix = type.HintPrefix;
        if (caseClashes.AsSpan().IndexOf(prefix) >= 0)
        {
            prefix += "." + Fnv1a(prefix).ToString("x8", CultureInfo.InvariantCulture);
        }

        return prefix + "." + kind + ".g.cs";
    }

    /// <summary>The prefixes that equal another prefix when letter case is ignored.</summary>
    public static EquatableArray<string> CaseClashes(IEnumerable<string> prefixes) =>
        prefixes.Distinct(StringComparer.Ordinal)
            .GroupBy(p => p, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .SelectMany(g => g)
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToEquatableArray();

    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = unchecked((hash ^ c) * 16777619);
        }

        return hash;
    }
}
