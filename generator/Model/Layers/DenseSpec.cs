using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>Keras <c>Dense(units)</c>: <c>y = activation(x·W + b)</c> on the last axis, at every step of a sequence.</summary>
internal sealed record DenseSpec(int Units, ActivationKind Activation, bool UseBias) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a)
        => a.TryInts(1, out int[] units) ? new DenseSpec(units[0], a.Activation("Activation", ActivationKind.Linear), a.Bool("UseBias", true)) : null;

    public override string KerasType => "Dense";

    public override string TorchMapping => "Dense";

    public override IEnumerable<(string Key, string Value)> KerasConfig =>
        new[] { ("units", Units.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("activation", Activation.Keras()), ("use_bias", UseBias.Keras()) };
    public override string AutoNamePrefix => "dense";
    public override bool KeepsRank => true;

    public override void Validate(LayerChecks check)
    {
        check.Positive("units", Units);
        check.Activations(Activation);
    }

    public override int[]? InferOutputShape(ShapeChecks check) => WithLast(check.Input, Units);

    public override void DeclareWeights(WeightList weights)
    {
        weights.Add("kernel", WeightInit.GlorotUniform, InputFeatures, Units);
        if (UseBias)
        {
            weights.Add("bias", WeightInit.Zeros, Units);
        }
    }

    public override int VectorOps => InputFeatures * ((Units + 7) / 8);

    public WeightSpec Kernel => Weights[0];
    public WeightSpec? Bias => UseBias ? Weights[1] : null;
}

internal static partial class LayerCatalog
{
    internal static readonly string Dense = Register("DenseAttribute", DenseSpec.Parse);
}
