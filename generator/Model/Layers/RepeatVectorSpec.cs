namespace StaticRnn.Generator.Model;

/// <summary>Keras <c>RepeatVector(n)</c>: a vector (d) repeated into a sequence (n, d).</summary>
internal sealed record RepeatVectorSpec(int N) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.TryInts(1, out int[] n) ? new RepeatVectorSpec(n[0]) : null;

    public override string KerasType => "RepeatVector";
    public override string AutoNamePrefix => "repeat_vector";
    public override string? LooksAhead => "it repeats one vector over every step";

    public override void Validate(LayerChecks check) => check.Positive("n", N);

    public override int[]? InferOutputShape(ShapeChecks check) => check.Vector() ? new[] { N, check.Features } : null;
}

internal static partial class LayerCatalog
{
    internal static readonly string RepeatVector = Register("RepeatVectorAttribute", RepeatVectorSpec.Parse);
}
