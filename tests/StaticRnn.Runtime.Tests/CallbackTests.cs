using Xunit;

namespace StaticRnn.Runtime.Tests;

/// <summary>
/// The Keras callbacks driven with scripted epoch logs, as Keras's own callback tests drive them: the epochs they stop
/// at, the learning rates they set and the files they write follow the Keras 3 rules worked out by hand below.
/// </summary>
public class CallbackTests
{
    private sealed class Run
    {
        public readonly float[] Weights = [1f, 2f, 3f];
        public readonly Sgd Optimizer = new(0.5f);
        public readonly StringWriter Log = new();
        public readonly FitContext Fit;

        public Run(params string[] keys)
        {
            Fit = new FitContext(() => Weights, [new WeightInfo("w", [3], 0, 3)], Optimizer, keys, 100, 1, Log);
        }

        /// <summary>Feeds <paramref name="values"/> of <paramref name="key"/> epoch by epoch until a callback stops; returns the epochs run.</summary>
        public int Feed(ICallback callback, string key, params float[] values)
        {
            callback.OnTrainBegin(Fit);
            int epoch = 0;
            for (; epoch < values.Length && !Fit.StopTraining; epoch++)
            {
                callback.OnEpochBegin(epoch, Fit);
                Weights[0] = epoch; // so that restored weights tell which epoch they come from
                callback.OnEpochEnd(epoch, new Dictionary<string, float> { [key] = values[epoch] }, Fit);
            }
            callback.OnTrainEnd(Fit);
            return epoch;
        }
    }

    // Keras's test_EarlyStopping_patience: losses 10, 9, 8, 9, 8.9, 8.8, ... stop at epoch max(patience, 1) + 2.
    [Theory]
    [InlineData(0, 3)]
    [InlineData(1, 3)]
    [InlineData(2, 4)]
    [InlineData(3, 5)]
    public void EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement(int patience, int stoppedEpoch)
    {
        var run = new Run("loss");
        var stopper = new EarlyStopping { Monitor = "loss", Patience = patience };
        int epochs = run.Feed(stopper, "loss", 10f, 9f, 8f, 9f, 8.9f, 8.8f, 8.7f, 8.6f, 8.5f);
        Assert.Equal(stoppedEpoch, stopper.StoppedEpoch);
        Assert.Equal(stoppedEpoch + 1, epochs);
    }

    [Fact]
    public void EarlyStoppingCountsOnlyChangesBeyondMinDeltaAndRestoresTheBestEpoch()
    {
        var run = new Run("val_accuracy");
        // Max mode (the key ends in "accuracy"); 0.62 -> 0.625 is within MinDelta 0.01, so epoch 1 stays the best.
        var stopper = new EarlyStopping { Monitor = "val_accuracy", Patience = 2, MinDelta = 0.01, RestoreBestWeights = true, Verbose = 1 };
        int epochs = run.Feed(stopper, "val_accuracy", 0.5f, 0.62f, 0.625f, 0.628f, 0.9f);
        Assert.Equal(4, epochs); // epochs 2 and 3 bring no improvement: stop after epoch 3
        Assert.Equal(3, stopper.StoppedEpoch);
        Assert.Equal(1, stopper.BestEpoch);
        Assert.Equal(1f, run.Weights[0]); // the weights at the end of epoch 1
        Assert.Contains("Restoring model weights from the end of the best epoch: 2.", run.Log.ToString());
        Assert.Contains("Epoch 4: early stopping", run.Log.ToString());
    }

    [Fact]
    public void EarlyStoppingWithABaselineKeepsWaitingUntilTheBaselineIsBeaten()
    {
        // Improvements that do not beat the baseline 5 do not restart the patience: epoch 2 is the second epoch
        // waited (epoch 1 improved on epoch 0 but not on the baseline), where without a baseline it is the first.
        float[] losses = [9f, 8f, 8.5f, 8.6f, 7f];
        var stopper = new EarlyStopping { Monitor = "loss", Patience = 2, Baseline = 5 };
        Assert.Equal(3, new Run("loss").Feed(stopper, "loss", losses));
        Assert.Equal(2, stopper.StoppedEpoch);
        stopper = new EarlyStopping { Monitor = "loss", Patience = 2 };
        Assert.Equal(4, new Run("loss").Feed(stopper, "loss", losses));
        // Beating the baseline restarts it: 4 at epoch 1, then epochs 2 and 3 wait.
        stopper = new EarlyStopping { Monitor = "loss", Patience = 2, Baseline = 5 };
        Assert.Equal(4, new Run("loss").Feed(stopper, "loss", 9f, 4f, 4.5f, 4.2f, 4.1f));
    }

    [Fact]
    public void EarlyStoppingDoesNotRestoreWhenTrainingRunsToTheEnd()
    {
        var run = new Run("loss");
        var stopper = new EarlyStopping { Monitor = "loss", Patience = 5, RestoreBestWeights = true };
        Assert.Equal(4, run.Feed(stopper, "loss", 3f, 1f, 2f, 2f));
        Assert.Equal(3f, run.Weights[0]); // as Keras: restored only when it stops training
        Assert.Equal(0, stopper.StoppedEpoch);
    }

    [Fact]
    public void ReduceLROnPlateauMultipliesByTheFactorAfterPatienceThenCoolsDown()
    {
        var run = new Run("val_loss");
        ICallback reduce = new ReduceLROnPlateau { Factor = 0.5f, Patience = 2, Cooldown = 2, MinLearningRate = 0.1f, Verbose = 1 };
        var rates = new List<float>();
        reduce.OnTrainBegin(run.Fit);
        float[] losses = [1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f];
        for (int epoch = 0; epoch < losses.Length; epoch++)
        {
            reduce.OnEpochEnd(epoch, new Dictionary<string, float> { ["val_loss"] = losses[epoch] }, run.Fit);
            rates.Add(run.Optimizer.LearningRate);
        }
        // Epoch 0 sets the best; epochs 1 and 2 wait, then 0.25; the cooldown of 2 ends in epoch 4, which waits with
        // epoch 5, then 0.125; epochs 7 and 8 wait again: 0.0625 is below the floor, so 0.1. (As in Keras, the epoch
        // that ends a cooldown already counts as waited.)
        Assert.Equal(new[] { 0.5f, 0.5f, 0.25f, 0.25f, 0.25f, 0.125f, 0.125f, 0.125f, 0.1f }, rates);
        Assert.Contains("Epoch 3: ReduceLROnPlateau reducing learning rate to 0.25.", run.Log.ToString());
    }

    [Fact]
    public void MonitorsThatFitDoesNotLogAreRejectedBeforeTraining()
    {
        var run = new Run("loss");
        var e = Assert.Throws<ArgumentException>(() => ((ICallback)new EarlyStopping()).OnTrainBegin(run.Fit));
        Assert.Contains("'val_loss'", e.Message);
        Assert.Contains("validationSplit", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((ICallback)new ReduceLROnPlateau { Monitor = "loss", Factor = 1f }).OnTrainBegin(run.Fit));
        Assert.Throws<ArgumentException>(() => ((ICallback)new ModelCheckpoint("w-{val_loss:.2f}.bin")).OnTrainBegin(run.Fit));
    }

    [Fact]
    public void LearningRateSchedulerSetsTheRateBeforeEachEpoch()
    {
        var run = new Run("loss");
        var scheduler = new LearningRateScheduler((epoch, rate) => epoch < 2 ? rate : rate * 0.5f);
        var rates = new List<float>();
        for (int epoch = 0; epoch < 4; epoch++)
        {
            ((ICallback)scheduler).OnEpochBegin(epoch, run.Fit);
            rates.Add(run.Optimizer.LearningRate);
        }
        Assert.Equal(new[] { 0.5f, 0.5f, 0.25f, 0.125f }, rates);
        Assert.Throws<InvalidOperationException>(() => ((ICallback)new LearningRateScheduler((_, _) => -1f)).OnEpochBegin(0, run.Fit));
    }

    [Fact]
    public void ModelCheckpointFillsThePathAndSavesOnlyImprovementsWhenAsked()
    {
        string dir = Path.Combine(Path.GetTempPath(), "srnn-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = new Run("loss", "val_loss");
            var every = new ModelCheckpoint(Path.Combine(dir, "e{epoch:02d}-{val_loss:.2f}.weights"));
            var best = new ModelCheckpoint(Path.Combine(dir, "best.weights")) { SaveBestOnly = true };
            ((ICallback)every).OnTrainBegin(run.Fit);
            ((ICallback)best).OnTrainBegin(run.Fit);
            float[] losses = [0.9f, 0.5f, 0.7f];
            for (int epoch = 0; epoch < 3; epoch++)
            {
                run.Weights[0] = 10 + epoch;
                var logs = new Dictionary<string, float> { ["loss"] = 1f, ["val_loss"] = losses[epoch] };
                ((ICallback)every).OnEpochEnd(epoch, logs, run.Fit);
                ((ICallback)best).OnEpochEnd(epoch, logs, run.Fit);
            }
            Assert.Equal(new[] { "best.weights", "e01-0.90.weights", "e02-0.50.weights", "e03-0.70.weights" },
                Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            var loaded = new float[3];
            WeightsFile.Load(Path.Combine(dir, "best.weights"), run.Fit.Weights, loaded);
            Assert.Equal(11f, loaded[0]); // epoch 1's weights, the best val_loss
            WeightsFile.Load(Path.Combine(dir, "e03-0.70.weights"), run.Fit.Weights, loaded);
            Assert.Equal(12f, loaded[0]);
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
    public void TerminateOnNaNStopsOnANonFiniteBatchLoss()
    {
        var run = new Run("loss");
        ICallback terminate = new TerminateOnNaN();
        terminate.OnBatchEnd(0, 1.5f, run.Fit);
        Assert.False(run.Fit.StopTraining);
        terminate.OnBatchEnd(1, float.PositiveInfinity, run.Fit);
        Assert.True(run.Fit.StopTraining);
        Assert.Contains("Batch 1: Invalid loss, terminating training", run.Log.ToString());
    }
}

/// <summary>The progress output of <c>Fit</c>: the Keras 3 bar on an interactive console, one line per epoch elsewhere.</summary>
public class ProgressTests
{
    [Fact]
    public void TheLiveBarEndsEachEpochAsKeras3Does()
    {
        var log = new StringWriter();
        var progress = new Progress(log, verbose: 1, epochs: 20, steps: 26, live: true);
        progress.EpochBegin(2);
        progress.EpochEnd(2, 26, ["loss", "accuracy"], i => i == 0 ? 0.0812f : 0.9f);
        string[] lines = log.ToString().Split(Environment.NewLine);
        Assert.Equal("Epoch 3/20", lines[0]);
        // "\r26/26 ━━━━━━━━━━━━━━━━━━━━ 0s 3us/step - loss: 0.0812 - accuracy: 0.9000", the unfilled part dimmed (none here).
        Assert.Matches(@"^\r26/26 ━{20}\x1b\[2m\x1b\[0m 0s \d+(us|ms)/step - loss: 0\.0812 - accuracy: 0\.9000\x1b\[K$", lines[1]);
    }

    [Fact]
    public void WithoutAConsoleEachEpochIsOneLine()
    {
        var log = new StringWriter();
        var progress = new Progress(log, verbose: 1, epochs: 8, steps: 10);
        progress.EpochBegin(0);
        for (int step = 1; step <= 10; step++)
        {
            progress.Step(step, ["loss"], _ => 1f);
        }
        progress.EpochEnd(0, 10, ["loss", "val_loss"], i => i == 0 ? 0.5f : 0.25f);
        Assert.Matches(@"^Epoch 1/8 - 10/10 - loss: 0\.5000 - val_loss: 0\.2500 - \d+ ms\r?\n$", log.ToString());
    }
}

/// <summary>Checkpoints: the optimizer's state saved with the weights in one file, and put back exactly.</summary>
public class CheckpointTests
{
    private static readonly WeightInfo[] s_weights = [new("w", [5], 0, 5)];

    private static float[] Gradient(int step) => [0.1f * step, -0.2f, 0.3f / step, 0.05f, -0.4f * step];

    [Theory]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    [InlineData("sgd")]
    public void ARestoredOptimizerStepsAsTheOriginalWould(string kind)
    {
        Optimizer Make() => kind switch { "adam" => new Adam(0.01f), "rmsprop" => new RmsProp(0.01f, momentum: 0.5f), _ => new Sgd(0.01f, momentum: 0.9f) };
        string path = Path.Combine(Path.GetTempPath(), $"srnn-ckpt-{Guid.NewGuid():N}.weights");
        try
        {
            Optimizer original = Make();
            float[] p = [1f, 2f, 3f, 4f, 5f];
            for (int step = 1; step <= 3; step++)
            {
                original.Apply(p, Gradient(step));
            }
            original.LearningRate = 0.005f;
            WeightsFile.Save(path, s_weights, p, original);
            var loaded = new float[5];
            WeightsFile.Load(path, s_weights, loaded); // a checkpoint is a weights file too
            Assert.Equal(p, loaded);
            Optimizer restored = Make();
            WeightsFile.LoadOptimizerState(path, restored);
            Assert.Equal(3, restored.Iterations);
            Assert.Equal(0.005f, restored.LearningRate);
            for (int step = 4; step <= 6; step++)
            {
                original.Apply(p, Gradient(step));
                restored.Apply(loaded, Gradient(step));
            }
            Assert.Equal(p, loaded);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void StateOfAnotherOptimizerOrNoneOrDamagedIsRefused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"srnn-ckpt-{Guid.NewGuid():N}.weights");
        try
        {
            float[] p = [1f, 2f, 3f, 4f, 5f];
            WeightsFile.Save(path, s_weights, p);
            var e = Assert.Throws<InvalidDataException>(() => WeightsFile.LoadOptimizerState(path, new Adam()));
            Assert.Contains("no optimizer state", e.Message);
            var sgd = new Sgd(0.01f, momentum: 0.9f);
            sgd.Apply(p, Gradient(1));
            WeightsFile.Save(path, s_weights, p, sgd);
            e = Assert.Throws<InvalidDataException>(() => WeightsFile.LoadOptimizerState(path, new Adam()));
            Assert.Contains("Sgd", e.Message);
            e = Assert.Throws<InvalidDataException>(() => WeightsFile.LoadOptimizerState(path, new Sgd(0.01f))); // no momentum: no slot
            Assert.Contains("slots", e.Message);
            byte[] bytes = File.ReadAllBytes(path);
            bytes[^10] ^= 1;
            File.WriteAllBytes(path, bytes);
            var fresh = new Sgd(0.01f, momentum: 0.9f);
            Assert.Throws<InvalidDataException>(() => WeightsFile.LoadOptimizerState(path, fresh));
            Assert.Equal(0, fresh.Iterations);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>A history kept by a loop of its own.</summary>
public class HistoryTests
{
    [Fact]
    public void AppendedEpochsKeepTheirKeysAndRefuseOthers()
    {
        var history = new History();
        history.Append(new Dictionary<string, float> { ["loss"] = 2f, ["val_exact_match"] = 0.1f });
        history.Append(new Dictionary<string, float> { ["val_exact_match"] = 0.3f, ["loss"] = 1f });
        Assert.Equal(new[] { "loss", "val_exact_match" }, history.Keys);
        Assert.Equal(new[] { 2f, 1f }, history.Loss);
        Assert.Equal(new[] { 0.1f, 0.3f }, history["val_exact_match"]);
        Assert.Equal(2, history.Epochs);
        Assert.Throws<ArgumentException>(() => history.Append(new Dictionary<string, float> { ["loss"] = 1f }));
        var e = Assert.Throws<KeyNotFoundException>(() => history["accuracy"]);
        Assert.Contains("'val_exact_match'", e.Message);
    }
}

/// <summary>Keras gradient clipping on the optimizers: clipvalue, global_clipnorm and clipnorm per weight array.</summary>
public class ClippingTests
{
    [Fact]
    public void EachKindOfClippingGivesTheKerasGradient()
    {
        // SGD with learning rate 1 moves each parameter by minus its (clipped) gradient.
        float[] p = new float[3];
        new Sgd(1f) { ClipValue = 0.5f }.Apply(p, [2f, -0.1f, -3f]);
        Assert.Equal(new[] { -0.5f, 0.1f, 0.5f }, p);

        p = new float[3];
        new Sgd(1f) { GlobalClipNorm = 1f }.Apply(p, [3f, 4f, 0f]); // norm 5 -> 1
        Assert.Equal(new[] { -0.6f, -0.8f, 0f }, p);

        p = new float[3];
        WeightInfo[] layout = [new("a", [2], 0, 2), new("b", [1], 2, 1)];
        new Sgd(1f) { ClipNorm = 1f }.Apply(p, [3f, 4f, 0.5f], layout); // a: norm 5 -> 1; b: 0.5 stays
        Assert.Equal(new[] { -0.6f, -0.8f, -0.5f }, p);

        p = new float[3];
        new Sgd(1f) { GlobalClipNorm = 10f, ClipValue = 0.1f }.Apply(p, [3f, 4f, 0f]); // a norm is set: clipvalue is not used, as in Keras
        Assert.Equal(new[] { -3f, -4f, 0f }, p);
    }

    [Fact]
    public void ClippingThatCannotApplyIsAnError()
    {
        Assert.Throws<InvalidOperationException>(() => new Sgd(1f) { ClipNorm = 1f }.Apply(new float[2], [1f, 1f]));
        Assert.Throws<InvalidOperationException>(() => new Adam { ClipNorm = 1f, GlobalClipNorm = 1f }.Apply(new float[2], [1f, 1f], [new("a", [2], 0, 2)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam { ClipValue = 0f });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam { GlobalClipNorm = float.NaN });
    }
}
