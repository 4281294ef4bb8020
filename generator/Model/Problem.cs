using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>How bad a finding is; the analyzers map it to Roslyn's severities.</summary>
internal enum ProblemSeverity
{
    Error,
    Warning,
    Info,
}

/// <summary>One diagnostic of API.md: id, title, category, severity and what it means. The analyzers' descriptors are made from these.</summary>
internal sealed record DiagnosticKind(string Id, string Title, string Category, ProblemSeverity Severity, string Description)
{
    /// <summary>The page that explains the diagnostic: <c>docs/diagnostics/{Id}.md</c> of the repository.</summary>
    public string HelpLink => DiagnosticIds.DocsBase + Id + ".md";
}

/// <summary>
/// Every diagnostic StaticRnn reports, in one place: ids (API.md), titles, categories and severities. The analyzers
/// report them, the generator stays silent on any network with an error, and each has a help page under docs/diagnostics.
/// </summary>
internal static class DiagnosticIds
{
    public const string NotPartial = "SRNN001";
    public const string WrongRank = "SRNN002";
    public const string BadArgument = "SRNN003";
    public const string ParameterMismatch = "SRNN004";
    public const string NoInputOrLayers = "SRNN005";
    public const string SplitDeclarations = "SRNN006";
    public const string EmbeddingPlacement = "SRNN007";
    public const string CodeSizeBudget = "SRNN008";
    public const string NotYetGenerated = "SRNN009";
    public const string Seq2SeqStacks = "SRNN010";
    public const string StacksDoNotFit = "SRNN011";
    public const string NothingToAttend = "SRNN012";
    public const string DecoderOutput = "SRNN013";
    public const string DecoderLooksAhead = "SRNN014";
    public const string ConstructorConflict = "SRNN015";
    public const string Summary = "SRNN100";

    /// <summary>Where the help pages live: the repository's docs/diagnostics folder.</summary>
    public const string DocsBase = "https://github.com/staticrnn/staticrnn/blob/main/docs/diagnostics/";

    private const string Usage = "StaticRnn.Usage", Shape = "StaticRnn.Shape", Parameters = "StaticRnn.Parameters", Performance = "StaticRnn.Performance";

    public static IReadOnlyList<DiagnosticKind> All { get; } = new[]
    {
        new DiagnosticKind(NotPartial, "Network class must be a non-generic partial class", Usage, ProblemSeverity.Error,
            "The generator adds the network's members to the class, which needs 'partial' on it and on every containing type."),
        new DiagnosticKind(WrongRank, "Layer receives an input of the wrong rank", Shape, ProblemSeverity.Error,
            "Recurrent layers take (batch, timesteps, features); a layer that returns only its last state gives (batch, units)."),
        new DiagnosticKind(BadArgument, "Layer argument out of range", Usage, ProblemSeverity.Error,
            "Units, dimensions and heads must be positive; rates in [0, 1); names unique."),
        new DiagnosticKind(ParameterMismatch, "Parameter count differs from ExpectedParameters", Parameters, ProblemSeverity.Error,
            "The count is computed as Keras computes it; the message gives the per-layer breakdown."),
        new DiagnosticKind(NoInputOrLayers, "Network has no input shape or no layers", Usage, ProblemSeverity.Error,
            "[Sequential] needs the per-sample input shape and at least one layer attribute."),
        new DiagnosticKind(SplitDeclarations, "Layer attributes on several partial declarations", Usage, ProblemSeverity.Error,
            "Attribute order across partial declarations is undefined, and layer order matters."),
        new DiagnosticKind(EmbeddingPlacement, "Embedding must be first, on a 1-D token input", Shape, ProblemSeverity.Error,
            "Only the network input holds token ids: Embedding is the first layer and the input shape is (timesteps)."),
        new DiagnosticKind(CodeSizeBudget, "Layer exceeds the unrolling budget", Performance, ProblemSeverity.Warning,
            "Products too large to unroll are emitted as loops: still correct, somewhat slower."),
        new DiagnosticKind(NotYetGenerated, "Layer or option not generated yet", Usage, ProblemSeverity.Error,
            "Shapes and counts are checked for every Keras layer of the API, but code is generated only for the layers listed in the README."),
        new DiagnosticKind(Seq2SeqStacks, "Seq2Seq model needs an Encoder and a Decoder stack over token ids", Usage, ProblemSeverity.Error,
            "A [Seq2Seq] class holds two nested partial classes, Encoder and Decoder, each a [Sequential] stack whose first layer embeds token ids."),
        new DiagnosticKind(StacksDoNotFit, "Encoder and decoder do not fit together", Shape, ProblemSeverity.Error,
            "The encoder's final states seed the decoder's first recurrent layer, which needs the same kind of state and as many units; attention needs queries as wide as the encoder's output."),
        new DiagnosticKind(NothingToAttend, "Nothing connects the decoder to the encoder", Shape, ProblemSeverity.Error,
            "A decoder attention needs the encoder's output sequence; a decoder needs attention or an encoder state to see the source at all."),
        new DiagnosticKind(DecoderOutput, "Decoder does not end in per-step classes", Shape, ProblemSeverity.Error,
            "The decoder predicts one target token per step: it ends in a softmax Dense layer over its own vocabulary, one row per step."),
        new DiagnosticKind(DecoderLooksAhead, "Decoder layer looks at later steps", Shape, ProblemSeverity.Error,
            "Training feeds the decoder the whole target sequence at once and decoding produces it one step at a time, so each step may depend only on the steps before it."),
        new DiagnosticKind(ConstructorConflict, "Constructor conflicts with the generated one", Usage, ProblemSeverity.Error,
            "The generator writes the parameterless constructor that allocates the buffers and initializes the weights: the class must not declare one, its base class must have one, and its other constructors must chain ': this()'."),
        new DiagnosticKind(Summary, "Network summary", Parameters, ProblemSeverity.Info,
            "Total and per-layer parameter counts, as Keras model.summary() gives them."),
    };

    public static DiagnosticKind Get(string id)
    {
        foreach (DiagnosticKind kind in All)
        {
            if (kind.Id == id)
            {
                return kind;
            }
        }
        throw new System.ArgumentException($"Unknown diagnostic id {id}.", nameof(id));
    }
}

/// <summary>The repairs the code fixes know, named in a problem's <see cref="Problem.Fix"/>.</summary>
internal static class FixKinds
{
    /// <summary>SRNN001: add 'partial' to the class declaration.</summary>
    public const string MakePartial = nameof(MakePartial);
    /// <summary>SRNN002: set <c>ReturnSequences = true</c> on the layer at <see cref="Problem.FixLayerIndex"/>.</summary>
    public const string ReturnSequences = nameof(ReturnSequences);
    /// <summary>SRNN004: write <see cref="Problem.ComputedValue"/> as <c>ExpectedParameters</c>.</summary>
    public const string ExpectedParameters = nameof(ExpectedParameters);
}

/// <summary>Where a problem is reported.</summary>
internal enum ProblemTarget
{
    /// <summary>The class name.</summary>
    Class,
    /// <summary>The <c>[Sequential]</c> attribute.</summary>
    Sequential,
    /// <summary>The layer attribute at <see cref="Problem.LayerIndex"/>.</summary>
    Layer,
    /// <summary>The <c>[Seq2Seq]</c> attribute.</summary>
    Seq2Seq,
}

/// <summary>
/// A user-facing finding about a network declaration, free of Roslyn types. <see cref="Fix"/> names the repair a code fix
/// offers (<see cref="FixKinds"/>), <see cref="FixLayerIndex"/> the layer it edits (SRNN002: the previous layer) and
/// <see cref="ComputedValue"/> the value it writes (SRNN004: the computed count).
/// </summary>
internal sealed record Problem(string Id, ProblemTarget Target, int LayerIndex, string Message, int FixLayerIndex = -1, int ComputedValue = 0, string? Fix = null)
{
    public bool IsError => DiagnosticIds.Get(Id).Severity == ProblemSeverity.Error;
}
