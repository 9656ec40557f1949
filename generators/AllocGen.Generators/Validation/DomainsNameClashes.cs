using System;
using System.Collections.Generic;
using System.Linq;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;

namespace AllocGen.Generators.Validation;

/// <summary>
/// [AllocatorDomains] classes whose full names (namespace, containing types and name) are equal when letter case is
/// ignored, and an AG0036 for each at its attribute, naming the other. Their names are left out of the emission.
/// </summary>
internal sealed record DomainsNameClashes(EquatableArray<string> Names, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public static DomainsNameClashes Find(IEnumerable<(string Name, LocationInfo? Attribute)> declarations)
    {
        var clashing = new List<string>();
        var diagnostics = new List<DiagnosticInfo>();
        foreach (IGrouping<string, (string Name, LocationInfo? Attribute)> group in declarations
            .GroupBy(d => d.Name, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Select(d => d.Name).Distinct(StringComparer.Ordinal).Count() > 1))
        {
            var members = group.OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
            foreach ((string name, LocationInfo? attribute) in members)
            {
                clashing.Add(name);
                string other = members.First(m => m.Name != name).Name;
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.DomainsNameClash, attribute, new[] { name, other }.ToEquatableArray()));
            }
        }

        return new DomainsNameClashes(clashing.OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray(), diagnostics.ToEquatableArray());
    }
}
