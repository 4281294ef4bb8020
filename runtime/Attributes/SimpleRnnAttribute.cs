namespace StaticRnn;

/// <summary>Keras <c>SimpleRNN(units)</c>: <c>h_t = activation(x_t·W + h_{t-1}·U + b)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SimpleRnnAttribute(int units) : RecurrentLayerAttribute(units)
{
    /// <summary>Activation; default <see cref="StaticRnn.Activation.Tanh"/>.</summary>
    public Activation Activation { get; set; } = Activation.Tanh;
}
