using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticRnn.Kernels;

/// <summary>
/// Register-blocked matrix products for the layers that work on whole sequences at once (attention, the Transformer
/// block, layer normalization's neighbours): C (m × n) (+)= A (m × depth) · B (depth × n), and the forms with Aᵀ and Bᵀ
/// the backward passes need. Matrices are row-major with a row stride each (<c>ld*</c>, in floats).
/// <para>
/// Reads: A is read one float at a time (broadcast), never past its last column, so A may be a caller's span. B is read
/// in vectors of 8 and may be read up to 7 floats past the end of each row; its buffer must have that slack after the
/// last row. Writes: only C[i, j] for i &lt; m, j &lt; n change; a row's last vector is blended with what was there, so
/// C's buffer needs the same 7-float slack.
/// </para>
/// <para>
/// Tiles of 6 rows × 16 columns (12 accumulators) stay in registers over the whole depth, so each C float is loaded
/// and stored once per call; the remainders run as 4 × 16, 1 × 16 and 1 × 8 tiles, the last one masked.
/// </para>
/// </summary>
public static class Matrix
{
    /// <summary><c>C (+)= A · B</c>: C[i, j] = Σ_k A[i, k] · B[k, j].</summary>
    public static void Multiply(ref float a, int lda, ref float b, int ldb, ref float c, int ldc, int m, int depth, int n, bool accumulate)
        => Product(ref a, lda, 1, ref b, ldb, ref c, ldc, m, depth, n, accumulate);

    /// <summary><c>C (+)= Aᵀ · B</c> for A of shape (depth × m): C[i, j] = Σ_k A[k, i] · B[k, j] (a weight gradient over all rows at once).</summary>
    public static void MultiplyTransposedA(ref float a, int lda, ref float b, int ldb, ref float c, int ldc, int m, int depth, int n, bool accumulate)
        => Product(ref a, 1, lda, ref b, ldb, ref c, ldc, m, depth, n, accumulate);

    /// <summary>
    /// <c>C (+)= A · Bᵀ</c> for B of shape (n × depth): C[i, j] = Σ_k A[i, k] · B[j, k]. B is first transposed into
    /// <paramref name="scratch"/> (depth rows of <c>RoundUp(n)</c> floats, plus 8), then multiplied as <see cref="Multiply"/>.
    /// </summary>
    public static void MultiplyTransposedB(ref float a, int lda, ref float b, int ldb, ref float c, int ldc, int m, int depth, int n, bool accumulate, ref float scratch)
    {
        int packed = (n + 7) & ~7;
        Transpose(ref b, ldb, ref scratch, packed, n, depth);
        Product(ref a, lda, 1, ref scratch, packed, ref c, ldc, m, depth, n, accumulate);
    }

    /// <summary>dst[j, i] = src[i, j] for i &lt; rows, j &lt; cols: src is read exactly (it may be a caller's span).</summary>
    public static void Transpose(ref float src, int lds, ref float dst, int ldd, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
        {
            ref float row = ref Unsafe.Add(ref src, i * lds);
            ref float column = ref Unsafe.Add(ref dst, i);
            for (int j = 0; j < cols; j++)
            {
                Unsafe.Add(ref column, j * ldd) = Unsafe.Add(ref row, j);
            }
        }
    }

    /// <summary>C[i, ·] = v for every row i &lt; m: the bias a product then accumulates onto.</summary>
    public static void BroadcastRows(ref float v, ref float c, int ldc, int m, int n)
    {
        for (int i = 0; i < m; i++)
        {
            Copy(ref v, ref Unsafe.Add(ref c, i * ldc), n);
        }
    }

    /// <summary>sums[j] += Σ_i C[i, j] for i &lt; m, j &lt; n: a bias gradient over all rows.</summary>
    public static void AddColumnSums(ref float c, int ldc, int m, int n, ref float sums)
    {
        int j = 0;
        for (; j + 8 <= n; j += 8)
        {
            Vector256<float> s = Vector256.LoadUnsafe(ref sums, (nuint)j);
            for (int i = 0; i < m; i++)
            {
                s += Vector256.LoadUnsafe(ref Unsafe.Add(ref c, i * ldc), (nuint)j);
            }
            s.StoreUnsafe(ref sums, (nuint)j);
        }
        for (; j < n; j++)
        {
            float s = 0;
            for (int i = 0; i < m; i++)
            {
                s += Unsafe.Add(ref c, i * ldc + j);
            }
            Unsafe.Add(ref sums, j) += s;
        }
    }

    /// <summary>dst[0..n) = src[0..n), read and written exactly.</summary>
    public static void Copy(ref float src, ref float dst, int n)
    {
        int j = 0;
        for (; j + 8 <= n; j += 8)
        {
            Vector256.LoadUnsafe(ref src, (nuint)j).StoreUnsafe(ref dst, (nuint)j);
        }
        for (; j < n; j++)
        {
            Unsafe.Add(ref dst, j) = Unsafe.Add(ref src, j);
        }
    }

    /// <summary>
    /// C (+)= A·B with A addressed as A(i, k) = a[i · rowStride + k · depthStride]: (lda, 1) for A, (1, lda) for Aᵀ.
    /// Rows go in tiles of 6 (12 accumulators, 2 B loads and 6 broadcasts per 12 FMAs), then one of 4, then single rows.
    /// </summary>
    private static void Product(ref float a, int rowStride, int depthStride, ref float b, int ldb, ref float c, int ldc, int m, int depth, int n, bool accumulate)
    {
        int i = 0;
        for (; i + 6 <= m; i += 6)
        {
            Rows(6, ref Unsafe.Add(ref a, i * rowStride), rowStride, depthStride, ref b, ldb, ref Unsafe.Add(ref c, i * ldc), ldc, depth, n, accumulate);
        }
        if (i + 4 <= m)
        {
            Rows(4, ref Unsafe.Add(ref a, i * rowStride), rowStride, depthStride, ref b, ldb, ref Unsafe.Add(ref c, i * ldc), ldc, depth, n, accumulate);
            i += 4;
        }
        for (; i < m; i++)
        {
            Rows(1, ref Unsafe.Add(ref a, i * rowStride), rowStride, depthStride, ref b, ldb, ref Unsafe.Add(ref c, i * ldc), ldc, depth, n, accumulate);
        }
    }

    /// <summary>One band of 6, 4 or 1 rows of C, across all its columns: 16-column tiles, then 8-column ones (the last masked).</summary>
    private static void Rows(int rows, ref float a, int rs, int ds, ref float b, int ldb, ref float c, int ldc, int depth, int n, bool accumulate)
    {
        int j = 0;
        for (; j + 16 <= n; j += 16)
        {
            ref float bj = ref Unsafe.Add(ref b, j);
            ref float cj = ref Unsafe.Add(ref c, j);
            switch (rows)
            {
                case 6: Tile6x16(ref a, rs, ds, ref bj, ldb, ref cj, ldc, depth, accumulate); break;
                case 4: Tile4x16(ref a, rs, ds, ref bj, ldb, ref cj, ldc, depth, accumulate); break;
                default: Tile1x16(ref a, ds, ref bj, ldb, ref cj, depth, accumulate); break;
            }
        }
        for (; j < n; j += 8)
        {
            if (rows == 1)
            {
                Tile1x8(ref a, ds, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref c, j), depth, accumulate, n - j);
                continue;
            }
            for (int r = 0; r < rows; r += 2)
            {
                Tile2x8(ref Unsafe.Add(ref a, r * rs), rs, ds, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref c, r * ldc + j), ldc, depth, accumulate, n - j);
            }
        }
    }

    /// <summary>Two rows × 8 columns, of which the first <paramref name="columns"/> (1..8 and more) are real.</summary>
    private static void Tile2x8(ref float a, int rs, int ds, ref float b, int ldb, ref float c, int ldc, int depth, bool accumulate, int columns)
    {
        Vector256<float> x0 = Vector256<float>.Zero, x1 = Vector256<float>.Zero;
        ref float ak = ref a, bk = ref b;
        for (int k = 0; k < depth; k++)
        {
            Vector256<float> bv = Vector256.LoadUnsafe(ref bk);
            x0 = Vector256.MultiplyAddEstimate(Vector256.Create(ak), bv, x0);
            x1 = Vector256.MultiplyAddEstimate(Vector256.Create(Unsafe.Add(ref ak, rs)), bv, x1);
            ak = ref Unsafe.Add(ref ak, ds);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        Store(x0, ref c, accumulate, columns);
        Store(x1, ref Unsafe.Add(ref c, ldc), accumulate, columns);
    }

    private static void Tile6x16(ref float a, int rs, int ds, ref float b, int ldb, ref float c, int ldc, int depth, bool accumulate)
    {
        ref float c1 = ref Unsafe.Add(ref c, ldc), c2 = ref Unsafe.Add(ref c, 2 * ldc), c3 = ref Unsafe.Add(ref c, 3 * ldc), c4 = ref Unsafe.Add(ref c, 4 * ldc), c5 = ref Unsafe.Add(ref c, 5 * ldc);
        Vector256<float> x00, x01, x10, x11, x20, x21, x30, x31, x40, x41, x50, x51;
        if (accumulate)
        {
            x00 = Vector256.LoadUnsafe(ref c); x01 = Vector256.LoadUnsafe(ref c, 8);
            x10 = Vector256.LoadUnsafe(ref c1); x11 = Vector256.LoadUnsafe(ref c1, 8);
            x20 = Vector256.LoadUnsafe(ref c2); x21 = Vector256.LoadUnsafe(ref c2, 8);
            x30 = Vector256.LoadUnsafe(ref c3); x31 = Vector256.LoadUnsafe(ref c3, 8);
            x40 = Vector256.LoadUnsafe(ref c4); x41 = Vector256.LoadUnsafe(ref c4, 8);
            x50 = Vector256.LoadUnsafe(ref c5); x51 = Vector256.LoadUnsafe(ref c5, 8);
        }
        else
        {
            x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = x40 = x41 = x50 = x51 = Vector256<float>.Zero;
        }
        int o1 = rs, o2 = 2 * rs, o3 = 3 * rs, o4 = 4 * rs, o5 = 5 * rs;
        ref float ak = ref a, bk = ref b;
        for (int k = 0; k < depth; k++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref bk), b1 = Vector256.LoadUnsafe(ref bk, 8);
            Vector256<float> s = Vector256.Create(ak);
            x00 = Vector256.MultiplyAddEstimate(s, b0, x00);
            x01 = Vector256.MultiplyAddEstimate(s, b1, x01);
            s = Vector256.Create(Unsafe.Add(ref ak, o1));
            x10 = Vector256.MultiplyAddEstimate(s, b0, x10);
            x11 = Vector256.MultiplyAddEstimate(s, b1, x11);
            s = Vector256.Create(Unsafe.Add(ref ak, o2));
            x20 = Vector256.MultiplyAddEstimate(s, b0, x20);
            x21 = Vector256.MultiplyAddEstimate(s, b1, x21);
            s = Vector256.Create(Unsafe.Add(ref ak, o3));
            x30 = Vector256.MultiplyAddEstimate(s, b0, x30);
            x31 = Vector256.MultiplyAddEstimate(s, b1, x31);
            s = Vector256.Create(Unsafe.Add(ref ak, o4));
            x40 = Vector256.MultiplyAddEstimate(s, b0, x40);
            x41 = Vector256.MultiplyAddEstimate(s, b1, x41);
            s = Vector256.Create(Unsafe.Add(ref ak, o5));
            x50 = Vector256.MultiplyAddEstimate(s, b0, x50);
            x51 = Vector256.MultiplyAddEstimate(s, b1, x51);
            ak = ref Unsafe.Add(ref ak, ds);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        x00.StoreUnsafe(ref c); x01.StoreUnsafe(ref c, 8);
        x10.StoreUnsafe(ref c1); x11.StoreUnsafe(ref c1, 8);
        x20.StoreUnsafe(ref c2); x21.StoreUnsafe(ref c2, 8);
        x30.StoreUnsafe(ref c3); x31.StoreUnsafe(ref c3, 8);
        x40.StoreUnsafe(ref c4); x41.StoreUnsafe(ref c4, 8);
        x50.StoreUnsafe(ref c5); x51.StoreUnsafe(ref c5, 8);
    }

    private static void Tile4x16(ref float a, int rs, int ds, ref float b, int ldb, ref float c, int ldc, int depth, bool accumulate)
    {
        ref float c1 = ref Unsafe.Add(ref c, ldc), c2 = ref Unsafe.Add(ref c, 2 * ldc), c3 = ref Unsafe.Add(ref c, 3 * ldc);
        Vector256<float> x00, x01, x10, x11, x20, x21, x30, x31;
        if (accumulate)
        {
            x00 = Vector256.LoadUnsafe(ref c); x01 = Vector256.LoadUnsafe(ref c, 8);
            x10 = Vector256.LoadUnsafe(ref c1); x11 = Vector256.LoadUnsafe(ref c1, 8);
            x20 = Vector256.LoadUnsafe(ref c2); x21 = Vector256.LoadUnsafe(ref c2, 8);
            x30 = Vector256.LoadUnsafe(ref c3); x31 = Vector256.LoadUnsafe(ref c3, 8);
        }
        else
        {
            x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = Vector256<float>.Zero;
        }
        int o1 = rs, o2 = 2 * rs, o3 = 3 * rs;
        ref float ak = ref a, bk = ref b;
        for (int k = 0; k < depth; k++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref bk), b1 = Vector256.LoadUnsafe(ref bk, 8);
            Vector256<float> s = Vector256.Create(ak);
            x00 = Vector256.MultiplyAddEstimate(s, b0, x00);
            x01 = Vector256.MultiplyAddEstimate(s, b1, x01);
            s = Vector256.Create(Unsafe.Add(ref ak, o1));
            x10 = Vector256.MultiplyAddEstimate(s, b0, x10);
            x11 = Vector256.MultiplyAddEstimate(s, b1, x11);
            s = Vector256.Create(Unsafe.Add(ref ak, o2));
            x20 = Vector256.MultiplyAddEstimate(s, b0, x20);
            x21 = Vector256.MultiplyAddEstimate(s, b1, x21);
            s = Vector256.Create(Unsafe.Add(ref ak, o3));
            x30 = Vector256.MultiplyAddEstimate(s, b0, x30);
            x31 = Vector256.MultiplyAddEstimate(s, b1, x31);
            ak = ref Unsafe.Add(ref ak, ds);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        x00.StoreUnsafe(ref c); x01.StoreUnsafe(ref c, 8);
        x10.StoreUnsafe(ref c1); x11.StoreUnsafe(ref c1, 8);
        x20.StoreUnsafe(ref c2); x21.StoreUnsafe(ref c2, 8);
        x30.StoreUnsafe(ref c3); x31.StoreUnsafe(ref c3, 8);
    }

    private static void Tile1x16(ref float a, int ds, ref float b, int ldb, ref float c, int depth, bool accumulate)
    {
        Vector256<float> x0 = accumulate ? Vector256.LoadUnsafe(ref c) : Vector256<float>.Zero;
        Vector256<float> x1 = accumulate ? Vector256.LoadUnsafe(ref c, 8) : Vector256<float>.Zero;
        ref float ak = ref a, bk = ref b;
        for (int k = 0; k < depth; k++)
        {
            Vector256<float> s = Vector256.Create(ak);
            x0 = Vector256.MultiplyAddEstimate(s, Vector256.LoadUnsafe(ref bk), x0);
            x1 = Vector256.MultiplyAddEstimate(s, Vector256.LoadUnsafe(ref bk, 8), x1);
            ak = ref Unsafe.Add(ref ak, ds);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        x0.StoreUnsafe(ref c);
        x1.StoreUnsafe(ref c, 8);
    }

    /// <summary>One row × 8 columns, of which the first <paramref name="columns"/> (1..8 and more) are real.</summary>
    private static void Tile1x8(ref float a, int ds, ref float b, int ldb, ref float c, int depth, bool accumulate, int columns)
    {
        Vector256<float> x = Vector256<float>.Zero;
        ref float ak = ref a, bk = ref b;
        for (int k = 0; k < depth; k++)
        {
            x = Vector256.MultiplyAddEstimate(Vector256.Create(ak), Vector256.LoadUnsafe(ref bk), x);
            ak = ref Unsafe.Add(ref ak, ds);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        Store(x, ref c, accumulate, columns);
    }

    /// <summary>Adds or writes the first min(columns, 8) lanes of <paramref name="x"/>; the other lanes of C keep their values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> x, ref float c, bool accumulate, int columns)
    {
        Vector256<float> old = Vector256.LoadUnsafe(ref c);
        Vector256<float> value = accumulate ? old + x : x;
        if (columns < 8)
        {
            value = Vector256.ConditionalSelect(VectorMath.FirstLanes(columns), value, old);
        }
        value.StoreUnsafe(ref c);
    }
}
