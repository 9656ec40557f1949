using System;
using System.Collections.Generic;
using System.Threading;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Emission;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AllocGen.Generators.Parsing;

/// <summary>The checks every kind makes of its declaration, and the guard every parser runs in.</summary>
internal static class DeclarationChecks
{
    public delegate TResult ParseBody<TResult>(GeneratorAttributeSyntaxContext context, AttributeData attribute, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken);

    /// <summary>
    /// A bug in the generator becomes a diagnostic on the declaration (AG0099), never a crash of the build.
    /// <paramref name="failed"/> wraps that diagnostic in the parser's result.
    /// </summary>
    public static TResult Guard<TResult>(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken, ParseBody<TResult> body, Func<EquatableArray<DiagnosticInfo>, TResult> failed)
    {
        try
        {
            return body(context, context.Attributes[0], new List<DiagnosticInfo>(), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return failed(new[]
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, context.TargetNode.GetLocation(), context.TargetSymbol.Name, exception.GetType().Name + ": " + exception.Message),
            }.ToEquatableArray());
        }
    }

    /// <summary><see cref="Guard{TResult}"/> for a kind's parser.</summary>
    public static KindModel<TSpec> Guard<TSpec>(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken, ParseBody<KindModel<TSpec>> body)
        where TSpec : class, IEquatable<TSpec> =>
        Guard(context, cancellationToken, body, KindModel<TSpec>.Invalid);

    /// <summary>
    /// What generated code needs of the type and the project besides the configuration: a shape it can be added to,
    /// no member it would clash with, and a language version that compiles it.
    /// </summary>
    public static TypeSpec? CheckType(
        GeneratorAttributeSyntaxContext context,
        INamedTypeSymbol type,
        Location location,
        TypeForm form,
        GeneratedMembers generated,
        LanguageVersion minimumLanguageVersion,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        TypeSpec? typeSpec = TypeShape.Check(type, context.TargetNode, location, form, diagnostics);
        if (typeSpec is not null)
        {
            MemberClashes.Check(type, generated, context.SemanticModel.Compilation, location, diagnostics, cancellationToken);
        }

        if (context.TargetNode.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: var languageVersion } && languageVersion < minimumLanguageVersion)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LanguageVersionTooLow, location, type.ToDisplayString(), Display(minimumLanguageVersion), Display(languageVersion)));
        }

        return typeSpec;
    }

    /// <summary>Whether the project allows unsafe code (AllowUnsafeBlocks).</summary>
    public static bool AllowsUnsafe(GeneratorAttributeSyntaxContext context) =>
        context.SemanticModel.Compilation.Options is not CSharpCompilationOptions { AllowUnsafe: false };

    /// <summary>
    /// A domains class routes pointers, and a variants class's drivers take them: without unsafe code neither can be
    /// generated (AG0019). <paramref name="kind"/> names the class in the message ("domains class").
    /// </summary>
    public static void CheckUnsafe(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, Location location, string kind, List<DiagnosticInfo> diagnostics)
    {
        if (!AllowsUnsafe(context))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsafeNotAllowed, location, type.ToDisplayString(), kind));
        }
    }

    /// <summary>
    /// Whether an allocator is generated with its safe members only: the project does not allow unsafe code. Says so
    /// (AG0037, info), naming what is generated and what unsafe code would add.
    /// </summary>
    public static bool SafeOnly(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, Location location, string safeMembers, string pointerMembers, List<DiagnosticInfo> diagnostics)
    {
        if (AllowsUnsafe(context))
        {
            return false;
        }

        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SafeSurfaceOnly, location, type.ToDisplayString(), safeMembers, pointerMembers));
        return true;
    }

    /// <summary>Whether a declaration with these diagnostics is generated: a warning leaves it valid, an error does not.</summary>
    public static bool HasErrors(List<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo diagnostic in diagnostics)
        {
            if (diagnostic.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"11" rather than "11.0", as LangVersion is usually written.</summary>
    private static string Display(LanguageVersion version)
    {
        string text = version.ToDisplayString();
        return text.EndsWith(".0", StringComparison.Ordinal) ? text.Substring(0, text.Length - 2) : text;
    }
}
