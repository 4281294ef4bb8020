using System;
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
/// and stored once per call; the remainders run as 4 × 16, 1 × 16, 2 × 8 and 1 × 8 tiles, the last columns masked.
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

    /// <summary>
    /// B (depth × n, row stride <paramref name="ldb"/>, or its transpose when <paramref name="transposed"/>: then B[k, j] =
    /// b[j · ldb + k]) copied into <paramref name="packed"/> as column panels: each 16 columns as depth rows of 16
    /// contiguous floats, the last 8 columns (n mod 16) as depth rows of 8. <see cref="MultiplyPacked"/> then reads each
    /// panel sequentially. <paramref name="n"/> must be a multiple of 8; <paramref name="packed"/> holds depth · n floats.
    /// </summary>
    public static void Pack(ref float b, int ldb, int depth, int n, bool transposed, ref float packed)
    {
        for (int j = 0; j < n; j += 16)
        {
            int width = Math.Min(16, n - j);
            ref float panel = ref Unsafe.Add(ref packed, j * depth);
            for (int k = 0; k < depth; k++)
            {
                ref float row = ref Unsafe.Add(ref panel, k * width);
                for (int q = 0; q < width; q++)
                {
                    Unsafe.Add(ref row, q) = transposed ? Unsafe.Add(ref b, (j + q) * ldb + k) : Unsafe.Add(ref b, k * ldb + j + q);
                }
            }
        }
    }

    /// <summary>
    /// <c>C (+)= A · B</c> with B packed by <see cref="Pack"/>: the same tiles and the same chain of FMAs per element as
    /// <see cref="Multiply"/> (so the same bits), but each panel of B is read as one contiguous block.
    /// </summary>
    public static void MultiplyPacked(ref float a, int lda, ref float packed, ref float c, int ldc, int m, int depth, int n, bool accumulate)
    {
        int j = 0;
        for (; j + 16 <= n; j += 16)
        {
            Product(ref a, lda, 1, ref Unsafe.Add(ref packed, j * depth), 16, ref Unsafe.Add(ref c, j), ldc, m, depth, 16, accumulate);
        }
        if (j < n)
        {
            Product(ref a, lda, 1, ref Unsafe.Add(ref packed, j * depth), 8, ref Unsafe.Add(ref c, j), ldc, m, depth, n - j, accumulate);
        }
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
    /// Column panels of 16 go outermost, so a panel of B (depth × 16 floats) is read from memory once and then from the
    /// L1 cache by every band of rows: tiles of 8 rows where the JIT has 32 vector registers (AVX-512: 16 accumulators,
    /// 2 B loads and 8 broadcasts per 16 FMAs), of 6 (12 accumulators), of 4 (8 rows as two of 4, not 6 + 1 + 1), then
    /// single rows. The last columns (n mod 16) go as 8-column tiles of
    /// two rows and one. Each element of C is one chain of FMAs in k order, whatever its tile, so results do not depend
    /// on m or on where a row falls.
    /// </summary>
    private static void Product(ref float a, int rowStride, int depthStride, ref float b, int ldb, ref float c, int ldc, int m, int depth, int n, bool accumulate)
    {
        int j = 0;
        for (; j + 16 <= n; j += 16)
        {
            ref float bj = ref Unsafe.Add(ref b, j);
            ref float cj = ref Unsafe.Add(ref c, j);
            int i = 0;
            if (WideRegisters)
            {
                for (; i + 8 <= m; i += 8)
                {
                    Tile8x16(ref Unsafe.Add(ref a, i * rowStride), rowStride, depthStride, ref bj, ldb, ref Unsafe.Add(ref cj, i * ldc), ldc, depth, accumulate);
                }
            }
            for (; i + 6 <= m && m - i != 8; i += 6)
            {
                Tile6x16(ref Unsafe.Add(ref a, i * rowStride), rowStride, depthStride, ref bj, ldb, ref Unsafe.Add(ref cj, i * ldc), ldc, depth, accumulate);
            }
            for (; i + 4 <= m; i += 4)
            {
                Tile4x16(ref Unsafe.Add(ref a, i * rowStride), rowStride, depthStride, ref bj, ldb, ref Unsafe.Add(ref cj, i * ldc), ldc, depth, accumulate);
            }
            for (; i < m; i++)
            {
                Tile1x16(ref Unsafe.Add(ref a, i * rowStride), depthStride, ref bj, ldb, ref Unsafe.Add(ref cj, i * ldc), depth, accumulate);
            }
        }
        for (; j < n; j += 8)
        {
            ref float bj = ref Unsafe.Add(ref b, j);
            ref float cj = ref Unsafe.Add(ref c, j);
            int i = 0;
            for (; i + 2 <= m; i += 2)
            {
                Tile2x8(ref Unsafe.Add(ref a, i * rowStride), rowStride, depthStride, ref bj, ldb, ref Unsafe.Add(ref cj, i * ldc), ldc, depth, accumulate, n - j);
            }
            if (i < m)
            {
                Tile1x8(ref Unsafe.Add(ref a, i * rowStride), depthStride, ref bj, ldb, ref Unsafe.Add(ref cj, i * ldc), depth, accumulate, n - j);
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

    /// <summary>
    /// Whether the JIT has 32 vector registers (it encodes Vector256 code with EVEX when AVX-512VL is there), so an 8 × 16
    /// tile's 16 accumulators, two B vectors and a broadcast stay in registers. Measured on the 2-core AVX-512 machine of
    /// bench/results: 8 rows × 128 deep × 512 columns ran 25-30% faster as one 8-row band than as two 4-row bands.
    /// </summary>
    private static readonly bool WideRegisters = System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported;

    private static void Tile8x16(ref float a, int rs, int ds, ref float b, int ldb, ref float c, int ldc, int depth, bool accumulate)
    {
        ref float c1 = ref Unsafe.Add(ref c, ldc), c2 = ref Unsafe.Add(ref c, 2 * ldc), c3 = ref Unsafe.Add(ref c, 3 * ldc);
        ref float c4 = ref Unsafe.Add(ref c, 4 * ldc), c5 = ref Unsafe.Add(ref c, 5 * ldc), c6 = ref Unsafe.Add(ref c, 6 * ldc), c7 = ref Unsafe.Add(ref c, 7 * ldc);
        Vector256<float> x00, x01, x10, x11, x20, x21, x30, x31, x40, x41, x50, x51, x60, x61, x70, x71;
        if (accumulate)
        {
            x00 = Vector256.LoadUnsafe(ref c); x01 = Vector256.LoadUnsafe(ref c, 8);
            x10 = Vector256.LoadUnsafe(ref c1); x11 = Vector256.LoadUnsafe(ref c1, 8);
            x20 = Vector256.LoadUnsafe(ref c2); x21 = Vector256.LoadUnsafe(ref c2, 8);
            x30 = Vector256.LoadUnsafe(ref c3); x31 = Vector256.LoadUnsafe(ref c3, 8);
            x40 = Vector256.LoadUnsafe(ref c4); x41 = Vector256.LoadUnsafe(ref c4, 8);
            x50 = Vector256.LoadUnsafe(ref c5); x51 = Vector256.LoadUnsafe(ref c5, 8);
            x60 = Vector256.LoadUnsafe(ref c6); x61 = Vector256.LoadUnsafe(ref c6, 8);
            x70 = Vector256.LoadUnsafe(ref c7); x71 = Vector256.LoadUnsafe(ref c7, 8);
        }
        else
        {
            x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = x40 = x41 = x50 = x51 = x60 = x61 = x70 = x71 = Vector256<float>.Zero;
        }
        int o1 = rs, o2 = 2 * rs, o3 = 3 * rs, o4 = 4 * rs, o5 = 5 * rs, o6 = 6 * rs, o7 = 7 * rs;
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
            s = Vector256.Create(Unsafe.Add(ref ak, o6));
            x60 = Vector256.MultiplyAddEstimate(s, b0, x60);
            x61 = Vector256.MultiplyAddEstimate(s, b1, x61);
            s = Vector256.Create(Unsafe.Add(ref ak, o7));
            x70 = Vector256.MultiplyAddEstimate(s, b0, x70);
            x71 = Vector256.MultiplyAddEstimate(s, b1, x71);
            ak = ref Unsafe.Add(ref ak, ds);
            bk = ref Unsafe.Add(ref bk, ldb);
        }
        x00.StoreUnsafe(ref c); x01.StoreUnsafe(ref c, 8);
        x10.StoreUnsafe(ref c1); x11.StoreUnsafe(ref c1, 8);
        x20.StoreUnsafe(ref c2); x21.StoreUnsafe(ref c2, 8);
        x30.StoreUnsafe(ref c3); x31.StoreUnsafe(ref c3, 8);
        x40.StoreUnsafe(ref c4); x41.StoreUnsafe(ref c4, 8);
        x50.StoreUnsafe(ref c5); x51.StoreUnsafe(ref c5, 8);
        x60.StoreUnsafe(ref c6); x61.StoreUnsafe(ref c6, 8);
        x70.StoreUnsafe(ref c7); x71.StoreUnsafe(ref c7, 8);
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
