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
