using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace StaticRnn.Benchmarks;

/// <summary>Case f of the speed plan: a stateful LSTM(8) fed one time step of one feature per call.</summary>
[Sequential(1, 1, Stateful = true)]
[Lstm(8)]
[Dense(1)]
public partial class StreamingLstm8;

/// <summary>Case f, LSTM(16).</summary>
[Sequential(1, 1, Stateful = true)]
[Lstm(16)]
[Dense(1)]
public partial class StreamingLstm16;

/// <summary>Case f, LSTM(32).</summary>
[Sequential(1, 1, Stateful = true)]
[Lstm(32)]
[Dense(1)]
public partial class StreamingLstm32;

/// <summary>Case f, LSTM(64).</summary>
[Sequential(1, 1, Stateful = true)]
[Lstm(64)]
[Dense(1)]
public partial class StreamingLstm64;

/// <summary>
/// Case f: streaming, one <c>Predict</c> of one sample and one time step per call, the state carried from call to
/// call. Each invocation feeds <see cref="Steps"/> consecutive values of a fixed noisy signal, so BDN reports the time
/// of one step (OperationsPerInvoke) and no input is a constant the JIT could fold.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
public class StreamingBenchmarks
{
    private const int Steps = 256;
    private readonly float[] _signal = new float[Steps];
    private readonly float[] _out = new float[1];
    private StreamingLstm8 _lstm8 = null!;
    private StreamingLstm16 _lstm16 = null!;
    private StreamingLstm32 _lstm32 = null!;
    private StreamingLstm64 _lstm64 = null!;
    private ScalarLstmNetwork _scalar = null!;

    [Params(8, 16, 32, 64)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(6);
        for (int t = 0; t < Steps; t++) _signal[t] = MathF.Sin(0.1f * t) + 0.1f * (float)r.NextDouble(-1, 1);
        (_lstm8, _lstm16, _lstm32, _lstm64) = (new(), new(), new(), new());
        Span<float> parameters = Hidden switch
        {
            8 => _lstm8.Parameters,
            16 => _lstm16.Parameters,
            32 => _lstm32.Parameters,
            64 => _lstm64.Parameters,
            _ => throw new InvalidOperationException($"No streaming network of {Hidden} units."),
        };
        _scalar = new ScalarLstmNetwork(parameters, steps: 1, inputs: 1, units: Hidden, stateful: true);

        // The state must carry over: compare a stretch of consecutive outputs, then start both from zero again.
        var generated = new float[32];
        var baseline = new float[32];
        for (int t = 0; t < generated.Length; t++)
        {
            StepGenerated(t);
            generated[t] = _out[0];
            _scalar.Predict(_signal.AsSpan(t, 1), _out, 1);
            baseline[t] = _out[0];
        }
        Agreement.Check("stream of predictions", generated, baseline);
        _lstm8.ResetStates();
        _lstm16.ResetStates();
        _lstm32.ResetStates();
        _lstm64.ResetStates();
        _scalar.ResetStates();
    }

    /// <summary>One step of the generated network of <see cref="Hidden"/> units, fed <c>_signal[t]</c>.</summary>
    private void StepGenerated(int t)
    {
        ReadOnlySpan<float> x = _signal.AsSpan(t, 1);
        switch (Hidden)
        {
            case 8: _lstm8.Predict(x, _out); break;
            case 16: _lstm16.Predict(x, _out); break;
            case 32: _lstm32.Predict(x, _out); break;
            default: _lstm64.Predict(x, _out); break;
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps), BenchmarkCategory("f Step")]
    public float StepScalar()
    {
        float sum = 0;
        for (int t = 0; t < Steps; t++)
        {
            _scalar.Predict(_signal.AsSpan(t, 1), _out, 1);
            sum += _out[0];
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Steps), BenchmarkCategory("f Step")]
    public float Step()
    {
        float sum = 0;
        for (int t = 0; t < Steps; t++)
        {
            StepGenerated(t);
            sum += _out[0];
        }
        return sum;
    }
}
