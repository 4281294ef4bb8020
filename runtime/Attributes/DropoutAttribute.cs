namespace StaticRnn;

/// <summary>Keras <c>Dropout(rate)</c>: inverted dropout, active in training only.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute(double rate) : LayerAttribute
{
    /// <summary>Fraction of inputs dropped, in [0, 1).</summary>
    public double Rate { get; } = rate;
}
