using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>The Keras-style loop and the generated members around it: Fit, Evaluate, Summary, weights files.</summary>
public class TrainingTests
{
    private static (float[] X, float[] Y) Data(int samples, int seed)
    {
        var r = new SeededRandom(seed);
        var x = new float[samples * SeedModel.InputSize];
        var y = new float[samples * SeedModel.TargetSize];
        for (int i = 0; i < x.Length; i++) x[i] = (float)r.NextDouble(-1, 1);
        for (int s = 0; s < samples; s++)
        {
            for (int o = 0; o < 10; o++)
            {
                y[s * 10 + o] = MathF.Tanh(x[s * 80 + 72 + o % 8] - 0.5f * x[s * 80 + 72 + (o + 3) % 8]);
            }
        }
        return (x, y);
    }

    [Fact]
    public void FitLowersTheLossAndReportsEachEpoch()
    {
        var (x, y) = Data(200, 1);
        var net = new SeedModel();
        var log = new StringWriter();
        History history = net.Fit(x, y, epochs: 8, batchSize: 16, optimizer: new Adam(0.01f), validationSplit: 0.25, log: log);
        Assert.Equal(8, history.Epochs);
        Assert.Equal(8, history.ValidationLoss.Count);
        Assert.True(history.Loss[^1] < 0.6 * history.Loss[0], $"loss {history.Loss[0]} -> {history.Loss[^1]}");
        Assert.True(history.ValidationLoss[^1] < history.ValidationLoss[0]);
        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8, lines.Length);
        // 150 training samples in batches of 16 are 10 steps; 50 samples are held out.
        Assert.Matches(@"^Epoch 3/8 - 10/10 - loss: \d\.\d{4} - val_loss: \d\.\d{4} - \d+ ms$", lines[2].TrimEnd('\r'));
        Assert.Equal(history.ValidationLoss[^1], net.Evaluate(x.AsSpan(150 * 80), y.AsSpan(150 * 10)), 5);
    }

    [Fact]
    public void SameSeedSameTraining()
    {
        var (x, y) = Data(64, 2);
        var a = new SeedModel();
        var b = new SeedModel();
        a.Fit(x, y, epochs: 2, batchSize: 8, optimizer: new Adam(), verbose: 0, seed: 5);
        b.Fit(x, y, epochs: 2, batchSize: 8, optimizer: new Adam(), verbose: 0, seed: 5);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
    }

    [Fact]
    public void EvaluateWeightsBatchesBySize()
    {
        var (x, y) = Data(10, 3);
        var net = new SeedModel();
        float whole = net.ComputeLoss(x, y, 10);
        Assert.Equal(whole, net.Evaluate(x, y, batchSize: 4), 5); // batches of 4, 4 and 2
    }

    [Fact]
    public void ValidationSplitFloorsTheTrainingPartAsKerasDoes()
    {
        var (x, y) = Data(10, 6);
        var log = new StringWriter();
        new SeedModel().Fit(x, y, epochs: 1, batchSize: 1, validationSplit: 0.3, log: log);
        Assert.Contains(" - 7/7 - ", log.ToString()); // floor(10 * 0.7) = 7 train, 3 validation (not 8 / 2)
        // Keras raises when either part would be empty.
        var e = Assert.Throws<ArgumentException>(() => new SeedModel().Fit(x.AsSpan(0, 80), y.AsSpan(0, 10), validationSplit: 0.5, verbose: 0));
        Assert.Contains("too few", e.Message);
        e = Assert.Throws<ArgumentException>(() => new SeedModel().Fit(x.AsSpan(0, 3 * 80), y.AsSpan(0, 30), validationSplit: 1e-20, verbose: 0));
        Assert.Contains("too few", e.Message);
    }

    [Fact]
    public void FitChecksAllDataBeforeTheFirstStep()
    {
        var (x, y) = Data(100, 7);
        x[95 * 80 + 3] = float.NaN; // in the last batch, and in the validation part
        var net = new SeedModel();
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<ArgumentException>(() => net.Fit(x, y, epochs: 3, batchSize: 10, validationSplit: 0.1, verbose: 0));
        Assert.Contains($"inputs[{95 * 80 + 3}]", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void RepeatedFitCallsKeepTheDefaultOptimizerAndMoveTheShuffle()
    {
        var (x, y) = Data(64, 8);
        var once = new SeedModel();
        once.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, shuffle: false);
        var twice = new SeedModel();
        twice.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0, shuffle: false);
        twice.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0, shuffle: false);
        // Without shuffling, two one-epoch calls equal one two-epoch call only if the RMSprop moments carry over.
        Assert.Equal(once.Parameters.ToArray(), twice.Parameters.ToArray());
    }

    [Fact]
    public void FitRejectsBadArguments()
    {
        var (x, y) = Data(10, 4);
        var net = new SeedModel();
        Assert.Throws<ArgumentException>(() => net.Fit(x.AsSpan(1), y, verbose: 0));
        Assert.Throws<ArgumentException>(() => net.Fit(x, y.AsSpan(10), verbose: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Fit(x, y, validationSplit: 1.0, verbose: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Fit(x, y, epochs: 0, verbose: 0));
    }

    [Fact]
    public void SummaryIsTheKerasTable()
    {
        Assert.Equal("""
            Model: "SeedModel"
            ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
            ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
            ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
            │ simple_rnn (SimpleRNN)          │ (None, 10, 5)          │            70 │
            ├─────────────────────────────────┼────────────────────────┼───────────────┤
            │ simple_rnn_1 (SimpleRNN)        │ (None, 3)              │            27 │
            ├─────────────────────────────────┼────────────────────────┼───────────────┤
            │ dense (Dense)                   │ (None, 10)             │            40 │
            └─────────────────────────────────┴────────────────────────┴───────────────┘
             Total params: 137 (548.00 B)
             Trainable params: 137 (548.00 B)
             Non-trainable params: 0 (0.00 B)

            """, SeedModel.Summary());
        Assert.Equal(137, SeedModel.ParameterCount);
        Assert.Equal(["(8, 5)", "(5, 5)", "(5,)", "(5, 3)", "(3, 3)", "(3,)", "(3, 10)", "(10,)"], new SeedModel().Weights.Select(w => w.ShapeText));
    }

    [Fact]
    public void InitializationFollowsKerasDefaultsAndTheSeed()
    {
        var net = new SeedModel();
        WeightInfo kernel = net.Weights[0], recurrent = net.Weights[1], bias = net.Weights[2];
        double limit = Math.Sqrt(6.0 / (8 + 5));
        Assert.All(net.Parameters.Slice(kernel.Offset, kernel.Length).ToArray(), v => Assert.InRange(v, -limit, limit));
        Assert.All(net.Parameters.Slice(bias.Offset, bias.Length).ToArray(), v => Assert.Equal(0, v));
        float[] u = net.Parameters.Slice(recurrent.Offset, recurrent.Length).ToArray();
        double dot01 = Enumerable.Range(0, 5).Sum(k => (double)u[k] * u[5 + k]);
        Assert.InRange(dot01, -1e-5, 1e-5);
        float[] before = net.Parameters.ToArray();
        net.InitializeWeights(1);
        Assert.NotEqual(before, net.Parameters.ToArray());
        net.InitializeWeights(0);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void SaveAndLoadWeightsThroughTheNetwork()
    {
        string path = Path.Combine(Path.GetTempPath(), $"staticrnn-{Guid.NewGuid():N}.weights");
        try
        {
            var a = new SeedModel();
            a.InitializeWeights(123);
            a.SaveWeights(path);
            var b = new SeedModel();
            b.LoadWeights(path);
            Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
            var other = new RnnWideTail();
            float[] before = other.Parameters.ToArray();
            Assert.Throws<InvalidDataException>(() => other.LoadWeights(path));
            Assert.Equal(before, other.Parameters.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
