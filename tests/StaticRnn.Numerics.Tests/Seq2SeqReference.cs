namespace StaticRnn.Numerics.Tests;

/// <summary>
/// A plain float64 sequence-to-sequence model, written from the Keras formulas and independent of the generated code:
/// the encoder's layers over the source (with Keras masking), its last recurrent layer's final states as the initial
/// states of the decoder's first recurrent layer (a Bidirectional layer's two directions concatenated), the decoder's
/// layers over the shifted target with attention over the encoder's output, and the sparse crossentropy averaged over
/// the target ids that are not padding. Scalar loops, no tape; finite differences differentiate it.
/// </summary>
internal static class Seq2SeqReference
{
    public abstract record Layer;
    public sealed record Embedding(int Vocabulary, int Dims, bool MaskZero = false) : Layer;
    public sealed record TokenPosition(int Vocabulary, int Length, int Dims, bool MaskZero = false) : Layer;
    public enum Cell { SimpleRnn, Gru, Lstm }
    public sealed record Recurrent(Cell Kind, int Units, bool ReturnSequences = true, bool Bidirectional = false, bool GoBackwards = false) : Layer;
    /// <summary>Keras Attention over the encoder's output (in the decoder): weights scale (UseScale), then concat_score_weight (Concat).</summary>
    public sealed record CrossAttention(bool UseScale = false, bool Concat = false, bool ConcatenateQuery = false) : Layer;
    public sealed record Dense(int Units, Activation Activation = Activation.Linear) : Layer;
    public sealed record Norm(double Epsilon = 1e-3) : Layer;
    /// <summary>The keras.io Transformer encoder block without dropout: MHA, dense, dense_1, norm 1, norm 2.</summary>
    public sealed record TransformerEncoder(int Heads, int KeyDim, int FeedForward, bool NormalizeFirst = false, double Epsilon = 1e-6) : Layer;
    /// <summary>The KerasHub Transformer decoder block without dropout: self-attention, its norm, cross-attention, its norm, the feed-forward pair, its norm.</summary>
    public sealed record TransformerDecoder(int Heads, int KeyDim, int FeedForward, bool NormalizeFirst = false, double Epsilon = 1e-6) : Layer;

    /// <summary>Rows of one sample and its padding mask (null when nothing masks it).</summary>
    private sealed record Sequence(double[][] Rows, bool[]? Mask);

    /// <summary>The final states of a recurrent layer: h, then c for an LSTM, each concatenated over the directions.</summary>
    private sealed record States(double[][] Rows);

    /// <summary>Teacher-forced next-token probabilities of one pair: one row per decoder step.</summary>
    public static double[][] Probabilities(Layer[] encoder, Layer[] decoder, double[] p, ReadOnlySpan<int> source, ReadOnlySpan<int> decoderInputs)
    {
        int offset = 0;
        States? states = null;
        Sequence memory = Run(encoder, p, ref offset, source.ToArray(), null, null, ref states);
        States? seed = states;
        states = null;
        return Run(decoder, p, ref offset, decoderInputs.ToArray(), memory, seed, ref states).Rows;
    }

    /// <summary>Mean sparse crossentropy over the batch's target ids that are not 0, each decoder fed the target shifted behind <paramref name="start"/>.</summary>
    public static double Loss(Layer[] encoder, Layer[] decoder, double[] p, int[] sources, int[] targets, int batch, int start)
    {
        int s = sources.Length / batch, t = targets.Length / batch;
        double sum = 0;
        int count = 0;
        for (int b = 0; b < batch; b++)
        {
            int[] target = targets[(b * t)..((b + 1) * t)];
            double[][] probabilities = Probabilities(encoder, decoder, p, sources.AsSpan(b * s, s), Shifted(target, start));
            for (int r = 0; r < t; r++)
            {
                if (target[r] != 0)
                {
                    sum -= Math.Log(Math.Clamp(probabilities[r][target[r]], 1e-7, 1 - 1e-7));
                    count++;
                }
            }
        }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>Teacher forcing: the start token, then the target without its last id.</summary>
    public static int[] Shifted(int[] target, int start) => [start, .. target[..^1]];

    private static Sequence Run(Layer[] layers, double[] p, ref int offset, int[] ids, Sequence? memory, States? seed, ref States? last)
    {
        Sequence x = new(ids.Select(id => new double[] { id }).ToArray(), null);
        bool seeded = false;
        foreach (Layer layer in layers)
        {
            switch (layer)
            {
                case Embedding e:
                {
                    int table = offset;
                    offset += e.Vocabulary * e.Dims;
                    x = new Sequence(ids.Select(id => p[(table + id * e.Dims)..(table + (id + 1) * e.Dims)]).ToArray(), e.MaskZero ? ids.Select(id => id != 0).ToArray() : null);
                    break;
                }
                case TokenPosition tp:
                {
                    int table = offset, positions = offset + tp.Vocabulary * tp.Dims;
                    offset = positions + tp.Length * tp.Dims;
                    x = new Sequence(ids.Select((id, t) => Enumerable.Range(0, tp.Dims).Select(f => p[table + id * tp.Dims + f] + p[positions + t * tp.Dims + f]).ToArray()).ToArray(),
                        tp.MaskZero ? ids.Select(id => id != 0).ToArray() : null);
                    break;
                }
                case Recurrent r:
                {
                    States? initial = seeded ? null : seed;
                    seeded = true;
                    (x, last) = RunRecurrent(r, x, p, ref offset, initial);
                    break;
                }
                case CrossAttention a:
                    x = Attention(a, x, memory!, p, ref offset);
                    break;
                case Dense d:
                    x = x with { Rows = DenseRows(x.Rows, p, ref offset, d.Units, d.Activation) };
                    break;
                case Norm n:
                    x = x with { Rows = LayerNorm(x.Rows, p, ref offset, n.Epsilon) };
                    break;
                case TransformerEncoder te:
                    x = x with { Rows = Encoder(te, x, p, ref offset) };
                    break;
                case TransformerDecoder td:
                    x = x with { Rows = Decoder(td, x, memory!, p, ref offset) };
                    break;
                default:
                    throw new ArgumentException($"No reference for {layer}.");
            }
        }
        return x;
    }

    /// <summary>A recurrent layer (both directions of a Bidirectional one, concatenated), with Keras masking; its output and final states.</summary>
    private static (Sequence Output, States Final) RunRecurrent(Recurrent r, Sequence x, double[] p, ref int offset, States? initial)
    {
        int u = r.Units;
        if (!r.Bidirectional)
        {
            var (rows, final) = Direction(r, x, p, ref offset, initial?.Rows, r.GoBackwards);
            return (new Sequence(rows, r.ReturnSequences ? x.Mask : null), new States(final));
        }
        var (forward, forwardFinal) = Direction(r, x, p, ref offset, null, backwards: false);
        var (backward, backwardFinal) = Direction(r, x, p, ref offset, null, backwards: true);
        if (r.ReturnSequences)
        {
            backward = backward.Reverse().ToArray();
        }
        double[][] merged = forward.Zip(backward, (f, b) => f.Concat(b).ToArray()).ToArray();
        return (new Sequence(merged, r.ReturnSequences ? x.Mask : null), new States(forwardFinal.Zip(backwardFinal, (f, b) => f.Concat(b).ToArray()).ToArray()));
    }

    /// <summary>One direction: its kernel, recurrent kernel and bias from <paramref name="p"/>; a padded step carries the states over.</summary>
    private static (double[][] Rows, double[][] Final) Direction(Recurrent r, Sequence x, double[] p, ref int offset, double[][]? initial, bool backwards)
    {
        int u = r.Units, input = x.Rows[0].Length, gates = r.Kind switch { Cell.SimpleRnn => 1, Cell.Gru => 3, _ => 4 };
        int kernel = offset, recurrent = kernel + input * gates * u, bias = recurrent + u * gates * u;
        offset = bias + (r.Kind == Cell.Gru ? 2 : 1) * gates * u; // Keras GRU (reset_after) has a (2, 3u) bias
        double[] h = initial is null ? new double[u] : (double[])initial[0].Clone();
        double[] c = initial is null || r.Kind != Cell.Lstm ? new double[u] : (double[])initial[1].Clone();
        double Product(double[] v, int matrix, int column) => Enumerable.Range(0, v.Length).Sum(i => v[i] * p[matrix + i * gates * u + column]);
        int steps = x.Rows.Length;
        var outputs = new List<double[]>();
        for (int s = 0; s < steps; s++)
        {
            int t = backwards ? steps - 1 - s : s;
            if (x.Mask is { } mask && !mask[t])
            {
                outputs.Add(h);
                continue;
            }
            double[] xt = x.Rows[t];
            double[] ZX(int gate) => Enumerable.Range(0, u).Select(j => Product(xt, kernel, gate * u + j) + p[bias + gate * u + j]).ToArray();
            double[] ZH(int gate) => Enumerable.Range(0, u).Select(j => Product(h, recurrent, gate * u + j)).ToArray();
            switch (r.Kind)
            {
                case Cell.SimpleRnn:
                {
                    double[] zx = ZX(0), zh = ZH(0);
                    h = Enumerable.Range(0, u).Select(j => Math.Tanh(zx[j] + zh[j])).ToArray();
                    break;
                }
                case Cell.Lstm:
                {
                    double[][] z = Enumerable.Range(0, 4).Select(g => ZX(g).Zip(ZH(g), (a, b) => a + b).ToArray()).ToArray();
                    double[] i = z[0].Select(Sigmoid).ToArray(), f = z[1].Select(Sigmoid).ToArray(), g = z[2].Select(Math.Tanh).ToArray(), o = z[3].Select(Sigmoid).ToArray();
                    c = Enumerable.Range(0, u).Select(j => f[j] * c[j] + i[j] * g[j]).ToArray();
                    h = Enumerable.Range(0, u).Select(j => o[j] * Math.Tanh(c[j])).ToArray();
                    break;
                }
                default:
                {
                    // GRU, reset_after: the recurrent bias (row 2 of the (2, 3u) bias) is added to h·U before the reset gate.
                    double[] RecurrentSide(int gate) => Enumerable.Range(0, u).Select(j => Product(h, recurrent, gate * u + j) + p[bias + 3 * u + gate * u + j]).ToArray();
                    double[] zx = ZX(0), rx = ZX(1), cx = ZX(2), zh = RecurrentSide(0), rh = RecurrentSide(1), ch = RecurrentSide(2);
                    double[] z = zx.Zip(zh, (a, b) => Sigmoid(a + b)).ToArray(), reset = rx.Zip(rh, (a, b) => Sigmoid(a + b)).ToArray();
                    double[] candidate = Enumerable.Range(0, u).Select(j => Math.Tanh(cx[j] + reset[j] * ch[j])).ToArray();
                    h = Enumerable.Range(0, u).Select(j => z[j] * h[j] + (1 - z[j]) * candidate[j]).ToArray();
                    break;
                }
            }
            outputs.Add(h);
        }
        double[][] rows = r.ReturnSequences ? outputs.ToArray() : [h];
        return (rows, r.Kind == Cell.Lstm ? [h, c] : [h]);
    }

    /// <summary>Keras Attention with query = the decoder's rows, key = value = the encoder's; padded keys get weight 0, padded queries output 0.</summary>
    private static Sequence Attention(CrossAttention a, Sequence x, Sequence memory, double[] p, ref int offset)
    {
        double scale = a.UseScale ? p[offset++] : 1, weight = a.Concat ? p[offset++] : 1;
        int d = x.Rows[0].Length;
        var rows = x.Rows.Select((q, t) =>
        {
            double[] scores = memory.Rows.Select(k => a.Concat
                ? weight * Enumerable.Range(0, d).Sum(f => Math.Tanh(scale * (q[f] + k[f])))
                : scale * Enumerable.Range(0, d).Sum(f => q[f] * k[f])).ToArray();
            double[] context = Attend(scores, memory.Rows, j => memory.Mask is null || memory.Mask[j]);
            if (x.Mask is { } mask && !mask[t])
            {
                context = new double[context.Length]; // Keras: a padded query's attention output is 0
            }
            return a.ConcatenateQuery ? context.Concat(q).ToArray() : context;
        }).ToArray();
        return new Sequence(rows, x.Mask);
    }

    /// <summary>A softmax over the allowed keys' scores, then the weighted sum of their value rows.</summary>
    private static double[] Attend(double[] scores, double[][] values, Func<int, bool> allowed)
    {
        int[] keys = Enumerable.Range(0, scores.Length).Where(allowed).ToArray();
        double max = keys.Max(j => scores[j]);
        double sum = keys.Sum(j => Math.Exp(scores[j] - max));
        return Enumerable.Range(0, values[0].Length).Select(f => keys.Sum(j => Math.Exp(scores[j] - max) / sum * values[j][f])).ToArray();
    }

    /// <summary>Keras MultiHeadAttention(query, value): kernels (d, h, kd) from each side's width, (h, kd, d) out, all with biases; scores / sqrt(kd).</summary>
    private static double[][] MultiHeadAttention(double[][] queries, Sequence values, double[] p, ref int offset, int heads, int keyDim, bool causal)
    {
        int d = queries[0].Length, dv = values.Rows[0].Length, width = heads * keyDim;
        double[][] Project(double[][] rows, int from, ref int o)
        {
            int kernel = o, bias = o + from * width;
            o = bias + width;
            return rows.Select(x => Enumerable.Range(0, width).Select(c => p[bias + c] + Enumerable.Range(0, from).Sum(i => x[i] * p[kernel + i * width + c])).ToArray()).ToArray();
        }
        double[][] q = Project(queries, d, ref offset), k = Project(values.Rows, dv, ref offset), v = Project(values.Rows, dv, ref offset);
        double[][] context = queries.Select(_ => new double[width]).ToArray();
        for (int head = 0; head < heads; head++)
        {
            int first = head * keyDim;
            double[][] vh = v.Select(r => r[first..(first + keyDim)]).ToArray();
            for (int t = 0; t < queries.Length; t++)
            {
                double[] scores = k.Select(kr => Enumerable.Range(first, keyDim).Sum(c => q[t][c] * kr[c]) / Math.Sqrt(keyDim)).ToArray();
                int row = t;
                double[] a = Attend(scores, vh, j => (!causal || j <= row) && (values.Mask is null || values.Mask[j]));
                Array.Copy(a, 0, context[t], first, keyDim);
            }
        }
        int output = offset, outputBias = offset + width * d;
        offset = outputBias + d;
        return context.Select(a => Enumerable.Range(0, d).Select(f => p[outputBias + f] + Enumerable.Range(0, width).Sum(c => a[c] * p[output + c * d + f])).ToArray()).ToArray();
    }

    private static double[][] Encoder(TransformerEncoder block, Sequence x, double[] p, ref int offset)
    {
        // Keras order: attention, dense, dense_1, layer_normalization, layer_normalization_1.
        int d = x.Rows[0].Length, attention = offset;
        int dense = attention + 4 * (d * block.Heads * block.KeyDim + block.Heads * block.KeyDim) - block.Heads * block.KeyDim + d;
        int norm1 = dense + d * block.FeedForward + block.FeedForward + block.FeedForward * d + d, norm2 = norm1 + 2 * d;
        offset = norm2 + 2 * d;
        double[][] Attention(double[][] rows) { int o = attention; return MultiHeadAttention(rows, new Sequence(rows, x.Mask), p, ref o, block.Heads, block.KeyDim, causal: false); }
        double[][] FeedForward(double[][] rows) { int o = dense; return DenseRows(DenseRows(rows, p, ref o, block.FeedForward, Activation.Relu), p, ref o, d, Activation.Linear); }
        double[][] Normalize(double[][] rows, int at) => LayerNorm(rows, p, ref at, block.Epsilon);
        if (block.NormalizeFirst)
        {
            double[][] y = Sum(x.Rows, Attention(Normalize(x.Rows, norm1)));
            return Sum(y, FeedForward(Normalize(y, norm2)));
        }
        double[][] z = Normalize(Sum(x.Rows, Attention(x.Rows)), norm1);
        return Normalize(Sum(z, FeedForward(z)), norm2);
    }

    private static double[][] Decoder(TransformerDecoder block, Sequence x, Sequence memory, double[] p, ref int offset)
    {
        int d = x.Rows[0].Length, dm = memory.Rows[0].Length, width = block.Heads * block.KeyDim;
        // KerasHub order: self_attention, self_attention_layer_norm, cross_attention, cross_attention_layer_norm,
        // feedforward_intermediate_dense, feedforward_output_dense, feedforward_layer_norm.
        int self = offset, selfNorm = self + 3 * (d * width + width) + width * d + d;
        int cross = selfNorm + 2 * d, crossNorm = cross + (d * width + width) + 2 * (dm * width + width) + width * d + d;
        int dense = crossNorm + 2 * d, ffNorm = dense + d * block.FeedForward + block.FeedForward + block.FeedForward * d + d;
        offset = ffNorm + 2 * d;
        double[][] SelfAttention(double[][] rows) { int o = self; return MultiHeadAttention(rows, new Sequence(rows, x.Mask), p, ref o, block.Heads, block.KeyDim, causal: true); }
        double[][] CrossAttention(double[][] rows) { int o = cross; return MultiHeadAttention(rows, memory, p, ref o, block.Heads, block.KeyDim, causal: false); }
        double[][] FeedForward(double[][] rows) { int o = dense; return DenseRows(DenseRows(rows, p, ref o, block.FeedForward, Activation.Relu), p, ref o, d, Activation.Linear); }
        double[][] Normalize(double[][] rows, int at) => LayerNorm(rows, p, ref at, block.Epsilon);
        var sublayers = new (Func<double[][], double[][]> Apply, int Norm)[] { (SelfAttention, selfNorm), (CrossAttention, crossNorm), (FeedForward, ffNorm) };
        double[][] y = x.Rows;
        foreach (var (apply, norm) in sublayers)
        {
            y = block.NormalizeFirst ? Sum(y, apply(Normalize(y, norm))) : Normalize(Sum(y, apply(y)), norm);
        }
        return y;
    }

    private static double[][] Sum(double[][] a, double[][] b) => a.Zip(b, (u, v) => u.Zip(v, (i, j) => i + j).ToArray()).ToArray();

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
        return rows.Select(x =>
        {
            double[] z = Enumerable.Range(0, units).Select(j => p[bias + j] + Enumerable.Range(0, input).Sum(i => x[i] * p[kernel + i * units + j])).ToArray();
            if (activation == Activation.Softmax)
            {
                double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
                return z.Select(v => Math.Exp(v - max) / sum).ToArray();
            }
            return activation switch
            {
                Activation.Relu => z.Select(v => Math.Max(v, 0)).ToArray(),
                Activation.Tanh => z.Select(Math.Tanh).ToArray(),
                Activation.Sigmoid => z.Select(Sigmoid).ToArray(),
                Activation.HardSigmoid => z.Select(v => Math.Clamp(v / 6 + 0.5, 0, 1)).ToArray(),
                Activation.Linear => z,
                _ => throw new ArgumentException($"No reference for the activation {activation}."),
            };
        }).ToArray();
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
