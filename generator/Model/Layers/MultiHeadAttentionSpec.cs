namespace StaticRnn.Generator.Model;

/// <summary>
/// Keras <c>MultiHeadAttention(num_heads, key_dim)</c> on a (timesteps, d) sequence: per head
/// <c>softmax(q·kᵀ / sqrt(keyDim)) · v</c> with <c>q = x·W_q + b_q</c> and <c>k, v</c> projected from x (self-attention) or, as
/// the cross-attention part of a Transformer decoder, from the encoder's output (<see cref="LayerSpec.MemoryShape"/>); the
/// heads concatenated and projected back to d. Weights in Keras order: <c>query/kernel (d, h, kd)</c>,
/// <c>query/bias (h, kd)</c>, key and value (from the keys' width; valueDim), then <c>attention_output/kernel (h, vd, d)</c>
/// and <c>attention_output/bias (d)</c>.
/// </summary>
internal sealed record MultiHeadAttentionSpec(int NumHeads, int KeyDim, int DeclaredValueDim, bool UseBias, bool Causal) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.TryInts(2, out int[] v)
        ? new MultiHeadAttentionSpec(v[0], v[1], a.Int("ValueDim", 0), a.Bool("UseBias", true), a.Bool("Causal", false))
        : null;

    /// <summary>
    /// Keras <c>dropout</c>: in training, the attention weights (after the softmax) are dropped with this rate and the
    /// kept ones scaled by 1 / (1 - rate) before they weight the values. Set by a Transformer decoder on its attention
    /// parts, as KerasHub's TransformerDecoder passes its rate to them.
    /// </summary>
    public double DropoutRate { get; init; }

    public override bool UsesRandom => DropoutRate > 0;

    public override string KerasType => "MultiHeadAttention";
    /// <summary>Padded keys get weight 0 (a padded query's row is computed as any other; later layers mask it).</summary>
    public override bool ReadsMask => true;
    public override bool BackwardReadsMask => false;

    public override string AutoNamePrefix => "multi_head_attention";
    public override string? LooksAhead => Causal || UsesMemory ? null : "its self-attention sees every step; set Causal = true";

    /// <summary>Size of each head for value: <c>ValueDim</c>, or <see cref="KeyDim"/> when 0.</summary>
    public int ValueDim => DeclaredValueDim == 0 ? KeyDim : DeclaredValueDim;

    public override void Validate(LayerChecks check)
    {
        check.Positive("numHeads", NumHeads);
        check.Positive("keyDim", KeyDim);
        if (DeclaredValueDim != 0)
        {
            check.Positive("ValueDim", DeclaredValueDim);
        }
    }

    public override int[]? InferOutputShape(ShapeChecks check) => check.Sequence() && check.AttentionFits(NumHeads, UsesMemory ? MemoryShape[0] : check.Input[0]) ? check.Input : null;

    /// <summary>Steps of the keys and values: the encoder's output for cross-attention, else the input's.</summary>
    public int KeySteps => UsesMemory ? MemoryShape[0] : InputShape[0];

    /// <summary>Width of the rows keys and values are projected from.</summary>
    public int KeyFeatures => UsesMemory ? MemoryShape[1] : InputShape[1];

    public override void DeclareWeights(WeightList weights)
    {
        int d = InputFeatures;
        foreach (var (name, dim, from) in new[] { ("query", KeyDim, d), ("key", KeyDim, KeyFeatures), ("value", ValueDim, KeyFeatures) })
        {
            weights.Add(name + "/kernel", WeightInit.GlorotUniform, from, NumHeads, dim);
            if (UseBias)
            {
                weights.Add(name + "/bias", WeightInit.Zeros, NumHeads, dim);
            }
        }
        weights.Add("attention_output/kernel", WeightInit.GlorotUniform, NumHeads, ValueDim, d);
        if (UseBias)
        {
            weights.Add("attention_output/bias", WeightInit.Zeros, d);
        }
    }

    /// <summary>
    /// Where one sample's activations lie in the region (floats from its start) and the backward scratch in work. Rows are
    /// padded: queries and keys to <see cref="QueryStride"/> (all heads side by side, head j at column j·keyDim), values
    /// and the context to <see cref="ValueStride"/>, attention weights to <see cref="StepStride"/>.
    /// </summary>
    /// <param name="Steps">Query steps.</param>
    /// <param name="KeySteps">Key and value steps (the encoder's for cross-attention).</param>
    /// <param name="KeyFeatures">Width of the rows keys and values are projected from.</param>
    /// <param name="Dropout">Whether the attention weights are dropped in training: the masks and the dropped weights get rows too.</param>
    internal sealed record Layout(int Steps, int KeySteps, int OutputStride, int QueryStride, int ValueStride, int StepStride, int KeyDim, int ValueDim, int Heads, int Features, int KeyFeatures, bool Dropout)
    {
        public int Queries => Steps * OutputStride;
        public int Keys => Queries + Steps * QueryStride;
        public int Values => Keys + KeySteps * QueryStride;
        /// <summary>The softmax weights of every head: <see cref="Heads"/> blocks of T rows of <see cref="StepStride"/>.</summary>
        public int Weights => Values + KeySteps * ValueStride;
        public int HeadWeights => Steps * StepStride;
        public int Context => Weights + Heads * HeadWeights;
        /// <summary>One head's keys transposed (keyDim rows of <see cref="StepStride"/>), the forward pass's scratch.</summary>
        public int KeysTransposed => Context + Steps * ValueStride;
        /// <summary>With dropout: every head's mask (0 or 1 / (1 - rate)), laid out as <see cref="Weights"/>.</summary>
        public int DropMask => KeysTransposed + KeyDim * StepStride;
        /// <summary>With dropout: every head's weights times its mask, which weight the values.</summary>
        public int DroppedWeights => DropMask + Heads * HeadWeights;
        public int RegionLength => (Dropout ? DroppedWeights + Heads * HeadWeights : KeysTransposed + KeyDim * StepStride) + 8;

        // Backward scratch, in work.
        public int ContextGradient => 0;
        public int WeightsGradient => ContextGradient + Steps * ValueStride;
        public int QueryGradient => WeightsGradient + Steps * StepStride;
        public int KeyGradient => QueryGradient + Steps * QueryStride;
        public int ValueGradient => KeyGradient + KeySteps * QueryStride;
        /// <summary>Room for the largest matrix a product transposes: a head's values, or a projection kernel.</summary>
        public int Transposed => ValueGradient + KeySteps * ValueStride;
        public int WorkLength => Transposed + System.Math.Max(System.Math.Max(ValueDim * StepStride, Features * ValueStride),
            System.Math.Max(Heads * KeyDim, Heads * ValueDim) * LayerPlan.RoundUp(System.Math.Max(Features, KeyFeatures))) + 8;
    }

    public Layout Geometry => new(InputSteps, KeySteps, LayerPlan.RoundUp(InputFeatures), LayerPlan.RoundUp(NumHeads * KeyDim), LayerPlan.RoundUp(NumHeads * ValueDim),
        LayerPlan.RoundUp(KeySteps), KeyDim, ValueDim, NumHeads, InputFeatures, KeyFeatures, DropoutRate > 0);

    /// <summary>Output rows, queries, keys, values, attention weights, context and a transpose scratch; backward scratch for all their gradients.</summary>
    public override LayerPlan Plan(int offset, TapeInput input)
    {
        Layout g = Geometry;
        return new LayerPlan(offset, g.RegionLength, g.OutputStride, offset, OutputRows, input, g.WorkLength);
    }

    private int Stride => UseBias ? 2 : 1;
    public WeightSpec QueryKernel => Weights[0];
    public WeightSpec? QueryBias => UseBias ? Weights[1] : null;
    public WeightSpec KeyKernel => Weights[Stride];
    public WeightSpec? KeyBias => UseBias ? Weights[Stride + 1] : null;
    public WeightSpec ValueKernel => Weights[2 * Stride];
    public WeightSpec? ValueBias => UseBias ? Weights[2 * Stride + 1] : null;
    public WeightSpec OutputKernel => Weights[3 * Stride];
    public WeightSpec? OutputBias => UseBias ? Weights[3 * Stride + 1] : null;
}

internal static partial class LayerCatalog
{
    internal static readonly string MultiHeadAttention = Register("MultiHeadAttentionAttribute", MultiHeadAttentionSpec.Parse);
}
