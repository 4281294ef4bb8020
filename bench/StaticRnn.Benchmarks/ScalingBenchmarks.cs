using BenchmarkDotNet.Attributes;

namespace StaticRnn.Benchmarks;

// Case b's LSTM(32) and case d's LSTM(128), each over (T, 8) → Dense(1), declared once per T: shapes are compile-time.
[Sequential(10, 8)] [Lstm(32)] [Dense(1)] public partial class ScaleB10;
[Sequential(30, 8)] [Lstm(32)] [Dense(1)] public partial class ScaleB30;
[Sequential(100, 8)] [Lstm(32)] [Dense(1)] public partial class ScaleB100;
[Sequential(300, 8)] [Lstm(32)] [Dense(1)] public partial class ScaleB300;
[Sequential(1000, 8)] [Lstm(32)] [Dense(1)] public partial class ScaleB1000;
[Sequential(10, 8)] [Lstm(128)] [Dense(1)] public partial class ScaleD10;
[Sequential(30, 8)] [Lstm(128)] [Dense(1)] public partial class ScaleD30;
[Sequential(100, 8)] [Lstm(128)] [Dense(1)] public partial class ScaleD100;
[Sequential(300, 8)] [Lstm(128)] [Dense(1)] public partial class ScaleD300;
[Sequential(1000, 8)] [Lstm(128)] [Dense(1)] public partial class ScaleD1000;

/// <summary>
/// The T × batch sweep: <c>Predict</c> of one network at every batch size. ScalingReport runs it for every network above
/// (<c>--scaling</c>) and writes the time per sample-step as a table and a picture.
/// </summary>
[GenericTypeArguments(typeof(ScaleB10))]
[GenericTypeArguments(typeof(ScaleB30))]
[GenericTypeArguments(typeof(ScaleB100))]
[GenericTypeArguments(typeof(ScaleB300))]
[GenericTypeArguments(typeof(ScaleB1000))]
[GenericTypeArguments(typeof(ScaleD10))]
[GenericTypeArguments(typeof(ScaleD30))]
[GenericTypeArguments(typeof(ScaleD100))]
[GenericTypeArguments(typeof(ScaleD300))]
[GenericTypeArguments(typeof(ScaleD1000))]
public class ScalingBenchmarks<TNetwork> where TNetwork : IStaticNetwork<TNetwork>, new()
{
    private TNetwork _network = default!;
    private float[] _x = [], _y = [];

    [Params(1, 4, 16, 64, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _network = new TNetwork();
        _x = Data.Uniform(new SeededRandom(12), Batch * TNetwork.InputSize);
        _y = new float[Batch * TNetwork.OutputSize];
        _network.Predict(_x, _y, Batch);
    }

    [Benchmark]
    public void Predict() => _network.Predict(_x, _y, Batch);
}
