using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticRnn.Generator.Model;

/// <summary>Keras's per-class name counters: <c>lstm</c>, <c>lstm_1</c>, ... in the order layers are created.</summary>
internal sealed class KerasNamer
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public string Next(string prefix)
    {
        _counts.TryGetValue(prefix, out int n);
        _counts[prefix] = n + 1;
        return n == 0 ? prefix : $"{prefix}_{n.ToString(CultureInfo.InvariantCulture)}";
    }
}

/// <summary>What a spec's <see cref="LayerSpec.Validate"/> reports through: argument checks with the layer's label.</summary>
internal sealed class LayerChecks
{
    private readonly List<Problem> _problems;

    public LayerChecks(LayerSpec layer, string label, IReadOnlyList<int> networkInput, bool stateful, List<Problem> problems)
    {
        Layer = layer;
        Label = label;
        NetworkInput = networkInput;
        Stateful = stateful;
        _problems = problems;
    }

    public LayerSpec Layer { get; }

    /// <summary><c>Layer 2 'lstm' (LSTM)</c>.</summary>
    public string Label { get; }

    /// <summary>The network's input shape.</summary>
    public IReadOnlyList<int> NetworkInput { get; }

    public bool Stateful { get; }

    /// <summary>SRNN003 unless <paramref name="value"/> is a dimension in [1, <see cref="NetworkBuilder.MaxDimension"/>].</summary>
    public void Positive(string what, double value)
    {
        if (!(value >= 1 && value <= NetworkBuilder.MaxDimension))
        {
            Fail($"{what} is {value.ToString(CultureInfo.InvariantCulture)}; it must be between 1 and {NetworkBuilder.MaxDimension.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>SRNN003 unless <paramref name="value"/> is in [0, 1).</summary>
    public void Rate(string what, double value)
    {
        if (!(value >= 0 && value < 1))
        {
            Fail($"{what} is {value.ToString(CultureInfo.InvariantCulture)}; it must be in [0, 1)");
        }
    }

    /// <summary>SRNN003 unless <paramref name="value"/> is positive and finite.</summary>
    public void PositiveReal(string what, double value)
    {
        if (!(value > 0 && value < double.PositiveInfinity))
        {
            Fail($"{what} is {value.ToString(CultureInfo.InvariantCulture)}; it must be a positive number");
        }
    }

    /// <summary>SRNN003 when an activation is outside the <c>Activation</c> enum.</summary>
    public void Activations(params ActivationKind[] activations)
    {
        foreach (ActivationKind activation in activations)
        {
            if ((int)activation is < 0 or > 5)
            {
                Fail("an activation value outside the Activation enum; use Linear, Tanh, Sigmoid, Relu, Softmax or HardSigmoid");
                return;
            }
        }
    }

    /// <summary>An SRNN003 problem: <c>{Label}: {message}</c>.</summary>
    public void Fail(string message) => Report(DiagnosticIds.BadArgument, $"{Label}: {message}");

    /// <summary>A problem with its whole message.</summary>
    public void Report(string id, string message) => _problems.Add(new Problem(id, ProblemTarget.Layer, Layer.Index, message));
}

/// <summary>What a spec's <see cref="LayerSpec.InferOutputShape"/> reads its input from and reports rank problems through.</summary>
internal sealed class ShapeChecks
{
    private readonly List<Problem> _problems;
    private readonly LayerSpec _layer;
    private readonly string _label;
    private readonly string _previous;
    private readonly LayerSpec? _previousLayer;

    public ShapeChecks(LayerSpec layer, int[] input, string label, string previous, LayerSpec? previousLayer, List<Problem> problems, string? memory = null)
    {
        Memory = memory ?? "the encoder's output";
        _layer = layer;
        Input = input;
        _label = label;
        _previous = previous;
        _previousLayer = previousLayer;
        _problems = problems;
    }

    /// <summary>The per-sample input shape: (features) or (timesteps, features).</summary>
    public int[] Input { get; }

    /// <summary>How messages name what a Seq2Seq decoder layer attends over: the encoder's last layer.</summary>
    public string Memory { get; }

    /// <summary>The last input axis.</summary>
    public int Features => Input[Input.Length - 1];

    /// <summary>True for a (timesteps, features) input; else reports SRNN002 (Keras: expected ndim=3).</summary>
    public bool Sequence() => Rank(3);

    /// <summary>True for a (features) input; else reports SRNN002 (Keras: expected ndim=2).</summary>
    public bool Vector() => Rank(2);

    /// <summary>
    /// True unless <paramref name="heads"/> × T × T attention weights of this (timesteps, features) input would pass the
    /// working-memory limit, in which case SRNN003 says so (and no offset arithmetic can overflow later).
    /// </summary>
    public bool AttentionFits(int heads) => AttentionFits(heads, Input[0]);

    /// <summary>As <see cref="AttentionFits(int)"/> for queries of this input over <paramref name="keys"/> keys.</summary>
    public bool AttentionFits(int heads, int keys)
    {
        long weights = (long)heads * Input[0] * keys;
        if (weights <= NetworkBuilder.MaxWorkingMemory)
        {
            return true;
        }
        Fail($"{heads.ToString(CultureInfo.InvariantCulture)} × {Input[0].ToString(CultureInfo.InvariantCulture)} × {keys.ToString(CultureInfo.InvariantCulture)} attention weights per sample ({weights.ToString(CultureInfo.InvariantCulture)} floats) pass the limit of {NetworkBuilder.MaxWorkingMemory.ToString(CultureInfo.InvariantCulture)}; shorten the sequence");
        return false;
    }

    /// <summary>An SRNN003 problem about the shape: <c>{label}: {message}</c>.</summary>
    public void Fail(string message) => _problems.Add(new Problem(DiagnosticIds.BadArgument, ProblemTarget.Layer, _layer.Index, $"{_label}: {message}"));

    /// <summary>A problem <paramref name="id"/> whose message continues the layer's label: <c>{label} {message}</c>.</summary>
    public void Report(string id, string message) => _problems.Add(new Problem(id, ProblemTarget.Layer, _layer.Index, $"{_label} {message}"));

    private bool Rank(int expectedNdim)
    {
        if (Input.Length + 1 == expectedNdim)
        {
            return true;
        }
        string expected = expectedNdim == 3 ? "a 3-D input (batch, timesteps, features)" : "a 2-D input (batch, features)";
        int found = Input.Length + 1;
        string outputs = _previousLayer is null
            ? $"the input shape {NetworkBuilder.Shape(Input)} gives (None, {NetworkBuilder.Dims(Input)})"
            : $"{_previous} outputs {NetworkBuilder.KerasShape(new EquatableArray<int>(Input))}";
        string fix;
        int fixLayer = -1;
        if (expectedNdim == 3 && _previousLayer is null)
        {
            fix = $"declare the input with a time axis: [Sequential(timesteps, {Features.ToString(CultureInfo.InvariantCulture)})]";
        }
        else if (expectedNdim == 3 && _previousLayer!.CanReturnSequences)
        {
            fix = $"set ReturnSequences = true on layer {(_previousLayer.Position + 1).ToString(CultureInfo.InvariantCulture)} so that it returns every time step";
            fixLayer = _previousLayer.Position;
        }
        else if (expectedNdim == 3)
        {
            fix = "add [RepeatVector(timesteps)] before it, or move it before the layers that drop the time axis";
        }
        else
        {
            fix = "add [GlobalAveragePooling1D] before it, or set ReturnSequences = false on the recurrent layer before it";
        }
        _problems.Add(new Problem(DiagnosticIds.WrongRank, ProblemTarget.Layer, _layer.Index,
            $"{_label} expects {expected} but {outputs} (Keras: expected ndim={expectedNdim}, found ndim={found}); {fix}",
            FixLayerIndex: fixLayer, Fix: fixLayer >= 0 ? FixKinds.ReturnSequences : null));
        return false;
    }
}

/// <summary>Collects a layer's weights in Keras order, with their full names and consecutive offsets.</summary>
internal sealed class WeightList
{
    private readonly List<WeightSpec> _weights = new();
    private readonly string _prefix;
    private long _offset;

    public WeightList(string prefix, long offset)
    {
        _prefix = prefix;
        _offset = offset;
    }

    /// <summary>The offset after the last weight (may exceed int range; the builder checks).</summary>
    public long End => _offset;

    public IReadOnlyList<WeightSpec> Weights => _weights;

    /// <summary>Adds <c>{layer}/{name}</c> of shape <paramref name="dims"/> (empty for a scalar).</summary>
    public void Add(string name, WeightInit init, params int[] dims)
    {
        long length = 1;
        foreach (int d in dims)
        {
            length *= d;
        }
        _weights.Add(new WeightSpec(_prefix + name, new EquatableArray<int>(dims), (int)Math.Min(_offset, int.MaxValue), (int)Math.Min(length, int.MaxValue), init));
        _offset += length;
    }
}
