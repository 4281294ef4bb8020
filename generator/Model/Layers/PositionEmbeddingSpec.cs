namespace StaticRnn.Generator.Model;

/// <summary>
/// KerasHub <c>PositionEmbedding</c>: adds a learned table of positions to a (timesteps, features) sequence,
/// <c>y_t = x_t + P[t]</c>. The table has <see cref="SequenceLength"/> rows (0: the input's timesteps); glorot_uniform.
/// </summary>
internal sealed record PositionEmbeddingSpec(int SequenceLength) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.Count == 0 ? new PositionEmbeddingSpec(0) : null;

    public override string KerasType => "PositionEmbedding";
    public override string AutoNamePrefix => "position_embedding";
    public override long MultiplyAdds => 0; // a table lookup

    /// <summary>Rows of the table.</summary>
    public int TableRows => SequenceLength == 0 ? InputSteps : SequenceLength;

    public override int[]? InferOutputShape(ShapeChecks check)
    {
        if (!check.Sequence())
        {
            return null;
        }
        if (SequenceLength != 0 && check.Input[0] > SequenceLength)
        {
            check.Fail($"the input has {NetworkBuilder.Count(check.Input[0])} steps but the position table only {NetworkBuilder.Count(SequenceLength)}; raise sequenceLength");
            return null;
        }
        return check.Input;
    }

    public override void DeclareWeights(WeightList weights) => weights.Add("embeddings", WeightInit.GlorotUniform, TableRows, InputFeatures);

    public WeightSpec Table => Weights[0];
}

internal static partial class LayerCatalog
{
    internal static readonly string PositionEmbedding = Register("PositionEmbeddingAttribute", PositionEmbeddingSpec.Parse);
}
