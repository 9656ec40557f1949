using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AllocGen.Generators.Parsing;

/// <summary>Reads attribute applications: which are there, their values, and where each argument is written.</summary>
internal static class AttributeReader
{
    public static bool HasAttribute(INamedTypeSymbol type, string metadataName) => FindAttribute(type, metadataName) is not null;

    /// <summary>The first application of the attribute (an attribute that allows one per type has at most one without CS0579).</summary>
    public static AttributeData? FindAttribute(INamedTypeSymbol type, string metadataName) =>
        type.GetAttributes().FirstOrDefault(a => Is(a, metadataName));

    /// <summary>Every application of an attribute that allows several, from every part of the type, in the compiler's order.</summary>
    public static IReadOnlyList<AttributeData> FindAttributes(INamedTypeSymbol type, string metadataName) =>
        type.GetAttributes().Where(a => Is(a, metadataName)).ToList();

    /// <summary>
    /// An attribute repeated on several parts of a partial type (CS0579) is handled once: by the part holding its
    /// first application. (Each part is a separate target, but each sees the type's attributes from every part.)
    /// </summary>
    public static bool IsFirstApplication(INamedTypeSymbol type, SyntaxNode part, string metadataName)
    {
        SyntaxReference? first = FindAttribute(type, metadataName)?.ApplicationSyntaxReference;
        return first is null || (first.SyntaxTree == part.SyntaxTree && part.Span.Contains(first.Span));
    }

    /// <summary>An argument the compiler rejects (it reports it): AllocGen reads nothing from such an attribute.</summary>
    public static bool HasArgumentErrors(AttributeData attribute) =>
        attribute.AttributeConstructor is null
        || attribute.ConstructorArguments.Any(IsError)
        || attribute.NamedArguments.Any(argument => IsError(argument.Value) || (argument.Value.Kind != TypedConstantKind.Array && argument.Value.Value is not int));

    public static int Named(AttributeData attribute, string name, int defaultValue) => NamedOrNull(attribute, name) ?? defaultValue;

    /// <summary>The int value of the named argument <paramref name="name"/>, or null when it is left out (for a default that depends on other arguments).</summary>
    public static int? NamedOrNull(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is int value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>
    /// The int array of the named argument <paramref name="name"/>, or null when it is left out. A null array reads as
    /// empty. (Its elements are ints unless <see cref="HasArgumentErrors"/>.)
    /// </summary>
    public static IReadOnlyList<int>? NamedArray(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Kind == TypedConstantKind.Array)
            {
                return argument.Value.IsNull ? System.Array.Empty<int>() : argument.Value.Values.Select(v => v.Value is int i ? i : 0).ToArray();
            }
        }

        return null;
    }

    /// <summary>
    /// The element at <paramref name="index"/> of the array written for the named argument <paramref name="name"/>
    /// (<c>new[] { ... }</c>, <c>new int[] { ... }</c> or <c>[...]</c>); the argument when the element cannot be found
    /// or <paramref name="index"/> is negative; <paramref name="fallback"/> when the argument is not written.
    /// </summary>
    public static Location NamedArrayElementLocation(AttributeData attribute, string name, int index, Location fallback, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } list })
        {
            foreach (AttributeArgumentSyntax argument in list.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return index >= 0 && ArrayElements(argument.Expression) is { } elements && index < elements.Count
                        ? elements[index].GetLocation()
                        : argument.GetLocation();
                }
            }
        }

        return fallback;
    }

    /// <summary>The elements of an array written as an array creation or a collection expression, or null.</summary>
    public static IReadOnlyList<SyntaxNode>? ArrayElements(ExpressionSyntax expression) => expression switch
    {
        ArrayCreationExpressionSyntax { Initializer: { } init } => init.Expressions,
        ImplicitArrayCreationExpressionSyntax { Initializer: { } init } => init.Expressions,
        CollectionExpressionSyntax collection => collection.Elements,
        _ => null,
    };

    public static Location AttributeLocation(AttributeData attribute, SyntaxNode fallback, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? fallback.GetLocation();

    /// <summary>The named argument <paramref name="name"/> (<c>Name = value</c>) as written, or <paramref name="fallback"/>.</summary>
    public static Location ArgumentLocation(AttributeData attribute, string? name, Location fallback, CancellationToken cancellationToken)
    {
        if (name is not null && attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } list })
        {
            foreach (AttributeArgumentSyntax argument in list.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return argument.GetLocation();
                }
            }
        }

        return fallback;
    }

    /// <summary>
    /// The constructor argument for the parameter at <paramref name="ordinal"/> as written, positionally or by its
    /// name (<c>domain: ...</c>), or <paramref name="fallback"/>.
    /// </summary>
    public static Location ConstructorArgumentLocation(AttributeData attribute, int ordinal, Location fallback, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax { ArgumentList: { } list }
            || attribute.AttributeConstructor is not { } constructor || ordinal >= constructor.Parameters.Length)
        {
            return fallback;
        }

        string parameter = constructor.Parameters[ordinal].Name;
        int position = 0;
        foreach (AttributeArgumentSyntax argument in list.Arguments)
        {
            if (argument.NameColon?.Name.Identifier.ValueText == parameter || (argument.NameColon is null && argument.NameEquals is null && position == ordinal))
            {
                return argument.GetLocation();
            }

            position++;
        }

        return fallback;
    }

    private static bool Is(AttributeData attribute, string metadataName) => attribute.AttributeClass?.ToDisplayString() == metadataName;

    private static bool IsError(TypedConstant constant) =>
        constant.Kind == TypedConstantKind.Error
        || (constant.Kind == TypedConstantKind.Type && constant.Value is IErrorTypeSymbol)
        || (constant.Kind == TypedConstantKind.Array && !constant.IsNull && constant.Values.Any(v => IsError(v) || v.Value is not int));
}
