using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticRnn.Kernels;

/// <summary>
/// Row-wise operations of the sequence layers: the attention softmax and its backward, layer normalization and its
/// backward, and row additions (residuals, position tables). Rows have a stride (<c>ld*</c>, in floats). Every row is read
/// and written exactly up to its length (a row may be a caller's span); outputs the kernel owns get zeros in their padding
/// lanes up to the next multiple of 8 where a stride leaves room.
/// </summary>
public static class Rows
{
    /// <summary>
    /// Attention weights in place: row i of <paramref name="scores"/> becomes <c>softmax(scale · s_i)</c> over its first
    /// <c>causal ? firstRow + i + 1 : length</c> entries (max-subtracted, so large scores stay finite); the masked entries
    /// and the padding up to <c>RoundUp(length)</c> become 0. <paramref name="firstRow"/> is the query step of row 0, for
    /// the rows of the new steps of incremental decoding.
    /// </summary>
    public static void Softmax(ref float scores, int ld, int rows, int length, float scale, bool causal, int firstRow = 0)
    {
        int padded = (length + 7) & ~7;
        for (int i = 0; i < rows; i++)
        {
            ref float row = ref Unsafe.Add(ref scores, i * ld);
            int n = causal ? System.Math.Min(firstRow + i + 1, length) : length;
            int full = n & ~7;
            Vector256<float> vs = Vector256.Create(scale);
            Vector256<float> max = Vector256.Create(float.NegativeInfinity);
            for (int j = 0; j < full; j += 8)
            {
                max = Vector256.Max(max, Vector256.LoadUnsafe(ref row, (nuint)j) * vs);
            }
            float m = float.NegativeInfinity;
            for (int lane = 0; lane < 8; lane++)
            {
                m = System.MathF.Max(m, max.GetElement(lane));
            }
            for (int j = full; j < n; j++)
            {
                m = System.MathF.Max(m, Unsafe.Add(ref row, j) * scale);
            }
            Vector256<float> vm = Vector256.Create(m), sum = Vector256<float>.Zero;
            for (int j = 0; j < full; j += 8)
            {
                Vector256<float> e = VectorMath.Exp(Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref row, (nuint)j), vs, -vm));
                e.StoreUnsafe(ref row, (nuint)j);
                sum += e;
            }
            float s = Vector256.Sum(sum);
            if (full < n)
            {
                Vector256<float> mask = VectorMath.FirstLanes(n - full);
                Vector256<float> tail = Vector256.Create(0f);
                for (int lane = 0; lane < n - full; lane++)
                {
                    tail = tail.WithElement(lane, Unsafe.Add(ref row, full + lane));
                }
                Vector256<float> e = VectorMath.Exp(Vector256.MultiplyAddEstimate(tail, vs, -vm)) & mask;
                s += Vector256.Sum(e);
                for (int lane = 0; lane < n - full; lane++)
                {
                    Unsafe.Add(ref row, full + lane) = e.GetElement(lane);
                }
            }
            Vector256<float> inv = Vector256.Create(1f / s);
            int j2 = 0;
            for (; j2 + 8 <= n; j2 += 8)
            {
                (Vector256.LoadUnsafe(ref row, (nuint)j2) * inv).StoreUnsafe(ref row, (nuint)j2);
            }
            for (; j2 < n; j2++)
            {
                Unsafe.Add(ref row, j2) *= inv.GetElement(0);
            }
            for (; j2 < (ld >= padded ? padded : length); j2++)
            {
                Unsafe.Add(ref row, j2) = 0;
            }
        }
    }

    /// <summary>
    /// <see cref="Softmax(ref float, int, int, int, float, bool, int)"/> over the keys that are not padding: entry j of every row
    /// counts only where <paramref name="keyMask"/>[j] is not 0 (the mask row is read in vectors up to
    /// <c>RoundUp(length)</c>, its padding 0); the padded keys get weight 0. A row whose keys are all padding becomes 0.
    /// </summary>
    public static void Softmax(ref float scores, int ld, int rows, int length, float scale, bool causal, ref float keyMask, int firstRow = 0)
    {
        int padded = (length + 7) & ~7;
        Vector256<float> vs = Vector256.Create(scale), minusInfinity = Vector256.Create(float.NegativeInfinity);
        for (int i = 0; i < rows; i++)
        {
            ref float row = ref Unsafe.Add(ref scores, i * ld);
            int n = causal ? System.Math.Min(firstRow + i + 1, length) : length;
            Vector256<float> max = minusInfinity;
            for (int j = 0; j < n; j += 8)
            {
                Vector256<float> keep = Keep(ref keyMask, j, n);
                max = Vector256.Max(max, Vector256.ConditionalSelect(keep, Vector256.LoadUnsafe(ref row, (nuint)j) * vs, minusInfinity));
            }
            float m = float.NegativeInfinity;
            for (int lane = 0; lane < 8; lane++)
            {
                m = System.MathF.Max(m, max.GetElement(lane));
            }
            if (float.IsNegativeInfinity(m))
            {
                MemoryMarshal.CreateSpan(ref row, ld >= padded ? padded : length).Clear();
                continue;
            }
            Vector256<float> vm = Vector256.Create(m), sum = Vector256<float>.Zero;
            for (int j = 0; j < n; j += 8)
            {
                Vector256<float> e = VectorMath.Exp(Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref row, (nuint)j), vs, -vm)) & Keep(ref keyMask, j, n);
                sum += e;
                Store(ref row, j, e, System.Math.Min(8, (ld >= padded ? padded : length) - j));
            }
            Vector256<float> inv = Vector256.Create(1f / Vector256.Sum(sum));
            int end = ld >= padded ? padded : length;
            for (int j = 0; j < end; j += 8)
            {
                Vector256<float> value = j < n ? Vector256.LoadUnsafe(ref row, (nuint)j) * inv & Keep(ref keyMask, j, n) : Vector256<float>.Zero;
                Store(ref row, j, value, System.Math.Min(8, end - j));
            }
        }
    }

    /// <summary>All-ones lanes where key j + lane is below <paramref name="n"/> and not padding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Keep(ref float keyMask, int j, int n)
    {
        Vector256<float> keep = ~Vector256.Equals(Vector256.LoadUnsafe(ref keyMask, (nuint)j), Vector256<float>.Zero);
        return n - j >= 8 ? keep : keep & VectorMath.FirstLanes(n - j);
    }

    /// <summary>Stores the first <paramref name="count"/> lanes of <paramref name="value"/> at row[j..].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float row, int j, Vector256<float> value, int count)
    {
        if (count >= 8)
        {
            value.StoreUnsafe(ref row, (nuint)j);
            return;
        }
        for (int lane = 0; lane < count; lane++)
        {
            Unsafe.Add(ref row, j + lane) = value.GetElement(lane);
        }
    }

    /// <summary>
    /// The backward of <see cref="Softmax(ref float, int, int, int, float, bool, int)"/> in place: with P the attention weights and row i of <paramref name="gradient"/>
    /// holding d loss / d P_i, it becomes d loss / d s_i = <c>scale · P_i ⊙ (g_i - Σ_j g_ij P_ij)</c>, zero where masked.
    /// </summary>
    public static void SoftmaxBackward(ref float weights, int ldw, ref float gradient, int ldg, int rows, int length, float scale, bool causal)
    {
        for (int i = 0; i < rows; i++)
        {
            ref float p = ref Unsafe.Add(ref weights, i * ldw);
            ref float g = ref Unsafe.Add(ref gradient, i * ldg);
            int n = causal ? System.Math.Min(i + 1, length) : length;
            int full = n & ~7;
            Vector256<float> acc = Vector256<float>.Zero;
            for (int j = 0; j < full; j += 8)
            {
                acc = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref p, (nuint)j), Vector256.LoadUnsafe(ref g, (nuint)j), acc);
            }
            float dot = Vector256.Sum(acc);
            for (int j = full; j < n; j++)
            {
                dot += Unsafe.Add(ref p, j) * Unsafe.Add(ref g, j);
            }
            Vector256<float> vd = Vector256.Create(dot), vs = Vector256.Create(scale);
            for (int j = 0; j < full; j += 8)
            {
                (Vector256.LoadUnsafe(ref p, (nuint)j) * (Vector256.LoadUnsafe(ref g, (nuint)j) - vd) * vs).StoreUnsafe(ref g, (nuint)j);
            }
            for (int j = full; j < n; j++)
            {
                Unsafe.Add(ref g, j) = Unsafe.Add(ref p, j) * (Unsafe.Add(ref g, j) - dot) * scale;
            }
            for (int j = n; j < length; j++)
            {
                Unsafe.Add(ref g, j) = 0;
            }
        }
    }

    /// <summary>
    /// Layer normalization of each row over its <paramref name="features"/>: <c>y = γ ⊙ x̂ + β</c> with
    /// <c>x̂ = (x - mean) / sqrt(var + ε)</c> and the biased variance. Keeps x̂ (rows of <paramref name="ld"/>) and each
    /// row's <c>1 / sqrt(var + ε)</c> for <see cref="LayerNormBackward"/>.
    /// </summary>
    public static void LayerNorm(ref float x, int ldx, ref float y, ref float normalized, ref float inverse, int ld, int rows, int features,
        ref float gamma, ref float beta, float epsilon)
    {
        float inverseCount = 1f / features;
        int full = features & ~7;
        for (int i = 0; i < rows; i++)
        {
            ref float xi = ref Unsafe.Add(ref x, i * ldx);
            ref float ni = ref Unsafe.Add(ref normalized, i * ld);
            ref float yi = ref Unsafe.Add(ref y, i * ld);
            float mean = Sum(ref xi, features) * inverseCount;
            Vector256<float> vm = Vector256.Create(mean), acc = Vector256<float>.Zero;
            for (int f = 0; f < full; f += 8)
            {
                Vector256<float> c = Vector256.LoadUnsafe(ref xi, (nuint)f) - vm;
                acc = Vector256.MultiplyAddEstimate(c, c, acc);
            }
            float variance = Vector256.Sum(acc);
            for (int f = full; f < features; f++)
            {
                float c = Unsafe.Add(ref xi, f) - mean;
                variance += c * c;
            }
            float inv = 1f / System.MathF.Sqrt(variance * inverseCount + epsilon);
            Unsafe.Add(ref inverse, i) = inv;
            Vector256<float> vi = Vector256.Create(inv);
            for (int f = 0; f < full; f += 8)
            {
                Vector256<float> n = (Vector256.LoadUnsafe(ref xi, (nuint)f) - vm) * vi;
                n.StoreUnsafe(ref ni, (nuint)f);
                Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref gamma, (nuint)f), n, Vector256.LoadUnsafe(ref beta, (nuint)f)).StoreUnsafe(ref yi, (nuint)f);
            }
            for (int f = full; f < features; f++)
            {
                float n = (Unsafe.Add(ref xi, f) - mean) * inv;
                Unsafe.Add(ref ni, f) = n;
                Unsafe.Add(ref yi, f) = Unsafe.Add(ref gamma, f) * n + Unsafe.Add(ref beta, f);
            }
            for (int f = features; f < ld && (f & 7) != 0; f++)
            {
                Unsafe.Add(ref ni, f) = 0;
                Unsafe.Add(ref yi, f) = 0;
            }
        }
    }

    /// <summary>
    /// The backward of <see cref="LayerNorm"/>: <c>dγ += Σ dy ⊙ x̂</c>, <c>dβ += Σ dy</c>, and (when <paramref name="dx"/> is
    /// wanted) <c>dx (+)= inv · (g - mean(g) - x̂ · mean(g ⊙ x̂))</c> with <c>g = dy ⊙ γ</c>.
    /// </summary>
    public static void LayerNormBackward(ref float normalized, ref float inverse, int ld, ref float dy, int lddy, int rows, int features,
        ref float gamma, ref float gammaGradient, ref float betaGradient, ref float dx, int lddx, bool inputGradient, bool accumulate)
    {
        float inverseCount = 1f / features;
        int full = features & ~7;
        for (int i = 0; i < rows; i++)
        {
            ref float ni = ref Unsafe.Add(ref normalized, i * ld);
            ref float di = ref Unsafe.Add(ref dy, i * lddy);
            Vector256<float> sg = Vector256<float>.Zero, sgn = Vector256<float>.Zero;
            for (int f = 0; f < full; f += 8)
            {
                Vector256<float> d = Vector256.LoadUnsafe(ref di, (nuint)f), n = Vector256.LoadUnsafe(ref ni, (nuint)f);
                Vector256.MultiplyAddEstimate(d, n, Vector256.LoadUnsafe(ref gammaGradient, (nuint)f)).StoreUnsafe(ref gammaGradient, (nuint)f);
                (Vector256.LoadUnsafe(ref betaGradient, (nuint)f) + d).StoreUnsafe(ref betaGradient, (nuint)f);
                Vector256<float> g = d * Vector256.LoadUnsafe(ref gamma, (nuint)f);
                sg += g;
                sgn = Vector256.MultiplyAddEstimate(g, n, sgn);
            }
            float sumG = Vector256.Sum(sg), sumGN = Vector256.Sum(sgn);
            for (int f = full; f < features; f++)
            {
                float d = Unsafe.Add(ref di, f), n = Unsafe.Add(ref ni, f);
                Unsafe.Add(ref gammaGradient, f) += d * n;
                Unsafe.Add(ref betaGradient, f) += d;
                float g = d * Unsafe.Add(ref gamma, f);
                sumG += g;
                sumGN += g * n;
            }
            if (!inputGradient)
            {
                continue;
            }
            float inv = Unsafe.Add(ref inverse, i), meanG = sumG * inverseCount, meanGN = sumGN * inverseCount;
            ref float xi = ref Unsafe.Add(ref dx, i * lddx);
            Vector256<float> vi = Vector256.Create(inv), vg = Vector256.Create(meanG), vgn = Vector256.Create(meanGN);
            for (int f = 0; f < full; f += 8)
            {
                Vector256<float> g = Vector256.LoadUnsafe(ref di, (nuint)f) * Vector256.LoadUnsafe(ref gamma, (nuint)f);
                Vector256<float> value = vi * (g - vg - Vector256.LoadUnsafe(ref ni, (nuint)f) * vgn);
                (accumulate ? Vector256.LoadUnsafe(ref xi, (nuint)f) + value : value).StoreUnsafe(ref xi, (nuint)f);
            }
            for (int f = full; f < features; f++)
            {
                float g = Unsafe.Add(ref di, f) * Unsafe.Add(ref gamma, f);
                float value = inv * (g - meanG - Unsafe.Add(ref ni, f) * meanGN);
                Unsafe.Add(ref xi, f) = accumulate ? Unsafe.Add(ref xi, f) + value : value;
            }
        }
    }

    /// <summary>Token ids as the floats the embedding kernels read, written to <paramref name="row"/>; returns the row.</summary>
    public static ref float Tokens(ref float row, ReadOnlySpan<int> ids)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            Unsafe.Add(ref row, i) = ids[i];
        }
        return ref row;
    }

    /// <summary>c[i, f] = a[i, f] + b[i, f] for f &lt; features: a residual connection, or a position table added.</summary>
    public static void Add(ref float a, int lda, ref float b, int ldb, ref float c, int ldc, int rows, int features)
    {
        for (int i = 0; i < rows; i++)
        {
            ref float ai = ref Unsafe.Add(ref a, i * lda), bi = ref Unsafe.Add(ref b, i * ldb), ci = ref Unsafe.Add(ref c, i * ldc);
            int f = 0;
            for (; f + 8 <= features; f += 8)
            {
                (Vector256.LoadUnsafe(ref ai, (nuint)f) + Vector256.LoadUnsafe(ref bi, (nuint)f)).StoreUnsafe(ref ci, (nuint)f);
            }
            for (; f < features; f++)
            {
                Unsafe.Add(ref ci, f) = Unsafe.Add(ref ai, f) + Unsafe.Add(ref bi, f);
            }
        }
    }

    /// <summary>c[i, f] = a[i, f] · b[i, f] for f &lt; features (a dropout mask applied).</summary>
    public static void Multiply(ref float a, int lda, ref float b, int ldb, ref float c, int ldc, int rows, int features)
    {
        for (int i = 0; i < rows; i++)
        {
            ref float ai = ref Unsafe.Add(ref a, i * lda), bi = ref Unsafe.Add(ref b, i * ldb), ci = ref Unsafe.Add(ref c, i * ldc);
            int f = 0;
            for (; f + 8 <= features; f += 8)
            {
                (Vector256.LoadUnsafe(ref ai, (nuint)f) * Vector256.LoadUnsafe(ref bi, (nuint)f)).StoreUnsafe(ref ci, (nuint)f);
            }
            for (; f < features; f++)
            {
                Unsafe.Add(ref ci, f) = Unsafe.Add(ref ai, f) * Unsafe.Add(ref bi, f);
            }
        }
    }

    /// <summary>dst[i, f] += alpha · src[i, f] for f &lt; features.</summary>
    public static void AddScaled(ref float src, int lds, ref float dst, int ldd, int rows, int features, float alpha)
    {
        Vector256<float> va = Vector256.Create(alpha);
        for (int i = 0; i < rows; i++)
        {
            ref float si = ref Unsafe.Add(ref src, i * lds), di = ref Unsafe.Add(ref dst, i * ldd);
            int f = 0;
            for (; f + 8 <= features; f += 8)
            {
                Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref si, (nuint)f), va, Vector256.LoadUnsafe(ref di, (nuint)f)).StoreUnsafe(ref di, (nuint)f);
            }
            for (; f < features; f++)
            {
                Unsafe.Add(ref di, f) += alpha * Unsafe.Add(ref si, f);
            }
        }
    }

    /// <summary>Σ_i Σ_f a[i, f] · b[i, f] over f &lt; features (in double, so long sums keep their precision).</summary>
    public static double Dot(ref float a, int lda, ref float b, int ldb, int rows, int features)
    {
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            ref float ai = ref Unsafe.Add(ref a, i * lda), bi = ref Unsafe.Add(ref b, i * ldb);
            float s = 0;
            for (int f = 0; f < features; f++)
            {
                s += Unsafe.Add(ref ai, f) * Unsafe.Add(ref bi, f);
            }
            total += s;
        }
        return total;
    }

    /// <summary>Copies <paramref name="rows"/> rows of <paramref name="features"/> floats between strides (exactly).</summary>
    public static void Copy(ref float src, int lds, ref float dst, int ldd, int rows, int features)
    {
        for (int i = 0; i < rows; i++)
        {
            Matrix.Copy(ref Unsafe.Add(ref src, i * lds), ref Unsafe.Add(ref dst, i * ldd), features);
        }
    }

    private static float Sum(ref float x, int n)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        int f = 0;
        for (; f + 8 <= n; f += 8)
        {
            acc += Vector256.LoadUnsafe(ref x, (nuint)f);
        }
        float s = Vector256.Sum(acc);
        for (; f < n; f++)
        {
            s += Unsafe.Add(ref x, f);
        }
        return s;
    }
}
