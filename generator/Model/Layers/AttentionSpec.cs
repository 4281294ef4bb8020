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
    /// <summary>Keras: padded keys get weight 0, and the output of a padded query is 0.</summary>
    public override bool ReadsMask => true;

    public override string AutoNamePrefix => "attention";

    public override void Validate(LayerChecks check)
    {
        if ((int)ScoreMode is < 0 or > 1)
        {
            check.Fail($"ScoreMode = {NetworkBuilder.Count((int)ScoreMode)} is not a ScoreMode; use Dot or Concat");
        }
    }

    public override int[]? InferOutputShape(ShapeChecks check) => check.Sequence() && check.AttentionFits(1) ? check.Input : null;

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

    /// <summary>
    /// Where one sample's activations lie in the region and the backward scratch in work: the output rows, the attention
    /// weights (T rows of <see cref="StepStride"/>), xᵀ for the dot products, and a padded copy of x when x is the
    /// network's own input (whose rows have no padding to read vectors from).
    /// </summary>
    internal sealed record Layout(int Steps, int Features, int Stride, int StepStride, bool CopiesInput)
    {
        public int Weights => Steps * Stride;
        public int InputTransposed => Weights + Steps * StepStride;
        public int InputCopy => InputTransposed + Features * StepStride;
        public int RegionLength => InputCopy + (CopiesInput ? Steps * Stride : 0) + 8;

        public int WeightsGradient => 0;
        public int Left => WeightsGradient + Steps * StepStride;
        public int Right => Left + Steps * Stride;
        public int WorkLength => Right + Steps * Stride + 8;
    }

    public Layout Geometry(LayerPlan plan) => new(InputSteps, InputFeatures, plan.Stride, LayerPlan.RoundUp(InputSteps), plan.InputIsNetworkInput);

    public override LayerPlan Plan(int offset, TapeInput input)
    {
        LayerPlan plan = LayerPlan.Rows(this, offset, input);
        Layout g = Geometry(plan);
        return plan with { RegionLength = g.RegionLength, WorkLength = g.WorkLength };
    }

    public WeightSpec? Scale => UseScale ? Weights[0] : null;
    public WeightSpec? ConcatScoreWeight => ScoreMode == ScoreModeKind.Concat ? Weights[UseScale ? 1 : 0] : null;
}

internal static partial class LayerCatalog
{
    internal static readonly string Attention = Register("AttentionAttribute", AttentionSpec.Parse);
}
