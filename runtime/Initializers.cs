namespace StaticRnn;

/// <summary>Keras default weight initializers over spans of the flat parameter buffer.</summary>
public static class Initializers
{
    /// <summary>Keras <c>glorot_uniform</c>: uniform in ±sqrt(6 / (fanIn + fanOut)).</summary>
    public static void GlorotUniform(Span<float> weights, int fanIn, int fanOut, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        Uniform(weights, -limit, limit, random);
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>) (Keras <c>RandomUniform</c>; embeddings use ±0.05).</summary>
    public static void Uniform(Span<float> weights, double min, double max, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)random.NextDouble(min, max);
        }
    }

    /// <summary>Fills with a constant (Keras <c>zeros</c>, <c>ones</c>, or LSTM's forget-gate bias of 1).</summary>
    public static void Constant(Span<float> weights, float value) => weights.Fill(value);

    /// <summary>
    /// Keras <c>orthogonal</c> for a row-major (<paramref name="rows"/>, <paramref name="cols"/>) matrix: the Q factor of a
    /// standard normal matrix of shape (max, min), with the signs fixed so that R has a positive diagonal, transposed
    /// when rows &lt; cols. Rows (or columns, whichever are fewer) come out orthonormal.
    /// </summary>
    public static void Orthogonal(Span<float> weights, int rows, int cols, SeededRandom random, double gain = 1.0)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (weights.Length != rows * cols)
        {
            throw new ArgumentException($"Expected {rows * cols} weights for a ({rows}, {cols}) matrix, got {weights.Length}.", nameof(weights));
        }
        int n = Math.Max(rows, cols), m = Math.Min(rows, cols);
        var a = new double[n * m]; // a[i * m + j], column j is a vector of length n
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = random.NextNormal();
        }
        // Modified Gram-Schmidt on the columns: equivalent to QR with a positive diagonal of R.
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
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                double q = rows >= cols ? a[r * m + c] : a[c * m + r];
                weights[r * cols + c] = (float)(gain * q);
            }
        }
    }
}
