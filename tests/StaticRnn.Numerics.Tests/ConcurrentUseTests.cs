using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// One instance, two calls at once: the second throws <see cref="InvalidOperationException"/> instead of sharing the
/// work buffers. Deterministic with a call from inside a call (an optimizer that predicts); with two threads, every
/// call either throws or returns exactly the single-threaded outputs.
/// </summary>
public class ConcurrentUseTests
{
    private sealed class PredictingOptimizer(SeedModel network, float[] x) : IOptimizer
    {
        public float LearningRate { get; set; } = 0.01f;
        public long Iterations { get; private set; }

        public void Apply(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            network.Predict(x, new float[SeedModel.OutputSize]); // a call back into the network during its TrainStep
            Iterations++;
        }
    }

    [Fact]
    public void ACallFromInsideACallThrowsAndLeavesTheNetworkUsable()
    {
        float[] x = TestData.Random(4 * SeedModel.InputSize, 1, r => (float)r.NextDouble(-1, 1)), y = TestData.Random(4 * SeedModel.TargetSize, 2, r => (float)r.NextDouble(-1, 1));
        var net = new SeedModel();
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<InvalidOperationException>(() => net.TrainStep(x, y, 4, new PredictingOptimizer(net, x.AsSpan(0, SeedModel.InputSize).ToArray())));
        Assert.Contains("one instance per thread", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
        net.Predict(x, new float[4 * SeedModel.OutputSize], 4); // the instance is free again
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void TwoThreadsEitherGetTheirOwnOutputsOrAnException()
    {
        const int batch = 6, calls = 400;
        var net = new SeedModel();
        float[][] inputs = [TestData.Random(batch * SeedModel.InputSize, 3, r => (float)r.NextDouble(-1, 1)), TestData.Random(batch * SeedModel.InputSize, 4, r => (float)r.NextDouble(-1, 1))];
        float[][] expected = inputs.Select(x =>
        {
            var o = new float[batch * SeedModel.OutputSize];
            net.Predict(x, o, batch);
            return o;
        }).ToArray();
        int succeeded = 0, refused = 0;
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, t =>
        {
            var outputs = new float[batch * SeedModel.OutputSize];
            for (int i = 0; i < calls; i++)
            {
                try
                {
                    net.Predict(inputs[t], outputs, batch);
                    Assert.Equal(expected[t], outputs);
                    Interlocked.Increment(ref succeeded);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        });
        Assert.Equal(2 * calls, succeeded + refused);
        Assert.True(succeeded > 0, $"{succeeded} calls succeeded, {refused} refused");
    }
}
