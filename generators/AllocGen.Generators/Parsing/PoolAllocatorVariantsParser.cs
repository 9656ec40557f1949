using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AllocGen.Generators.Diagnostics;
using AllocGen.Generators.Emission;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using AllocGen.Generators.Validation;
using Microsoft.CodeAnalysis;
using static AllocGen.Generators.Parsing.AttributeReader;
using static AllocGen.Generators.Parsing.DeclarationChecks;

namespace AllocGen.Generators.Parsing;

/// <summary>
/// Reads a [PoolAllocatorVariants] class and its [VariantSizeClasses] sets into a value model: the value lists go to
/// <see cref="VariantsValidator"/>, each planned variant becomes the <see cref="PoolAllocatorSpec"/> of a nested type.
/// Nothing symbolic leaves.
/// </summary>
internal static class PoolAllocatorVariantsParser
{
    public static KindModel<PoolAllocatorVariantsSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Guard<PoolAllocatorVariantsSpec>(context, cancellationToken, static (context, attribute, diagnostics, cancellationToken) =>
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            IReadOnlyList<AttributeData> setAttributes = FindAttributes(type, KnownNames.VariantSizeClassesAttribute);
            Location location = AttributeLocation(attribute, context.TargetNode, cancellationToken);
            if (!AllocatorKinds.ReadsType(type, KnownNames.PoolAllocatorVariantsAttribute, location, diagnostics)
                || !IsFirstApplication(type, context.TargetNode, KnownNames.PoolAllocatorVariantsAttribute) || HasArgumentErrors(attribute)
                || setAttributes.Any(HasArgumentErrors))
            {
                // An earlier kind reports the conflict; the compiler reports repeats and bad arguments.
                return KindModel<PoolAllocatorVariantsSpec>.None;
            }

            CheckUnsafe(context, type, location, "variants class", diagnostics);
            int threading = Named(attribute, "Threading", (int)ThreadPolicy.SingleThreaded);
            if (!PoolAllocatorParser.IsDefined(threading))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ThreadingInvalid, ArgumentLocation(attribute, "Threading", location, cancellationToken), threading));
            }

            var config = new VariantsConfig(
                type.ToDisplayString(),
                NamedArray(attribute, VariantsValidator.ArenaSizesList) ?? new[] { PoolConfig.DefaultArenaSize },
                NamedArray(attribute, VariantsValidator.PoolSizesList) ?? new[] { PoolConfig.DefaultPoolSize },
                NamedArray(attribute, VariantsValidator.AlignmentsList) ?? new[] { PoolConfig.DefaultAlignment },
                NamedArray(attribute, VariantsValidator.ThresholdsList),
                setAttributes.Select(PoolAllocatorParser.SizeList).ToList(),
                (int)PoolAllocatorParser.PolicyOrDefault(threading));

            List<PlannedVariant> planned = new();
            if (!HasErrors(diagnostics))
            {
                foreach (VariantProblem problem in VariantsValidator.Validate(config, out planned))
                {
                    Location at = problem.List is null ? location
                        : problem.SetIndex >= 0 ? PoolAllocatorParser.SizeClassLocation(setAttributes[problem.SetIndex], problem.ElementIndex, AttributeLocation(setAttributes[problem.SetIndex], context.TargetNode, cancellationToken), cancellationToken)
                        : NamedArrayElementLocation(attribute, problem.List, problem.ElementIndex, location, cancellationToken);
                    diagnostics.Add(DiagnosticInfo.Create(problem.Descriptor, at, problem.Arguments));
                }
            }

            GeneratedMembers generated = PoolAllocatorVariantsEmitter.GeneratedMembersFor(planned.Select(v => v.Name));
            TypeSpec? typeSpec = CheckType(context, type, location, TypeForm.VariantsClass, generated, PoolAllocatorEmitter.MinimumLanguageVersion, diagnostics, cancellationToken);

            // A warning (a skipped combination, a repeated value) leaves the declaration valid: the warnings travel with it.
            return HasErrors(diagnostics) || typeSpec is null
                ? KindModel<PoolAllocatorVariantsSpec>.Invalid(diagnostics.ToEquatableArray())
                : new KindModel<PoolAllocatorVariantsSpec>(
                    new PoolAllocatorVariantsSpec(typeSpec, planned.Select(v => Spec(v, (ThreadPolicy)threading)).ToEquatableArray()),
                    diagnostics.ToEquatableArray());
        });

    private static PoolAllocatorSpec Spec(PlannedVariant variant, ThreadPolicy threading) =>
        new(new TypeSpec(string.Empty, variant.Name, EquatableArray<string>.Empty), variant.ArenaSize, variant.PoolSize, variant.Alignment, variant.SmallRequestThreshold, variant.SizeClasses.ToEquatableArray(), variant.MediumClasses.ToEquatableArray(), threading, SafeOnly: false);
}
