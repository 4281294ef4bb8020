using System.Numerics;
using System.Runtime.InteropServices;

namespace StaticRnn;

/// <summary>
/// Keras 3 <c>Adam</c>: <c>m += (g - m)(1 - β1)</c>, <c>v += (g² - v)(1 - β2)</c>,
/// <c>p -= lr·sqrt(1 - β2^t)/(1 - β1^t) · m / (sqrt(v) + ε)</c>. Defaults: lr 0.001, β1 0.9, β2 0.999, ε 1e-7.
/// </summary>
public sealed class Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f) : Optimizer(learningRate)
{
    private float[] _m = [], _v = [];

    /// <summary>Keras defaults.</summary>
    public Adam() : this(0.001f)
    {
    }

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 { get; } = beta1 is >= 0 and < 1 ? beta1 : throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
    /// <summary>Decay of the second moment.</summary>
    public float Beta2 { get; } = beta2 is >= 0 and < 1 ? beta2 : throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
    /// <summary>Added to sqrt(v).</summary>
    public float Epsilon { get; } = epsilon > 0 ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive.");

    /// <inheritdoc/>
    protected override IReadOnlyList<float[]> Slots => _m.Length == 0 ? [] : [_m, _v];

    /// <inheritdoc/>
    protected override void AllocateState(int length)
    {
        _m = new float[length];
        _v = new float[length];
    }

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step)
    {
        float alpha = (float)(LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step)));
        float c1 = 1 - Beta1, c2 = 1 - Beta2;
        Span<float> m = _m, v = _v;
        int i = 0;
        var vc1 = new Vector<float>(c1);
        var vc2 = new Vector<float>(c2);
        var valpha = new Vector<float>(alpha);
        var veps = new Vector<float>(Epsilon);
        // Refs rather than span slices: no bounds checks in the loop (the lengths are checked by the caller and equal here).
        ref float p0 = ref MemoryMarshal.GetReference(parameters), g0 = ref MemoryMarshal.GetReference(gradients);
        ref float m0 = ref MemoryMarshal.GetReference(m), v0 = ref MemoryMarshal.GetReference(v);
        for (; i <= parameters.Length - Width; i += Width)
        {
            nuint at = (nuint)i;
            var g = Vector.LoadUnsafe(ref g0, at);
            var mi = Vector.LoadUnsafe(ref m0, at);
            var vi = Vector.LoadUnsafe(ref v0, at);
            mi += (g - mi) * vc1;
            vi += (g * g - vi) * vc2;
            mi.StoreUnsafe(ref m0, at);
            vi.StoreUnsafe(ref v0, at);
            (Vector.LoadUnsafe(ref p0, at) - valpha * mi / (Vector.SquareRoot(vi) + veps)).StoreUnsafe(ref p0, at);
        }
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i];
            m[i] += (g - m[i]) * c1;
            v[i] += (g * g - v[i]) * c2;
            parameters[i] -= alpha * m[i] / (MathF.Sqrt(v[i]) + Epsilon);
        }
    }
}
