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
        IncrementalValuesProvider<ParsedNetwork> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkParser.SequentialAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => NetworkParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ct))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<NetworkModel> models = parsed
            .Select(static (p, _) => Build(p))
            .WithTrackingName(TrackingNames.Build)
            .Where(static m => m is not null)!;

        IncrementalValuesProvider<GeneratedFile> files = models
            .Select(static (m, ct) => EmitFile(m, ct))
            .WithTrackingName(TrackingNames.Emit);

        context.RegisterSourceOutput(files, static (spc, file) => spc.AddSource(file.HintName, file.Source));
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

/// <summary>One generated source file.</summary>
internal sealed record GeneratedFile(string HintName, string Source);
