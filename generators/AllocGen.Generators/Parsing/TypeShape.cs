using System.Collections.Generic;
using System.Linq;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AllocGen.Generators.Parsing;

/// <summary>The type a kind's generated members need.</summary>
internal enum TypeForm
{
    /// <summary>A non-static class (not a record): an allocator is an instance (AG0002, AG0022 otherwise).</summary>
    InstanceClass,

    /// <summary>A static class: allocator domains are process-wide (AG0029 otherwise).</summary>
    StaticClass,

    /// <summary>A static class: it only holds the variant types and the registry (AG0046 otherwise).</summary>
    VariantsClass,
}

/// <summary>Checks that an attributed type can receive generated members, and describes where it lives.</summary>
internal static class TypeShape
{
    /// <summary>Adds a diagnostic for each shape problem; returns the type's spec when there is none.</summary>
    public static TypeSpec? Check(INamedTypeSymbol type, SyntaxNode node, Location location, TypeForm form, List<DiagnosticInfo> diagnostics)
    {
        int before = diagnostics.Count;
        string name = type.ToDisplayString();
        CheckForm(type, name, location, form, diagnostics);

        bool generic = false;
        INamedTypeSymbol outermost = type;
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            generic |= t.TypeParameters.Length != 0;
            outermost = t;
        }

        if (generic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.Generic, location, name));
        }

        // Only a top-level type can be 'file'; a type nested in one is as invisible to the generated file.
        if (outermost.IsFileLocal)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocal, location, outermost.ToDisplayString(), name));
        }

        // The declaration and its ancestors, innermost first, side by side with the type and its containing types.
        var containing = new List<string>();
        INamedTypeSymbol? declared = type;
        for (SyntaxNode? n = node; n is not null; n = n.Parent)
        {
            if (n is TypeDeclarationSyntax declaration)
            {
                if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, location, declared?.ToDisplayString() ?? declaration.Identifier.ValueText, name));
                }

                if (!ReferenceEquals(n, node))
                {
                    containing.Insert(0, Keyword(declaration) + " " + declaration.Identifier.ValueText);
                }

                declared = declared?.ContainingType;
            }
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

    private static void CheckForm(INamedTypeSymbol type, string name, Location location, TypeForm form, List<DiagnosticInfo> diagnostics)
    {
        bool isClass = type.TypeKind == TypeKind.Class && !type.IsRecord;
        switch (form)
        {
            case TypeForm.InstanceClass when type.IsStatic:
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StaticClass, location, name));
                break;
            case TypeForm.InstanceClass when !isClass:
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAClass, location, name, KindOf(type)));
                break;
            case TypeForm.StaticClass when !isClass || !type.IsStatic:
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DomainsNotStatic, location, name, isClass ? "an instance class" : KindOf(type)));
                break;
            case TypeForm.VariantsClass when !isClass || !type.IsStatic:
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VariantsNotStatic, location, name, isClass ? "an instance class" : KindOf(type)));
                break;
        }
    }

    private static string KindOf(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "a record struct",
        { IsRecord: true } => "a record",
        { TypeKind: TypeKind.Struct } => "a struct",
        { TypeKind: TypeKind.Interface } => "an interface",
        { TypeKind: TypeKind.Enum } => "an enum",
        { TypeKind: TypeKind.Delegate } => "a delegate",
        _ => "a " + type.TypeKind.ToString().ToLowerInvariant(),
    };

    private static string Keyword(TypeDeclarationSyntax declaration) => declaration switch
    {
        RecordDeclarationSyntax r when r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
        RecordDeclarationSyntax => "record",
        _ => declaration.Keyword.ValueText,
    };
}
