namespace StaticRnn;

/// <summary>One weight array of a network: its Keras name, its Keras shape and where it lies in <c>Parameters</c>.</summary>
/// <param name="Name">Keras name, e.g. <c>simple_rnn/kernel</c>.</param>
/// <param name="Shape">Keras shape, e.g. <c>[8, 5]</c>.</param>
/// <param name="Offset">First element in the flat parameter buffer.</param>
/// <param name="Length">Number of elements (the product of <paramref name="Shape"/>).</param>
public sealed record WeightInfo(string Name, IReadOnlyList<int> Shape, int Offset, int Length)
{
    /// <summary>The shape as Keras and NumPy print it, e.g. <c>(8, 5)</c> or <c>(5,)</c>.</summary>
    public string ShapeText => Shape.Count == 1 ? $"({Shape[0]},)" : "(" + string.Join(", ", Shape) + ")";

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {ShapeText}";
}
