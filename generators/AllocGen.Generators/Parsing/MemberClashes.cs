using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Emission;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AllocGen.Generators.Parsing;

/// <summary>
/// Finds what would make the generated members fail to compile or silently hide something: a member of the user's
/// type (any part) with a generated member's name (and, for methods, its parameters), the type's own name, a second
/// finalizer, and members inherited from a base class (including the members generated for a base allocator).
/// Each becomes an AG diagnostic at the user's declaration instead of a compiler error inside the generated file.
/// </summary>
internal static class MemberClashes
{
    public static void Check(INamedTypeSymbol type, GeneratedMembers generated, Compilation compilation, Location attribute, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        string typeName = type.ToDisplayString();
        CheckOwnMembers(type, generated, typeName, diagnostics);
        CheckInheritedMembers(type, generated, compilation, typeName, attribute, diagnostics, cancellationToken);
    }

    private static void CheckOwnMembers(INamedTypeSymbol type, GeneratedMembers generated, string typeName, List<DiagnosticInfo> diagnostics)
    {
        // A member may not have the name of its type (CS0542).
        if (generated.Members.FirstOrDefault(g => g.Name == type.Name && g.Kind != GeneratedMemberKind.Destructor) is { } named)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberClash, type.Locations.FirstOrDefault(l => l.IsInSource), typeName, named.Display, typeName));
        }

        foreach (ISymbol member in type.GetMembers())
        {
            if (!IsDeclaredByUser(member))
            {
                continue;
            }

            GeneratedMember? clash = member is IMethodSymbol { MethodKind: MethodKind.Destructor }
                ? generated.Members.FirstOrDefault(g => g.Kind == GeneratedMemberKind.Destructor)
                : generated.Members.FirstOrDefault(g => Clashes(member, g));
            if (clash is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberClash, member.Locations.FirstOrDefault(l => l.IsInSource), member.ToDisplayString(), clash.Display, typeName));
            }
        }
    }

    private static void CheckInheritedMembers(INamedTypeSymbol type, GeneratedMembers generated, Compilation compilation, string typeName, Location attribute, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        INamedTypeSymbol? directBase = type.BaseType;
        if (directBase is null || directBase.SpecialType == SpecialType.System_Object)
        {
            return;
        }

        Location at = BaseListEntry(type, directBase, cancellationToken) ?? attribute;
        var reported = new HashSet<GeneratedMember>();
        for (INamedTypeSymbol? b = directBase; b is not null && b.SpecialType != SpecialType.System_Object; b = b.BaseType)
        {
            foreach (ISymbol inherited in b.GetMembers())
            {
                if (inherited.IsImplicitlyDeclared || !IsNamedMember(inherited) || !compilation.IsSymbolAccessibleWithin(inherited, type))
                {
                    continue;
                }

                foreach (GeneratedMember clash in generated.Members.Where(g => !reported.Contains(g) && Clashes(inherited, g)))
                {
                    reported.Add(clash);
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InheritedMemberClash, at, typeName, inherited.ToDisplayString(), clash.Display, directBase.ToDisplayString()));
                }
            }

            // A base allocator's generated members are not in the compilation the generator reads: take them from its
            // template (the safe-only one when the compilation allows no unsafe code). They all clash; one diagnostic says so.
            GeneratedMembers? baseGenerated = AllocatorKinds.GeneratedFor(b, compilation.Options is CSharpCompilationOptions { AllowUnsafe: false });
            GeneratedMember? hidden = baseGenerated is null ? null
                : generated.Members.FirstOrDefault(g => !reported.Contains(g) && baseGenerated.Members.Any(h => h.VisibleToDerived && SameMember(h, g)));
            if (hidden is not null)
            {
                reported.Add(hidden);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InheritedMemberClash, at, typeName, b.ToDisplayString() + "." + hidden.Display, hidden.Display, directBase.ToDisplayString()));
            }
        }
    }

    /// <summary>Members the user wrote, by a name that can clash (not accessors, constructors or explicit implementations).</summary>
    private static bool IsDeclaredByUser(ISymbol member) =>
        !member.IsImplicitlyDeclared && (IsNamedMember(member) || member is IMethodSymbol { MethodKind: MethodKind.Destructor });

    private static bool IsNamedMember(ISymbol member) => member switch
    {
        IMethodSymbol method => method.MethodKind == MethodKind.Ordinary,
        IPropertySymbol property => property.ExplicitInterfaceImplementations.IsEmpty && !property.IsIndexer,
        IEventSymbol @event => @event.ExplicitInterfaceImplementations.IsEmpty,
        IFieldSymbol field => field.AssociatedSymbol is null,
        INamedTypeSymbol => true,
        _ => false,
    };

    /// <summary>Whether <paramref name="member"/> and the generated member cannot both be members of one type.</summary>
    private static bool Clashes(ISymbol member, GeneratedMember generated)
    {
        if (member.Name != generated.Name || generated.Kind == GeneratedMemberKind.Destructor)
        {
            return false;
        }

        return (member, generated.Kind) switch
        {
            (IMethodSymbol method, GeneratedMemberKind.Method) => SameSignature(method, generated),
            (INamedTypeSymbol nested, GeneratedMemberKind.Type) => nested.Arity == generated.TypeParameters.Count,
            _ => true,
        };
    }

    /// <summary>Two generated members (of two templates) that one type cannot both have.</summary>
    private static bool SameMember(GeneratedMember a, GeneratedMember b) =>
        a.Name == b.Name
        && (a.Kind != GeneratedMemberKind.Method || b.Kind != GeneratedMemberKind.Method
            || (a.TypeParameters.Count == b.TypeParameters.Count && a.Parameters.Select(p => p.ToString()).SequenceEqual(b.Parameters.Select(p => p.ToString()))));

    /// <summary>Same arity and parameter types; ref, out and in count as one (C# cannot overload on them).</summary>
    private static bool SameSignature(IMethodSymbol method, GeneratedMember generated)
    {
        if (method.Arity != generated.TypeParameters.Count || method.Parameters.Length != generated.Parameters.Count)
        {
            return false;
        }

        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol parameter = method.Parameters[i];
            ParameterSyntax syntax = generated.Parameters[i];
            bool byReference = syntax.Modifiers.Any(m => m.IsKind(SyntaxKind.RefKeyword) || m.IsKind(SyntaxKind.OutKeyword) || m.IsKind(SyntaxKind.InKeyword));
            if ((parameter.RefKind != RefKind.None) != byReference || syntax.Type is null || !SameType(parameter.Type, syntax.Type, generated))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the user's parameter type is the template's (which writes keywords or global::-qualified names).</summary>
    private static bool SameType(ITypeSymbol type, TypeSyntax syntax, GeneratedMember generated)
    {
        switch (syntax)
        {
            case PredefinedTypeSyntax predefined:
                return type.SpecialType == SpecialTypeOf(predefined.Keyword.Kind()) && type.SpecialType != SpecialType.None;
            case IdentifierNameSyntax { Identifier.ValueText: "nint" }:
                return type.SpecialType == SpecialType.System_IntPtr;
            case IdentifierNameSyntax { Identifier.ValueText: "nuint" }:
                return type.SpecialType == SpecialType.System_UIntPtr;
            case IdentifierNameSyntax identifier when IndexOf(generated.TypeParameters, identifier.Identifier.ValueText) is int ordinal and >= 0:
                return type is ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } parameter && parameter.Ordinal == ordinal;
            case PointerTypeSyntax pointer:
                return type is IPointerTypeSymbol p && SameType(p.PointedAtType, pointer.ElementType, generated);
            case ArrayTypeSyntax { RankSpecifiers.Count: 1 } array:
                return type is IArrayTypeSymbol a && a.Rank == array.RankSpecifiers[0].Rank && SameType(a.ElementType, array.ElementType, generated);
            case NullableTypeSyntax nullable:
                return type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n
                    ? SameType(n.TypeArguments[0], nullable.ElementType, generated)
                    : SameType(type, nullable.ElementType, generated);
            default:
                // A global::-qualified name, possibly generic: compare as written.
                return type is INamedTypeSymbol named && Written(named, generated) == syntax.ToString().Replace(" ", string.Empty);
        }
    }

    /// <summary>A named type as the template would write it: global::-qualified, type arguments by the template's names.</summary>
    private static string Written(INamedTypeSymbol type, GeneratedMember generated)
    {
        string definition = type.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGenericsOptions(SymbolDisplayGenericsOptions.None)
            .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None));
        if (type.TypeArguments.IsEmpty)
        {
            return definition;
        }

        IEnumerable<string> arguments = type.TypeArguments.Select(a => a switch
        {
            ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } p when p.Ordinal < generated.TypeParameters.Count => generated.TypeParameters[p.Ordinal],
            INamedTypeSymbol n => Written(n, generated),
            _ => a.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
        });
        return definition + "<" + string.Join(",", arguments) + ">";
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static SpecialType SpecialTypeOf(SyntaxKind keyword) => keyword switch
    {
        SyntaxKind.BoolKeyword => SpecialType.System_Boolean,
        SyntaxKind.ByteKeyword => SpecialType.System_Byte,
        SyntaxKind.SByteKeyword => SpecialType.System_SByte,
        SyntaxKind.ShortKeyword => SpecialType.System_Int16,
        SyntaxKind.UShortKeyword => SpecialType.System_UInt16,
        SyntaxKind.IntKeyword => SpecialType.System_Int32,
        SyntaxKind.UIntKeyword => SpecialType.System_UInt32,
        SyntaxKind.LongKeyword => SpecialType.System_Int64,
        SyntaxKind.ULongKeyword => SpecialType.System_UInt64,
        SyntaxKind.CharKeyword => SpecialType.System_Char,
        SyntaxKind.FloatKeyword => SpecialType.System_Single,
        SyntaxKind.DoubleKeyword => SpecialType.System_Double,
        SyntaxKind.DecimalKeyword => SpecialType.System_Decimal,
        SyntaxKind.StringKeyword => SpecialType.System_String,
        SyntaxKind.ObjectKeyword => SpecialType.System_Object,
        SyntaxKind.VoidKeyword => SpecialType.System_Void,
        _ => SpecialType.None,
    };

    /// <summary>The base class as written in a part's base list: where the user chose to derive from it.</summary>
    private static Location? BaseListEntry(INamedTypeSymbol type, INamedTypeSymbol directBase, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax { BaseList.Types: { Count: > 0 } types })
            {
                TypeSyntax first = types[0].Type;
                if (RightmostName(first) == directBase.Name)
                {
                    return first.GetLocation();
                }
            }
        }

        return null;
    }

    private static string? RightmostName(TypeSyntax type) => type switch
    {
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
        _ => null,
    };
}
