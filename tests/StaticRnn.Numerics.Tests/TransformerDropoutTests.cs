using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// The Transformer block's two dropouts: the identity in inference; in training, masks drawn from the network's seeded
/// generator, and gradients exact for the masks drawn (checked by central differences of the training loss itself,
/// since two instances with the same seed draw the same masks on their first call).
/// </summary>
public class TransformerDropoutTests
{
    private const int Batch = 2;

    private static (float[] P, float[] X, float[] Y) Data()
    {
        var r = new SeededRandom(31);
        float[] p = Enumerable.Range(0, TransformerWithDropout.ParameterCount).Select(_ => (float)r.NextDouble(-0.5, 0.5)).ToArray();
        float[] x = Enumerable.Range(0, Batch * TransformerWithDropout.InputSize).Select(_ => (float)r.NextDouble(-1, 1)).ToArray();
        float[] y = Enumerable.Range(0, Batch).Select(_ => (float)r.NextDouble(-1, 1)).ToArray();
        return (p, x, y);
    }

    [Fact]
    public void InferenceIsTheRateZeroNetwork()
    {
        var (p, x, y) = Data();
        var dropped = new TransformerWithDropout();
        var plain = new TransformerWithoutDropout();
        p.CopyTo(dropped.Parameters);
        p.CopyTo(plain.Parameters);
        float[] a = new float[Batch], b = new float[Batch];
        dropped.Predict(x, a, Batch);
        plain.Predict(x, b, Batch);
        Assert.Equal(b, a);
        Assert.Equal(plain.ComputeLoss(x, y, Batch), dropped.ComputeLoss(x, y, Batch));
    }

    [Fact]
    public void TrainingGradientsAreExactForTheMasksDrawn()
    {
        var (p, x, y) = Data();
        var net = new TransformerWithDropout();
        p.CopyTo(net.Parameters);
        var gradients = new float[TransformerWithDropout.ParameterCount];
        float loss = net.Gradients(x, y, Batch, gradients);

        var plain = new TransformerWithoutDropout();
        p.CopyTo(plain.Parameters);
        var plainGradients = new float[TransformerWithoutDropout.ParameterCount];
        float plainLoss = plain.Gradients(x, y, Batch, plainGradients);
        Assert.NotEqual(plainLoss, loss); // the masks did something

        // The first training call of a fresh instance draws the same masks, so its loss is a deterministic function of p.
        double LossAt(int j, float value)
        {
            var copy = new TransformerWithDropout();
            p.CopyTo(copy.Parameters);
            copy.Parameters[j] = value;
            return copy.Gradients(x, y, Batch, new float[TransformerWithDropout.ParameterCount]);
        }
        double largest = gradients.Max(Math.Abs);
        var random = new SeededRandom(5);
        for (int n = 0; n < 120; n++)
        {
            int j = random.NextInt(p.Length);
            const float h = 1e-2f;
            double numeric = (LossAt(j, p[j] + h) - LossAt(j, p[j] - h)) / (2 * h);
            Assert.True(Math.Abs(gradients[j] - numeric) <= 1e-2 * Math.Abs(numeric) + 2e-3 * largest,
                $"parameter {j} ({net.Weights.Last(w => w.Offset <= j).Name}): generated {gradients[j]}, central difference {numeric}");
        }
    }
}

/// <summary>
/// KerasHub's TransformerDecoder drops its sublayers' outputs and, inside both attention parts, the attention weights.
/// Inference (Predict, ComputeLoss, decoding) is the rate-zero model; the training gradients are exact for the masks
/// drawn, checked by central differences of the first training call of fresh instances (same seed, same masks), on the
/// attention weights in particular.
/// </summary>
public class TransformerDecoderDropoutTests
{
    private const int Batch = 2;

    private static (float[] P, int[] Sources, int[] Targets) Data()
    {
        var r = new SeededRandom(41);
        float[] p = Enumerable.Range(0, S2sTransformerDropout.ParameterCount).Select(_ => (float)r.NextDouble(-0.5, 0.5)).ToArray();
        int[] sources = [3, 7, 1, 11, 0, 0, 5, 2, 9, 4, 6, 8];
        int[] targets = [4, 9, 2, 0, 0, 7, 3, 6, 5, 1];
        return (p, sources, targets);
    }

    [Fact]
    public void InferenceIsTheRateZeroModel()
    {
        var (p, sources, targets) = Data();
        var dropped = new S2sTransformerDropout();
        var plain = new S2sTransformer();
        Assert.Equal(S2sTransformer.ParameterCount, S2sTransformerDropout.ParameterCount);
        p.CopyTo(dropped.Parameters);
        p.CopyTo(plain.Parameters);
        int[] decoderInputs = [1, 4, 9, 2, 0, 1, 7, 3, 6, 5];
        float[] a = new float[Batch * 5 * 10], b = new float[Batch * 5 * 10];
        dropped.Predict(sources, decoderInputs, a, Batch);
        plain.Predict(sources, decoderInputs, b, Batch);
        Assert.Equal(b, a);
        Assert.Equal(plain.ComputeLoss(sources, targets, Batch), dropped.ComputeLoss(sources, targets, Batch));
        int[] x = new int[Batch * 5], y = new int[Batch * 5];
        dropped.Generate(sources, x, Batch);
        plain.Generate(sources, y, Batch);
        Assert.Equal(y, x);
    }

    [Fact]
    public void TrainingGradientsAreExactForTheMasksDrawnAttentionWeightsIncluded()
    {
        var (p, sources, targets) = Data();
        var net = new S2sTransformerDropout();
        p.CopyTo(net.Parameters);
        var gradients = new float[S2sTransformerDropout.ParameterCount];
        float loss = net.Gradients(sources, targets, Batch, gradients);
        var plain = new S2sTransformer();
        p.CopyTo(plain.Parameters);
        Assert.NotEqual(plain.Gradients(sources, targets, Batch, new float[S2sTransformer.ParameterCount]), loss); // the masks did something

        double LossAt(int j, float value)
        {
            var copy = new S2sTransformerDropout();
            p.CopyTo(copy.Parameters);
            copy.Parameters[j] = value;
            return copy.Gradients(sources, targets, Batch, new float[S2sTransformerDropout.ParameterCount]);
        }
        // Every weight of the decoder's two attention parts (queries, keys, values and output projections: what the
        // dropped attention weights multiply or are made of), then the rest spread.
        int[] attention = net.Weights.Where(w => w.Name.Contains("/self_attention/", StringComparison.Ordinal) || w.Name.Contains("/cross_attention/", StringComparison.Ordinal))
            .SelectMany(w => Enumerable.Range(w.Offset, w.Length)).ToArray();
        Assert.True(attention.Length > 500, $"{attention.Length} attention weights");
        var random = new SeededRandom(6);
        IEnumerable<int> checkedParameters = attention.Where((_, i) => i % 3 == 0).Concat(Enumerable.Range(0, 80).Select(_ => random.NextInt(p.Length)));
        double largest = gradients.Max(Math.Abs);
        foreach (int j in checkedParameters)
        {
            const float h = 1e-2f;
            double numeric = (LossAt(j, p[j] + h) - LossAt(j, p[j] - h)) / (2 * h);
            Assert.True(Math.Abs(gradients[j] - numeric) <= 1e-2 * Math.Abs(numeric) + 2e-3 * largest,
                $"parameter {j} ({net.Weights.Last(w => w.Offset <= j).Name}): generated {gradients[j]}, central difference {numeric}");
        }
    }
}
