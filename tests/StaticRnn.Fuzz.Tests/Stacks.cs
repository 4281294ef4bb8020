using System.Globalization;
using System.Text;
using StaticRnn.Numerics.Tests;

namespace StaticRnn.Fuzz.Tests;

/// <summary>One layer of a random stack: its attribute as a user writes it, its reference layer, and its Keras parameter count.</summary>
internal sealed record FuzzLayer(string Attribute, Reference.Layer? Reference, int Parameters, bool Random = false);

/// <summary>A random valid network: input shape, layers, loss, and what the checks need to know about it.</summary>
internal sealed record Stack(int[] InputShape, int Vocabulary, IReadOnlyList<FuzzLayer> Layers, Loss Loss, int Classes, bool CheckExpected)
{
    /// <summary>The <c>Seed</c> of the declaration (weight initialization), when it sets one.</summary>
    public int? Seed { get; init; }

    public int ParameterCount => Layers.Sum(l => l.Parameters);

    /// <summary>Dropout draws masks in training calls: such stacks are checked on Predict and ComputeLoss only.</summary>
    public bool Random => Layers.Any(l => l.Random);

    public Reference.Layer[] ReferenceLayers => [.. Layers.Where(l => l.Reference is not null).Select(l => l.Reference!)];

    /// <summary>The declaration, as a user writes it.</summary>
    public string Declaration(string name)
    {
        var s = new StringBuilder();
        string shape = string.Join(", ", InputShape);
        string loss = Loss == Loss.MeanSquaredError ? "" : $", Loss = Loss.{Loss}";
        string expected = CheckExpected ? $", ExpectedParameters = {ParameterCount}" : "";
        string seed = Seed is { } value ? $", Seed = {(value == int.MinValue ? "int.MinValue" : value.ToString(CultureInfo.InvariantCulture))}" : "";
        s.AppendLine(CultureInfo.InvariantCulture, $"[Sequential({shape}{loss}{expected}{seed})]");
        foreach (FuzzLayer layer in Layers)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"[{layer.Attribute}]");
        }
        s.AppendLine(CultureInfo.InvariantCulture, $"public partial class {name};");
        return s.ToString();
    }

    public override string ToString() => Declaration("Network");
}

/// <summary>
/// Builds a valid stack from a tape of random choices (CsCheck draws the tape and shrinks it towards zeros; choice 0
/// is always the simplest option, so a shrunk failure is a small, plain network).
/// </summary>
internal sealed class StackBuilder(int[] tape)
{
    private int _at;

    private int Choose(int options) => _at < tape.Length ? tape[_at++] % options : 0;
    private bool Maybe(int percent) => Choose(100) >= 100 - percent;
    private T Pick<T>(params T[] options) => options[Choose(options.Length)];

    /// <summary>Units: mostly small (unrolled), sometimes past the unrolling budget (loops).</summary>
    private int Units() => Maybe(12) ? 17 + Choose(24) : 1 + Choose(8);

    private static readonly Activation[] s_dense = [Activation.Linear, Activation.Tanh, Activation.Sigmoid, Activation.Relu, Activation.Softmax, Activation.HardSigmoid];
    private static readonly Activation[] s_recurrent = [Activation.Tanh, Activation.Sigmoid, Activation.Relu, Activation.Linear, Activation.HardSigmoid];
    private static readonly Activation[] s_gates = [Activation.Sigmoid, Activation.HardSigmoid, Activation.Tanh];

    public Stack Build()
    {
        var layers = new List<FuzzLayer>();
        int kind = Choose(10);
        int steps = 1 + Choose(6), features = 1 + Choose(5), vocabulary = 0;
        bool sequence = kind != 7;
        int[] inputShape = kind == 7 ? [features] : [steps, features];
        if (kind >= 8)
        {
            // Token ids: an embedding first.
            vocabulary = 2 + Choose(12);
            int dims = 1 + Choose(6);
            inputShape = [steps];
            if (kind == 8)
            {
                layers.Add(new($"Embedding({vocabulary}, {dims})", new Reference.EmbeddingLayer(vocabulary, dims), vocabulary * dims));
            }
            else
            {
                int length = steps + Choose(3);
                layers.Add(new($"TokenAndPositionEmbedding({vocabulary}, {length}, {dims})", new Reference.TokenPositionLayer(vocabulary, length, dims), (vocabulary + length) * dims));
            }
            features = dims;
        }
        int count = 1 + Choose(4);
        for (int i = 0; i < count; i++)
        {
            (sequence, steps, features) = sequence ? SequenceLayer(layers, steps, features) : VectorLayer(layers, steps, features);
        }
        // The head fits the loss: any Dense for MSE, sigmoid for binary, softmax for the class losses.
        Loss loss = Pick(Loss.MeanSquaredError, Loss.MeanSquaredError, Loss.BinaryCrossentropy, Loss.SparseCategoricalCrossentropy, Loss.CategoricalCrossentropy);
        int classes = loss switch
        {
            Loss.BinaryCrossentropy => 1 + Choose(3),
            Loss.MeanSquaredError => 1 + Choose(4),
            _ => 2 + Choose(4),
        };
        Activation head = loss switch
        {
            Loss.BinaryCrossentropy => Activation.Sigmoid,
            Loss.MeanSquaredError => Pick(s_dense),
            _ => Activation.Softmax,
        };
        layers.Add(Dense(classes, head, useBias: true, features));
        return new Stack(inputShape, vocabulary, layers, loss, classes, Maybe(50))
        {
            Seed = Maybe(30) ? Pick(1, -1, 42, int.MaxValue, int.MinValue, 1 + Choose(1 << 16)) : null,
        };
    }

    /// <summary>
    /// A stack that runs step by step: recurrent layers (one direction, forward; each returns its sequence but maybe the
    /// last), Dense and LayerNormalization, so that a <c>Stateful</c> twin of input (1, features) fed one step per call
    /// gives the same outputs.
    /// </summary>
    public Stack BuildStreamable()
    {
        int steps = 2 + Choose(5), features = 1 + Choose(4);
        var layers = new List<FuzzLayer>();
        int count = 1 + Choose(3), d = features;
        bool sequence = true;
        for (int i = 0; i < count && sequence; i++)
        {
            switch (Choose(4))
            {
                case 0 or 1:
                {
                    int units = Units();
                    bool last = i == count - 1 && Maybe(40);
                    string name = Pick("SimpleRnn", "Lstm", "Gru");
                    string options = last ? "" : ", ReturnSequences = true";
                    int gates = name switch { "Lstm" => 4, "Gru" => 3, _ => 1 };
                    int parameters = gates * (d * units + units * units) + (name == "Gru" ? 6 : gates) * units;
                    layers.Add(new($"{name}({units}{options})", name switch
                    {
                        "Lstm" => new Reference.LstmLayer(units, ReturnSequences: !last),
                        "Gru" => new Reference.GruLayer(units, ReturnSequences: !last),
                        _ => new Reference.RnnLayer(units, ReturnSequences: !last),
                    }, parameters));
                    sequence = !last;
                    d = units;
                    break;
                }
                case 2:
                    layers.Add(Dense(Units(), Pick(s_dense), true, d));
                    d = layers[^1].Reference!.Units;
                    break;
                default:
                    layers.Add(new("LayerNormalization", new Reference.LayerNormLayer(), 2 * d));
                    break;
            }
        }
        if (!layers.Any(l => l.Attribute.Contains("Rnn(", StringComparison.Ordinal) || l.Attribute.StartsWith("Lstm(", StringComparison.Ordinal) || l.Attribute.StartsWith("Gru(", StringComparison.Ordinal)))
        {
            // No recurrent layer drawn: draw again from the rest of the tape (an exhausted tape draws a recurrent layer).
            return new StackBuilder([.. tape.Skip(1)]).BuildStreamable();
        }
        layers.Add(Dense(1 + Choose(3), Activation.Linear, true, d));
        return new Stack([steps, features], 0, layers, Loss.MeanSquaredError, layers[^1].Reference!.Units, CheckExpected: false);
    }

    private static FuzzLayer Dense(int units, Activation activation, bool useBias, int input)
        => new($"Dense({units}{(activation == Activation.Linear ? "" : $", Activation = Activation.{activation}")}{(useBias ? "" : ", UseBias = false")})",
            new Reference.DenseLayer(units, activation, useBias), input * units + (useBias ? units : 0));

    private bool _masked;

    /// <summary>
    /// A token stack whose embedding masks id 0 (<c>MaskZero = true</c>), with layers whose weights do not depend on the
    /// sequence length (no PositionEmbedding), so that the same weights run a shorter input: a padded sample must give what
    /// its real tokens give alone.
    /// </summary>
    public Stack BuildMasked()
    {
        _masked = true;
        int steps = 3 + Choose(4), vocabulary = 3 + Choose(10), dims = 1 + Choose(6);
        var layers = new List<FuzzLayer>();
        if (Maybe(70))
        {
            layers.Add(new($"Embedding({vocabulary}, {dims}, MaskZero = true)", new Reference.EmbeddingLayer(vocabulary, dims), vocabulary * dims));
        }
        else
        {
            int length = steps + Choose(3);
            layers.Add(new($"TokenAndPositionEmbedding({vocabulary}, {length}, {dims}, MaskZero = true)", new Reference.TokenPositionLayer(vocabulary, length, dims), (vocabulary + length) * dims));
        }
        bool sequence = true;
        int d = dims, t = steps;
        int count = 1 + Choose(3);
        for (int i = 0; i < count; i++)
        {
            (sequence, t, d) = sequence ? SequenceLayer(layers, t, d) : VectorLayer(layers, t, d);
        }
        layers.Add(Dense(1 + Choose(3), Activation.Linear, true, d));
        return new Stack([steps], vocabulary, layers, Loss.MeanSquaredError, layers[^1].Reference!.Units, CheckExpected: false);
    }

    private (bool Sequence, int Steps, int Features) SequenceLayer(List<FuzzLayer> layers, int steps, int d)
    {
        switch (Choose(12))
        {
            case 0 or 1 or 2 or 3:
                return Recurrent(layers, steps, d);
            case 4:
                layers.Add(Dense(Units(), Pick(s_dense), !Maybe(20), d));
                return (true, steps, layers[^1].Reference!.Units);
            case 5:
                layers.Add(new("GlobalAveragePooling1D", new Reference.PoolingLayer(), 0));
                return (false, 1, d);
            case 6:
            {
                double epsilon = Pick(1e-3, 1e-5, 0.1);
                layers.Add(new($"LayerNormalization{(epsilon == 1e-3 ? "" : $"(Epsilon = {epsilon.ToString("R", CultureInfo.InvariantCulture)})")}", new Reference.LayerNormLayer(epsilon), 2 * d));
                return (true, steps, d);
            }
            case 7:
            {
                bool scale = Maybe(50), concat = Maybe(40), causal = Maybe(40);
                var options = new List<string>();
                if (scale) options.Add("UseScale = true");
                if (concat) options.Add("ScoreMode = ScoreMode.Concat");
                if (causal) options.Add("Causal = true");
                layers.Add(new(options.Count == 0 ? "Attention" : $"Attention({string.Join(", ", options)})", new Reference.AttentionLayer(scale, concat, causal), (scale ? 1 : 0) + (concat ? 1 : 0)));
                return (true, steps, d);
            }
            case 8:
            {
                int heads = 1 + Choose(3), keyDim = 1 + Choose(4), valueDim = Maybe(30) ? 1 + Choose(4) : 0;
                bool bias = !Maybe(20), causal = Maybe(30);
                int v = valueDim == 0 ? keyDim : valueDim;
                var options = new List<string>();
                if (valueDim > 0) options.Add($"ValueDim = {valueDim}");
                if (!bias) options.Add("UseBias = false");
                if (causal) options.Add("Causal = true");
                int parameters = 2 * (d * heads * keyDim + (bias ? heads * keyDim : 0)) + d * heads * v + (bias ? heads * v : 0) + heads * v * d + (bias ? d : 0);
                layers.Add(new($"MultiHeadAttention({heads}, {keyDim}{string.Concat(options.Select(o => ", " + o))})", new Reference.MhaLayer(heads, keyDim, valueDim, bias, causal), parameters));
                return (true, steps, d);
            }
            case 9:
            {
                int heads = 1 + Choose(2), keyDim = 1 + Choose(4), ff = 1 + Choose(8);
                bool first = Maybe(40), causal = Maybe(30);
                Activation activation = Pick(Activation.Relu, Activation.Tanh, Activation.Sigmoid, Activation.Linear);
                double epsilon = Pick(1e-6, 1e-3);
                var options = new List<string> { "DropoutRate = 0" };
                if (first) options.Add("NormalizeFirst = true");
                if (causal) options.Add("Causal = true");
                if (activation != Activation.Relu) options.Add($"Activation = Activation.{activation}");
                if (epsilon != 1e-6) options.Add($"Epsilon = {epsilon.ToString("R", CultureInfo.InvariantCulture)}");
                int parameters = 3 * (d * heads * keyDim + heads * keyDim) + heads * keyDim * d + d + d * ff + ff + ff * d + d + 4 * d;
                layers.Add(new($"TransformerEncoder({heads}, {keyDim}, {ff}, {string.Join(", ", options)})",
                    new Reference.TransformerLayer(heads, keyDim, ff, epsilon, first, activation, causal), parameters));
                return (true, steps, d);
            }
            case 10:
                if (!_masked && (layers.Count == 0 || layers[^1].Reference is not (Reference.TokenPositionLayer or Reference.PositionLayer)))
                {
                    layers.Add(new("PositionEmbedding", new Reference.PositionLayer(), steps * d));
                    return (true, steps, d);
                }
                goto default;
            default:
            {
                double rate = Pick(0.5, 0.1, 0.25);
                layers.Add(new($"Dropout({rate.ToString("R", CultureInfo.InvariantCulture)})", null, 0, Random: true));
                return (true, steps, d);
            }
        }
    }

    private (bool Sequence, int Steps, int Features) VectorLayer(List<FuzzLayer> layers, int steps, int d)
    {
        switch (Choose(5))
        {
            case 0 or 1:
                layers.Add(Dense(Units(), Pick(s_dense), !Maybe(20), d));
                return (false, 1, layers[^1].Reference!.Units);
            case 2:
            {
                int n = 1 + Choose(5);
                layers.Add(new($"RepeatVector({n})", new Reference.RepeatLayer(n), 0));
                return (true, n, d);
            }
            case 3:
                layers.Add(new("LayerNormalization", new Reference.LayerNormLayer(), 2 * d));
                return (false, 1, d);
            default:
                layers.Add(new("Dropout(0.5)", null, 0, Random: true));
                return (false, 1, d);
        }
    }

    private (bool Sequence, int Steps, int Features) Recurrent(List<FuzzLayer> layers, int steps, int d)
    {
        int units = Units();
        bool returnSequences = Maybe(50), backwards = Maybe(25), bias = !Maybe(20), bidirectional = Maybe(30);
        // Keras returns a GoBackwards layer's sequence reversed over the padded length, so with padding its rows are not
        // those of the real tokens alone: masked stacks leave that combination out.
        backwards &= !(_masked && returnSequences);
        MergeMode merge = Pick(MergeMode.Concat, MergeMode.Sum, MergeMode.Mul, MergeMode.Ave);
        var options = new List<string>();
        if (returnSequences) options.Add("ReturnSequences = true");
        if (backwards) options.Add("GoBackwards = true");
        if (!bias) options.Add("UseBias = false");
        Reference.Layer inner;
        string name;
        int parameters;
        switch (Choose(3))
        {
            case 0:
            {
                Activation activation = Pick(s_recurrent);
                if (activation != Activation.Tanh) options.Add($"Activation = Activation.{activation}");
                inner = new Reference.RnnLayer(units, activation, bias, returnSequences, backwards);
                name = "SimpleRnn";
                parameters = d * units + units * units + (bias ? units : 0);
                break;
            }
            case 1:
            {
                Activation activation = Pick(s_recurrent), gates = Pick(s_gates);
                if (activation != Activation.Tanh) options.Add($"Activation = Activation.{activation}");
                if (gates != Activation.Sigmoid) options.Add($"RecurrentActivation = Activation.{gates}");
                inner = new Reference.LstmLayer(units, activation, gates, bias, returnSequences, backwards);
                name = "Lstm";
                parameters = 4 * (d * units + units * units) + (bias ? 4 * units : 0);
                break;
            }
            default:
            {
                Activation activation = Pick(s_recurrent), gates = Pick(s_gates);
                bool resetAfter = !Maybe(40);
                if (activation != Activation.Tanh) options.Add($"Activation = Activation.{activation}");
                if (gates != Activation.Sigmoid) options.Add($"RecurrentActivation = Activation.{gates}");
                if (!resetAfter) options.Add("ResetAfter = false");
                inner = new Reference.GruLayer(units, activation, gates, bias, returnSequences, backwards, resetAfter);
                name = "Gru";
                parameters = 3 * (d * units + units * units) + (bias ? (resetAfter ? 6 : 3) * units : 0);
                break;
            }
        }
        int output = units;
        Reference.Layer reference = inner;
        if (bidirectional)
        {
            options.Add("Bidirectional = true");
            if (merge != MergeMode.Concat) options.Add($"Merge = MergeMode.{merge}");
            reference = new Reference.BidirectionalLayer(inner, merge);
            parameters *= 2;
            output = merge == MergeMode.Concat ? 2 * units : units;
        }
        layers.Add(new($"{name}({units}{string.Concat(options.Select(o => ", " + o))})", reference, parameters));
        return (returnSequences, returnSequences ? steps : 1, output);
    }
}
