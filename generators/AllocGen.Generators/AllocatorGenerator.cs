using AllocGen.Generators.Emission;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using AllocGen.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace AllocGen.Generators;

/// <summary>
/// Emits the allocators declared with [PoolAllocator] and [BumpArena]. Each attributed type is read into a
/// value-equal model (parse + validate), so edits elsewhere leave its output cached.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class AllocatorGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<AllocatorModel> pools = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.PoolAllocatorAttribute, static (node, _) => node is TypeDeclarationSyntax, AllocatorParser.ParsePoolAllocator)
            .WithTrackingName(TrackingNames.PoolAllocatorModel);

        IncrementalValuesProvider<AllocatorModel> arenas = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.BumpArenaAttribute, static (node, _) => node is TypeDeclarationSyntax, AllocatorParser.ParseBumpArena)
            .WithTrackingName(TrackingNames.BumpArenaModel);

        IncrementalValuesProvider<AllocatorModel> orphans = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.SizeClassesAttribute, static (node, _) => node is TypeDeclarationSyntax, AllocatorParser.ParseSizeClassesAlone)
            .WithTrackingName(TrackingNames.OrphanSizeClasses);

        context.RegisterSourceOutput(pools, ReportDiagnostics);
        context.RegisterSourceOutput(arenas, ReportDiagnostics);
        context.RegisterSourceOutput(orphans, ReportDiagnostics);

        IncrementalValuesProvider<PoolAllocatorSpec> poolSpecs = pools
            .Select(static (model, _) => model.Pool)
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(TrackingNames.PoolAllocatorSpec);
        IncrementalValueProvider<EquatableArray<string>> poolClashes = poolSpecs
            .Select(static (spec, _) => spec.Type.HintPrefix)
            .Collect()
            .Select(static (prefixes, _) => HintNames.CaseClashes(prefixes))
            .WithTrackingName(TrackingNames.PoolAllocatorHintClashes);
        context.RegisterSourceOutput(poolSpecs.Combine(poolClashes), static (output, item) => AddSource(output, PoolAllocatorEmitter.Emit(item.Left, item.Right)));

        IncrementalValuesProvider<BumpArenaSpec> arenaSpecs = arenas
            .Select(static (model, _) => model.Bump)
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(TrackingNames.BumpArenaSpec);
        IncrementalValueProvider<EquatableArray<string>> arenaClashes = arenaSpecs
            .Select(static (spec, _) => spec.Type.HintPrefix)
            .Collect()
            .Select(static (prefixes, _) => HintNames.CaseClashes(prefixes))
            .WithTrackingName(TrackingNames.BumpArenaHintClashes);
        context.RegisterSourceOutput(arenaSpecs.Combine(arenaClashes), static (output, item) => AddSource(output, BumpArenaEmitter.Emit(item.Left, item.Right)));
    }

    private static void ReportDiagnostics(SourceProductionContext output, AllocatorModel model)
    {
        foreach (DiagnosticInfo diagnostic in model.Diagnostics)
        {
            output.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }

    private static void AddSource(SourceProductionContext output, (string HintName, string Source) file) =>
        output.AddSource(file.HintName, SourceText.From(file.Source, System.Text.Encoding.UTF8));
}
