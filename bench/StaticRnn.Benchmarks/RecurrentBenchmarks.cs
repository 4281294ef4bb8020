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

/// <summary>
/// Cases b and c at batch 1 and 32: the generated code against the scalar baseline (the PyTorch side is
/// bench/peers/torch_bench.py).
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
public class RecurrentBenchmarks
{
    private const int Steps = 10, Features = 8, Units = 32;
    private LstmCase _lstm = null!;
    private GruCase _gru = null!;
    private ScalarLstmNetwork _lstmScalar = null!;
    private ScalarGruNetwork _gruScalar = null!;
    private Adam _lstmAdam = null!, _gruAdam = null!;
    private float[] _x = [], _y = [], _out = [];

    [Params(1, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(2);
        _x = Data.Uniform(r, Batch * Steps * Features);
        _y = Data.Uniform(r, Batch);
        _out = new float[Batch];
        _lstm = new LstmCase();
        _gru = new GruCase();
        _lstmAdam = new Adam();
        _gruAdam = new Adam();
        _lstmScalar = new ScalarLstmNetwork(_lstm.Parameters, Steps, Features, Units);
        _gruScalar = new ScalarGruNetwork(_gru.Parameters, Steps, Features, Units);

        var expected = new float[Batch];
        _lstm.Predict(_x, expected, Batch);
        _lstmScalar.Predict(_x, _out, Batch);
        Agreement.Check("LSTM prediction", expected, _out);
        Agreement.Check("LSTM loss", _lstm.ComputeLoss(_x, _y, Batch), new ScalarLstmNetwork(_lstm.Parameters, Steps, Features, Units).TrainStep(_x, _y, Batch));
        _gru.Predict(_x, expected, Batch);
        _gruScalar.Predict(_x, _out, Batch);
        Agreement.Check("GRU prediction", expected, _out);
        Agreement.Check("GRU loss", _gru.ComputeLoss(_x, _y, Batch), new ScalarGruNetwork(_gru.Parameters, Steps, Features, Units).TrainStep(_x, _y, Batch));
    }

    [Benchmark(Baseline = true), BenchmarkCategory("b Predict")]
    public void LstmPredictScalar() => _lstmScalar.Predict(_x, _out, Batch);

    [Benchmark, BenchmarkCategory("b Predict")]
    public void LstmPredict() => _lstm.Predict(_x, _out, Batch);

    [Benchmark(Baseline = true), BenchmarkCategory("b TrainStep")]
    public float LstmTrainStepScalar() => _lstmScalar.TrainStep(_x, _y, Batch);

    [Benchmark, BenchmarkCategory("b TrainStep")]
    public float LstmTrainStep() => _lstm.TrainStep(_x, _y, Batch, _lstmAdam);

    [Benchmark(Baseline = true), BenchmarkCategory("c Predict")]
    public void GruPredictScalar() => _gruScalar.Predict(_x, _out, Batch);

    [Benchmark, BenchmarkCategory("c Predict")]
    public void GruPredict() => _gru.Predict(_x, _out, Batch);

    [Benchmark(Baseline = true), BenchmarkCategory("c TrainStep")]
    public float GruTrainStepScalar() => _gruScalar.TrainStep(_x, _y, Batch);

    [Benchmark, BenchmarkCategory("c TrainStep")]
    public float GruTrainStep() => _gru.TrainStep(_x, _y, Batch, _gruAdam);
}
