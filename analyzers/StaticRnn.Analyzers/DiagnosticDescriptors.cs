using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using StaticRnn.Generator.Model;

namespace StaticRnn.Analyzers;

/// <summary>Every diagnostic StaticRnn reports. Messages come from the shared model, which names the layer and the fix.</summary>
internal static class DiagnosticDescriptors
{
    private const string Usage = "StaticRnn.Usage";
    private const string Shape = "StaticRnn.Shape";
    private const string Parameters = "StaticRnn.Parameters";
    private const string Performance = "StaticRnn.Performance";

    public static readonly DiagnosticDescriptor NotPartial = Error(DiagnosticIds.NotPartial, "Network class must be a non-generic partial class", Usage,
        "The generator adds the network's members to the class, which needs 'partial' on it and on every containing type.");
    public static readonly DiagnosticDescriptor WrongRank = Error(DiagnosticIds.WrongRank, "Layer receives an input of the wrong rank", Shape,
        "Recurrent layers take (batch, timesteps, features); a layer that returns only its last state gives (batch, units).");
    public static readonly DiagnosticDescriptor BadArgument = Error(DiagnosticIds.BadArgument, "Layer argument out of range", Usage,
        "Units, dimensions and heads must be positive; rates in [0, 1); names unique.");
    public static readonly DiagnosticDescriptor ParameterMismatch = Error(DiagnosticIds.ParameterMismatch, "Parameter count differs from ExpectedParameters", Parameters,
        "The count is computed as Keras computes it; the message gives the per-layer breakdown.");
    public static readonly DiagnosticDescriptor NoInputOrLayers = Error(DiagnosticIds.NoInputOrLayers, "Network has no input shape or no layers", Usage,
        "[Sequential] needs the per-sample input shape and at least one layer attribute.");
    public static readonly DiagnosticDescriptor SplitDeclarations = Error(DiagnosticIds.SplitDeclarations, "Layer attributes on several partial declarations", Usage,
        "Attribute order across partial declarations is undefined, and layer order matters.");
    public static readonly DiagnosticDescriptor EmbeddingPlacement = Error(DiagnosticIds.EmbeddingPlacement, "Embedding must be first, on a 1-D token input", Shape,
        "Only the network input holds token ids: Embedding is the first layer and the input shape is (timesteps).");
    public static readonly DiagnosticDescriptor CodeSizeBudget = new(DiagnosticIds.CodeSizeBudget, "Layer exceeds the unrolling budget", "{0}", Performance,
        DiagnosticSeverity.Warning, isEnabledByDefault: true, description: "Products too large to unroll are emitted as loops: still correct, somewhat slower.");
    public static readonly DiagnosticDescriptor NotYetGenerated = Error(DiagnosticIds.NotYetGenerated, "Layer or option not generated yet", Usage,
        "Shapes and counts are checked for every Keras layer of the API, but code is generated only for the layers listed in the README.");
    public static readonly DiagnosticDescriptor Summary = new(DiagnosticIds.Summary, "Network summary", "{0}", Parameters,
        DiagnosticSeverity.Info, isEnabledByDefault: true, description: "Total and per-layer parameter counts, as Keras model.summary() gives them.");

    public static ImmutableArray<DiagnosticDescriptor> All { get; } = ImmutableArray.Create(
        NotPartial, WrongRank, BadArgument, ParameterMismatch, NoInputOrLayers, SplitDeclarations, EmbeddingPlacement, CodeSizeBudget, NotYetGenerated, Summary);

    public static DiagnosticDescriptor For(string id)
    {
        foreach (DiagnosticDescriptor descriptor in All)
        {
            if (descriptor.Id == id)
            {
                return descriptor;
            }
        }
        throw new System.ArgumentException($"Unknown diagnostic id {id}.", nameof(id));
    }

    private static DiagnosticDescriptor Error(string id, string title, string category, string description)
        => new(id, title, "{0}", category, DiagnosticSeverity.Error, isEnabledByDefault: true, description: description,
            customTags: WellKnownDiagnosticTags.NotConfigurable);
}
