namespace StaticRnn.Generator.Model;

/// <summary>
/// Keras <c>MultiHeadAttention(num_heads, key_dim)</c> as self-attention on a (timesteps, d) sequence: per head
/// <c>softmax(q·kᵀ / sqrt(keyDim)) · v</c> with <c>q, k, v = x·W + b</c>, the heads concatenated and projected back to d.
/// Weights in Keras order: <c>query/kernel (d, h, kd)</c>, <c>query/bias (h, kd)</c>, key, value (valueDim), then
/// <c>attention_output/kernel (h, vd, d)</c> and <c>attention_output/bias (d)</c>.
/// </summary>
internal sealed record MultiHeadAttentionSpec(int NumHeads, int KeyDim, int DeclaredValueDim, bool UseBias, bool Causal) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.TryInts(2, out int[] v)
        ? new MultiHeadAttentionSpec(v[0], v[1], a.Int("ValueDim", 0), a.Bool("UseBias", true), a.Bool("Causal", false))
        : null;

    public override string KerasType => "MultiHeadAttention";
    public override string AutoNamePrefix => "multi_head_attention";
    public override string? NotGenerated(NetworkSpec network) => PendingCode; // TEMPORARY until its emitter lands

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

    public override int[]? InferOutputShape(ShapeChecks check) => check.Sequence() ? check.Input : null;

    public override void DeclareWeights(WeightList weights)
    {
        int d = InputFeatures;
        foreach (var (name, dim) in new[] { ("query", KeyDim), ("key", KeyDim), ("value", ValueDim) })
        {
            weights.Add(name + "/kernel", WeightInit.GlorotUniform, d, NumHeads, dim);
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
