namespace StaticRnn;

/// <summary>Keras <c>GRU(units)</c>, gates z, r, h.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GruAttribute(int units) : RecurrentLayerAttribute(units)
{
    /// <summary>Candidate activation; default <see cref="StaticRnn.Activation.Tanh"/>.</summary>
    public Activation Activation { get; set; } = Activation.Tanh;
    /// <summary>Gate activation; default <see cref="StaticRnn.Activation.Sigmoid"/>.</summary>
    public Activation RecurrentActivation { get; set; } = Activation.Sigmoid;
    /// <summary>Apply the reset gate after the recurrent product (Keras 3 default, bias shape (2, 3*units)).</summary>
    public bool ResetAfter { get; set; } = true;
}
