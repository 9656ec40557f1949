using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using AllocGen.Generators.Emission;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using AllocGen.Generators.Validation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static AllocGen.Generators.Parsing.AttributeReader;
using static AllocGen.Generators.Parsing.DeclarationChecks;

namespace AllocGen.Generators.Parsing;

/// <summary>
/// Reads [PoolAllocator] (and [SizeClasses]) declarations into value models. All symbol and syntax work happens here;
/// nothing symbolic leaves.
/// </summary>
internal static class PoolAllocatorParser
{
    public static KindModel<PoolAllocatorSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Guard<PoolAllocatorSpec>(context, cancellationToken, static (context, attribute, diagnostics, cancellationToken) =>
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            if (!IsFirstApplication(type, context.TargetNode, KnownNames.PoolAllocatorAttribute) || HasArgumentErrors(attribute)
                || (FindAttribute(type, KnownNames.SizeClassesAttribute) is { } sizes && HasArgumentErrors(sizes)))
            {
                // A repeated attribute (CS0579) or an argument of the wrong type: the compiler reports it.
                return KindModel<PoolAllocatorSpec>.None;
            }

            Location location = AttributeLocation(attribute, context.TargetNode, cancellationToken);
            int threading = Named(attribute, "Threading", (int)ThreadPolicy.SingleThreaded);
            bool safeOnly = SafeOnly(context, type, location, "RentSpan, Rent, AsMemoryPool, GetStats, Trim and Allocator, an IAllocator", "Allocate, Free and the other pointer members", diagnostics);
            TypeSpec? typeSpec = CheckType(context, type, location, TypeForm.InstanceClass, GeneratedMembers.Pool(PolicyOrDefault(threading), safeOnly), PoolAllocatorEmitter.MinimumLanguageVersion, diagnostics, cancellationToken);
            AllocatorKinds.ReadsType(type, KnownNames.PoolAllocatorAttribute, location, diagnostics);

            AttributeData? sizeClassesAttribute = FindAttribute(type, KnownNames.SizeClassesAttribute);
            var config = new PoolConfig(
                Named(attribute, "ArenaSize", PoolConfig.DefaultArenaSize),
                Named(attribute, "PoolSize", PoolConfig.DefaultPoolSize),
                Named(attribute, "Alignment", PoolConfig.DefaultAlignment),
                Named(attribute, "SmallRequestThreshold", PoolConfig.DefaultSmallRequestThreshold),
                sizeClassesAttribute is null ? null : SizeList(sizeClassesAttribute),
                threading,
                NamedOrNull(attribute, "MediumRequestThreshold"));

            List<ConfigProblem> problems = PoolConfigValidator.Validate(config, out int[] sizeClasses, out MediumClass[] mediumClasses);
            foreach (ConfigProblem problem in problems)
            {
                Location at = problem.Argument == "SizeClasses" && sizeClassesAttribute is not null
                    ? SizeClassLocation(sizeClassesAttribute, problem.ElementIndex, location, cancellationToken)
                    : ArgumentLocation(attribute, problem.Argument, location, cancellationToken);
                diagnostics.Add(DiagnosticInfo.Create(problem.Descriptor, at, problem.Arguments));
            }

            // A warning leaves the declaration valid: it is generated, and the warning travels with it.
            return HasErrors(diagnostics) || typeSpec is null
                ? KindModel<PoolAllocatorSpec>.Invalid(diagnostics.ToEquatableArray())
                : new KindModel<PoolAllocatorSpec>(
                    new PoolAllocatorSpec(typeSpec, config.ArenaSize, config.PoolSize, config.Alignment, config.SmallRequestThreshold, sizeClasses.ToEquatableArray(), mediumClasses.ToEquatableArray(), (ThreadPolicy)threading, safeOnly),
                    diagnostics.ToEquatableArray());
        });

    /// <summary>The policy a Threading value names; an undefined one (AG0027, nothing generated) is checked for clashes as the default.</summary>
    public static ThreadPolicy PolicyOrDefault(int threading) =>
        IsDefined(threading) ? (ThreadPolicy)threading : ThreadPolicy.SingleThreaded;

    public static bool IsDefined(int threading) => threading is >= (int)ThreadPolicy.SingleThreaded and <= (int)ThreadPolicy.PerThread;

    internal static IReadOnlyList<int> SizeList(AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length != 1)
        {
            return Array.Empty<int>();
        }

        TypedConstant argument = attribute.ConstructorArguments[0];
        ImmutableArray<TypedConstant> values = argument.Kind == TypedConstantKind.Array && !argument.IsNull ? argument.Values : ImmutableArray<TypedConstant>.Empty;
        return values.Select(v => v.Value is int i ? i : 0).ToArray();
    }

    /// <summary>Where the size at <paramref name="index"/> of a size list attribute ([SizeClasses], [VariantSizeClasses]) is written.</summary>
    internal static Location SizeClassLocation(AttributeData attribute, int index, Location fallback, CancellationToken cancellationToken)
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
