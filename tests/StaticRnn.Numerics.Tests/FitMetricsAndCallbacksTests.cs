using System.Text.RegularExpressions;
using Xunit;
using static StaticRnn.Numerics.Tests.TestData;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// Metrics and callbacks through <c>Fit</c> on real networks. The metric oracle is the definition applied in the test to
/// <c>Predict</c> outputs: with one step per epoch and no shuffling (and no dropout), epoch 1's training metric, taken
/// from the step's own forward pass, is that of the initial weights on the training part, and the last validation
/// metric that of the trained weights on the held-out part.
/// </summary>
public class FitMetricsAndCallbacksTests
{
    /// <summary>Trains a fresh <typeparamref name="T"/> two epochs of one step each; checks both metric values against <paramref name="metric"/>(outputs, targets, samples).</summary>
    private static void CheckMetric<T>(float[] x, float[] y, Metric requested, string key, Func<float[], float[], int, double> metric)
        where T : IStaticNetwork<T>, new()
    {
        int samples = x.Length / T.InputSize, train = samples * 3 / 4, validation = samples - train;
        var initial = new T();
        var trainOutputs = new float[train * T.OutputSize];
        initial.Predict(x.AsSpan(0, train * T.InputSize), trainOutputs, train);
        var net = new T();
        var log = new StringWriter();
        History history = Training.Fit(net, x, y, epochs: 2, batchSize: train, optimizer: new Adam(0.05f), validationSplit: 0.25, shuffle: false, log: log, metrics: [requested]);
        Assert.Equal(new[] { "loss", key, "val_loss", "val_" + key }, history.Keys);
        Assert.Equal(metric(trainOutputs, y[..(train * T.TargetSize)], train), history[key][0], 5);
        var validationOutputs = new float[validation * T.OutputSize];
        net.Predict(x.AsSpan(train * T.InputSize), validationOutputs, validation);
        Assert.Equal(metric(validationOutputs, y[(train * T.TargetSize)..], validation), history["val_" + key][1], 5);
        string last = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].TrimEnd('\r');
        Assert.Matches($@"^Epoch 2/2 - 1/1 - loss: \d+\.\d{{4}} - {key}: \d\.\d{{4}} - val_loss: \d+\.\d{{4}} - val_{key}: \d\.\d{{4}} - \d+ ms$", last);
    }

    [Fact]
    public void SparseAccuracyIsTheShareOfRowsWhoseMostProbableClassIsTheLabel()
    {
        // (5, 3) -> 4 classes.
        float[] x = Random(40 * 15, 1, r => (float)r.NextDouble(-1, 1)), y = Random(40, 2, r => r.NextInt(4));
        double Accuracy(float[] outputs, float[] labels, int n) => Enumerable.Range(0, n).Average(s => ArgMax(outputs.AsSpan(s * 4, 4)) == (int)labels[s] ? 1.0 : 0.0);
        CheckMetric<RnnSigmoidNoBiasSoftmax>(x, y, Metric.Accuracy, "accuracy", Accuracy);
        CheckMetric<RnnSigmoidNoBiasSoftmax>(x, y, Metric.SparseCategoricalAccuracy, "sparse_categorical_accuracy", Accuracy);
    }

    [Fact]
    public void AccuracyWithOneOutputIsBinaryAccuracyAtOneHalf()
    {
        // (6, 4) -> (6, 1): one sigmoid output per step, targets 0 or 1.
        float[] x = Random(48 * 24, 3, r => (float)r.NextDouble(-1, 1)), y = Random(48 * 6, 4, r => r.NextInt(2));
        double Binary(float[] outputs, float[] labels, int n) => Enumerable.Range(0, n * 6).Average(i => (outputs[i] > 0.5f ? 1f : 0f) == labels[i] ? 1.0 : 0.0);
        CheckMetric<GruResetBefore>(x, y, Metric.Accuracy, "accuracy", Binary);
        CheckMetric<GruResetBefore>(x, y, Metric.BinaryAccuracy, "binary_accuracy", Binary);
    }

    [Fact]
    public void AccuracyWithOneHotTargetsIsCategoricalAccuracy()
    {
        // (6, 4) -> 3 softmax outputs, one-hot targets.
        float[] x = Random(40 * 24, 5, r => (float)r.NextDouble(-1, 1));
        float[] classes = Random(40, 6, r => r.NextInt(3)), y = new float[40 * 3];
        for (int s = 0; s < 40; s++)
        {
            y[s * 3 + (int)classes[s]] = 1;
        }
        double Categorical(float[] outputs, float[] targets, int n) => Enumerable.Range(0, n).Average(s => ArgMax(outputs.AsSpan(s * 3, 3)) == ArgMax(targets.AsSpan(s * 3, 3)) ? 1.0 : 0.0);
        CheckMetric<FdSigmoidHardSigmoid>(x, y, Metric.Accuracy, "accuracy", Categorical);
    }

    [Fact]
    public void MaeIsTheMeanAbsoluteDifferenceOverEveryOutput()
    {
        // (10, 8) -> 10 linear outputs.
        float[] x = Random(32 * 80, 7, r => (float)r.NextDouble(-1, 1)), y = Random(32 * 10, 8, r => (float)r.NextDouble(-1, 1));
        double Mae(float[] outputs, float[] targets, int n) => Enumerable.Range(0, n * 10).Average(i => Math.Abs((double)outputs[i] - targets[i]));
        CheckMetric<SeedModel>(x, y, Metric.MeanAbsoluteError, "mae", Mae);
    }

    [Fact]
    public void TrainStepWritesTheOutputsItsLossCameFrom()
    {
        // Without dropout they are Predict's outputs on the weights before the step; with dropout they are the training
        // pass's. Either way the mean squared error recomputed from them is the loss the step returns.
        float[] x = Random(19 * 80, 21, r => (float)r.NextDouble(-1, 1)), y = Random(19 * 10, 22, r => (float)r.NextDouble(-1, 1));
        var net = new SeedModel();
        var predicted = new float[19 * 10];
        net.Predict(x, predicted, 19);
        var outputs = new float[19 * 10];
        float loss = net.TrainStep(x, y, 19, new Adam(), default, outputs);
        Assert.Equal(predicted, outputs);
        Assert.Equal(outputs.Zip(y, (o, t) => (double)(o - t) * (o - t)).Average(), loss, 5);

        float[] dx = Random(32 * 6, 23, r => (float)r.NextDouble(-1, 1)), dy = Random(32, 24, r => (float)r.NextDouble(-1, 1));
        var dropout = new WithDropout();
        var inference = new float[32];
        dropout.Predict(dx, inference, 32);
        var training = new float[32];
        float dropoutLoss = dropout.TrainStep(dx, dy, 32, new Adam(), default, training);
        Assert.NotEqual(inference, training);
        Assert.Equal(training.Zip(dy, (o, t) => (double)(o - t) * (o - t)).Average(), dropoutLoss, 5);
        Assert.Throws<ArgumentException>(() => net.TrainStep(x, y, 19, new Adam(), default, new float[10]));
    }

    [Fact]
    public void MetricsThatDoNotFitTheTargetsAreRejectedBeforeTraining()
    {
        float[] x = Random(8 * 80, 9, r => (float)r.NextDouble(-1, 1)), y = Random(8 * 10, 10, r => (float)r.NextDouble(-1, 1));
        var net = new SeedModel();
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<ArgumentException>(() => net.Fit(x, y, verbose: 0, metrics: [Metric.SparseCategoricalAccuracy]));
        Assert.Contains("class-index targets", e.Message);
        Assert.Throws<ArgumentException>(() => net.Fit(x, y, verbose: 0, metrics: [Metric.MeanAbsoluteError, Metric.MeanAbsoluteError]));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Fit(x, y, epochs: 2, initialEpoch: 2, verbose: 0));
        var sparse = new RnnSigmoidNoBiasSoftmax();
        e = Assert.Throws<ArgumentException>(() => sparse.Fit(Random(4 * 15, 1, r => 0f), new float[4], verbose: 0, metrics: [Metric.MeanAbsoluteError]));
        Assert.Contains("class indices", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Seq2SeqAccuracyCountsTheTargetIdsThatAreNotPadding()
    {
        var random = new SeededRandom(11);
        int s = S2sLstmAttention.SourceLength, t = S2sLstmAttention.TargetLength, v = S2sLstmAttention.TargetVocabulary;
        var sources = new int[40 * s];
        var targets = new int[40 * t];
        for (int p = 0; p < 40; p++)
        {
            int length = 1 + random.NextInt(t - 1);
            for (int i = 0; i < length; i++)
            {
                sources[p * s + i] = 1 + random.NextInt(S2sLstmAttention.SourceVocabulary - 1);
                targets[p * t + i] = 3 + random.NextInt(v - 3);
            }
            targets[p * t + length] = S2sLstmAttention.EndToken;
        }
        var model = new S2sLstmAttention();
        History history = model.Fit(sources, targets, epochs: 2, batchSize: 8, optimizer: new Adam(0.02f), validationSplit: 0.25, verbose: 0, metrics: [Metric.Accuracy]);
        // The oracle: teacher-forced Predict on the held-out pairs, counting the ids that are not 0.
        int correct = 0, counted = 0;
        var probabilities = new float[t * v];
        for (int p = 30; p < 40; p++)
        {
            int[] inputs = Seq2SeqReference.Shifted(targets[(p * t)..((p + 1) * t)], S2sLstmAttention.StartToken);
            model.Predict(sources.AsSpan(p * s, s), inputs, probabilities);
            for (int step = 0; step < t; step++)
            {
                if (targets[p * t + step] != 0)
                {
                    counted++;
                    correct += ArgMax(probabilities.AsSpan(step * v, v)) == targets[p * t + step] ? 1 : 0;
                }
            }
        }
        Assert.Equal((double)correct / counted, history["val_accuracy"][1], 5);
        Assert.InRange(history["accuracy"][1], 0.0, 1.0);
    }

    private static (float[] X, float[] Y) SeedData(int samples, int seed)
        => (Random(samples * SeedModel.InputSize, seed, r => (float)r.NextDouble(-1, 1)), Random(samples * SeedModel.TargetSize, seed + 1, r => (float)r.NextDouble(-1, 1)));

    [Fact]
    public void EarlyStoppingStopsFitAndRestoresTheBestWeights()
    {
        var (x, y) = SeedData(64, 12);
        var net = new SeedModel();
        var log = new StringWriter();
        // No epoch can improve on the first by 1e9: training stops after the second epoch, with the first epoch's weights.
        var stopper = new EarlyStopping { Monitor = "loss", MinDelta = 1e9, Patience = 1, RestoreBestWeights = true, Verbose = 1 };
        History history = net.Fit(x, y, epochs: 10, batchSize: 16, optimizer: new Adam(0.01f), seed: 3, log: log, callbacks: [stopper]);
        Assert.Equal(2, history.Epochs);
        Assert.Equal(1, stopper.StoppedEpoch);
        Assert.Contains("Epoch 2: early stopping", log.ToString());
        var once = new SeedModel();
        once.Fit(x, y, epochs: 1, batchSize: 16, optimizer: new Adam(0.01f), seed: 3, verbose: 0);
        Assert.Equal(once.Parameters.ToArray(), net.Parameters.ToArray());
    }

    [Fact]
    public void ResumingAtInitialEpochWithTheSameOptimizerEqualsTrainingStraightThrough()
    {
        var (x, y) = SeedData(48, 13);
        var straight = new SeedModel();
        straight.Fit(x, y, epochs: 3, batchSize: 8, optimizer: new Adam(0.01f), seed: 4, verbose: 0);
        var resumed = new SeedModel();
        var adam = new Adam(0.01f);
        resumed.Fit(x, y, epochs: 2, batchSize: 8, optimizer: adam, seed: 4, verbose: 0);
        var log = new StringWriter();
        History rest = resumed.Fit(x, y, epochs: 3, batchSize: 8, optimizer: adam, seed: 4, log: log, initialEpoch: 2);
        Assert.Equal(1, rest.Epochs);
        Assert.StartsWith("Epoch 3/3 - 6/6 - loss: ", log.ToString());
        Assert.Equal(straight.Parameters.ToArray(), resumed.Parameters.ToArray());
    }

    [Fact]
    public void BackupAndRestoreSkipsADamagedBackupAndRefusesWhenNoneLoads()
    {
        var (x, y) = SeedData(48, 17);
        string dir = Path.Combine(Path.GetTempPath(), "srnn-backup-" + Guid.NewGuid().ToString("N"));
        try
        {
            var straight = new SeedModel();
            straight.Fit(x, y, epochs: 3, batchSize: 8, optimizer: new Adam(0.01f), seed: 5, verbose: 0);
            var first = new SeedModel();
            first.Fit(x, y, epochs: 2, batchSize: 8, optimizer: new Adam(0.01f), seed: 5, verbose: 0, callbacks: [new BackupAndRestore(dir) { DeleteCheckpoint = false }]);
            Assert.Equal(["epoch000002.weights"], Directory.GetFiles(dir).Select(Path.GetFileName));
            // A newer backup that a disk damaged: it is reported and the older one is used.
            byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "epoch000002.weights"));
            bytes[100] ^= 0x10;
            File.WriteAllBytes(Path.Combine(dir, "epoch000003.weights"), bytes);
            var log = new StringWriter();
            var resumed = new SeedModel();
            var backup = new BackupAndRestore(dir);
            resumed.Fit(x, y, epochs: 3, batchSize: 8, optimizer: new Adam(0.01f), seed: 5, verbose: 2, log: log, callbacks: [backup]);
            Assert.Equal(2, backup.RestoredEpoch);
            Assert.Contains("epoch000003.weights: ", log.ToString());
            Assert.Contains("damaged", log.ToString());
            Assert.StartsWith("Epoch 3/3", log.ToString().Split('\n').First(l => l.StartsWith("Epoch", StringComparison.Ordinal)));
            Assert.Equal(straight.Parameters.ToArray(), resumed.Parameters.ToArray());
            Assert.False(Directory.Exists(dir), "a finished run deletes its backups");

            // Only a damaged backup: Fit refuses rather than silently starting again, and nothing changes.
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, "epoch000001.weights"), bytes);
            var net = new SeedModel();
            float[] before = net.Parameters.ToArray();
            var e = Assert.Throws<InvalidDataException>(() => net.Fit(x, y, epochs: 3, batchSize: 8, optimizer: new Adam(0.01f), verbose: 0, callbacks: [new BackupAndRestore(dir)]));
            Assert.Contains("Delete the folder", e.Message);
            Assert.Equal(before, net.Parameters.ToArray());
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void ResumingFromAModelCheckpointEqualsTrainingStraightThrough()
    {
        var (x, y) = SeedData(48, 16);
        var straight = new SeedModel();
        straight.Fit(x, y, epochs: 4, batchSize: 8, optimizer: new Adam(0.01f), seed: 6, verbose: 0);
        string dir = Path.Combine(Path.GetTempPath(), "srnn-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            // A run that writes a checkpoint every epoch and is abandoned after two of them.
            var first = new SeedModel();
            first.Fit(x, y, epochs: 2, batchSize: 8, optimizer: new Adam(0.01f), seed: 6, verbose: 0,
                callbacks: [new ModelCheckpoint(Path.Combine(dir, "epoch{epoch}.weights"))]);
            // A fresh process would do this: new network, new optimizer, both from the checkpoint, then resume.
            var resumed = new SeedModel();
            var adam = new Adam(0.01f);
            string checkpoint = Path.Combine(dir, "epoch2.weights");
            resumed.LoadWeights(checkpoint);
            WeightsFile.LoadOptimizerState(checkpoint, adam);
            Assert.Equal(12, adam.Iterations); // 2 epochs of 6 steps
            resumed.Fit(x, y, epochs: 4, batchSize: 8, optimizer: adam, seed: 6, verbose: 0, initialEpoch: 2);
            Assert.Equal(straight.Parameters.ToArray(), resumed.Parameters.ToArray());
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void TerminateOnNaNEndsTrainingWhereFitWouldThrow()
    {
        var (x, y) = SeedData(64, 14);
        Assert.Throws<InvalidOperationException>(() => new SeedModel().Fit(x, y, epochs: 5, batchSize: 8, optimizer: new Sgd(1e30f), verbose: 0));
        var log = new StringWriter();
        var net = new SeedModel();
        History history = net.Fit(x, y, epochs: 5, batchSize: 8, optimizer: new Sgd(1e30f), log: log, callbacks: [new TerminateOnNaN()]);
        Assert.Equal(1, history.Epochs); // the epoch it stopped in is logged, as Keras logs it
        Assert.Matches(new Regex(@"Batch \d: Invalid loss, terminating training"), log.ToString());
        // The weights from before the bad step are back, all finite; as in Keras (no restore), they are not.
        Assert.All(net.Parameters.ToArray(), w => Assert.True(float.IsFinite(w)));
        var kept = new SeedModel();
        kept.Fit(x, y, epochs: 5, batchSize: 8, optimizer: new Sgd(1e30f), verbose: 0, callbacks: [new TerminateOnNaN { RestoreLastFiniteWeights = false }]);
        Assert.Contains(kept.Parameters.ToArray(), w => !float.IsFinite(w));
    }

    [Fact]
    public void CallbacksSeeEveryEpochAndBatchAndCanChangeTheLearningRate()
    {
        var (x, y) = SeedData(40, 15);
        var recorder = new Recorder();
        var adam = new Adam(0.01f);
        new SeedModel().Fit(x, y, epochs: 3, batchSize: 16, optimizer: adam, verbose: 0, validationSplit: 0.2,
            callbacks: [recorder, new LearningRateScheduler((epoch, rate) => 0.01f / (epoch + 1))]);
        Assert.Equal("begin e0 b0 b1 end0 e1 b0 b1 end1 e2 b0 b1 end2 done", string.Join(" ", recorder.Events));
        Assert.Equal(new[] { "loss", "val_loss" }, recorder.Keys);
        Assert.Equal(0.01f / 3, adam.LearningRate);
    }

    private sealed class Recorder : ICallback
    {
        public readonly List<string> Events = [];
        public IReadOnlyList<string> Keys = [];

        public void OnTrainBegin(FitContext fit)
        {
            Events.Add("begin");
            Keys = fit.Keys;
        }

        public void OnEpochBegin(int epoch, FitContext fit) => Events.Add($"e{epoch}");
        public void OnBatchEnd(int batch, float loss, FitContext fit) => Events.Add($"b{batch}");
        public void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs, FitContext fit) => Events.Add($"end{epoch}");
        public void OnTrainEnd(FitContext fit) => Events.Add("done");
    }
}
