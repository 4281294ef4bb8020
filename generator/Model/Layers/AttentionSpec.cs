namespace StaticRnn.Generator.Model;

/// <summary>
/// Keras <c>Attention</c> used as self-attention on a (timesteps, features) sequence: query = key = value = x; scores
/// <c>x·xᵀ</c> (times the learned <c>scale</c> with <c>UseScale</c>) or, with <c>Concat</c>,
/// <c>concat_score_weight · Σ_f tanh(scale · (q_f + k_f))</c>; the causal mask, then a max-subtracted softmax over the
/// keys; output <c>softmax · x</c>.
/// </summary>
internal sealed record AttentionSpec(bool UseScale, ScoreModeKind ScoreMode, bool Causal) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.Count == 0
        ? new AttentionSpec(a.Bool("UseScale", false), (ScoreModeKind)a.Int("ScoreMode", (int)ScoreModeKind.Dot), a.Bool("Causal", false))
        : null;

    public override string KerasType => "Attention";
    public override string AutoNamePrefix => "attention";
    public override string? NotGenerated(NetworkSpec network) => PendingCode; // TEMPORARY until its emitter lands

    public override void Validate(LayerChecks check)
    {
        if ((int)ScoreMode is < 0 or > 1)
        {
            check.Fail($"ScoreMode = {NetworkBuilder.Count((int)ScoreMode)} is not a ScoreMode; use Dot or Concat");
        }
    }

    public override int[]? InferOutputShape(ShapeChecks check) => check.Sequence() ? check.Input : null;

    /// <summary>Keras builds <c>scale</c> (with use_scale), then <c>concat_score_weight</c> (with score_mode="concat"), both scalars of ones.</summary>
    public override void DeclareWeights(WeightList weights)
    {
        if (UseScale)
        {
            weights.Add("scale", WeightInit.Ones);
        }
        if (ScoreMode == ScoreModeKind.Concat)
        {
            weights.Add("concat_score_weight", WeightInit.Ones);
        }
    }

    public WeightSpec? Scale => UseScale ? Weights[0] : null;
    public WeightSpec? ConcatScoreWeight => ScoreMode == ScoreModeKind.Concat ? Weights[UseScale ? 1 : 0] : null;
}

internal static partial class LayerCatalog
{
    internal static readonly string Attention = Register("AttentionAttribute", AttentionSpec.Parse);
}
