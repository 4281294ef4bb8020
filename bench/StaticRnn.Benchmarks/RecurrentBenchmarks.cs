using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace StaticRnn.Benchmarks;

/// <summary>Case b of the speed plan: (10, 8) → LSTM(32) → Dense(1), MSE, Adam.</summary>
[Sequential(10, 8)]
[Lstm(32)]
[Dense(1)]
public partial class LstmCase;

/// <summary>Case c: (10, 8) → GRU(32) (reset_after, as PyTorch's nn.GRU) → Dense(1), MSE, Adam.</summary>
[Sequential(10, 8)]
[Gru(32)]
[Dense(1)]
public partial class GruCase;

/// <summary>Cases b and c at batch 1 and 32: the generated code (the PyTorch side is bench/peers/torch_bench.py).</summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class RecurrentBenchmarks
{
    private LstmCase _lstm = null!;
    private GruCase _gru = null!;
    private Adam _lstmAdam = null!, _gruAdam = null!;
    private float[] _x = [], _y = [], _out = [];

    [Params(1, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(2);
        _x = Enumerable.Range(0, Batch * 80).Select(_ => (float)r.NextDouble(-1, 1)).ToArray();
        _y = Enumerable.Range(0, Batch).Select(_ => (float)r.NextDouble(-1, 1)).ToArray();
        _out = new float[Batch];
        _lstm = new LstmCase();
        _gru = new GruCase();
        _lstmAdam = new Adam();
        _gruAdam = new Adam();
    }

    [Benchmark, BenchmarkCategory("b LSTM(32)")]
    public void LstmPredict() => _lstm.Predict(_x, _out, Batch);

    [Benchmark, BenchmarkCategory("b LSTM(32)")]
    public float LstmTrainStep() => _lstm.TrainStep(_x, _y, Batch, _lstmAdam);

    [Benchmark, BenchmarkCategory("c GRU(32)")]
    public void GruPredict() => _gru.Predict(_x, _out, Batch);

    [Benchmark, BenchmarkCategory("c GRU(32)")]
    public float GruTrainStep() => _gru.TrainStep(_x, _y, Batch, _gruAdam);
}
