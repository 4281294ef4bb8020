using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticRnn.Kernels;

/// <summary>
/// Keras <c>Attention(score_mode="concat")</c> scores and their gradients: <c>s_ij = w · Σ_f tanh(c · (q_if + k_jf))</c>,
/// with <c>w</c> the <c>concat_score_weight</c> and <c>c</c> the <c>scale</c> (1 without <c>use_scale</c>). Self-attention passes
/// the same rows as queries and keys. Rows are read in vectors up to the next multiple of 8 (masked), so they need padding
/// (any finite or non-finite values; the masked lanes never count). With <c>causal</c>, only <c>j ≤ i</c> is computed.
/// </summary>
public static class Scores
{
    /// <summary>scores[i, j] = w · Σ_f tanh(c · (q_i + k_j))_f for the unmasked (i, j).</summary>
    public static void Concat(ref float q, int ldq, int queries, ref float k, int ldk, int keys, int features, float scale, float weight, ref float scores, int lds, bool causal)
    {
        Vector256<float> c = Vector256.Create(scale);
        Vector256<float> tail = VectorMath.FirstLanes(features - (features - 1) / 8 * 8);
        int blocks = (features + 7) / 8;
        for (int i = 0; i < queries; i++)
        {
            ref float qi = ref Unsafe.Add(ref q, i * ldq);
            ref float si = ref Unsafe.Add(ref scores, i * lds);
            int last = causal ? i : keys - 1;
            for (int j = 0; j <= last; j++)
            {
                ref float kj = ref Unsafe.Add(ref k, j * ldk);
                Vector256<float> sum = Vector256<float>.Zero;
                for (int b = 0; b < blocks; b++)
                {
                    Vector256<float> t = VectorMath.Tanh((Vector256.LoadUnsafe(ref qi, (nuint)(8 * b)) + Vector256.LoadUnsafe(ref kj, (nuint)(8 * b))) * c);
                    sum += b == blocks - 1 ? t & tail : t;
                }
                Unsafe.Add(ref si, j) = weight * Vector256.Sum(sum);
            }
        }
    }

    /// <summary>
    /// With <paramref name="gradient"/> holding d loss / d scores: adds <c>Σ_j g_ij · w · c · (1 - t²)</c> to dq_i (when
    /// <paramref name="queryGradient"/>) and the same terms to dk_j (when <paramref name="keyGradient"/>); self-attention passes
    /// one buffer for both. Returns d loss / d c and d loss / d w in <paramref name="scaleGradient"/> and <paramref name="weightGradient"/>.
    /// </summary>
    public static void ConcatBackward(ref float q, int ldq, int queries, ref float k, int ldk, int keys, int features, float scale, float weight,
        ref float gradient, int ldg, bool causal, ref float dq, int lddq, bool queryGradient, ref float dk, int lddk, bool keyGradient,
        out double scaleGradient, out double weightGradient)
    {
        Vector256<float> c = Vector256.Create(scale);
        Vector256<float> tail = VectorMath.FirstLanes(features - (features - 1) / 8 * 8);
        int blocks = (features + 7) / 8;
        double ds = 0, dw = 0;
        for (int i = 0; i < queries; i++)
        {
            ref float qi = ref Unsafe.Add(ref q, i * ldq);
            ref float gi = ref Unsafe.Add(ref gradient, i * ldg);
            int last = causal ? i : keys - 1;
            for (int j = 0; j <= last; j++)
            {
                float g = Unsafe.Add(ref gi, j);
                if (g == 0)
                {
                    continue;
                }
                ref float kj = ref Unsafe.Add(ref k, j * ldk);
                Vector256<float> gw = Vector256.Create(g * weight), tanhSum = Vector256<float>.Zero, scaleSum = Vector256<float>.Zero;
                for (int b = 0; b < blocks; b++)
                {
                    Vector256<float> mask = b == blocks - 1 ? tail : Vector256<float>.AllBitsSet;
                    Vector256<float> u = (Vector256.LoadUnsafe(ref qi, (nuint)(8 * b)) + Vector256.LoadUnsafe(ref kj, (nuint)(8 * b))) & mask;
                    Vector256<float> t = VectorMath.Tanh(u * c) & mask;
                    Vector256<float> slope = gw * (Vector256<float>.One - t * t) & mask; // d loss / d (c · u)
                    tanhSum += t;
                    scaleSum = Vector256.MultiplyAddEstimate(slope, u, scaleSum);
                    Vector256<float> d = slope * c;
                    int count = b == blocks - 1 ? features - 8 * b : 8;
                    if (queryGradient)
                    {
                        Add(ref Unsafe.Add(ref dq, i * lddq + 8 * b), d, count);
                    }
                    if (keyGradient)
                    {
                        Add(ref Unsafe.Add(ref dk, j * lddk + 8 * b), d, count);
                    }
                }
                dw += g * Vector256.Sum(tanhSum);
                ds += Vector256.Sum(scaleSum);
            }
        }
        scaleGradient = ds;
        weightGradient = dw;
    }

    /// <summary>Adds the first <paramref name="count"/> lanes of <paramref name="value"/> to the floats at <paramref name="target"/>, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ref float target, Vector256<float> value, int count)
    {
        if (count == 8)
        {
            (Vector256.LoadUnsafe(ref target) + value).StoreUnsafe(ref target);
            return;
        }
        for (int lane = 0; lane < count; lane++)
        {
            Unsafe.Add(ref target, lane) += value.GetElement(lane);
        }
    }
}
