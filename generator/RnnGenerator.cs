using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticRnn.Generator.Emit;
using StaticRnn.Generator.Model;
using StaticRnn.Generator.Parsing;

namespace StaticRnn.Generator;

/// <summary>
/// The StaticRnn source generator. Pipeline: classes with <c>[Sequential]</c> → parse attributes into a declaration
/// (plain data) → shape inference into a spec (plain data; null when the analyzers report an error) → C# text.
/// Every stage's value is equatable, so an edit that does not touch a network re-emits nothing.
/// Diagnostics are the analyzers' job (StaticRnn.Analyzers); this generator only stays silent on invalid networks.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RnnGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // The Encoder and Decoder stacks of a [Seq2Seq] model are [Sequential] classes too; the model's pipeline generates them.
        IncrementalValuesProvider<ParsedNetwork> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkParser.SequentialAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => Seq2SeqParser.IsStack((INamedTypeSymbol)ctx.TargetSymbol) ? null : NetworkParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ct))
            .Where(static p => p is not null)
            .Select(static (p, _) => p!)
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<NetworkModel> models = parsed
            .Select(static (p, _) => Build(p))
            .WithTrackingName(TrackingNames.Build)
            .Where(static m => m is not null)!;

        IncrementalValuesProvider<GeneratedFile> files = models
            .Select(static (m, ct) => EmitFile(m, ct))
            .WithTrackingName(TrackingNames.Emit);

        context.RegisterSourceOutput(files, static (spc, file) => spc.AddSource(file.HintName, file.Source));

        IncrementalValuesProvider<GeneratedFile> seq2seqFiles = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Seq2SeqParser.Seq2SeqAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => Seq2SeqParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ct))
            .WithTrackingName(TrackingNames.ParseSeq2Seq)
            .Select(static (p, _) => Build(p))
            .WithTrackingName(TrackingNames.BuildSeq2Seq)
            .Where(static m => m is not null)!
            .Select(static (m, ct) => EmitFile(m!, ct))
            .WithTrackingName(TrackingNames.EmitSeq2Seq);

        context.RegisterSourceOutput(seq2seqFiles, static (spc, file) => spc.AddSource(file.HintName, file.Source));
    }

    private static Seq2SeqModel? Build(ParsedSeq2Seq parsed)
    {
        if (parsed.Model is null)
        {
            return null;
        }
        using var invariant = InvariantCultureScope.Enter();
        Seq2SeqBuildResult result = Seq2SeqBuilder.Build(parsed.Model);
        return result.Spec is null || result.HasErrors || NetworkBuilder.GenerationProblems(result.Spec.Encoder).Count > 0 || NetworkBuilder.GenerationProblems(result.Spec.Decoder).Count > 0
            ? null
            : new Seq2SeqModel(result.Spec, parsed.Hierarchy);
    }

    private static GeneratedFile EmitFile(Seq2SeqModel model, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var invariant = InvariantCultureScope.Enter();
        return new GeneratedFile(model.Hierarchy.HintName, Seq2SeqEmitter.Emit(model.Spec, model.Hierarchy));
    }

    private static NetworkModel? Build(ParsedNetwork parsed)
    {
        if (parsed.Network is null)
        {
            return null;
        }
        using var invariant = InvariantCultureScope.Enter();
        BuildResult result = NetworkBuilder.Build(parsed.Network);
        return result.Spec is null || NetworkBuilder.GenerationProblems(result.Spec).Count > 0 ? null : new NetworkModel(result.Spec, parsed.Hierarchy);
    }

    private static GeneratedFile EmitFile(NetworkModel model, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var invariant = InvariantCultureScope.Enter();
        return new GeneratedFile(model.Hierarchy.HintName, NetworkEmitter.Emit(model.Spec, model.Hierarchy));
    }
}

/// <summary>A valid network and where its partial class lives.</summary>
internal sealed record NetworkModel(NetworkSpec Spec, HierarchyInfo Hierarchy);

/// <summary>A valid sequence-to-sequence model and where its partial class lives.</summary>
internal sealed record Seq2SeqModel(Seq2SeqSpec Spec, HierarchyInfo Hierarchy);

/// <summary>One generated source file.</summary>
internal sealed record GeneratedFile(string HintName, string Source);
