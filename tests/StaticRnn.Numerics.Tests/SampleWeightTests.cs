using Xunit;
using static StaticRnn.Numerics.Tests.TestData;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// Keras <c>sample_weight</c> and <c>class_weight</c>. Oracle: the weighted batch loss and gradient equal
/// (1 / batch) Σ w_i · (the loss and gradient of sample i alone), from unweighted one-sample calls; weights of 1 change
/// no bit; class weights equal the sample weights they stand for.
/// </summary>
public class SampleWeightTests
{
    private static void CheckWeightedSum<T>(float[] x, float[] y, float[] weights) where T : IStaticNetwork<T>, new()
    {
        int n = weights.Length;
        var net = new T();
        var gradient = new float[T.ParameterCount];
        float loss = net.Gradients(x, y, n, gradient, weights);
        double expectedLoss = 0;
        var expected = new double[T.ParameterCount];
        var one = new float[T.ParameterCount];
        for (int i = 0; i < n; i++)
        {
            expectedLoss += weights[i] * (double)net.Gradients(x.AsSpan(i * T.InputSize, T.InputSize), y.AsSpan(i * T.TargetSize, T.TargetSize), 1, one) / n;
            for (int j = 0; j < one.Length; j++)
            {
                expected[j] += weights[i] * (double)one[j] / n;
            }
        }
        Assert.Equal(expectedLoss, loss, 5);
        Assert.Equal(expectedLoss, net.ComputeLoss(x, y, n, weights), 5);
        double scale = expected.Max(Math.Abs);
        for (int j = 0; j < one.Length; j++)
        {
            Assert.True(Math.Abs(expected[j] - gradient[j]) <= 1e-5 * scale + 1e-7, $"parameter {j}: {gradient[j]} against {expected[j]}");
        }
        // Weights of one: the unweighted call's bits.
        float[] ones = Enumerable.Repeat(1f, n).ToArray();
        var plain = new float[T.ParameterCount];
        Assert.Equal(net.Gradients(x, y, n, plain), net.Gradients(x, y, n, gradient, ones));
        Assert.Equal(plain, gradient);
    }

    [Fact]
    public void WeightedLossAndGradientAreTheWeightedMeanOfEachSamplesOwn()
    {
        // Grouped (SeedModel, 19 samples: groups of 8, 8 and 3 over two shards), sparse per-step targets, binary per-step targets.
        CheckWeightedSum<SeedModel>(Random(19 * 80, 1, r => (float)r.NextDouble(-1, 1)), Random(19 * 10, 2, r => (float)r.NextDouble(-1, 1)), Random(19, 3, r => (float)r.NextDouble(0, 3)));
        CheckWeightedSum<RnnStackSeqSoftmax>(Random(11 * 35, 4, r => (float)r.NextDouble(-1, 1)), Random(11 * 7, 5, r => r.NextInt(3)), Random(11, 6, r => r.NextInt(3)));
        CheckWeightedSum<GruResetBefore>(Random(9 * 24, 7, r => (float)r.NextDouble(-1, 1)), Random(9 * 6, 8, r => r.NextInt(2)), Random(9, 9, r => (float)r.NextDouble(0, 2)));
    }

    [Fact]
    public void ClassWeightsAreTheSampleWeightsOfEachSamplesClass()
    {
        float[] x = Random(30 * 15, 10, r => (float)r.NextDouble(-1, 1)), y = Random(30, 11, r => r.NextInt(4));
        var byClass = new RnnSigmoidNoBiasSoftmax();
        var classWeight = new Dictionary<int, float> { [0] = 2f, [2] = 0.5f }; // class 1 and 3 weigh 1
        History a = byClass.Fit(x, y, epochs: 2, batchSize: 8, optimizer: new Adam(0.01f), validationSplit: 0.2, seed: 1, verbose: 0, classWeight: classWeight);
        var bySample = new RnnSigmoidNoBiasSoftmax();
        float[] weights = y.Select(c => c == 0 ? 2f : c == 2 ? 0.5f : 1f).ToArray();
        History b = bySample.Fit(x, y, epochs: 2, batchSize: 8, optimizer: new Adam(0.01f), validationSplit: 0.2, seed: 1, verbose: 0, sampleWeights: weights);
        Assert.Equal(bySample.Parameters.ToArray(), byClass.Parameters.ToArray());
        Assert.Equal(b.ValidationLoss, a.ValidationLoss);
        // The validation loss is weighted too, as in Keras.
        Assert.Equal(Training.Evaluate(bySample, x.AsSpan(24 * 15), y.AsSpan(24), 32, weights.AsSpan(24)), b.ValidationLoss[^1], 6);
        var unweighted = new RnnSigmoidNoBiasSoftmax();
        unweighted.Fit(x, y, epochs: 2, batchSize: 8, optimizer: new Adam(0.01f), validationSplit: 0.2, seed: 1, verbose: 0);
        Assert.NotEqual(unweighted.Parameters.ToArray(), byClass.Parameters.ToArray());
    }

    [Fact]
    public void Seq2SeqWeightsCountEachPairsIdsThatManyTimes()
    {
        // The teacher-forced loss is the mean over the batch's ids that are not padding; a weight multiplies its pair's
        // ids: loss = Σ w_i · (pair i's loss alone · its ids) / Σ ids.
        var random = new SeededRandom(31);
        int s = S2sLstmAttention.SourceLength, t = S2sLstmAttention.TargetLength, pairs = 9;
        var sources = new int[pairs * s];
        var targets = new int[pairs * t];
        for (int p = 0; p < pairs; p++)
        {
            int length = 1 + random.NextInt(t - 1);
            for (int i = 0; i < length; i++)
            {
                sources[p * s + i] = 1 + random.NextInt(S2sLstmAttention.SourceVocabulary - 1);
                targets[p * t + i] = 3 + random.NextInt(S2sLstmAttention.TargetVocabulary - 3);
            }
            targets[p * t + length] = S2sLstmAttention.EndToken;
        }
        float[] weights = Random(pairs, 32, r => (float)r.NextDouble(0, 2));
        var model = new S2sLstmAttention();
        double sum = 0;
        int ids = 0;
        for (int p = 0; p < pairs; p++)
        {
            int own = targets.Skip(p * t).Take(t).Count(id => id != 0);
            sum += weights[p] * (double)model.ComputeLoss(sources.AsSpan(p * s, s), targets.AsSpan(p * t, t), 1) * own;
            ids += own;
        }
        Assert.Equal(sum / ids, model.ComputeLoss(sources, targets, pairs, weights), 5);
        // Weights of one: the unweighted step's bits.
        var plain = new S2sLstmAttention();
        var weighted = new S2sLstmAttention();
        Assert.Equal(plain.TrainStep(sources, targets, pairs, new Adam()), weighted.TrainStep(sources, targets, pairs, new Adam(), Enumerable.Repeat(1f, pairs).ToArray()));
        Assert.Equal(plain.Parameters.ToArray(), weighted.Parameters.ToArray());
        // Through Fit, the validation loss is weighted too.
        History history = weighted.Fit(sources, targets, epochs: 1, batchSize: 4, validationSplit: 0.34, verbose: 0, sampleWeights: weights);
        // floor(9 × 0.66) = 5 pairs train, the last 4 validate.
        Assert.Equal(Seq2SeqTraining.Evaluate(weighted, sources.AsSpan(5 * s), targets.AsSpan(5 * t), 32, weights.AsSpan(5)), history.ValidationLoss[0], 6);
    }

    [Fact]
    public void AGeneratedTrainStepClipsTheGradientAsTheOptimizerSays()
    {
        // SGD moves the weights by -lr·g: with global_clipnorm c and a larger gradient, by exactly lr·c in norm; with a
        // clipnorm no array reaches, by the unclipped step, to the bit.
        float[] x = Random(8 * 80, 41, r => (float)r.NextDouble(-1, 1)), y = Random(8 * 10, 42, r => (float)r.NextDouble(-3, 3));
        var clipped = new SeedModel();
        float[] before = clipped.Parameters.ToArray();
        clipped.TrainStep(x, y, 8, new Sgd(0.5f) { GlobalClipNorm = 1e-3f });
        double moved = Math.Sqrt(before.Zip(clipped.Parameters.ToArray(), (a, b) => (double)(a - b) * (a - b)).Sum());
        Assert.InRange(moved, 0.99 * 0.5e-3, 1.01 * 0.5e-3); // float32 weights: the step is rounded element by element
        var loose = new SeedModel();
        var plain = new SeedModel();
        loose.TrainStep(x, y, 8, new Sgd(0.5f) { ClipNorm = 1e6f });
        plain.TrainStep(x, y, 8, new Sgd(0.5f));
        Assert.Equal(plain.Parameters.ToArray(), loose.Parameters.ToArray());
    }

    [Fact]
    public void BadWeightsAreRejectedAndChangeNothing()
    {
        float[] x = Random(4 * 80, 12, r => (float)r.NextDouble(-1, 1)), y = Random(4 * 10, 13, r => (float)r.NextDouble(-1, 1));
        var net = new SeedModel();
        float[] before = net.Parameters.ToArray();
        var adam = new Adam();
        Assert.Throws<ArgumentException>(() => net.TrainStep(x, y, 4, adam, [1f, 1f, 1f]));
        var e = Assert.Throws<ArgumentException>(() => net.TrainStep(x, y, 4, adam, [1f, -1f, 1f, 1f]));
        Assert.Contains("sampleWeights[1]", e.Message);
        Assert.Throws<ArgumentException>(() => net.TrainStep(x, y, 4, adam, [1f, 1f, float.NaN, 1f]));
        Assert.Throws<ArgumentException>(() => net.Fit(x, y, verbose: 0, sampleWeights: [1f, 2f]));
        // Keras: class_weight needs one output row per sample.
        var sequence = new GruResetBefore();
        e = Assert.Throws<ArgumentException>(() => sequence.Fit(Random(2 * 24, 1, r => 0f), new float[2 * 6], verbose: 0, classWeight: new Dictionary<int, float> { [1] = 2f }));
        Assert.Contains("sampleWeights instead", e.Message);
        Assert.Throws<ArgumentException>(() => new RnnSigmoidNoBiasSoftmax().Fit(Random(2 * 15, 1, r => 0f), new float[2], verbose: 0, classWeight: new Dictionary<int, float> { [1] = float.PositiveInfinity }));
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(0, adam.Iterations);
    }
}
