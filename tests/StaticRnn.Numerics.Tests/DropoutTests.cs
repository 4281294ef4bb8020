using Xunit;
using static StaticRnn.Numerics.Tests.Reference;

namespace StaticRnn.Numerics.Tests;

/// <summary>Dropout: identity in inference; in training, inverted dropout whose gradients are exact for the mask drawn.</summary>
public class DropoutTests
{
    private static (WithDropout Dropped, WithoutDropout Plain, float[] X, float[] Y) Setup(int batch, int seed)
    {
        var r = new SeededRandom(seed);
        var dropped = new WithDropout();
        var plain = new WithoutDropout();
        for (int i = 0; i < WithDropout.ParameterCount; i++) dropped.Parameters[i] = (float)r.NextDouble(-0.8, 0.8);
        dropped.Parameters.CopyTo(plain.Parameters);
        float[] x = Enumerable.Range(0, batch * 6).Select(_ => (float)r.NextDouble(-1, 1)).ToArray();
        float[] y = Enumerable.Range(0, batch).Select(_ => (float)r.NextDouble(-1, 1)).ToArray();
        return (dropped, plain, x, y);
    }

    [Fact]
    public void InferenceIsTheIdentity()
    {
        var (dropped, plain, x, y) = Setup(5, 1);
        var a = new float[5];
        var b = new float[5];
        dropped.Predict(x, a, 5);
        plain.Predict(x, b, 5);
        Assert.Equal(b, a);
        Assert.Equal(plain.ComputeLoss(x, y, 5), dropped.ComputeLoss(x, y, 5));
        Assert.Equal(plain.Evaluate(x, y), dropped.Evaluate(x, y));
    }

    [Fact]
    public void TrainingGradientsAreExactForTheMaskDrawnAndTheRateHolds()
    {
        var (dropped, _, x, y) = Setup(1, 2);
        double[] p = dropped.Parameters.ToArray().Select(v => (double)v).ToArray();
        var g = new float[WithDropout.ParameterCount];
        int droppedUnits = 0, draws = 0;
        for (int call = 0; call < 300; call++)
        {
            dropped.Gradients(x, y, 1, g);
            // Unit j was dropped exactly when its incoming weights and bias received no gradient.
            double[] mask = Enumerable.Range(0, 10).Select(j => Enumerable.Range(0, 6).All(i => g[i * 10 + j] == 0) && g[60 + j] == 0 ? 0.0 : 1 / 0.6).ToArray();
            droppedUnits += mask.Count(m => m == 0);
            draws += 10;
            if (call >= 5)
            {
                continue;
            }
            Layer[] layers = [new DenseLayer(10, Activation.Tanh), new MaskLayer(mask), new DenseLayer(1)];
            for (int j = 0; j < p.Length; j++)
            {
                double keep = p[j];
                p[j] = keep + 1e-5;
                double up = Reference.Loss(layers, p, x, y, 1, [6], Loss.MeanSquaredError);
                p[j] = keep - 1e-5;
                double down = Reference.Loss(layers, p, x, y, 1, [6], Loss.MeanSquaredError);
                p[j] = keep;
                double numeric = (up - down) / 2e-5;
                Assert.True(Math.Abs(g[j] - numeric) <= 1e-4 * Math.Abs(numeric) + 1e-6, $"call {call}, parameter {j}: {g[j]} vs {numeric}");
            }
        }
        // 3,000 Bernoulli(0.4) draws: mean 1,200, standard deviation 27; allow 4 standard deviations.
        Assert.InRange(droppedUnits, 1200 - 108, 1200 + 108);
    }

    [Fact]
    public void MasksAreReproducibleFromTheSeed()
    {
        var (a, _, x, y) = Setup(4, 3);
        var b = new WithDropout();
        a.Parameters.CopyTo(b.Parameters);
        var adamA = new Adam(0.01f);
        var adamB = new Adam(0.01f);
        for (int i = 0; i < 20; i++)
        {
            a.TrainStep(x, y, 4, adamA);
            b.TrainStep(x, y, 4, adamB);
        }
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
    }
}
