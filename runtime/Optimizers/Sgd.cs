using System.Numerics;

namespace StaticRnn;

/// <summary>
/// Keras 3 <c>SGD</c>: without momentum <c>p -= lr·g</c>; with momentum <c>m = momentum·m - lr·g; p += m</c>
/// (Nesterov: <c>p += momentum·m - lr·g</c>). Defaults: lr 0.01, momentum 0.
/// </summary>
public sealed class Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false) : Optimizer(learningRate)
{
    private float[] _velocity = [];

    /// <summary>Momentum factor in [0, 1].</summary>
    public float Momentum { get; } = momentum is >= 0 and <= 1 ? momentum : throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1], as in Keras.");

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; } = nesterov;

    /// <summary>Keras defaults (lr 0.01, no momentum).</summary>
    public Sgd() : this(0.01f)
    {
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<float[]> Slots => _velocity.Length == 0 ? [] : [_velocity];

    /// <inheritdoc/>
    protected override void AllocateState(int length) => _velocity = Momentum != 0 ? new float[length] : [];

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step)
    {
        float lr = LearningRate, mu = Momentum;
        int i = 0;
        if (mu == 0)
        {
            var vlr = new Vector<float>(lr);
            for (; i <= parameters.Length - Width; i += Width)
            {
                (new Vector<float>(parameters[i..]) - vlr * new Vector<float>(gradients[i..])).CopyTo(parameters[i..]);
            }
            for (; i < parameters.Length; i++)
            {
                parameters[i] -= lr * gradients[i];
            }
            return;
        }
        for (; i < parameters.Length; i++)
        {
            float m = mu * _velocity[i] - lr * gradients[i];
            _velocity[i] = m;
            parameters[i] += Nesterov ? mu * m - lr * gradients[i] : m;
        }
    }
}
