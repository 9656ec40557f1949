using System;
using System.Collections.Generic;
using System.Linq;
using AllocGen.Generators.Emission;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using AllocGen.Generators.Parsing;
using AllocGen.Generators.Validation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace AllocGen.Generators;

/// <summary>
/// Emits the allocators declared with [PoolAllocator] and [BumpArena], the domains declared with [AllocatorDomains],
/// and the allocator variants and their registry declared with [PoolAllocatorVariants]. Each kind is a pipeline of its own: every attributed type is read into a value-equal model
/// (parse + validate), so edits elsewhere leave its output cached.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class AllocatorGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        RegisterPools(context);
        RegisterArenas(context);
        RegisterDomains(context);
        RegisterVariants(context);
        RegisterOrphans(context, KnownNames.SizeClassesAttribute, OrphanAttributeParser.ParseSizeClasses, TrackingNames.OrphanSizeClasses);
        RegisterOrphans(context, KnownNames.DomainAttribute, OrphanAttributeParser.ParseDomains, TrackingNames.OrphanDomains);
        RegisterOrphans(context, KnownNames.VariantSizeClassesAttribute, OrphanAttributeParser.ParseVariantSizeClasses, TrackingNames.OrphanVariantSizeClasses);
    }

    private static void RegisterVariants(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<PoolAllocatorVariantsSpec> specs = Specs(context, KnownNames.PoolAllocatorVariantsAttribute, PoolAllocatorVariantsParser.Parse, TrackingNames.PoolAllocatorVariantsModel, TrackingNames.PoolAllocatorVariantsSpec);
        IncrementalValueProvider<EquatableArray<string>> clashes = HintClashes(specs, static spec => spec.Type, TrackingNames.PoolAllocatorVariantsHintClashes);
        context.RegisterSourceOutput(specs.Combine(clashes), static (output, item) => AddSource(output, PoolAllocatorVariantsEmitter.Emit(item.Left, item.Right)));
    }

    private static void RegisterPools(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<PoolAllocatorSpec> specs = Specs(context, KnownNames.PoolAllocatorAttribute, PoolAllocatorParser.Parse, TrackingNames.PoolAllocatorModel, TrackingNames.PoolAllocatorSpec);
        IncrementalValueProvider<EquatableArray<string>> clashes = HintClashes(specs, static spec => spec.Type, TrackingNames.PoolAllocatorHintClashes);
        context.RegisterSourceOutput(specs.Combine(clashes), static (output, item) => AddSource(output, PoolAllocatorEmitter.Emit(item.Left, item.Right)));
    }

    private static void RegisterArenas(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<BumpArenaSpec> specs = Specs(context, KnownNames.BumpArenaAttribute, BumpArenaParser.Parse, TrackingNames.BumpArenaModel, TrackingNames.BumpArenaSpec);
        IncrementalValueProvider<EquatableArray<string>> clashes = HintClashes(specs, static spec => spec.Type, TrackingNames.BumpArenaHintClashes);
        context.RegisterSourceOutput(specs.Combine(clashes), static (output, item) => AddSource(output, BumpArenaEmitter.Emit(item.Left, item.Right)));
    }

    /// <summary>
    /// Domains classes whose names differ only in case are an error (AG0036), not a hashed file name: their stats dumps
    /// would carry the same name too. The check needs every declaration's attribute location; the emitted spec does not.
    /// </summary>
    private static void RegisterDomains(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<AllocatorDomainsTarget> targets = Specs(context, KnownNames.AllocatorDomainsAttribute, AllocatorDomainsParser.Parse, TrackingNames.AllocatorDomainsModel, TrackingNames.AllocatorDomainsTarget);
        IncrementalValueProvider<DomainsNameClashes> clashes = targets
            .Select(static (target, _) => (target.Spec.Type.DisplayName, target.Attribute))
            .Collect()
            .Select(static (names, _) => DomainsNameClashes.Find(names))
            .WithTrackingName(TrackingNames.AllocatorDomainsNameClashes);
        context.RegisterSourceOutput(clashes, static (output, found) => ReportDiagnostics(output, found.Diagnostics));

        IncrementalValuesProvider<AllocatorDomainsSpec> specs = targets
            .Select(static (target, _) => target.Spec)
            .WithTrackingName(TrackingNames.AllocatorDomainsSpec);
        IncrementalValueProvider<EquatableArray<string>> clashingNames = clashes.Select(static (found, _) => found.Names);
        context.RegisterSourceOutput(specs.Combine(clashingNames), static (output, item) =>
        {
            if (AllocatorDomainsEmitter.Emit(item.Left, item.Right) is { } file)
            {
                AddSource(output, file);
            }
        });
    }

    /// <summary>
    /// The kind's models (reported), and the specs of its valid declarations: the part of a kind's pipeline that does
    /// not depend on the kind.
    /// </summary>
    private static IncrementalValuesProvider<TSpec> Specs<TSpec>(
        IncrementalGeneratorInitializationContext context,
        string attributeMetadataName,
        Func<GeneratorAttributeSyntaxContext, System.Threading.CancellationToken, KindModel<TSpec>> parse,
        string modelTrackingName,
        string specTrackingName)
        where TSpec : class, IEquatable<TSpec>
    {
        IncrementalValuesProvider<KindModel<TSpec>> models = context.SyntaxProvider
            .ForAttributeWithMetadataName(attributeMetadataName, static (node, _) => node is TypeDeclarationSyntax, parse)
            .WithTrackingName(modelTrackingName);
        context.RegisterSourceOutput(models, static (output, model) => ReportDiagnostics(output, model.Diagnostics));
        return models
            .Select(static (model, _) => model.Spec)
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(specTrackingName);
    }

    /// <summary>The hint prefixes of a kind that clash when letter case is ignored (their files get a hash suffix).</summary>
    private static IncrementalValueProvider<EquatableArray<string>> HintClashes<TSpec>(IncrementalValuesProvider<TSpec> specs, Func<TSpec, TypeSpec> type, string trackingName) =>
        specs
            .Select((spec, _) => type(spec).HintPrefix)
            .Collect()
            .Select(static (prefixes, _) => HintNames.CaseClashes(prefixes))
            .WithTrackingName(trackingName);

    /// <summary>An attribute that needs another one: a pipeline of diagnostics only.</summary>
    private static void RegisterOrphans(
        IncrementalGeneratorInitializationContext context,
        string attributeMetadataName,
        Func<GeneratorAttributeSyntaxContext, System.Threading.CancellationToken, EquatableArray<DiagnosticInfo>> parse,
        string trackingName)
    {
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> orphans = context.SyntaxProvider
            .ForAttributeWithMetadataName(attributeMetadataName, static (node, _) => node is TypeDeclarationSyntax, parse)
            .WithTrackingName(trackingName);
        context.RegisterSourceOutput(orphans, static (output, diagnostics) => ReportDiagnostics(output, diagnostics));
    }

    private static void ReportDiagnostics(SourceProductionContext output, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo diagnostic in diagnostics)
        {
            output.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }

    private static void AddSource(SourceProductionContext output, (string HintName, string Source) file) =>
        output.AddSource(file.HintName, SourceText.From(file.Source, System.Text.Encoding.UTF8));
}
