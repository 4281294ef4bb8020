using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticRnn.Kernels;

/// <summary>
/// The register-blocked products of the recurrent backward passes, shared by every generated network.
/// <para>
/// Columns come in gates: a weight matrix row holds <c>gates × units</c> columns (Keras layout), while a row of
/// deltas holds the same gates each padded to <c>stride</c> floats (a multiple of 8), so block <c>k</c> of gate
/// <c>g</c> is column <c>g·units + 8k</c> of the matrix and float <c>g·stride + 8k</c> of the deltas. When
/// <c>units</c> is not a multiple of 8 the last block of a gate reaches into the next gate's first columns; the
/// padding lanes of the deltas are zero there, so those columns gain exactly zero. Every row of a matrix may be
/// read up to 7 floats past its last column (the generated buffers are padded).
/// </para>
/// </summary>
public static class Products
{
    /// <summary>
    /// <c>G[i, ·] += Σ_t v_t[i] · d_t</c> over the <paramref name="gates"/> gates that start at <paramref name="gradient"/>
    /// (rows of <paramref name="rowLength"/> floats) for every row <c>i &lt; rows</c>: the weight gradient of a product over all
    /// <paramref name="steps"/> time steps at once. Row <c>t</c> of the vectors starts at <c>t · vectorStride</c>
    /// (negative for a layer that reads its input backwards) and row <c>t</c> of the deltas at <c>t · deltaStride</c>.
    /// Tiles of 4 gradient rows × 16 columns stay in registers over all steps, so each gradient float is read and
    /// written once per call instead of once per step.
    /// </summary>
    public static void AddOuterProducts(ref float gradient, int rowLength, int gates, int units, int stride, ref float vectors, int vectorStride, int rows,
        ref float deltas, int deltaStride, int steps)
    {
        for (int g = 0; g < gates; g++)
        {
            ref float gradientGate = ref Unsafe.Add(ref gradient, g * units);
            ref float deltaGate = ref Unsafe.Add(ref deltas, g * stride);
            int column = 0;
            for (; column + 16 <= stride; column += 16)
            {
                int i = 0;
                for (; i + 4 <= rows; i += 4)
                {
                    OuterTile4x2(ref Unsafe.Add(ref gradientGate, i * rowLength + column), rowLength, ref Unsafe.Add(ref vectors, i), vectorStride,
                        ref Unsafe.Add(ref deltaGate, column), deltaStride, steps);
                }
                for (; i < rows; i++)
                {
                    OuterTile1x2(ref Unsafe.Add(ref gradientGate, i * rowLength + column), ref Unsafe.Add(ref vectors, i), vectorStride,
                        ref Unsafe.Add(ref deltaGate, column), deltaStride, steps);
                }
            }
            if (column < stride)
            {
                for (int i = 0; i < rows; i++)
                {
                    OuterTile1x1(ref Unsafe.Add(ref gradientGate, i * rowLength + column), ref Unsafe.Add(ref vectors, i), vectorStride,
                        ref Unsafe.Add(ref deltaGate, column), deltaStride, steps);
                }
            }
        }
    }

    private static void OuterTile4x2(ref float g, int rowLength, ref float v, int vectorStride, ref float d, int deltaStride, int steps)
    {
        ref float g1 = ref Unsafe.Add(ref g, rowLength), g2 = ref Unsafe.Add(ref g, 2 * rowLength), g3 = ref Unsafe.Add(ref g, 3 * rowLength);
        Vector256<float> a00 = Vector256.LoadUnsafe(ref g), a01 = Vector256.LoadUnsafe(ref g, 8);
        Vector256<float> a10 = Vector256.LoadUnsafe(ref g1), a11 = Vector256.LoadUnsafe(ref g1, 8);
        Vector256<float> a20 = Vector256.LoadUnsafe(ref g2), a21 = Vector256.LoadUnsafe(ref g2, 8);
        Vector256<float> a30 = Vector256.LoadUnsafe(ref g3), a31 = Vector256.LoadUnsafe(ref g3, 8);
        for (int t = 0; t < steps; t++)
        {
            ref float vt = ref Unsafe.Add(ref v, t * vectorStride);
            ref float dt = ref Unsafe.Add(ref d, t * deltaStride);
            Vector256<float> d0 = Vector256.LoadUnsafe(ref dt), d1 = Vector256.LoadUnsafe(ref dt, 8);
            Vector256<float> s = Vector256.Create(vt);
            a00 = Vector256.MultiplyAddEstimate(s, d0, a00);
            a01 = Vector256.MultiplyAddEstimate(s, d1, a01);
            s = Vector256.Create(Unsafe.Add(ref vt, 1));
            a10 = Vector256.MultiplyAddEstimate(s, d0, a10);
            a11 = Vector256.MultiplyAddEstimate(s, d1, a11);
            s = Vector256.Create(Unsafe.Add(ref vt, 2));
            a20 = Vector256.MultiplyAddEstimate(s, d0, a20);
            a21 = Vector256.MultiplyAddEstimate(s, d1, a21);
            s = Vector256.Create(Unsafe.Add(ref vt, 3));
            a30 = Vector256.MultiplyAddEstimate(s, d0, a30);
            a31 = Vector256.MultiplyAddEstimate(s, d1, a31);
        }
        a00.StoreUnsafe(ref g);
        a01.StoreUnsafe(ref g, 8);
        a10.StoreUnsafe(ref g1);
        a11.StoreUnsafe(ref g1, 8);
        a20.StoreUnsafe(ref g2);
        a21.StoreUnsafe(ref g2, 8);
        a30.StoreUnsafe(ref g3);
        a31.StoreUnsafe(ref g3, 8);
    }

    private static void OuterTile1x2(ref float g, ref float v, int vectorStride, ref float d, int deltaStride, int steps)
    {
        Vector256<float> a0 = Vector256.LoadUnsafe(ref g), a1 = Vector256.LoadUnsafe(ref g, 8);
        for (int t = 0; t < steps; t++)
        {
            ref float dt = ref Unsafe.Add(ref d, t * deltaStride);
            Vector256<float> s = Vector256.Create(Unsafe.Add(ref v, t * vectorStride));
            a0 = Vector256.MultiplyAddEstimate(s, Vector256.LoadUnsafe(ref dt), a0);
            a1 = Vector256.MultiplyAddEstimate(s, Vector256.LoadUnsafe(ref dt, 8), a1);
        }
        a0.StoreUnsafe(ref g);
        a1.StoreUnsafe(ref g, 8);
    }

    private static void OuterTile1x1(ref float g, ref float v, int vectorStride, ref float d, int deltaStride, int steps)
    {
        Vector256<float> a = Vector256.LoadUnsafe(ref g);
        for (int t = 0; t < steps; t++)
        {
            a = Vector256.MultiplyAddEstimate(Vector256.Create(Unsafe.Add(ref v, t * vectorStride)), Vector256.LoadUnsafe(ref Unsafe.Add(ref d, t * deltaStride)), a);
        }
        a.StoreUnsafe(ref g);
    }

    /// <summary>
    /// <c>out[i] (+)= Σ_g Σ_k M[i, g·units + 8k ..] · d[g·stride + 8k ..]</c> for every row <c>i &lt; rows</c> of a matrix with
    /// rows of <paramref name="rowLength"/> floats: the
    /// product of a matrix with one row of deltas, one dot product per matrix row (dh = dz·Uᵀ, dx = dz·Wᵀ). Eight rows
    /// are accumulated side by side, lane-wise, and reduced together at the end, so the horizontal sums cost one
    /// reduction per eight rows; only the output floats of real rows are written.
    /// </summary>
    public static void DotRows(ref float output, ref float matrix, int rowLength, int gates, int units, int stride, int rows, ref float deltas, bool accumulate)
    {
        int i = 0;
        for (; i + 8 <= rows; i += 8)
        {
            ref float m = ref Unsafe.Add(ref matrix, i * rowLength);
            ref float m1 = ref Unsafe.Add(ref m, rowLength), m2 = ref Unsafe.Add(ref m, 2 * rowLength), m3 = ref Unsafe.Add(ref m, 3 * rowLength);
            ref float m4 = ref Unsafe.Add(ref m, 4 * rowLength), m5 = ref Unsafe.Add(ref m, 5 * rowLength), m6 = ref Unsafe.Add(ref m, 6 * rowLength), m7 = ref Unsafe.Add(ref m, 7 * rowLength);
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            for (int g = 0; g < gates; g++)
            {
                int mc = g * units, dc = g * stride;
                for (int k = 0; k < stride; k += 8, mc += 8, dc += 8)
                {
                    Vector256<float> d = Vector256.LoadUnsafe(ref deltas, (nuint)dc);
                    s0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref m, (nuint)mc), d, s0);
                    s1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref m1, (nuint)mc), d, s1);
                    s2 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref m2, (nuint)mc), d, s2);
                    s3 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref m3, (nuint)mc), d, s3);
                    s4 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref m4, (nuint)mc), d, s4);
                    s5 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref m5, (nuint)mc), d, s5);
                    s6 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref m6, (nuint)mc), d, s6);
                    s7 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref m7, (nuint)mc), d, s7);
                }
            }
            Vector256<float> sums = SumEach(s0, s1, s2, s3, s4, s5, s6, s7);
            ref float o = ref Unsafe.Add(ref output, i);
            (accumulate ? sums + Vector256.LoadUnsafe(ref o) : sums).StoreUnsafe(ref o);
        }
        for (; i < rows; i++)
        {
            ref float m = ref Unsafe.Add(ref matrix, i * rowLength);
            Vector256<float> s = default;
            for (int g = 0; g < gates; g++)
            {
                for (int k = 0; k < stride; k += 8)
                {
                    s = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref m, (nuint)(g * units + k)), Vector256.LoadUnsafe(ref deltas, (nuint)(g * stride + k)), s);
                }
            }
            ref float o = ref Unsafe.Add(ref output, i);
            o = accumulate ? o + Vector256.Sum(s) : Vector256.Sum(s);
        }
    }

    /// <summary>The lane sums of eight vectors, as one vector: lane j holds the sum of the lanes of the j-th argument.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SumEach(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        Vector256<float> v4, Vector256<float> v5, Vector256<float> v6, Vector256<float> v7)
    {
        if (Avx.IsSupported)
        {
            // Pairwise sums within 128-bit halves, then one cross-half add: 6 hadd + 2 permutes + 1 add.
            Vector256<float> a = Avx.HorizontalAdd(Avx.HorizontalAdd(v0, v1), Avx.HorizontalAdd(v2, v3));
            Vector256<float> b = Avx.HorizontalAdd(Avx.HorizontalAdd(v4, v5), Avx.HorizontalAdd(v6, v7));
            return Avx.Permute2x128(a, b, 0x20) + Avx.Permute2x128(a, b, 0x31);
        }
        return Vector256.Create(Vector256.Sum(v0), Vector256.Sum(v1), Vector256.Sum(v2), Vector256.Sum(v3),
            Vector256.Sum(v4), Vector256.Sum(v5), Vector256.Sum(v6), Vector256.Sum(v7));
    }
}
