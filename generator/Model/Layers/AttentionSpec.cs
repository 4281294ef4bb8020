namespace StaticRnn.Generator.Model;

/// <summary>
/// Keras <c>Attention</c>. In a network it is self-attention on a (timesteps, features) sequence (query = key = value = x);
/// in a Seq2Seq decoder it attends over the encoder's output (query = x, key = value = the encoder's sequence). Scores
/// <c>q·kᵀ</c> (times the learned <c>scale</c> with <c>UseScale</c>) or, with <c>Concat</c>,
/// <c>concat_score_weight · Σ_f tanh(scale · (q_f + k_f))</c>; the causal mask, then a max-subtracted softmax over the
/// keys; output <c>softmax · v</c>, followed by the query itself with <c>ConcatenateQuery</c>.
/// </summary>
internal sealed record AttentionSpec(bool UseScale, ScoreModeKind ScoreMode, bool Causal, bool ConcatenateQuery) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.Count == 0
        ? new AttentionSpec(a.Bool("UseScale", false), (ScoreModeKind)a.Int("ScoreMode", (int)ScoreModeKind.Dot), a.Bool("Causal", false), a.Bool("ConcatenateQuery", false))
        : null;

    public override string KerasType => "Attention";
    /// <summary>Keras: padded keys get weight 0, and the output of a padded query is 0.</summary>
    public override bool ReadsMask => true;

    public override string AutoNamePrefix => "attention";

    public override bool AttendsMemory => true;

    public override string? LooksAhead => Causal || UsesMemory ? null : "its self-attention sees every step; set Causal = true";

    public override void Validate(LayerChecks check)
    {
        if ((int)ScoreMode is < 0 or > 1)
        {
            check.Fail($"ScoreMode = {NetworkBuilder.Count((int)ScoreMode)} is not a ScoreMode; use Dot or Concat");
        }
    }

    public override int[]? InferOutputShape(ShapeChecks check)
    {
        if (!check.Sequence() || !check.AttentionFits(1, KeySteps(check.Input)))
        {
            return null;
        }
        int width = check.Features;
        if (UsesMemory)
        {
            int keys = MemoryShape[1];
            if (Causal)
            {
                check.Fail("Causal = true applies to self-attention; in a Seq2Seq decoder the Attention attends over the encoder's output, where every step may be seen: remove Causal");
                return null;
            }
            if (keys != width)
            {
                check.Report(DiagnosticIds.StacksDoNotFit,
                    $"attends over the encoder's output of {NetworkBuilder.Count(keys)} features with queries of {NetworkBuilder.Count(width)} features; {(ScoreMode == ScoreModeKind.Dot ? "dot" : "concat")} scores need equal widths: give the layer before it {NetworkBuilder.Count(keys)} units, or the encoder's last layer {NetworkBuilder.Count(width)}");
                return null;
            }
            width = keys;
        }
        return new[] { check.Input[0], ConcatenateQuery ? width + check.Features : width };
    }

    private int KeySteps(int[] input) => UsesMemory ? MemoryShape[0] : input[0];

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
    /// weights (one row of <see cref="StepStride"/> per query), the keys transposed for the dot products, a padded copy of x
    /// when x is the network's own input (whose rows have no padding to read vectors from). With <c>ConcatenateQuery</c>
    /// the output rows hold the context in their first <see cref="Features"/> columns and the query after it.
    /// </summary>
    internal sealed record Layout(int Queries, int Keys, int Features, int Stride, int StepStride, int KeyStride, bool CopiesInput)
    {
        /// <summary>Padded width of a query, key or context row.</summary>
        public int FeatureStride => LayerPlan.RoundUp(Features);

        public int Weights => Queries * Stride;
        public int KeysTransposed => Weights + Queries * StepStride;
        public int InputCopy => KeysTransposed + Features * StepStride;
        public int RegionLength => InputCopy + (CopiesInput ? Queries * FeatureStride : 0) + 8;

        public int WeightsGradient => 0;
        /// <summary>d scores · keys: the query's gradient before the scale.</summary>
        public int Left => WeightsGradient + Queries * StepStride;
        /// <summary>d scoresᵀ · queries: the keys' gradient before the scale.</summary>
        public int Right => Left + Queries * FeatureStride;
        public int WorkLength => Right + Keys * FeatureStride + 8;
    }

    public Layout Geometry(LayerPlan plan)
    {
        int keys = UsesMemory ? MemoryShape[0] : InputSteps;
        int keyStride = UsesMemory ? LayerPlan.RoundUp(MemoryShape[1]) : plan.InputIsNetworkInput ? LayerPlan.RoundUp(InputFeatures) : plan.InputStride;
        return new(InputSteps, keys, InputFeatures, plan.Stride, LayerPlan.RoundUp(keys), keyStride, plan.InputIsNetworkInput);
    }

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
