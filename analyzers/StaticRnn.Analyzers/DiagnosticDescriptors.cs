using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticRnn.Generator.Model;

namespace StaticRnn.Analyzers;

/// <summary>
/// The Roslyn descriptors of every StaticRnn diagnostic, made from the model's one table (<see cref="DiagnosticIds.All"/>):
/// id, title, category, severity and help page live there. Messages come from the shared model, which names the layer and the fix.
/// </summary>
internal static class DiagnosticDescriptors
{
    public static ImmutableArray<DiagnosticDescriptor> All { get; } = DiagnosticIds.All.Select(Create).ToImmutableArray();

    public static DiagnosticDescriptor NotYetGenerated { get; } = For(DiagnosticIds.NotYetGenerated);
    public static DiagnosticDescriptor NoInputOrLayers { get; } = For(DiagnosticIds.NoInputOrLayers);

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

    private static DiagnosticDescriptor Create(DiagnosticKind kind) => new(
        kind.Id, kind.Title, "{0}", kind.Category,
        kind.Severity switch
        {
            ProblemSeverity.Error => DiagnosticSeverity.Error,
            ProblemSeverity.Warning => DiagnosticSeverity.Warning,
            _ => DiagnosticSeverity.Info,
        },
        isEnabledByDefault: true,
        description: kind.Description,
        helpLinkUri: kind.HelpLink,
        // Errors describe networks the generator cannot build: they cannot be silenced into a half-generated class.
        customTags: kind.Severity == ProblemSeverity.Error ? new[] { WellKnownDiagnosticTags.NotConfigurable } : System.Array.Empty<string>());
}
