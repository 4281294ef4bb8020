using Xunit;

namespace StaticRnn.Runtime.Tests;

public class InitializerTests
{
    [Theory]
    [InlineData(5, 5)]
    [InlineData(12, 4)]
    [InlineData(4, 16)]
    public void OrthogonalRowsOrColumnsAreOrthonormal(int rows, int cols)
    {
        var w = new float[rows * cols];
        Initializers.Orthogonal(w, rows, cols, new SeededRandom(1));
        // The smaller dimension's vectors are orthonormal: WᵀW = I for tall, WWᵀ = I for wide.
        bool tall = rows >= cols;
        int n = tall ? cols : rows, len = tall ? rows : cols;
        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                double dot = 0;
                for (int k = 0; k < len; k++)
                {
                    dot += tall ? (double)w[k * cols + a] * w[k * cols + b] : (double)w[a * cols + k] * w[b * cols + k];
                }
                Assert.True(Math.Abs(dot - (a == b ? 1 : 0)) < 1e-5, $"<{a},{b}> = {dot}");
            }
        }
    }

    /// <summary>The textbook left-looking modified Gram-Schmidt on a row-major (max, min) matrix of normals.</summary>
    private static float[] TextbookOrthogonal(int rows, int cols, int seed)
    {
        var random = new SeededRandom(seed);
        int n = Math.Max(rows, cols), m = Math.Min(rows, cols);
        var a = new double[n * m];
        for (int i = 0; i < a.Length; i++) a[i] = random.NextNormal();
        for (int j = 0; j < m; j++)
        {
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += a[i * m + j] * a[i * m + k];
                for (int i = 0; i < n; i++) a[i * m + j] -= dot * a[i * m + k];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += a[i * m + j] * a[i * m + j];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++) a[i * m + j] /= norm;
        }
        var w = new float[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++) w[r * cols + c] = (float)(rows >= cols ? a[r * m + c] : a[c * m + r]);
        }
        return w;
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(12, 4)]
    [InlineData(4, 16)]
    [InlineData(6, 24)]    // six columns: a full block and a partial one
    [InlineData(33, 33)]
    [InlineData(64, 256)]  // an LSTM(64)'s recurrent kernel
    [InlineData(130, 7)]
    [InlineData(200, 800)] // enough blocks for the shard runner's threads
    [InlineData(300, 90)]
    public void OrthogonalEqualsTheTextbookAlgorithmToTheBit(int rows, int cols)
    {
        var w = new float[rows * cols];
        Initializers.Orthogonal(w, rows, cols, new SeededRandom(3));
        Assert.Equal(TextbookOrthogonal(rows, cols, 3).Select(BitConverter.SingleToInt32Bits), w.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void GlorotUniformStaysWithinItsLimitAndFillsIt()
    {
        var w = new float[64 * 32];
        Initializers.GlorotUniform(w, 64, 32, new SeededRandom(2));
        double limit = Math.Sqrt(6.0 / 96);
        Assert.All(w, v => Assert.InRange(v, -limit, limit));
        Assert.True(w.Max() > 0.9 * limit && w.Min() < -0.9 * limit);
        // Uniform(-l, l) has variance l²/3 = 2 / (fanIn + fanOut).
        double variance = w.Select(v => (double)v * v).Average();
        Assert.InRange(variance, 0.9 * 2.0 / 96, 1.1 * 2.0 / 96);
    }

    [Fact]
    public void SameSeedSameWeightsOtherSeedOtherWeights()
    {
        float[] Make(int seed)
        {
            var w = new float[30];
            Initializers.Orthogonal(w, 5, 6, new SeededRandom(seed));
            return w;
        }
        Assert.Equal(Make(7), Make(7));
        Assert.NotEqual(Make(7), Make(8));
    }

    [Fact]
    public void RandomIntegersCoverTheirRangeEvenly()
    {
        var r = new SeededRandom(11);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++)
        {
            counts[r.NextInt(7)]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        double mean = Enumerable.Range(0, 20_000).Select(_ => r.NextNormal()).Average();
        Assert.InRange(mean, -0.03, 0.03);
    }
}
