using Microsoft.ML.OnnxRuntime;

namespace OnnxPeer;

/// <summary>
/// One ONNX Runtime session with its inputs and outputs bound once, through an <see cref="OrtIoBinding"/>, to
/// OrtValues over pinned managed arrays: <see cref="Call"/> runs the model without allocating buffers.
/// </summary>
internal abstract class ModelBench : IDisposable
{
    private const double Tolerance = 1e-4;

    private readonly SessionOptions _options;
    private readonly List<IDisposable> _owned = [];

    protected ModelBench(string modelPath, int intraOpThreads)
    {
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"missing model {modelPath}: run bench/peers/export_onnx.py", modelPath);
        }
        _options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
        };
        Session = new InferenceSession(modelPath, _options);
        RunOptions = new RunOptions();
        Call = Run;
    }

    protected InferenceSession Session { get; }

    protected RunOptions RunOptions { get; }

    /// <summary>One timed call (a forward pass, or one streaming step).</summary>
    public Action Call { get; protected init; }

    public static ModelBench Create(string modelPath, int intraOpThreads, CaseSpecView spec, CheckData check) =>
        spec.Op == "step" ? new StepBench(modelPath, intraOpThreads, spec.Hidden, check) : new PredictBench(modelPath, intraOpThreads, check);

    /// <summary>Runs the reference input(s) and returns the largest absolute difference to PyTorch's output; throws past 1e-4.</summary>
    public abstract double Verify();

    protected abstract void Run();

    protected T Own<T>(T value) where T : IDisposable
    {
        _owned.Add(value);
        return value;
    }

    protected OrtValue Tensor(float[] data, long[] shape) => Own(OrtValue.CreateTensorValueFromMemory(data, shape));

    protected OrtValue Tensor(long[] data, long[] shape) => Own(OrtValue.CreateTensorValueFromMemory(data, shape));

    protected void RequireNames(params string[] names)
    {
        foreach (string name in names)
        {
            if (!Session.InputMetadata.ContainsKey(name) && !Session.OutputMetadata.ContainsKey(name))
            {
                throw new CheckFailedException(
                    $"model has no input or output '{name}' (inputs: {string.Join(", ", Session.InputMetadata.Keys)};" +
                    $" outputs: {string.Join(", ", Session.OutputMetadata.Keys)})");
            }
        }
    }

    protected static double MaxAbsDiff(string what, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length)
        {
            throw new CheckFailedException($"{what}: {actual.Length} values, reference has {expected.Length}");
        }
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(d))
            {
                d = double.PositiveInfinity;
            }
            max = Math.Max(max, d);
        }
        if (max > Tolerance)
        {
            throw new CheckFailedException($"{what}: ONNX Runtime output differs from PyTorch's by up to {max:E3} (> {Tolerance:E0})");
        }
        return max;
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        RunOptions.Dispose();
        Session.Dispose();
        _options.Dispose();
    }
}

/// <summary>The parts of a case the benches need.</summary>
internal readonly record struct CaseSpecView(string Name, string Op, int Hidden);

/// <summary>Cases a-e: constant input 'x', output 'y'.</summary>
internal sealed class PredictBench : ModelBench
{
    private readonly OrtIoBinding _binding;
    private readonly float[] _y;
    private readonly float[] _expected;

    public PredictBench(string modelPath, int intraOpThreads, CheckData check) : base(modelPath, intraOpThreads)
    {
        RequireNames("x", "y");
        var x = check.Inputs["x"];
        var y = check.Outputs["y"];
        _expected = y.Floats ?? throw new CheckFailedException("reference output 'y' is not float32");
        _y = new float[y.Count];
        _binding = Own(Session.CreateIoBinding());
        _binding.BindInput("x", x.Longs is not null ? Tensor((long[])x.Longs.Clone(), x.Shape) : Tensor((float[])x.Floats!.Clone(), x.Shape));
        _binding.BindOutput("y", Tensor(_y, y.Shape));
    }

    public override double Verify()
    {
        Array.Clear(_y);
        Run();
        return MaxAbsDiff("y", _y, _expected);
    }

    protected override void Run() => Session.RunWithBinding(RunOptions, _binding);
}

/// <summary>
/// Case f: one LSTM step per call. Inputs x, h, c; outputs y, h_out, c_out. Two bindings swap the two state
/// buffers, so each call reads the state the previous call wrote, as a stateful stream does.
/// </summary>
internal sealed class StepBench : ModelBench
{
    private readonly float[] _x = new float[1];
    private readonly float[] _y = new float[1];
    private readonly float[][] _h;
    private readonly float[][] _c;
    private readonly OrtIoBinding[] _bindings = new OrtIoBinding[2];
    private readonly CheckData _check;
    private long _step;

    public StepBench(string modelPath, int intraOpThreads, int hidden, CheckData check) : base(modelPath, intraOpThreads)
    {
        RequireNames("x", "h", "c", "y", "h_out", "c_out");
        _check = check;
        if (check.StreamX.Length == 0 || check.StreamX.Length != check.StreamY.Length)
        {
            throw new CheckFailedException("reference has no 'stream' steps");
        }
        _h = [new float[hidden], new float[hidden]];
        _c = [new float[hidden], new float[hidden]];
        long[] stateShape = [1, 1, hidden];
        var xVal = Tensor(_x, [1, 1, 1]);
        var yVal = Tensor(_y, [1, 1]);
        OrtValue[] hVal = [Tensor(_h[0], stateShape), Tensor(_h[1], stateShape)];
        OrtValue[] cVal = [Tensor(_c[0], stateShape), Tensor(_c[1], stateShape)];
        for (int k = 0; k < 2; k++)
        {
            var b = _bindings[k] = Own(Session.CreateIoBinding());
            b.BindInput("x", xVal);
            b.BindInput("h", hVal[k]);
            b.BindInput("c", cVal[k]);
            b.BindOutput("y", yVal);
            b.BindOutput("h_out", hVal[1 - k]);
            b.BindOutput("c_out", cVal[1 - k]);
        }
        Call = Step;
    }

    public override double Verify()
    {
        // One step from the reference state: y and the new state.
        ResetState();
        _x[0] = _check.Inputs["x"].Floats![0];
        Run();
        double max = MaxAbsDiff("y", _y, _check.Outputs["y"].Floats);
        max = Math.Max(max, MaxAbsDiff("h_out", _h[1], _check.Outputs["h_out"].Floats));
        max = Math.Max(max, MaxAbsDiff("c_out", _c[1], _check.Outputs["c_out"].Floats));

        // A chain of steps through the ping-pong buffers, exactly as the timed loop runs them.
        ResetState();
        for (int k = 0; k < _check.StreamX.Length; k++)
        {
            Step();
            max = Math.Max(max, MaxAbsDiff($"stream step {k} y", _y, _check.StreamY.AsSpan(k, 1)));
        }
        ResetState();
        return max;
    }

    private void ResetState()
    {
        _check.Inputs["h"].Floats.AsSpan().CopyTo(_h[0]);
        _check.Inputs["c"].Floats.AsSpan().CopyTo(_c[0]);
        _step = 0;
    }

    private void Step()
    {
        float[] xs = _check.StreamX;
        _x[0] = xs[_step % xs.Length];
        Session.RunWithBinding(RunOptions, _bindings[_step & 1]);
        _step++;
    }

    protected override void Run() => Session.RunWithBinding(RunOptions, _bindings[0]);
}
