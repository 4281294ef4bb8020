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
    public sealed record LayerNormLayer(double Epsilon = 1e-3) : Layer(0, Activation.Linear, true);
    public sealed record RepeatLayer(int N) : Layer(0, Activation.Linear, false);
    /// <summary>KerasHub PositionEmbedding: a (rows, d) table, rows 0 = the input's timesteps.</summary>
    public sealed record PositionLayer(int TableRows = 0) : Layer(0, Activation.Linear, false);
    public sealed record TokenPositionLayer(int Vocabulary, int SequenceLength, int Dims) : Layer(Dims, Activation.Linear, false);
    /// <summary>Keras Attention as self-attention; weights: scale (UseScale), then concat_score_weight (Concat).</summary>
    public sealed record AttentionLayer(bool UseScale = false, bool Concat = false, bool Causal = false) : Layer(0, Activation.Linear, false);
    public sealed record MhaLayer(int Heads, int KeyDim, int ValueDim = 0, bool UseBias = true, bool Causal = false) : Layer(0, Activation.Linear, UseBias);
    /// <summary>The keras.io Transformer block without dropout (rate 0): parameters MHA, dense, dense_1, norm 1, norm 2.</summary>
    public sealed record TransformerLayer(int Heads, int KeyDim, int FeedForward, double Epsilon = 1e-6, bool NormalizeFirst = false,
        Activation Activation = Activation.Relu, bool Causal = false) : Layer(0, Activation, true);

    /// <summary>Output rows of one sample (time steps, or a single row) after all layers.</summary>
    public static double[][] Forward(Layer[] layers, double[] p, ReadOnlySpan<float> sample, int[] inputShape)
    {
        // A token input (T) is T rows of one id each.
        bool tokens = layers[0] is EmbeddingLayer or TokenPositionLayer;
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
        // Keras 3: the backward copy is the layer's config with go_backwards negated.
        RnnLayer r => r with { GoBackwards = !r.GoBackwards },
        LstmLayer l => l with { GoBackwards = !l.GoBackwards },
        GruLayer g => g with { GoBackwards = !g.GoBackwards },
        _ => throw new ArgumentException("Bidirectional wraps a recurrent layer."),
    };

    private static double[][] Run(Layer layer, double[][] rows, double[] p, ref int offset)
    {
        double[][]? sequence = RunSequenceLayer(layer, rows, p, ref offset);
        if (sequence is not null)
        {
            return sequence;
        }
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

    /// <summary>The attention family, normalization and the position tables; null for the other layers.</summary>
    private static double[][]? RunSequenceLayer(Layer layer, double[][] rows, double[] p, ref int offset)
    {
        int steps = rows.Length, d = rows[0].Length;
        switch (layer)
        {
            case LayerNormLayer norm:
                return LayerNorm(rows, p, ref offset, norm.Epsilon);
            case RepeatLayer repeat:
                return Enumerable.Range(0, repeat.N).Select(_ => (double[])rows[0].Clone()).ToArray();
            case PositionLayer position:
            {
                int start = offset;
                offset += (position.TableRows == 0 ? steps : position.TableRows) * d;
                return rows.Select((r, t) => r.Select((v, f) => v + p[start + t * d + f]).ToArray()).ToArray();
            }
            case TokenPositionLayer tokens:
            {
                int table = offset, positions = offset + tokens.Vocabulary * tokens.Dims;
                offset = positions + tokens.SequenceLength * tokens.Dims;
                return rows.Select((r, t) => Enumerable.Range(0, tokens.Dims).Select(f => p[table + (int)r[0] * tokens.Dims + f] + p[positions + t * tokens.Dims + f]).ToArray()).ToArray();
            }
            case AttentionLayer attention:
            {
                double scale = attention.UseScale ? p[offset++] : 1, weight = attention.Concat ? p[offset++] : 1;
                var scores = new double[steps][];
                for (int t = 0; t < steps; t++)
                {
                    scores[t] = new double[steps];
                    for (int s = 0; s < steps; s++)
                    {
                        scores[t][s] = attention.Concat
                            ? weight * Enumerable.Range(0, d).Sum(f => Math.Tanh(scale * (rows[t][f] + rows[s][f])))
                            : scale * Enumerable.Range(0, d).Sum(f => rows[t][f] * rows[s][f]);
                    }
                }
                return Attend(scores, rows, attention.Causal);
            }
            case MhaLayer mha:
                return MultiHeadAttention(rows, p, ref offset, mha.Heads, mha.KeyDim, mha.ValueDim == 0 ? mha.KeyDim : mha.ValueDim, mha.UseBias, mha.Causal);
            case TransformerLayer block:
            {
                int mhaStart = offset;
                int mhaCount = 3 * (d * block.Heads * block.KeyDim + block.Heads * block.KeyDim) + block.Heads * block.KeyDim * d + d;
                int dense = mhaStart + mhaCount, dense1 = dense + d * block.FeedForward + block.FeedForward, norm1 = dense1 + block.FeedForward * d + d, norm2 = norm1 + 2 * d;
                offset = norm2 + 2 * d;
                double[][] Attention(double[][] x) { int o = mhaStart; return MultiHeadAttention(x, p, ref o, block.Heads, block.KeyDim, block.KeyDim, true, block.Causal); }
                double[][] FeedForward(double[][] x)
                {
                    int o = dense;
                    double[][] hidden = DenseRows(x, p, ref o, block.FeedForward, block.Activation);
                    return DenseRows(hidden, p, ref o, d, Activation.Linear);
                }
                double[][] Norm(double[][] x, int at) => LayerNorm(x, p, ref at, block.Epsilon);
                double[][] Sum(double[][] a, double[][] b) => a.Zip(b, (u, v) => u.Zip(v, (i, j) => i + j).ToArray()).ToArray();
                if (block.NormalizeFirst)
                {
                    double[][] y = Sum(rows, Attention(Norm(rows, norm1)));
                    return Sum(y, FeedForward(Norm(y, norm2)));
                }
                double[][] z = Norm(Sum(rows, Attention(rows)), norm1);
                return Norm(Sum(z, FeedForward(z)), norm2);
            }
            default:
                return null;
        }
    }

    private static double[][] LayerNorm(double[][] rows, double[] p, ref int offset, double epsilon)
    {
        int d = rows[0].Length, gamma = offset, beta = offset + d;
        offset += 2 * d;
        return rows.Select(r =>
        {
            double mean = r.Average(), variance = r.Select(v => (v - mean) * (v - mean)).Average();
            return r.Select((v, f) => p[gamma + f] * (v - mean) / Math.Sqrt(variance + epsilon) + p[beta + f]).ToArray();
        }).ToArray();
    }

    private static double[][] DenseRows(double[][] rows, double[] p, ref int offset, int units, Activation activation)
    {
        int input = rows[0].Length, kernel = offset, bias = offset + input * units;
        offset = bias + units;
        return rows.Select(x => Activate(Enumerable.Range(0, units).Select(j => p[bias + j] + Enumerable.Range(0, input).Sum(i => x[i] * p[kernel + i * units + j])).ToArray(), activation)).ToArray();
    }

    /// <summary>Softmax over each row of scores (j &gt; t masked when causal), then the weighted sum of the value rows.</summary>
    private static double[][] Attend(double[][] scores, double[][] values, bool causal)
    {
        int steps = scores.Length;
        return Enumerable.Range(0, steps).Select(t =>
        {
            int n = causal ? t + 1 : steps;
            double max = scores[t].Take(n).Max();
            double[] e = scores[t].Take(n).Select(v => Math.Exp(v - max)).ToArray();
            double sum = e.Sum();
            return Enumerable.Range(0, values[0].Length).Select(f => Enumerable.Range(0, n).Sum(s => e[s] / sum * values[s][f])).ToArray();
        }).ToArray();
    }

    /// <summary>Keras MultiHeadAttention(x, x): kernels (d, h, dim) and (h, vd, d), scores scaled by 1 / sqrt(keyDim).</summary>
    private static double[][] MultiHeadAttention(double[][] rows, double[] p, ref int offset, int heads, int keyDim, int valueDim, bool useBias, bool causal)
    {
        int steps = rows.Length, d = rows[0].Length;
        double[][] Project(ref int o, int dim)
        {
            int kernel = o, bias = o + d * heads * dim;
            o = bias + (useBias ? heads * dim : 0);
            return rows.Select(x => Enumerable.Range(0, heads * dim).Select(c => (useBias ? p[bias + c] : 0) + Enumerable.Range(0, d).Sum(i => x[i] * p[kernel + i * heads * dim + c])).ToArray()).ToArray();
        }
        double[][] q = Project(ref offset, keyDim), k = Project(ref offset, keyDim), v = Project(ref offset, valueDim);
        var context = new double[steps][];
        for (int t = 0; t < steps; t++)
        {
            context[t] = new double[heads * valueDim];
        }
        for (int j = 0; j < heads; j++)
        {
            double[][] scores = Enumerable.Range(0, steps).Select(t => Enumerable.Range(0, steps)
                .Select(s => Enumerable.Range(0, keyDim).Sum(c => q[t][j * keyDim + c] * k[s][j * keyDim + c]) / Math.Sqrt(keyDim)).ToArray()).ToArray();
            double[][] head = Attend(scores, v.Select(r => r[(j * valueDim)..((j + 1) * valueDim)]).ToArray(), causal);
            for (int t = 0; t < steps; t++)
            {
                Array.Copy(head[t], 0, context[t], j * valueDim, valueDim);
            }
        }
        int output = offset, outputBias = offset + heads * valueDim * d;
        offset = outputBias + (useBias ? d : 0);
        return context.Select(a => Enumerable.Range(0, d).Select(f => (useBias ? p[outputBias + f] : 0) + Enumerable.Range(0, heads * valueDim).Sum(c => a[c] * p[output + c * d + f])).ToArray()).ToArray();
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
