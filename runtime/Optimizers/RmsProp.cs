namespace StaticRnn;

/// <summary>
/// Keras 3 <c>RMSprop</c>: <c>v = ρ·v + (1 - ρ)·g²</c>, <c>increment = lr·g / sqrt(v + ε)</c>; without momentum
/// <c>p -= increment</c>, with momentum <c>m = momentum·m + increment; p -= m</c>.
/// Defaults: lr 0.001, ρ 0.9, momentum 0, ε 1e-7.
/// </summary>
public sealed class RmsProp(float learningRate = 0.001f, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f) : Optimizer(learningRate)
{
    private float[] _v = [], _m = [];

    /// <summary>Keras defaults.</summary>
    public RmsProp() : this(0.001f)
    {
    }

    /// <summary>Decay of the mean square.</summary>
    public float Rho { get; } = rho is >= 0 and < 1 ? rho : throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be in [0, 1).");
    /// <summary>Momentum factor.</summary>
    public float Momentum { get; } = momentum is >= 0 and < 1 ? momentum : throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1).");
    /// <summary>Added to v under the square root.</summary>
    public float Epsilon { get; } = epsilon > 0 ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive.");

    /// <inheritdoc/>
    protected override IReadOnlyList<float[]> Slots => _v.Length == 0 ? [] : _m.Length == 0 ? [_v] : [_v, _m];

    /// <inheritdoc/>
    protected override void AllocateState(int length)
    {
        _v = new float[length];
        _m = Momentum != 0 ? new float[length] : [];
    }

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step)
    {
        float lr = LearningRate, rho = Rho, eps = Epsilon, mu = Momentum;
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i];
            _v[i] = rho * _v[i] + (1 - rho) * g * g;
            float increment = lr * g / MathF.Sqrt(_v[i] + eps);
            if (mu != 0)
            {
                _m[i] = mu * _m[i] + increment;
                increment = _m[i];
            }
            parameters[i] -= increment;
        }
    }
}
