using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>Keras <c>Embedding(input_dim, output_dim)</c>: token ids to rows of a table; the first layer, on a (timesteps) input.</summary>
internal sealed record EmbeddingSpec(int InputDim, int OutputDim) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.TryInts(2, out int[] dims) ? new EmbeddingSpec(dims[0], dims[1]) { MaskZero = a.Bool("MaskZero", false) } : null;

    public override string KerasType => "Embedding";

    public override string TorchMapping => "Embedding";

    public override IEnumerable<(string Key, string Value)> KerasConfig =>
        new[] { ("input_dim", InputDim.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("output_dim", OutputDim.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("mask_zero", MaskZero.Keras()) };
    public override string AutoNamePrefix => "embedding";
    public override bool TakesTokens => true;

    /// <summary>Keras <c>mask_zero</c>: id 0 is padding, and the layer makes the mask the later layers read.</summary>
    public bool MaskZero { get; init; }

    public override bool ProducesMask => MaskZero;
    public override int Vocabulary => InputDim;
    public override long MultiplyAdds => 0; // a table lookup

    public override void Validate(LayerChecks check)
    {
        check.Positive("inputDim", InputDim);
        check.Positive("outputDim", OutputDim);
        TokenInput(check);
    }

    /// <summary>SRNN007 unless the layer is first and the network input is 1-D token ids.</summary>
    internal static void TokenInput(LayerChecks check)
    {
        if (check.Layer.Index != 0)
        {
            check.Report(DiagnosticIds.EmbeddingPlacement,
                $"{check.Label} must be the first layer: it turns token ids into vectors, and only the network input holds token ids");
        }
        else if (check.NetworkInput.Count != 1)
        {
            check.Report(DiagnosticIds.EmbeddingPlacement,
                $"{check.Label} needs a 1-D input of token ids, (timesteps), but the input shape is {NetworkBuilder.Shape(check.NetworkInput)}: write [Sequential({NetworkBuilder.Count(check.NetworkInput[0])})]");
        }
    }

    public override int[]? InferOutputShape(ShapeChecks check) => new[] { check.Input[0], OutputDim };

    public override void DeclareWeights(WeightList weights) => weights.Add("embeddings", WeightInit.EmbeddingUniform, InputDim, OutputDim);

    public WeightSpec Table => Weights[0];
}

internal static partial class LayerCatalog
{
    internal static readonly string Embedding = Register("EmbeddingAttribute", EmbeddingSpec.Parse);
}
