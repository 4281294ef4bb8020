using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace StaticRnn.Benchmarks;

/// <summary>
/// Case g: the keras.io Transformer text classifier: 200 token ids → TokenAndPositionEmbedding(20000, 200, 32) →
/// TransformerEncoder(2 heads, keyDim 32, feed-forward 32) → GlobalAveragePooling1D → Dropout → Dense(20, relu) →
/// Dropout → Dense(2, softmax), sparse categorical cross-entropy, Adam.
/// </summary>
[Sequential(200, Loss = Loss.SparseCategoricalCrossentropy, ExpectedParameters = 657_758)]
[TokenAndPositionEmbedding(20000, 200, 32)]
[TransformerEncoder(2, 32, 32)]
[GlobalAveragePooling1D]
[Dropout(0.1)]
[Dense(20, Activation = Activation.Relu)]
[Dropout(0.1)]
[Dense(2, Activation = Activation.Softmax)]
public partial class TransformerClassifierCase;

/// <summary>Case h: one MultiHeadAttention(4 heads, keyDim 16) self-attention over (64, 64), MSE, Adam.</summary>
[Sequential(64, 64)]
[MultiHeadAttention(4, 16)]
public partial class MultiHeadAttentionCase;

/// <summary>Case g, batch 32.</summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class TransformerClassifierBenchmarks
{
    private const int Batch = 32;
    private TransformerClassifierCase _network = null!;
    private Adam _adam = null!;
    private int[] _tokens = [], _labels = [];
    private readonly float[] _out = new float[Batch * TransformerClassifierCase.OutputSize];

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(7);
        _tokens = Data.Tokens(r, Batch * TransformerClassifierCase.InputSize, 20000);
        _labels = Data.Tokens(r, Batch, 2);
        _network = new TransformerClassifierCase();
        _adam = new Adam();
    }

    [Benchmark, BenchmarkCategory("g Predict")]
    public void PredictGenerated() => _network.Predict(_tokens, _out, Batch);

    [Benchmark, BenchmarkCategory("g TrainStep")]
    public float TrainStepGenerated() => _network.TrainStep(_tokens, _labels, Batch, _adam);
}

/// <summary>Case h: predict at batch 1, train at batch 32.</summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class MultiHeadAttentionBenchmarks
{
    private const int Batch = 32;
    private MultiHeadAttentionCase _network = null!;
    private Adam _adam = null!;
    private float[] _x = [], _y = [];
    private readonly float[] _out = new float[MultiHeadAttentionCase.OutputSize];

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(8);
        _x = Data.Uniform(r, Batch * MultiHeadAttentionCase.InputSize);
        _y = Data.Uniform(r, Batch * MultiHeadAttentionCase.TargetSize);
        _network = new MultiHeadAttentionCase();
        _adam = new Adam();
    }

    [Benchmark, BenchmarkCategory("h Predict")]
    public void PredictGeneratedBatch1() => _network.Predict(_x.AsSpan(0, MultiHeadAttentionCase.InputSize), _out, 1);

    [Benchmark, BenchmarkCategory("h TrainStep")]
    public float TrainStepGenerated() => _network.TrainStep(_x, _y, Batch, _adam);
}
