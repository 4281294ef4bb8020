using Xunit;

namespace StaticRnn.Runtime.Tests;

/// <summary>
/// Optimizers against the update rules of the Keras 3 sources (keras/src/optimizers/{adam,sgd,rmsprop}.py), evaluated
/// here in float64 step by step; the buffers are 19 long so that both the vector loop and its scalar tail run.
/// </summary>
public class OptimizerTests
{
    private const int N = 19;

    private static (float[] P, float[][] G) Data()
    {
        var r = new SeededRandom(3);
        float[] p = Enumerable.Range(0, N).Select(_ => (float)r.NextDouble(-1, 1)).ToArray();
        float[][] g = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, N).Select(_ => (float)r.NextDouble(-2, 2)).ToArray()).ToArray();
        return (p, g);
    }

    private static void Run(IOptimizer optimizer, Func<double[], double[], int, double[]> update)
    {
        var (p, grads) = Data();
        double[] expected = p.Select(v => (double)v).ToArray();
        for (int step = 1; step <= grads.Length; step++)
        {
            optimizer.Apply(p, grads[step - 1]);
            expected = update(expected, grads[step - 1].Select(v => (double)v).ToArray(), step);
        }
        Assert.Equal(grads.Length, optimizer.Iterations);
        for (int i = 0; i < N; i++)
        {
            Assert.True(Math.Abs(p[i] - expected[i]) <= 1e-6 + 1e-5 * Math.Abs(expected[i]), $"parameter {i}: {p[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void AdamMatchesKeras()
    {
        double[] m = new double[N], v = new double[N];
        Run(new Adam(), (p, g, t) =>
        {
            double alpha = 0.001 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            return p.Select((pi, i) =>
            {
                m[i] += (g[i] - m[i]) * 0.1;
                v[i] += (g[i] * g[i] - v[i]) * 0.001;
                return pi - alpha * m[i] / (Math.Sqrt(v[i]) + 1e-7);
            }).ToArray();
        });
    }

    [Fact]
    public void SgdPlainMomentumAndNesterovMatchKeras()
    {
        Run(new Sgd(), (p, g, _) => p.Select((pi, i) => pi - 0.01 * g[i]).ToArray());
        double[] m = new double[N];
        Run(new Sgd(0.05f, momentum: 0.9f), (p, g, _) => p.Select((pi, i) => { m[i] = 0.9 * m[i] - 0.05 * g[i]; return pi + m[i]; }).ToArray());
        double[] n = new double[N];
        Run(new Sgd(0.05f, momentum: 0.9f, nesterov: true), (p, g, _) => p.Select((pi, i) => { n[i] = 0.9 * n[i] - 0.05 * g[i]; return pi + 0.9 * n[i] - 0.05 * g[i]; }).ToArray());
    }

    [Fact]
    public void RmsPropMatchesKeras()
    {
        double[] v = new double[N];
        Run(new RmsProp(), (p, g, _) => p.Select((pi, i) =>
        {
            v[i] = 0.9 * v[i] + 0.1 * g[i] * g[i];
            return pi - 0.001 * g[i] / Math.Sqrt(v[i] + 1e-7);
        }).ToArray());
        double[] w = new double[N], mom = new double[N];
        Run(new RmsProp(0.01f, momentum: 0.5f), (p, g, _) => p.Select((pi, i) =>
        {
            w[i] = 0.9 * w[i] + 0.1 * g[i] * g[i];
            mom[i] = 0.5 * mom[i] + 0.01 * g[i] / Math.Sqrt(w[i] + 1e-7);
            return pi - mom[i];
        }).ToArray());
    }

    [Fact]
    public void OneOptimizerBelongsToOneParameterBuffer()
    {
        var adam = new Adam();
        adam.Apply(new float[4], new float[4]);
        var e = Assert.Throws<InvalidOperationException>(() => adam.Apply(new float[5], new float[5]));
        Assert.Contains("one optimizer per network", e.Message);
        Assert.Throws<ArgumentException>(() => adam.Apply(new float[4], new float[3]));
    }

    [Fact]
    public void BadHyperparametersAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(0.001f, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.01f, momentum: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.01f, momentum: 1.1f));
        Assert.Equal(1f, new Sgd(0.01f, momentum: 1f).Momentum); // Keras accepts [0, 1]
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam { LearningRate = 0 });
    }
}
