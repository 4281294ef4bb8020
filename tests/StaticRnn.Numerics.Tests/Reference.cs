namespace StaticRnn.Numerics.Tests;

/// <summary>
/// A plain float64 implementation of the Keras layers and losses under test, written from the Keras formulas and
/// independent of the generated code: scalar loops, no tape, no vectors. Used for forward checks and as the
/// function that finite differences differentiate.
/// </summary>
internal static class Reference
{
    public abstract record Layer(int Units, Activation Activation, bool UseBias);
    public sealed record DenseLayer(int Units, Activation Activation = Activation.Linear, bool UseBias = true) : Layer(Units, Activation, UseBias);
    public sealed record RnnLayer(int Units, Activation Activation = Activation.Tanh, bool UseBias = true, bool ReturnSequences = false, bool GoBackwards = false)
        : Layer(Units, Activation, UseBias);
    public sealed record GruLayer(int Units, Activation Activation = Activation.Tanh, Activation RecurrentActivation = Activation.Sigmoid, bool UseBias = true,
        bool ReturnSequences = false, bool GoBackwards = false, bool ResetAfter = true) : Layer(Units, Activation, UseBias);
    public sealed record EmbeddingLayer(int Vocabulary, int Dims) : Layer(Dims, Activation.Linear, false);
    public sealed record PoolingLayer() : Layer(0, Activation.Linear, false);
    /// <summary>Dropout with a known mask (0 or 1 / (1 - rate) per feature): what one training call applied.</summary>
    public sealed record MaskLayer(double[] Mask) : Layer(0, Activation.Linear, false);
    public sealed record BidirectionalLayer(Layer Inner, MergeMode Merge = MergeMode.Concat) : Layer(Inner.Units, Inner.Activation, Inner.UseBias);
    public sealed record LstmLayer(int Units, Activation Activation = Activation.Tanh, Activation RecurrentActivation = Activation.Sigmoid, bool UseBias = true,
        bool ReturnSequences = false, bool GoBackwards = false) : Layer(Units, Activation, UseBias);

    /// <summary>Output rows of one sample (time steps, or a single row) after all layers.</summary>
    public static double[][] Forward(Layer[] layers, double[] p, ReadOnlySpan<float> sample, int[] inputShape)
    {
        // A token input (T) is T rows of one id each.
        bool tokens = layers[0] is EmbeddingLayer;
        int steps = inputShape.Length == 2 || tokens ? inputShape[0] : 1, features = tokens ? 1 : inputShape[^1];
        var rows = new double[steps][];
        for (int t = 0; t < steps; t++)
        {
            rows[t] = new double[features];
            for (int f = 0; f < features; f++)
            {
                rows[t][f] = sample[t * features + f];
            }
        }
        int offset = 0;
        foreach (Layer layer in layers)
        {
            if (layer is BidirectionalLayer bi)
            {
                // Keras 3 Bidirectional: the layer as written, then a copy with go_backwards=True whose returned
                // sequence is put back in time order; then merge.
                double[][] f = Run(bi.Inner, rows, p, ref offset);
                double[][] b = Run(Flip(bi.Inner), rows, p, ref offset);
                if (b.Length > 1)
                {
                    b = b.Reverse().ToArray();
                }
                rows = f.Zip(b, (fr, br) => bi.Merge switch
                {
                    MergeMode.Concat => fr.Concat(br).ToArray(),
                    MergeMode.Sum => fr.Zip(br, (u, v) => u + v).ToArray(),
                    MergeMode.Mul => fr.Zip(br, (u, v) => u * v).ToArray(),
                    _ => fr.Zip(br, (u, v) => (u + v) / 2).ToArray(),
                }).ToArray();
                continue;
            }
            rows = Run(layer, rows, p, ref offset);
        }
        return rows;
    }

    private static Layer Flip(Layer layer) => layer switch
    {
        RnnLayer r => r with { GoBackwards = true },
        LstmLayer l => l with { GoBackwards = true },
        GruLayer g => g with { GoBackwards = true },
        _ => throw new ArgumentException("Bidirectional wraps a recurrent layer."),
    };

    private static double[][] Run(Layer layer, double[][] rows, double[] p, ref int offset)
    {
        if (layer is EmbeddingLayer embedding)
        {
            // Input rows hold one token id each.
            int start = offset;
            offset += embedding.Vocabulary * embedding.Dims;
            return rows.Select(r => p[(start + (int)r[0] * embedding.Dims)..(start + ((int)r[0] + 1) * embedding.Dims)]).ToArray();
        }
        if (layer is MaskLayer maskLayer)
        {
            return rows.Select(r => r.Select((v, i) => v * maskLayer.Mask[i]).ToArray()).ToArray();
        }
        if (layer is PoolingLayer)
        {
            return [Enumerable.Range(0, rows[0].Length).Select(f => rows.Average(r => r[f])).ToArray()];
        }
        int input = rows[0].Length, u = layer.Units;
        if (layer is GruLayer gru)
        {
            // Keras GRU, gate order z, r, h; bias (2, 3u) with reset_after, else (3u).
            double[] K = p[offset..(offset += input * 3 * u)];
            double[] R = p[offset..(offset += u * 3 * u)];
            int biasLength = gru.ResetAfter ? 6 * u : 3 * u;
            double[] bias = gru.UseBias ? p[offset..(offset += biasLength)] : new double[biasLength];
            var h = new double[u];
            var outputs = new List<double[]>();
            for (int s = 0; s < rows.Length; s++)
            {
                double[] x = rows[gru.GoBackwards ? rows.Length - 1 - s : s];
                double[] Product(double[] v, double[] m, int n, int first, int count) => Enumerable.Range(first, count)
                    .Select(j => Enumerable.Range(0, n).Sum(i => v[i] * m[i * 3 * u + j])).ToArray();
                double[] xz = Product(x, K, input, 0, 3 * u);
                double[] hz = Product(h, R, u, 0, 3 * u);
                var z = Activate(Enumerable.Range(0, u).Select(j => xz[j] + hz[j] + bias[j] + (gru.ResetAfter ? bias[3 * u + j] : 0)).ToArray(), gru.RecurrentActivation);
                var r = Activate(Enumerable.Range(0, u).Select(j => xz[u + j] + hz[u + j] + bias[u + j] + (gru.ResetAfter ? bias[4 * u + j] : 0)).ToArray(), gru.RecurrentActivation);
                double[] candidate;
                if (gru.ResetAfter)
                {
                    candidate = Activate(Enumerable.Range(0, u).Select(j => xz[2 * u + j] + bias[2 * u + j] + r[j] * (hz[2 * u + j] + bias[5 * u + j])).ToArray(), gru.Activation);
                }
                else
                {
                    double[] rh = h.Select((v, j) => r[j] * v).ToArray();
                    double[] rhU = Product(rh, R, u, 2 * u, u);
                    candidate = Activate(Enumerable.Range(0, u).Select(j => xz[2 * u + j] + rhU[j] + bias[2 * u + j]).ToArray(), gru.Activation);
                }
                h = Enumerable.Range(0, u).Select(j => z[j] * h[j] + (1 - z[j]) * candidate[j]).ToArray();
                outputs.Add(h);
            }
            rows = gru.ReturnSequences ? outputs.ToArray() : [h];
            return rows;
        }
        if (layer is LstmLayer lstm)
        {
            // Keras LSTM: z = x·W + h·U + b over 4u columns in gate order i, f, c, o.
            double[] K = p[offset..(offset += input * 4 * u)];
            double[] R = p[offset..(offset += u * 4 * u)];
            double[] bias = lstm.UseBias ? p[offset..(offset += 4 * u)] : new double[4 * u];
            var h = new double[u];
            var c = new double[u];
            var outputs = new List<double[]>();
            for (int s = 0; s < rows.Length; s++)
            {
                double[] x = rows[lstm.GoBackwards ? rows.Length - 1 - s : s];
                var z = new double[4 * u];
                for (int j = 0; j < 4 * u; j++)
                {
                    double a = bias[j];
                    for (int i = 0; i < input; i++) a += x[i] * K[i * 4 * u + j];
                    for (int k = 0; k < u; k++) a += h[k] * R[k * 4 * u + j];
                    z[j] = a;
                }
                double[] gi = Activate(z[..u], lstm.RecurrentActivation), gf = Activate(z[u..(2 * u)], lstm.RecurrentActivation);
                double[] gc = Activate(z[(2 * u)..(3 * u)], lstm.Activation), go = Activate(z[(3 * u)..], lstm.RecurrentActivation);
                c = c.Select((cj, j) => gf[j] * cj + gi[j] * gc[j]).ToArray();
                double[] ac = Activate(c, lstm.Activation);
                h = ac.Select((v, j) => go[j] * v).ToArray();
                outputs.Add(h);
            }
            rows = lstm.ReturnSequences ? outputs.ToArray() : [h];
            return rows;
        }
        double[] W = p[offset..(offset += input * u)];
        if (layer is RnnLayer rnn)
        {
            double[] U = p[offset..(offset += u * u)];
            double[] b = rnn.UseBias ? p[offset..(offset += u)] : new double[u];
            var h = new double[u];
            var outputs = new List<double[]>();
            for (int s = 0; s < rows.Length; s++)
            {
                double[] x = rows[rnn.GoBackwards ? rows.Length - 1 - s : s];
                var z = new double[u];
                for (int j = 0; j < u; j++)
                {
                    double a = b[j];
                    for (int i = 0; i < input; i++) a += x[i] * W[i * u + j];
                    for (int k = 0; k < u; k++) a += h[k] * U[k * u + j];
                    z[j] = a;
                }
                h = Activate(z, rnn.Activation);
                outputs.Add(h);
            }
            rows = rnn.ReturnSequences ? outputs.ToArray() : [h];
        }
        else
        {
            double[] b = layer.UseBias ? p[offset..(offset += u)] : new double[u];
            rows = rows.Select(x =>
            {
                var z = new double[u];
                for (int j = 0; j < u; j++)
                {
                    double a = b[j];
                    for (int i = 0; i < input; i++) a += x[i] * W[i * u + j];
                    z[j] = a;
                }
                return Activate(z, layer.Activation);
            }).ToArray();
        }
        return rows;
    }

    private static double[] Activate(double[] z, Activation activation)
    {
        if (activation == Activation.Softmax)
        {
            double max = z.Max();
            double[] e = z.Select(v => Math.Exp(v - max)).ToArray();
            double sum = e.Sum();
            return e.Select(v => v / sum).ToArray();
        }
        return z.Select(v => activation switch
        {
            Activation.Tanh => Math.Tanh(v),
            Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
            Activation.Relu => Math.Max(v, 0),
            Activation.HardSigmoid => Math.Clamp(v / 6 + 0.5, 0, 1),
            _ => v,
        }).ToArray();
    }

    /// <summary>Mean batch loss, Keras <c>sum_over_batch_size</c>, with probabilities clipped to [1e-7, 1 - 1e-7].</summary>
    public static double Loss(Layer[] layers, double[] p, float[] inputs, float[] targets, int batch, int[] inputShape, Loss loss)
    {
        int inSize = inputShape.Aggregate(1, (a, b) => a * b);
        int tSize = targets.Length / batch;
        const double eps = 1e-7;
        double sum = 0;
        int count = 0;
        for (int s = 0; s < batch; s++)
        {
            double[][] rows = Forward(layers, p, inputs.AsSpan(s * inSize, inSize), inputShape);
            ReadOnlySpan<float> t = targets.AsSpan(s * tSize, tSize);
            for (int r = 0; r < rows.Length; r++)
            {
                double[] y = rows[r];
                switch (loss)
                {
                    case StaticRnn.Loss.MeanSquaredError:
                        for (int j = 0; j < y.Length; j++) { double d = y[j] - t[r * y.Length + j]; sum += d * d; count++; }
                        break;
                    case StaticRnn.Loss.BinaryCrossentropy:
                        for (int j = 0; j < y.Length; j++)
                        {
                            double q = Math.Clamp(y[j], eps, 1 - eps), target = t[r * y.Length + j];
                            sum -= target * Math.Log(q) + (1 - target) * Math.Log(1 - q);
                            count++;
                        }
                        break;
                    case StaticRnn.Loss.SparseCategoricalCrossentropy:
                        sum -= Math.Log(Math.Clamp(y[(int)t[r]], eps, 1 - eps));
                        count++;
                        break;
                    case StaticRnn.Loss.CategoricalCrossentropy:
                        // Keras: output / sum(output), clipped, then -Σ t log.
                        double total = y.Sum();
                        for (int j = 0; j < y.Length; j++) sum -= t[r * y.Length + j] * Math.Log(Math.Clamp(y[j] / total, eps, 1 - eps));
                        count++;
                        break;
                }
            }
        }
        return sum / count;
    }
}
