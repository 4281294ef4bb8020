using StaticRnn.Kernels;
using Xunit;

namespace StaticRnn.Runtime.Tests;

/// <summary>
/// The sequence-layer matrix products against plain double loops: every tile shape and remainder, strides wider than
/// the rows, accumulate or overwrite, and C's floats outside the m × n block (the padding of each row) unchanged.
/// </summary>
public class MatrixTests
{
    public static TheoryData<int, int, int, bool> Shapes => new()
    {
        { 4, 8, 16, false },   // one full tile
        { 9, 5, 37, true },    // row remainder, 16-, 8- and a 5-column tail
        { 1, 1, 1, false },
        { 3, 33, 7, true },    // rows below a tile, a 7-column tail
        { 200, 32, 64, false },// the keras.io Transformer's projections
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyMatchesPlainLoops(int m, int depth, int n, bool accumulate)
    {
        var r = new SeededRandom(11);
        int lda = depth + 3, ldb = n + 5, ldc = n + 9;
        float[] a = Fill(m * lda, r), b = Fill(depth * ldb + 8, r), c = Fill(m * ldc + 8, r);
        double[] expected = Expected(c, m, n, ldc, accumulate, (i, j) => Sum(depth, k => (double)a[i * lda + k] * b[k * ldb + j]));
        Matrix.Multiply(ref a[0], lda, ref b[0], ldb, ref c[0], ldc, m, depth, n, accumulate);
        AssertClose(expected, c);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyTransposedAMatchesPlainLoops(int m, int depth, int n, bool accumulate)
    {
        var r = new SeededRandom(12);
        int lda = m + 2, ldb = n + 5, ldc = n + 9;
        float[] a = Fill(depth * lda, r), b = Fill(depth * ldb + 8, r), c = Fill(m * ldc + 8, r);
        double[] expected = Expected(c, m, n, ldc, accumulate, (i, j) => Sum(depth, k => (double)a[k * lda + i] * b[k * ldb + j]));
        Matrix.MultiplyTransposedA(ref a[0], lda, ref b[0], ldb, ref c[0], ldc, m, depth, n, accumulate);
        AssertClose(expected, c);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyTransposedBMatchesPlainLoops(int m, int depth, int n, bool accumulate)
    {
        var r = new SeededRandom(13);
        int lda = depth + 3, ldb = depth + 1, ldc = n + 9;
        float[] a = Fill(m * lda, r), b = Fill(n * ldb, r), c = Fill(m * ldc + 8, r);
        float[] scratch = new float[depth * ((n + 7) / 8 * 8) + 8];
        double[] expected = Expected(c, m, n, ldc, accumulate, (i, j) => Sum(depth, k => (double)a[i * lda + k] * b[j * ldb + k]));
        Matrix.MultiplyTransposedB(ref a[0], lda, ref b[0], ldb, ref c[0], ldc, m, depth, n, accumulate, ref scratch[0]);
        AssertClose(expected, c);
    }

    /// <summary>
    /// Packed B (and packed Bᵀ) against plain loops, and the same bits as <see cref="Matrix.Multiply"/>: the batched LSTM
    /// relies on that, so a sample gives the same outputs alone and in a group. 8, 13 and 17 rows reach the 8-, 6-, 4- and
    /// 1-row tiles; 72 columns end in an 8-column panel.
    /// </summary>
    [Theory]
    [InlineData(8, 128, 512, true)]
    [InlineData(13, 40, 72, false)]
    [InlineData(17, 9, 16, true)]
    [InlineData(1, 64, 32, true)]
    public void PackedMultiplyMatchesPlainLoopsAndMultiplyBits(int m, int depth, int n, bool accumulate)
    {
        var r = new SeededRandom(15);
        int lda = depth + 3, ldb = n + 5, ldc = n + 9;
        float[] a = Fill(m * lda, r), b = Fill(depth * ldb + 8, r), c = Fill(m * ldc + 8, r);
        float[] plain = (float[])c.Clone(), packed = new float[depth * n], viaTranspose = (float[])c.Clone();
        double[] expected = Expected(c, m, n, ldc, accumulate, (i, j) => Sum(depth, k => (double)a[i * lda + k] * b[k * ldb + j]));
        Matrix.Multiply(ref a[0], lda, ref b[0], ldb, ref plain[0], ldc, m, depth, n, accumulate);
        Matrix.Pack(ref b[0], ldb, depth, n, transposed: false, ref packed[0]);
        Matrix.MultiplyPacked(ref a[0], lda, ref packed[0], ref c[0], ldc, m, depth, n, accumulate);
        AssertClose(expected, c);
        Assert.Equal(plain.Select(BitConverter.SingleToInt32Bits), c.Select(BitConverter.SingleToInt32Bits));

        // Bᵀ stored as n rows of depth floats, packed transposed: the same product.
        int ldt = depth + 2;
        float[] bt = new float[n * ldt];
        for (int k = 0; k < depth; k++)
        {
            for (int j = 0; j < n; j++)
            {
                bt[j * ldt + k] = b[k * ldb + j];
            }
        }
        Array.Clear(packed);
        Matrix.Pack(ref bt[0], ldt, depth, n, transposed: true, ref packed[0]);
        Matrix.MultiplyPacked(ref a[0], lda, ref packed[0], ref viaTranspose[0], ldc, m, depth, n, accumulate);
        Assert.Equal(plain.Select(BitConverter.SingleToInt32Bits), viaTranspose.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void ColumnSumsAndBroadcastRows()
    {
        var r = new SeededRandom(14);
        int m = 7, n = 13, ldc = 16;
        float[] c = Fill(m * ldc, r), sums = Fill(n, r), bias = Fill(n, r);
        double[] expected = sums.Select((s, j) => s + Sum(m, i => c[i * ldc + j])).ToArray();
        Matrix.AddColumnSums(ref c[0], ldc, m, n, ref sums[0]);
        AssertClose(expected, sums);
        float[] before = (float[])c.Clone();
        Matrix.BroadcastRows(ref bias[0], ref c[0], ldc, m, n);
        for (int i = 0; i < c.Length; i++)
        {
            Assert.Equal(i % ldc < n ? bias[i % ldc] : before[i], c[i]);
        }
    }

    private static double[] Expected(float[] c, int m, int n, int ldc, bool accumulate, Func<int, int, double> product)
    {
        double[] expected = c.Select(v => (double)v).ToArray();
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                expected[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0) + product(i, j);
            }
        }
        return expected;
    }

    private static double Sum(int count, Func<int, double> term)
    {
        double s = 0;
        for (int k = 0; k < count; k++)
        {
            s += term(k);
        }
        return s;
    }

    private static float[] Fill(int length, SeededRandom r)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)r.NextDouble(-1, 1);
        }
        return values;
    }

    /// <summary>Every float, in and outside the written block: outside it the value must be exactly what it was.</summary>
    private static void AssertClose(double[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"[{i}] = {actual[i]}, expected {expected[i]}");
        }
    }
}

/// <summary>The row kernels of the sequence layers against plain double formulas.</summary>
public class RowsTests
{
    [Theory]
    [InlineData(5, 13, 16, 1f, false)]
    [InlineData(9, 9, 16, 0.35f, true)]
    [InlineData(3, 24, 24, 2f, false)]
    [InlineData(4, 3, 8, 1f, true)]
    public void SoftmaxAndItsBackwardMatchTheFormulas(int rows, int length, int ld, float scale, bool causal)
    {
        var r = new SeededRandom(21);
        float[] s = Fill(rows * ld, r, 4), g = Fill(rows * ld, r, 1);
        float[] scores = (float[])s.Clone();
        Rows.Softmax(ref scores[0], ld, rows, length, scale, causal);
        float[] gradient = (float[])g.Clone();
        Rows.SoftmaxBackward(ref scores[0], ld, ref gradient[0], ld, rows, length, scale, causal);
        for (int i = 0; i < rows; i++)
        {
            int n = causal ? Math.Min(i + 1, length) : length;
            double max = Enumerable.Range(0, n).Max(j => scale * (double)s[i * ld + j]);
            double[] e = Enumerable.Range(0, n).Select(j => Math.Exp(scale * (double)s[i * ld + j] - max)).ToArray();
            double sum = e.Sum();
            double dot = Enumerable.Range(0, n).Sum(j => e[j] / sum * g[i * ld + j]);
            for (int j = 0; j < (length + 7) / 8 * 8 && j < ld; j++)
            {
                double p = j < n ? e[j] / sum : 0;
                Assert.True(Math.Abs(scores[i * ld + j] - p) <= 2e-6, $"P[{i},{j}] = {scores[i * ld + j]}, expected {p}");
                if (j < length)
                {
                    double d = j < n ? scale * p * (g[i * ld + j] - dot) : 0;
                    Assert.True(Math.Abs(gradient[i * ld + j] - d) <= 1e-5, $"dS[{i},{j}] = {gradient[i * ld + j]}, expected {d}");
                }
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CausalSoftmaxOfLaterRowsAloneEqualsThoseRowsOfTheWholeSoftmax(bool keyMask)
    {
        // Incremental decoding softmaxes the rows of the new steps only, firstRow telling their query step; the causal
        // mask must then cut each row where it cuts the same row of the whole matrix, to the bit.
        const int Rows9 = 9, Length = 9, Ld = 16;
        var r = new SeededRandom(23);
        float[] s = Fill(Rows9 * Ld, r, 4);
        float[] mask = [1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
        float[] whole = (float[])s.Clone();
        if (keyMask)
        {
            Rows.Softmax(ref whole[0], Ld, Rows9, Length, 0.5f, causal: true, ref mask[0]);
        }
        else
        {
            Rows.Softmax(ref whole[0], Ld, Rows9, Length, 0.5f, causal: true);
        }
        foreach ((int from, int to) in new[] { (0, 1), (1, 2), (2, 6), (6, 9) })
        {
            float[] part = (float[])s.Clone();
            if (keyMask)
            {
                Rows.Softmax(ref part[from * Ld], Ld, to - from, Length, 0.5f, causal: true, ref mask[0], firstRow: from);
            }
            else
            {
                Rows.Softmax(ref part[from * Ld], Ld, to - from, Length, 0.5f, causal: true, firstRow: from);
            }
            Assert.Equal(whole.AsSpan(from * Ld, (to - from) * Ld).ToArray(), part.AsSpan(from * Ld, (to - from) * Ld).ToArray());
        }
    }

    [Theory]
    [InlineData(4, 6, 6, 8)]
    [InlineData(3, 32, 32, 32)]
    [InlineData(2, 11, 16, 16)]
    public void LayerNormAndItsBackwardMatchTheFormulas(int rows, int features, int ldx, int ld)
    {
        var r = new SeededRandom(22);
        float[] x = Fill(rows * ldx, r, 2), gamma = Fill(features, r, 1), beta = Fill(features, r, 1), dy = Fill(rows * ld, r, 1);
        float[] y = new float[rows * ld], normalized = new float[rows * ld], inverse = new float[rows], dx = Fill(rows * ld, r, 1);
        float[] dGamma = Fill(features, r, 1), dBeta = Fill(features, r, 1);
        float[] dx0 = (float[])dx.Clone(), dGamma0 = (float[])dGamma.Clone(), dBeta0 = (float[])dBeta.Clone();
        const float eps = 1e-3f;
        Rows.LayerNorm(ref x[0], ldx, ref y[0], ref normalized[0], ref inverse[0], ld, rows, features, ref gamma[0], ref beta[0], eps);
        Rows.LayerNormBackward(ref normalized[0], ref inverse[0], ld, ref dy[0], ld, rows, features, ref gamma[0], ref dGamma[0], ref dBeta[0], ref dx[0], ld, true, accumulate: true);
        var expectedGamma = dGamma0.Select(v => (double)v).ToArray();
        var expectedBeta = dBeta0.Select(v => (double)v).ToArray();
        for (int i = 0; i < rows; i++)
        {
            double[] xi = Enumerable.Range(0, features).Select(f => (double)x[i * ldx + f]).ToArray();
            double mean = xi.Average(), variance = xi.Select(v => (v - mean) * (v - mean)).Average(), inv = 1 / Math.Sqrt(variance + eps);
            double[] n = xi.Select(v => (v - mean) * inv).ToArray();
            double[] g = Enumerable.Range(0, features).Select(f => (double)dy[i * ld + f] * gamma[f]).ToArray();
            double meanG = g.Average(), meanGN = g.Zip(n, (a, b) => a * b).Average();
            for (int f = 0; f < features; f++)
            {
                Assert.True(Math.Abs(y[i * ld + f] - (gamma[f] * n[f] + beta[f])) <= 1e-5, $"y[{i},{f}]");
                Assert.True(Math.Abs(dx[i * ld + f] - (dx0[i * ld + f] + inv * (g[f] - meanG - n[f] * meanGN))) <= 1e-4, $"dx[{i},{f}]");
                expectedGamma[f] += dy[i * ld + f] * n[f];
                expectedBeta[f] += dy[i * ld + f];
            }
        }
        for (int f = 0; f < features; f++)
        {
            Assert.True(Math.Abs(dGamma[f] - expectedGamma[f]) <= 1e-4, $"dgamma[{f}]");
            Assert.True(Math.Abs(dBeta[f] - expectedBeta[f]) <= 1e-5, $"dbeta[{f}]");
        }
    }

    private static float[] Fill(int length, SeededRandom r, double range)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)r.NextDouble(-range, range);
        }
        return values;
    }
}
