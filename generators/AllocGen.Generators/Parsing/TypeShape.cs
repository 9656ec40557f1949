using System.Collections.Generic;
using System.Linq;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AllocGen.Generators.Parsing;

/// <summary>Checks that an attributed type can receive generated members, and describes where it lives.</summary>
internal static class TypeShape
{
    /// <summary>Adds a diagnostic for each shape problem; returns the type's spec when there is none.</summary>
    public static TypeSpec? Check(INamedTypeSymbol type, SyntaxNode node, Location location, List<DiagnosticInfo> diagnostics)
    {
        int before = diagnostics.Count;
        string name = type.ToDisplayString();
        if (type.TypeKind != TypeKind.Class || type.IsRecord || type.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAClass, location, name));
        }

        bool generic = false;
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            generic |= t.TypeParameters.Length != 0;
        }

        if (generic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.Generic, location, name));
        }

        var containing = new List<string>();
        bool partial = true;
        for (SyntaxNode? n = node; n is not null; n = n.Parent)
        {
            if (n is TypeDeclarationSyntax declaration)
            {
                partial &= declaration.Modifiers.Any(SyntaxKind.PartialKeyword);
                if (!ReferenceEquals(n, node))
                {
                    containing.Insert(0, Keyword(declaration) + " " + declaration.Identifier.ValueText);
                }
            }
        }

        if (!partial)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, location, name));
        }

        if (diagnostics.Count != before)
        {
            return null;
        }

        var names = new List<string>();
        for (INamespaceSymbol? n2 = type.ContainingNamespace; n2 is { IsGlobalNamespace: false }; n2 = n2.ContainingNamespace)
        {
            names.Insert(0, n2.Name);
        }

        return new TypeSpec(string.Join(".", names), type.Name, containing.ToEquatableArray());
    }

    private static string Keyword(TypeDeclarationSyntax declaration) => declaration switch
    {
        RecordDeclarationSyntax r when r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
        RecordDeclarationSyntax => "record",
        _ => declaration.Keyword.ValueText,
    };
}
