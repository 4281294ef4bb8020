using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using StaticRnn.Generator;
using StaticRnn.Generator.Model;
using StaticRnn.Generator.Parsing;

namespace StaticRnn.Analyzers;

/// <summary>
/// Checks every <c>[Sequential]</c> class with the generator's own parser and shape inference, and reports each
/// problem at the attribute it is about, while the user types.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NetworkAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Property naming the repair a code fix offers (one of the model's FixKinds), absent when there is none.</summary>
    public const string FixProperty = "Fix";
    /// <summary>Property naming the 0-based layer a code fix edits (SRNN002).</summary>
    public const string FixLayerProperty = "FixLayer";
    /// <summary>Property with the computed parameter count (SRNN004).</summary>
    public const string ComputedProperty = "Computed";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? sequential = start.Compilation.GetTypeByMetadataName(NetworkParser.SequentialAttribute);
            if (sequential is null)
            {
                return;
            }
            INamedTypeSymbol? seq2seq = start.Compilation.GetTypeByMetadataName("StaticRnn.Seq2SeqAttribute");
            start.RegisterSymbolAction(ctx => Analyze(ctx, sequential, seq2seq), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol sequentialType, INamedTypeSymbol? seq2seqType)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class)
        {
            return; // StaticRnn's attributes are for classes only: on a struct or interface the compiler reports CS0592
        }
        using var invariant = InvariantCultureScope.Enter();
        AttributeData? seq2seq = seq2seqType is null ? null : Find(type, seq2seqType);
        if (seq2seq is not null)
        {
            AnalyzeSeq2Seq(context, type, seq2seq, sequentialType);
        }
        AttributeData? sequential = Find(type, sequentialType);
        var layers = NetworkParser.LayerAttributes(type);
        if (sequential is null)
        {
            if (layers.Length > 0)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NoInputOrLayers, Location(layers[0], type),
                    $"'{type.Name}' has layer attributes but no [Sequential(...)] with its input shape: add e.g. [Sequential(timesteps, features)] above the layers"));
            }
            return;
        }
        if (seq2seq is not null)
        {
            return; // reported by AnalyzeSeq2Seq: [Seq2Seq] and [Sequential] on one class
        }

        ParsedNetwork parsed = NetworkParser.Parse(type, context.CancellationToken);
        IEnumerable<Problem> problems = parsed.Problems;
        if (parsed.Network is not null)
        {
            if (seq2seqType is not null && type.ContainingType is { } outer && Find(outer, seq2seqType) is not null && Seq2SeqParser.IsStack(type))
            {
                // A stack of a Seq2Seq model: built with the other stack, which its layers attend over and take states from.
                ParsedSeq2Seq model = Seq2SeqParser.Parse(outer, context.CancellationToken);
                if (model.Model is not null)
                {
                    Seq2SeqBuildResult built = Seq2SeqBuilder.Build(model.Model);
                    bool encoder = type.Name == Seq2SeqParser.EncoderName;
                    problems = problems.Concat(encoder ? built.Encoder : built.Decoder);
                    if (built.Spec is not null)
                    {
                        problems = problems.Concat(NetworkBuilder.GenerationProblems(encoder ? built.Spec.Encoder : built.Spec.Decoder));
                    }
                }
            }
            else
            {
                BuildResult built = NetworkBuilder.Build(parsed.Network);
                problems = problems.Concat(built.Problems);
                if (built.Spec is not null)
                {
                    problems = problems.Concat(NetworkBuilder.GenerationProblems(built.Spec));
                }
            }
        }
        Report(context, type, problems, layers, sequential, null);
    }

    /// <summary>The model's own problems (its stacks report theirs): the class, the nested stacks, the tokens and the total count.</summary>
    private static void AnalyzeSeq2Seq(SymbolAnalysisContext context, INamedTypeSymbol type, AttributeData seq2seq, INamedTypeSymbol sequentialType)
    {
        ParsedSeq2Seq parsed = Seq2SeqParser.Parse(type, context.CancellationToken);
        IEnumerable<Problem> problems = parsed.Problems;
        if (parsed.Model is not null)
        {
            problems = problems.Concat(Seq2SeqBuilder.Build(parsed.Model).Outer);
        }
        Report(context, type, problems, ImmutableArray<AttributeData>.Empty, Find(type, sequentialType), seq2seq);
    }

    private static AttributeData? Find(INamedTypeSymbol type, INamedTypeSymbol attributeType)
        => type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeType));

    private static void Report(SymbolAnalysisContext context, INamedTypeSymbol type, IEnumerable<Problem> problems, ImmutableArray<AttributeData> layers,
        AttributeData? sequential, AttributeData? seq2seq)
    {
        foreach (Problem problem in problems)
        {
            Location location = problem.Target switch
            {
                ProblemTarget.Layer when problem.LayerIndex < layers.Length => Location(layers[problem.LayerIndex], type),
                ProblemTarget.Sequential when sequential is not null => Location(sequential, type),
                ProblemTarget.Seq2Seq when seq2seq is not null => Location(seq2seq, type),
                _ when problem.Id == DiagnosticIds.NotPartial => NonPartialDeclaration(type, context.CancellationToken),
                _ => type.Locations.FirstOrDefault() ?? Microsoft.CodeAnalysis.Location.None,
            };
            var properties = ImmutableDictionary<string, string?>.Empty
                .Add(FixLayerProperty, problem.FixLayerIndex.ToString(CultureInfo.InvariantCulture))
                .Add(ComputedProperty, problem.ComputedValue.ToString(CultureInfo.InvariantCulture));
            if (problem.Fix is not null)
            {
                properties = properties.Add(FixProperty, problem.Fix);
            }
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.For(problem.Id), location, properties, problem.Message));
        }
    }

    /// <summary>The name of the first declaration that lacks 'partial' (where the code fix adds it), else the type's name.</summary>
    private static Location NonPartialDeclaration(INamedTypeSymbol type, System.Threading.CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax declaration
                && !declaration.Modifiers.Any(m => m.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.PartialKeyword)))
            {
                return declaration.Identifier.GetLocation();
            }
        }
        return type.Locations.FirstOrDefault() ?? Microsoft.CodeAnalysis.Location.None;
    }

    private static Location Location(AttributeData attribute, INamedTypeSymbol type)
        => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? type.Locations.FirstOrDefault() ?? Microsoft.CodeAnalysis.Location.None;
}
