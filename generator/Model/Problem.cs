namespace StaticRnn.Generator.Model;

/// <summary>Diagnostic ids of API.md; analyzers turn problems into diagnostics with these ids.</summary>
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
    public const string Summary = "SRNN100";
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
}

/// <summary>
/// A user-facing finding about a network declaration, free of Roslyn types. <see cref="FixLayerIndex"/> names the
/// layer a code fix should edit (SRNN002: the previous layer), <see cref="ComputedValue"/> the value it should write
/// (SRNN004: the computed count).
/// </summary>
internal sealed record Problem(string Id, ProblemTarget Target, int LayerIndex, string Message, int FixLayerIndex = -1, int ComputedValue = 0)
{
    public bool IsError => Id != DiagnosticIds.CodeSizeBudget && Id != DiagnosticIds.Summary;
}
