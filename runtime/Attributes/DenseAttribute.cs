namespace StaticRnn;

/// <summary>Keras <c>Dense(units)</c>: <c>y = activation(x·W + b)</c>, applied to the last axis (at every time step of a sequence).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute(int units) : LayerAttribute
{
    /// <summary>Output dimensionality.</summary>
    public int Units { get; } = units;
    /// <summary>Activation; default <see cref="StaticRnn.Activation.Linear"/>.</summary>
    public Activation Activation { get; set; } = Activation.Linear;
    /// <summary>Whether the layer has a bias vector.</summary>
    public bool UseBias { get; set; } = true;
}
