namespace StaticRnn;

/// <summary>Keras <c>LayerNormalization</c> over the last axis.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormalizationAttribute : LayerAttribute
{
    /// <summary>Added to the variance; Keras default 1e-3.</summary>
    public double Epsilon { get; set; } = 1e-3;
}
