using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>Bad arguments throw ArgumentException naming the expected size, and change neither outputs nor parameters.</summary>
public class GuardTests
{
    private static (SeedModel Net, float[] X, float[] Y, float[] Before) Setup(int batch)
    {
        var net = new SeedModel();
        var x = new float[batch * SeedModel.InputSize];
        var y = new float[batch * SeedModel.TargetSize];
        for (int i = 0; i < x.Length; i++) x[i] = i % 7 * 0.1f;
        return (net, x, y, net.Parameters.ToArray());
    }

    [Fact]
    public void WrongInputLengthNamesTheExpectedLength()
    {
        var (net, x, _, before) = Setup(2);
        var outputs = new float[2 * SeedModel.OutputSize];
        outputs.AsSpan().Fill(42);
        var e = Assert.Throws<ArgumentException>(() => net.Predict(x.AsSpan(1), outputs, 2));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("expected 160", e.Message);
        Assert.All(outputs, v => Assert.Equal(42, v));
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void WrongOutputLength()
    {
        var (net, x, _, _) = Setup(2);
        var e = Assert.Throws<ArgumentException>(() => net.Predict(x, new float[19], 2));
        Assert.Equal("outputs", e.ParamName);
        Assert.Contains("expected 20", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void BatchSizeBelowOne(int batch)
    {
        var (net, x, y, before) = Setup(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Predict(x, new float[10], batch));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(x, y, batch, new Adam()));
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void NaNTargetLeavesParametersUnchanged()
    {
        var (net, x, y, before) = Setup(3);
        y[17] = float.NaN;
        var gradients = new float[SeedModel.ParameterCount];
        gradients.AsSpan().Fill(5);
        var e = Assert.Throws<ArgumentException>(() => net.TrainStep(x, y, 3, new Adam()));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("targets[17]", e.Message);
        Assert.Throws<ArgumentException>(() => net.Gradients(x, y, 3, gradients));
        Assert.All(gradients, v => Assert.Equal(5, v));
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void NaNInputWhereALossIsComputed()
    {
        var (net, x, y, before) = Setup(2);
        x[100] = float.PositiveInfinity;
        var e = Assert.Throws<ArgumentException>(() => net.TrainStep(x, y, 2, new Sgd()));
        Assert.Contains("inputs[100]", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void WrongTargetAndGradientLengths()
    {
        var (net, x, y, _) = Setup(2);
        var e = Assert.Throws<ArgumentException>(() => net.Gradients(x, y.AsSpan(1), 2, new float[SeedModel.ParameterCount]));
        Assert.Contains("expected 20", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.Gradients(x, y, 2, new float[136]));
        Assert.Equal("gradients", e.ParamName);
        Assert.Contains("expected 137", e.Message);
    }

    [Fact]
    public void SparseNetworksTakeIntClassIndicesToo()
    {
        var a = new RnnSigmoidNoBiasSoftmax();
        var b = new RnnSigmoidNoBiasSoftmax();
        var r = new SeededRandom(4);
        var x = new float[3 * RnnSigmoidNoBiasSoftmax.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = (float)r.NextDouble(-1, 1);
        int[] classes = [3, 0, 2];
        float[] asFloats = [3, 0, 2];
        var ga = new float[RnnSigmoidNoBiasSoftmax.ParameterCount];
        var gb = new float[RnnSigmoidNoBiasSoftmax.ParameterCount];
        Assert.Equal(a.Gradients(x, asFloats, 3, ga), b.Gradients(x, classes, 3, gb));
        Assert.Equal(ga, gb);
        Assert.Equal(a.ComputeLoss(x, asFloats, 3), b.ComputeLoss(x, classes, 3));
        var e = Assert.Throws<ArgumentException>(() => b.TrainStep(x, new[] { 3, 4, 0 }, 3, new Adam()));
        Assert.Contains("targets[1] is 4", e.Message);
        History history = b.Fit(x, classes, epochs: 2, batchSize: 2, verbose: 0);
        Assert.Equal(2, history.Epochs);
    }

    [Fact]
    public void TokenNetworksTakeIntIdsAndRejectIdsOutOfRange()
    {
        var net = new FdEmbeddingPoolSoftmax();
        int[] ids = [0, 11, 3, 3, 7, 1, 2, 2, 2, 9, 10, 4];
        float[] asFloats = ids.Select(i => (float)i).ToArray();
        var a = new float[2 * FdEmbeddingPoolSoftmax.OutputSize];
        var b = new float[2 * FdEmbeddingPoolSoftmax.OutputSize];
        net.Predict(ids, a, 2);
        net.Predict(asFloats, b, 2);
        Assert.Equal(a, b);
        int[] classes = [1, 2];
        Assert.Equal(net.ComputeLoss(asFloats, [1f, 2f], 2), net.ComputeLoss(ids, classes, 2));

        float[] before = net.Parameters.ToArray();
        var outputs = new float[2 * FdEmbeddingPoolSoftmax.OutputSize];
        outputs.AsSpan().Fill(42);
        ids[5] = 12;
        var e = Assert.Throws<ArgumentException>(() => net.Predict(ids, outputs, 2));
        Assert.Contains("inputs[5] is 12; token ids must be in [0, 12)", e.Message);
        Assert.All(outputs, v => Assert.Equal(42, v));
        asFloats[3] = 2.5f;
        Assert.Throws<ArgumentException>(() => net.TrainStep(asFloats, [1f, 2f], 2, new Adam()));
        Assert.Throws<ArgumentException>(() => net.Fit(asFloats, [1f, 2f], verbose: 0));
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void SparseTargetsMustBeClassIndices()
    {
        var net = new RnnSigmoidNoBiasSoftmax();
        var x = new float[2 * RnnSigmoidNoBiasSoftmax.InputSize];
        float[] before = net.Parameters.ToArray();
        foreach (float bad in new[] { 4f, -1f, 1.5f })
        {
            var e = Assert.Throws<ArgumentException>(() => net.TrainStep(x, [0, bad], 2, new Adam()));
            Assert.Contains("class indices in [0, 4)", e.Message);
        }
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void TokenAndPositionNetworksRejectIdsOutOfRangeAndAttentionNetworksNonFiniteInputs()
    {
        var tokens = new FdTokenTransformer();
        int[] ids = Enumerable.Range(0, 2 * FdTokenTransformer.InputSize).Select(i => i % 13).ToArray();
        float[] before = tokens.Parameters.ToArray();
        var outputs = new float[2 * FdTokenTransformer.OutputSize];
        outputs.AsSpan().Fill(42);
        ids[9] = 13;
        var e = Assert.Throws<ArgumentException>(() => tokens.Predict(ids, outputs, 2));
        Assert.Contains("inputs[9] is 13; token ids must be in [0, 13)", e.Message);
        Assert.All(outputs, v => Assert.Equal(42, v));
        Assert.Throws<ArgumentException>(() => tokens.TrainStep(ids, new[] { 0, 1 }, 2, new Adam()));
        Assert.Equal(before, tokens.Parameters.ToArray());

        var attention = new FdMultiHeadFirst();
        var x = new float[3 * FdMultiHeadFirst.InputSize];
        x[17] = float.NaN;
        before = attention.Parameters.ToArray();
        e = Assert.Throws<ArgumentException>(() => attention.TrainStep(x, new float[3 * FdMultiHeadFirst.TargetSize], 3, new Adam()));
        Assert.Contains("inputs[17]", e.Message);
        Assert.Equal(before, attention.Parameters.ToArray());
    }
}
