namespace StaticRnn.Generator.Model;

/// <summary>Keras <c>Dropout(rate)</c>: inverted dropout in training (masks from the network's seeded generator), identity in inference.</summary>
internal sealed record DropoutSpec(double Rate) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.Count == 1 && a.TryNumber(0, out double rate) ? new DropoutSpec(rate) : null;

    public override string KerasType => "Dropout";
    public override string AutoNamePrefix => "dropout";
    public override bool KeepsRank => true;
    public override bool UsesRandom => true;

    public override void Validate(LayerChecks check) => check.Rate("rate", Rate);

    public override int[]? InferOutputShape(ShapeChecks check) => check.Input;

    /// <summary>The output rows, then the mask rows (0 or 1 / (1 - rate)) for the backward pass.</summary>
    public override LayerPlan Plan(int offset, TapeInput input) => LayerPlan.Rows(this, offset, input, extraCopies: 1);
}

internal static partial class LayerCatalog
{
    internal static readonly string Dropout = Register("DropoutAttribute", DropoutSpec.Parse);
}
