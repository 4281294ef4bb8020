namespace StaticRnn.Generator.Model;

/// <summary>Keras <c>GlobalAveragePooling1D</c>: the mean over the time axis.</summary>
internal sealed record GlobalAveragePooling1DSpec : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.Count == 0 ? new GlobalAveragePooling1DSpec() : null;

    public override string KerasType => "GlobalAveragePooling1D";
    public override string AutoNamePrefix => "global_average_pooling1d";

    /// <summary>With a mask, the mean is over the steps that are not padding (Keras).</summary>
    public override bool ReadsMask => true;
    public override string? LooksAhead => "it averages over every step";

    public override int[]? InferOutputShape(ShapeChecks check) => check.Sequence() ? new[] { check.Features } : null;
}

internal static partial class LayerCatalog
{
    internal static readonly string GlobalAveragePooling1D = Register("GlobalAveragePooling1DAttribute", GlobalAveragePooling1DSpec.Parse);
}
