using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Emission;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using AllocGen.Generators.Validation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AllocGen.Generators.Parsing;

/// <summary>
/// Reads attributed types into value models. All symbol and syntax work happens here; nothing symbolic leaves.
/// </summary>
internal static class AllocatorParser
{
    public static AllocatorModel ParsePoolAllocator(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Guard(context, cancellationToken, static (context, attribute, diagnostics, cancellationToken) =>
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            if (!IsFirstApplication(type, context.TargetNode, KnownNames.PoolAllocatorAttribute) || HasArgumentErrors(attribute)
                || (FindAttribute(type, KnownNames.SizeClassesAttribute) is { } sizes && HasArgumentErrors(sizes)))
            {
                // A repeated attribute (CS0579) or an argument of the wrong type: the compiler reports it.
                return new AllocatorModel(null, null, EquatableArray<DiagnosticInfo>.Empty);
            }

            Location location = AttributeLocation(attribute, context.TargetNode, cancellationToken);
            int threading = Named(attribute, "Threading", (int)ThreadPolicy.SingleThreaded);
            TypeSpec? typeSpec = CheckType(context, type, location, GeneratedMembers.Pool(PolicyOrDefault(threading)), PoolAllocatorEmitter.MinimumLanguageVersion, diagnostics, cancellationToken);

            if (HasAttribute(type, KnownNames.BumpArenaAttribute))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConflictingAllocators, location, type.ToDisplayString()));
            }

            CheckUnsafe(context, type, location, diagnostics);

            AttributeData? sizeClassesAttribute = FindAttribute(type, KnownNames.SizeClassesAttribute);
            var config = new PoolConfig(
                Named(attribute, "ArenaSize", PoolConfig.DefaultArenaSize),
                Named(attribute, "PoolSize", PoolConfig.DefaultPoolSize),
                Named(attribute, "Alignment", PoolConfig.DefaultAlignment),
                Named(attribute, "SmallRequestThreshold", PoolConfig.DefaultSmallRequestThreshold),
                sizeClassesAttribute is null ? null : SizeList(sizeClassesAttribute),
                threading);

            List<ConfigProblem> problems = PoolConfigValidator.Validate(config, out int[] sizeClasses);
            foreach (ConfigProblem problem in problems)
            {
                Location at = problem.Argument == "SizeClasses" && sizeClassesAttribute is not null
                    ? SizeClassLocation(sizeClassesAttribute, problem.ElementIndex, location, cancellationToken)
                    : ArgumentLocation(attribute, problem.Argument, location, cancellationToken);
                diagnostics.Add(DiagnosticInfo.Create(problem.Descriptor, at, problem.Arguments));
            }

            // A warning leaves the declaration valid: it is generated, and the warning travels with it.
            return diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error) || typeSpec is null
                ? new AllocatorModel(null, null, diagnostics.ToEquatableArray())
                : new AllocatorModel(
                    new PoolAllocatorSpec(typeSpec, config.ArenaSize, config.PoolSize, config.Alignment, config.SmallRequestThreshold, sizeClasses.ToEquatableArray(), (ThreadPolicy)threading),
                    null,
                    diagnostics.ToEquatableArray());
        });

    public static AllocatorModel ParseBumpArena(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Guard(context, cancellationToken, static (context, attribute, diagnostics, cancellationToken) =>
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            if (HasAttribute(type, KnownNames.PoolAllocatorAttribute)
                || !IsFirstApplication(type, context.TargetNode, KnownNames.BumpArenaAttribute) || HasArgumentErrors(attribute))
            {
                // The [PoolAllocator] side reports a conflict once; the compiler reports repeats and bad arguments.
                return new AllocatorModel(null, null, EquatableArray<DiagnosticInfo>.Empty);
            }

            Location location = AttributeLocation(attribute, context.TargetNode, cancellationToken);
            TypeSpec? typeSpec = CheckType(context, type, location, GeneratedMembers.Bump, BumpArenaEmitter.MinimumLanguageVersion, diagnostics, cancellationToken);
            CheckUnsafe(context, type, location, diagnostics);

            int blockSize = Named(attribute, "BlockSize", BumpArenaValidator.DefaultBlockSize);
            int alignment = Named(attribute, "Alignment", BumpArenaValidator.DefaultAlignment);
            foreach (ConfigProblem problem in BumpArenaValidator.Validate(blockSize, alignment))
            {
                diagnostics.Add(DiagnosticInfo.Create(problem.Descriptor, ArgumentLocation(attribute, problem.Argument, location, cancellationToken), problem.Arguments));
            }

            return diagnostics.Count != 0 || typeSpec is null
                ? new AllocatorModel(null, null, diagnostics.ToEquatableArray())
                : new AllocatorModel(null, new BumpArenaSpec(typeSpec, blockSize, alignment), EquatableArray<DiagnosticInfo>.Empty);
        });

    /// <summary>[SizeClasses] on a type without [PoolAllocator] would be silently ignored: report it.</summary>
    public static AllocatorModel ParseSizeClassesAlone(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Guard(context, cancellationToken, static (context, attribute, diagnostics, cancellationToken) =>
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            if (!HasAttribute(type, KnownNames.PoolAllocatorAttribute))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeClassesWithoutPool,
                    AttributeLocation(attribute, context.TargetNode, cancellationToken), type.ToDisplayString()));
            }

            return new AllocatorModel(null, null, diagnostics.ToEquatableArray());
        });

    private delegate AllocatorModel ParseBody(GeneratorAttributeSyntaxContext context, AttributeData attribute, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken);

    /// <summary>A bug in the generator becomes a diagnostic on the declaration, never a crash of the build.</summary>
    private static AllocatorModel Guard(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken, ParseBody body)
    {
        try
        {
            return body(context, context.Attributes[0], new List<DiagnosticInfo>(), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new AllocatorModel(null, null, new[]
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, context.TargetNode.GetLocation(), context.TargetSymbol.Name, exception.GetType().Name + ": " + exception.Message),
            }.ToEquatableArray());
        }
    }

    /// <summary>
    /// What generated code needs of the type and the project besides the configuration: a shape it can be added to,
    /// no member it would clash with, and a language version that compiles it.
    /// </summary>
    private static TypeSpec? CheckType(
        GeneratorAttributeSyntaxContext context,
        INamedTypeSymbol type,
        Location location,
        GeneratedMembers generated,
        LanguageVersion minimumLanguageVersion,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        TypeSpec? typeSpec = TypeShape.Check(type, context.TargetNode, location, diagnostics);
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

    /// <summary>The generated members of a type that declares an allocator, or null.</summary>
    internal static GeneratedMembers? GeneratedFor(INamedTypeSymbol type) =>
        FindAttribute(type, KnownNames.PoolAllocatorAttribute) is { } pool ? GeneratedMembers.Pool(PolicyOrDefault(Named(pool, "Threading", (int)ThreadPolicy.SingleThreaded)))
        : HasAttribute(type, KnownNames.BumpArenaAttribute) ? GeneratedMembers.Bump
        : null;

    /// <summary>The policy a Threading value names; an undefined one (AG0027, nothing generated) is checked for clashes as the default.</summary>
    private static ThreadPolicy PolicyOrDefault(int threading) =>
        threading is >= (int)ThreadPolicy.SingleThreaded and <= (int)ThreadPolicy.PerThread ? (ThreadPolicy)threading : ThreadPolicy.SingleThreaded;

    /// <summary>"11" rather than "11.0", as LangVersion is usually written.</summary>
    private static string Display(LanguageVersion version)
    {
        string text = version.ToDisplayString();
        return text.EndsWith(".0", StringComparison.Ordinal) ? text.Substring(0, text.Length - 2) : text;
    }

    private static void CheckUnsafe(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, Location location, List<DiagnosticInfo> diagnostics)
    {
        if (context.SemanticModel.Compilation.Options is CSharpCompilationOptions { AllowUnsafe: false })
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsafeNotAllowed, location, type.ToDisplayString()));
        }
    }

    /// <summary>
    /// An attribute repeated on several parts of a partial type (CS0579) is handled once: by the part holding its
    /// first application. (Each part is a separate target, but each sees the type's attributes from every part.)
    /// </summary>
    private static bool IsFirstApplication(INamedTypeSymbol type, SyntaxNode part, string metadataName)
    {
        SyntaxReference? first = FindAttribute(type, metadataName)?.ApplicationSyntaxReference;
        return first is null || (first.SyntaxTree == part.SyntaxTree && part.Span.Contains(first.Span));
    }

    private static bool HasArgumentErrors(AttributeData attribute) =>
        attribute.AttributeConstructor is null
        || attribute.ConstructorArguments.Any(IsError)
        || attribute.NamedArguments.Any(argument => IsError(argument.Value) || argument.Value.Value is not int);

    private static bool IsError(TypedConstant constant) =>
        constant.Kind == TypedConstantKind.Error
        || (constant.Kind == TypedConstantKind.Array && !constant.IsNull && constant.Values.Any(v => IsError(v) || v.Value is not int));

    private static bool HasAttribute(INamedTypeSymbol type, string metadataName) => FindAttribute(type, metadataName) is not null;

    private static AttributeData? FindAttribute(INamedTypeSymbol type, string metadataName) =>
        type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == metadataName);

    private static int Named(AttributeData attribute, string name, int defaultValue)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is int value)
            {
                return value;
            }
        }

        return defaultValue;
    }

    private static IReadOnlyList<int> SizeList(AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length != 1)
        {
            return Array.Empty<int>();
        }

        TypedConstant argument = attribute.ConstructorArguments[0];
        ImmutableArray<TypedConstant> values = argument.Kind == TypedConstantKind.Array && !argument.IsNull ? argument.Values : ImmutableArray<TypedConstant>.Empty;
        return values.Select(v => v.Value is int i ? i : 0).ToArray();
    }

    private static Location AttributeLocation(AttributeData attribute, SyntaxNode fallback, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? fallback.GetLocation();

    private static Location ArgumentLocation(AttributeData attribute, string? name, Location fallback, CancellationToken cancellationToken)
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

    private static Location SizeClassLocation(AttributeData attribute, int index, Location fallback, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
        {
            return fallback;
        }

        if (syntax.ArgumentList is not { Arguments.Count: > 0 } list)
        {
            return syntax.GetLocation();
        }

        // Sizes written one per argument (the params form) point at the size itself; an array points at the array.
        if (index >= 0 && list.Arguments.Count > 1 && index < list.Arguments.Count)
        {
            return list.Arguments[index].GetLocation();
        }

        ExpressionSyntax expression = list.Arguments[0].Expression;
        if (index >= 0 && list.Arguments.Count == 1)
        {
            IReadOnlyList<SyntaxNode>? elements = expression switch
            {
                ArrayCreationExpressionSyntax { Initializer: { } init } => init.Expressions,
                ImplicitArrayCreationExpressionSyntax { Initializer: { } init } => init.Expressions,
                CollectionExpressionSyntax collection => collection.Elements,
                _ => null,
            };
            if (elements is { } items && index < items.Count)
            {
                return items[index].GetLocation();
            }
        }

        return index < 0 ? syntax.GetLocation() : expression.GetLocation();
    }
}
