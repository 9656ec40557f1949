using AllocGen.Generators.Helpers;

namespace AllocGen.Generators.Model;

/// <summary>Where the user's partial type lives, as plain strings: enough to re-open it, nothing that roots a compilation.</summary>
/// <param name="Namespace">Containing namespace, empty for the global one.</param>
/// <param name="Name">The type's name.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first, as "class Outer" etc.</param>
internal sealed record TypeSpec(string Namespace, string Name, EquatableArray<string> ContainingTypes)
{
    /// <summary>The type as users name it, e.g. <c>Game.Memory.Outer.GameHeap</c>.</summary>
    public string DisplayName => string.Join(".", Parts());

    /// <summary>A unique, file-system safe hint prefix.</summary>
    public string HintPrefix => DisplayName.Replace('<', '_').Replace('>', '_');

    private System.Collections.Generic.IEnumerable<string> Parts()
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
