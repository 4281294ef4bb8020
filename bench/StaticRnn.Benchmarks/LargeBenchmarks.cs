using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace StaticRnn.Benchmarks;

/// <summary>Case d of the speed plan: (50, 8) → LSTM(128) → Dense(1), MSE, Adam; bound by the matrix products.</summary>
[Sequential(50, 8)]
[Lstm(128)]
[Dense(1)]
public partial class LstmLargeCase;

/// <summary>Case e: 100 token ids → Embedding(10000, 64) → LSTM(64) → Dense(1, sigmoid), binary cross-entropy, Adam.</summary>
[Sequential(100, Loss = Loss.BinaryCrossentropy)]
[Embedding(10000, 64)]
[Lstm(64)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class EmbeddingLstmCase;

/// <summary>Case d, batch 64: the generated code against the scalar baseline.</summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class LstmLargeBenchmarks
{
    private const int Batch = 64, Steps = 50, Features = 8, Units = 128;
    private LstmLargeCase _generated = null!;
    private ScalarLstmNetwork _scalar = null!;
    private Adam _adam = null!;
    private float[] _x = [], _y = [];
    private readonly float[] _out = new float[Batch];

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(4);
        _x = Data.Uniform(r, Batch * Steps * Features);
        _y = Data.Uniform(r, Batch);
        _generated = new LstmLargeCase();
        _scalar = new ScalarLstmNetwork(_generated.Parameters, Steps, Features, Units);
        _adam = new Adam();
        Agreement.Check("loss", _generated.ComputeLoss(_x, _y, Batch), new ScalarLstmNetwork(_generated.Parameters, Steps, Features, Units).TrainStep(_x, _y, Batch));
    }

    [Benchmark(Baseline = true), BenchmarkCategory("d Predict")]
    public void PredictScalar() => _scalar.Predict(_x, _out, Batch);

    [Benchmark, BenchmarkCategory("d Predict")]
    public void PredictGenerated() => _generated.Predict(_x, _out, Batch);

    [Benchmark(Baseline = true), BenchmarkCategory("d TrainStep")]
    public float TrainStepScalar() => _scalar.TrainStep(_x, _y, Batch);

    [Benchmark, BenchmarkCategory("d TrainStep")]
    public float TrainStepGenerated() => _generated.TrainStep(_x, _y, Batch, _adam);
}

/// <summary>Case e, batch 32: the generated code against the scalar baseline; labels 0 or 1. (The plan measures
/// TrainStep; Predict is here for the ONNX Runtime peer.)</summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class EmbeddingLstmBenchmarks
{
    private const int Batch = 32, Steps = 100, Vocabulary = 10000, Embedding = 64, Units = 64;
    private EmbeddingLstmCase _generated = null!;
    private ScalarLstmNetwork _scalar = null!;
    private Adam _adam = null!;
    private int[] _tokens = [];
    private float[] _labels = [];
    private readonly float[] _out = new float[Batch];

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(5);
        _tokens = Data.Tokens(r, Batch * Steps, Vocabulary);
        _labels = Data.Tokens(r, Batch, 2).Select(l => (float)l).ToArray();
        _generated = new EmbeddingLstmCase();
        _scalar = Scalar();
        _adam = new Adam();
        Agreement.Check("loss", _generated.ComputeLoss(_tokens, _labels, Batch), Scalar().TrainStep(_tokens, _labels, Batch));
    }

    private ScalarLstmNetwork Scalar() => new(_generated.Parameters, Steps, Embedding, Units, Vocabulary, Activation.Sigmoid, Loss.BinaryCrossentropy);

    [Benchmark(Baseline = true), BenchmarkCategory("e Predict")]
    public void PredictScalar() => _scalar.Predict(_tokens, _out, Batch);

    [Benchmark, BenchmarkCategory("e Predict")]
    public void PredictGenerated() => _generated.Predict(_tokens, _out, Batch);

    [Benchmark(Baseline = true), BenchmarkCategory("e TrainStep")]
    public float TrainStepScalar() => _scalar.TrainStep(_tokens, _labels, Batch);

    [Benchmark, BenchmarkCategory("e TrainStep")]
    public float TrainStepGenerated() => _generated.TrainStep(_tokens, _labels, Batch, _adam);
}
