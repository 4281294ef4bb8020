namespace StaticRnn;

/// <summary>Keras <c>LSTM(units)</c>, gates in kernel order i, f, c, o.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LstmAttribute(int units) : RecurrentLayerAttribute(units)
{
    /// <summary>Cell activation; default <see cref="StaticRnn.Activation.Tanh"/>.</summary>
    public Activation Activation { get; set; } = Activation.Tanh;
    /// <summary>Gate activation; default <see cref="StaticRnn.Activation.Sigmoid"/>.</summary>
    public Activation RecurrentActivation { get; set; } = Activation.Sigmoid;
}
