using System.Threading;
using AllocGen.Generators.Emission;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using AllocGen.Generators.Validation;
using Microsoft.CodeAnalysis;
using static AllocGen.Generators.Parsing.AttributeReader;
using static AllocGen.Generators.Parsing.DeclarationChecks;

namespace AllocGen.Generators.Parsing;

/// <summary>Reads [BumpArena] declarations into value models.</summary>
internal static class BumpArenaParser
{
    public static KindModel<BumpArenaSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Guard<BumpArenaSpec>(context, cancellationToken, static (context, attribute, diagnostics, cancellationToken) =>
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            Location location = AttributeLocation(attribute, context.TargetNode, cancellationToken);
            if (!AllocatorKinds.ReadsType(type, KnownNames.BumpArenaAttribute, location, diagnostics)
                || !IsFirstApplication(type, context.TargetNode, KnownNames.BumpArenaAttribute) || HasArgumentErrors(attribute))
            {
                // The [PoolAllocator] side reports a conflict once; the compiler reports repeats and bad arguments.
                return KindModel<BumpArenaSpec>.None;
            }

            bool safeOnly = SafeOnly(context, type, location, "RentSpan, Own, Reset and the byte counts", "Allocate, Allocate<T> and AllocateSpan", diagnostics);
            TypeSpec? typeSpec = CheckType(context, type, location, TypeForm.InstanceClass, GeneratedMembers.Bump(safeOnly), BumpArenaEmitter.MinimumLanguageVersion, diagnostics, cancellationToken);

            int blockSize = Named(attribute, "BlockSize", BumpArenaValidator.DefaultBlockSize);
            int alignment = Named(attribute, "Alignment", BumpArenaValidator.DefaultAlignment);
            foreach (ConfigProblem problem in BumpArenaValidator.Validate(blockSize, alignment))
            {
                diagnostics.Add(DiagnosticInfo.Create(problem.Descriptor, ArgumentLocation(attribute, problem.Argument, location, cancellationToken), problem.Arguments));
            }

            // The safe-only note (info) leaves the declaration valid and travels with it.
            return HasErrors(diagnostics) || typeSpec is null
                ? KindModel<BumpArenaSpec>.Invalid(diagnostics.ToEquatableArray())
                : new KindModel<BumpArenaSpec>(new BumpArenaSpec(typeSpec, blockSize, alignment, safeOnly), diagnostics.ToEquatableArray());
        });
}
