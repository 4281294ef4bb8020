using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticRnn.Kernels;

/// <summary>
/// Activation functions on <see cref="Vector256{T}"/> and their derivatives expressed through the activation's output,
/// which is what the generated backward pass keeps on its tape. Scalar forms give the same results lane for lane.
/// Without AVX2 the same code runs through .NET's software fallback of <see cref="Vector256"/>, slower but exact.
/// </summary>
public static class VectorMath
{
    // tanh for |x| < 0.625: x + x^3 P(x^2), the minimax polynomial of Cephes tanhf (S. L. Moshier), about 1 ulp in float.
    private const float T4 = -5.70498872745e-3f, T3 = 2.06390887954e-2f, T2 = -5.37397155531e-2f, T1 = 1.33314422036e-1f, T0 = -3.33332819422e-1f;

    /// <summary><c>tanh(x)</c>: the Cephes polynomial near zero, <c>1 - 2 / (exp(2|x|) + 1)</c> with the sign restored elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> ax = Vector256.Abs(x);
        Vector256<float> z = x * x;
        Vector256<float> p = Vector256.MultiplyAddEstimate(z, Vector256.Create(T4), Vector256.Create(T3));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(T2));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(T1));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(T0));
        Vector256<float> small = Vector256.MultiplyAddEstimate(x * z, p, x);
        Vector256<float> e = Exp(ax + ax);
        Vector256<float> large = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        large = Vector256.CopySign(large, x);
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(0.625f)), small, large);
    }

    /// <summary><c>1 / (1 + exp(-x))</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
        => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    // exp: the argument reduction and polynomial of Cephes expf (S. L. Moshier); ln 2 split in two so x - n·ln 2 is exact.
    private const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float E5 = 1.9875691500e-4f, E4 = 1.3981999507e-3f, E3 = 8.3334519073e-3f, E2 = 4.1665795894e-2f, E1 = 1.6666665459e-1f, E0 = 5.0000001201e-1f;

    /// <summary>
    /// <c>exp(x)</c> within about 2 ulp for x in [-87, 88], the range clamped there (so the result is always finite and
    /// normal): <c>2^n · e^r</c> with <c>n = round(x / ln 2)</c>, <c>|r| ≤ ln 2 / 2</c>, e^r a degree-7 polynomial, 2^n put
    /// straight into the exponent bits. The rounding adds 1.5 · 2^23, so n lands in the low mantissa bits of the sum, from
    /// where the exponent is built without a float-to-int conversion. It is about twice as fast as the general
    /// <see cref="Vector256.Exp(Vector256{float})"/>, and the activations and softmax spend most of their time here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Clamp(x, Vector256.Create(-87f), Vector256.Create(88f));
        Vector256<float> t = Vector256.MultiplyAddEstimate(x, Vector256.Create(Log2E), Vector256.Create(RoundingShift));
        Vector256<float> n = t - Vector256.Create(RoundingShift);
        Vector256<float> r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Lo), r);
        Vector256<float> p = Vector256.MultiplyAddEstimate(Vector256.Create(E5), r, Vector256.Create(E4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E1));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E0));
        p = Vector256.MultiplyAddEstimate(p * r, r, r + Vector256<float>.One);
        // t's bits are 0x4B400000 + n; 2^n is (n + 127) << 23, and the high bits of t shift out.
        Vector256<int> scale = Vector256.ShiftLeft(t.AsInt32() + Vector256.Create(127 - 0x4B400000), 23);
        return p * scale.AsSingle();
    }

    /// <summary>1.5 · 2^23: adding it rounds a float in (-2^22, 2^22) to an integer held in the low mantissa bits.</summary>
    private const float RoundingShift = 12582912f;

    /// <summary><c>max(x, 0)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Relu(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);

    /// <summary>Keras 3 <c>hard_sigmoid</c>: <c>clip(x / 6 + 0.5, 0, 1)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HardSigmoid(Vector256<float> x)
        => Vector256.Clamp(Vector256.MultiplyAddEstimate(x, Vector256.Create(1f / 6f), Vector256.Create(0.5f)), Vector256<float>.Zero, Vector256<float>.One);

    /// <summary>tanh'(x) from <c>y = tanh(x)</c>: <c>1 - y²</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> TanhDerivative(Vector256<float> y) => Vector256<float>.One - y * y;

    /// <summary>σ'(x) from <c>y = σ(x)</c>: <c>y (1 - y)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SigmoidDerivative(Vector256<float> y) => y * (Vector256<float>.One - y);

    /// <summary>relu'(x) from <c>y = relu(x)</c>: 1 where <c>y &gt; 0</c>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ReluDerivative(Vector256<float> y)
        => Vector256<float>.One & Vector256.GreaterThan(y, Vector256<float>.Zero);

    /// <summary>hard_sigmoid'(x) from its output: 1/6 where <c>0 &lt; y &lt; 1</c>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HardSigmoidDerivative(Vector256<float> y)
        => Vector256.Create(1f / 6f) & Vector256.GreaterThan(y, Vector256<float>.Zero) & Vector256.LessThan(y, Vector256<float>.One);

    /// <summary>Scalar <see cref="Tanh(Vector256{float})"/>.</summary>
    public static float Tanh(float x) => Tanh(Vector256.Create(x)).GetElement(0);

    /// <summary>Scalar <see cref="Sigmoid(Vector256{float})"/>.</summary>
    public static float Sigmoid(float x) => Sigmoid(Vector256.Create(x)).GetElement(0);

    /// <summary>A mask with the first <paramref name="count"/> lanes all ones: zeroes the padding lanes of a row's last vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FirstLanes(int count)
        => Vector256.LessThan(Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f), Vector256.Create((float)count));

    /// <summary>
    /// Softmax over <paramref name="length"/> floats in place: <c>exp(x_i - max) / Σ exp(x_j - max)</c>
    /// (the max subtraction keeps large logits finite).
    /// </summary>
    public static void SoftmaxInPlace(ref float row, int length)
    {
        Span<float> x = MemoryMarshal.CreateSpan(ref row, length);
        float max = float.NegativeInfinity;
        foreach (float v in x)
        {
            max = MathF.Max(max, v);
        }
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }
        float inv = 1f / sum;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] *= inv;
        }
    }

    /// <summary>
    /// Backward of softmax for one row, in place: <paramref name="gradient"/> (d loss / d y on entry) becomes
    /// d loss / d logits = <c>y ⊙ (g - Σ g_j y_j)</c>.
    /// </summary>
    public static void SoftmaxBackwardInPlace(ref float output, ref float gradient, int length)
    {
        ReadOnlySpan<float> y = MemoryMarshal.CreateReadOnlySpan(ref output, length);
        Span<float> g = MemoryMarshal.CreateSpan(ref gradient, length);
        float dot = 0;
        for (int i = 0; i < length; i++)
        {
            dot += g[i] * y[i];
        }
        for (int i = 0; i < length; i++)
        {
            g[i] = y[i] * (g[i] - dot);
        }
    }

    /// <summary>The index of the largest value (the first one on a tie): greedy decoding's choice of token.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }
}
