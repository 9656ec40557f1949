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

            TypeSpec? typeSpec = CheckType(context, type, location, TypeForm.InstanceClass, GeneratedMembers.Bump, BumpArenaEmitter.MinimumLanguageVersion, diagnostics, cancellationToken);
            CheckUnsafe(context, type, location, diagnostics);

            int blockSize = Named(attribute, "BlockSize", BumpArenaValidator.DefaultBlockSize);
            int alignment = Named(attribute, "Alignment", BumpArenaValidator.DefaultAlignment);
            foreach (ConfigProblem problem in BumpArenaValidator.Validate(blockSize, alignment))
            {
                diagnostics.Add(DiagnosticInfo.Create(problem.Descriptor, ArgumentLocation(attribute, problem.Argument, location, cancellationToken), problem.Arguments));
            }

            return diagnostics.Count != 0 || typeSpec is null
                ? KindModel<BumpArenaSpec>.Invalid(diagnostics.ToEquatableArray())
                : new KindModel<BumpArenaSpec>(new BumpArenaSpec(typeSpec, blockSize, alignment), EquatableArray<DiagnosticInfo>.Empty);
        });
}
