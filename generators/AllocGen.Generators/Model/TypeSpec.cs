using System.Collections.Generic;
using System.Linq;
using AllocGen.Generators.Helpers;
using Microsoft.CodeAnalysis.CSharp;

namespace AllocGen.Generators.Model;

/// <summary>Where the user's partial type lives, as plain strings: enough to re-open it, nothing that roots a compilation.</summary>
/// <param name="Namespace">Containing namespace as dotted plain names, empty for the global one.</param>
/// <param name="Name">The type's plain name (no <c>@</c>).</param>
/// <param name="ContainingTypes">Enclosing types, outermost first, as keyword and plain name ("class Outer").</param>
internal sealed record TypeSpec(string Namespace, string Name, EquatableArray<string> ContainingTypes)
{
    /// <summary>The type as users name it, e.g. <c>Game.Memory.Outer.GameHeap</c>.</summary>
    public string DisplayName => string.Join(".", Parts());

    /// <summary>A file-system safe hint prefix (unique up to letter case; the generator resolves case clashes).</summary>
    public string HintPrefix => DisplayName.Replace('<', '_').Replace('>', '_');

    /// <summary>The name as C# source, escaped with <c>@</c> where it is a keyword.</summary>
    public string CodeName => Escape(Name);

    /// <summary>The namespace as C# source.</summary>
    public string CodeNamespace => string.Join(".", Namespace.Split('.').Select(Escape));

    /// <summary>The containing types as C# source, e.g. "class @event".</summary>
    public IEnumerable<string> CodeContainingTypes => ContainingTypes.Select(t =>
    {
        int space = t.LastIndexOf(' ');
        return t.Substring(0, space + 1) + Escape(t.Substring(space + 1));
    });

    public static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    private IEnumerable<string> Parts()
    {
        if (Namespace.Length != 0)
        {
            yield return Namespace;
        }

        foreach (string containing in ContainingTypes)
        {
            yield return containing.Substring(containing.LastIndexOf(' ') + 1);
        }

        yield return Name;
    }
}
