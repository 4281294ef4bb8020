using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>
/// Keras <c>LayerNormalization</c> over the last axis: <c>y = γ ⊙ (x - mean) / sqrt(var + ε) + β</c> per row, with the
/// biased variance; gamma starts at ones, beta at zeros.
/// </summary>
internal sealed record LayerNormalizationSpec(double Epsilon) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.Count == 0 ? new LayerNormalizationSpec(a.Number("Epsilon", 1e-3)) : null;

    public override string KerasType => "LayerNormalization";

    public override string TorchMapping => "LayerNormalization";

    public override IEnumerable<(string Key, string Value)> KerasConfig =>
        new[] { ("epsilon", Epsilon.ToString("R", System.Globalization.CultureInfo.InvariantCulture)) };
    public override string AutoNamePrefix => "layer_normalization";
    public override bool KeepsRank => true;

    public override void Validate(LayerChecks check) => check.PositiveReal("Epsilon", Epsilon);

    public override int[]? InferOutputShape(ShapeChecks check) => check.Input;

    public override void DeclareWeights(WeightList weights)
    {
        weights.Add("gamma", WeightInit.Ones, InputFeatures);
        weights.Add("beta", WeightInit.Zeros, InputFeatures);
    }

    public WeightSpec Gamma => Weights[0];
    public WeightSpec Beta => Weights[1];

    /// <summary>Where the normalized rows (x - mean) / sqrt(var + ε) start in the region, after the output rows.</summary>
    public int NormalizedStart(LayerPlan plan) => OutputRows * plan.Stride;

    /// <summary>Where the per-row 1 / sqrt(var + ε) start in the region, after the normalized rows.</summary>
    public int InverseStart(LayerPlan plan) => 2 * OutputRows * plan.Stride;

    /// <summary>Output rows, normalized rows, one inverse deviation per row; backward scratch: one row.</summary>
    public override LayerPlan Plan(int offset, TapeInput input)
    {
        LayerPlan rows = LayerPlan.Rows(this, offset, input, extraCopies: 1);
        return rows with { RegionLength = rows.RegionLength + LayerPlan.RoundUp(OutputRows) };
    }
}

internal static partial class LayerCatalog
{
    internal static readonly string LayerNormalization = Register("LayerNormalizationAttribute", LayerNormalizationSpec.Parse);
}
