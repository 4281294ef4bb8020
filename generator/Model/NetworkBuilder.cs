using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace StaticRnn.Generator.Model;

/// <summary>The outcome of shape inference: a spec when the declaration is valid, and every problem found.</summary>
internal sealed record BuildResult(NetworkSpec? Spec, EquatableArray<Problem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);
}

/// <summary>
/// Shape inference, parameter counting and Keras naming: the single source of truth that the generator emits from
/// and the analyzers check with. It walks the layers once, in order.
/// </summary>
internal static class NetworkBuilder
{
    /// <summary>Largest product (rows × 8-float blocks) emitted fully unrolled; bigger ones become loops (SRNN008).</summary>
    public const int MaxUnrolledVectorOps = 256;

    /// <summary>Largest accepted dimension, so that every size and offset stays far from int overflow.</summary>
    public const int MaxDimension = 1 << 20;

    /// <summary>Largest accepted number of floats in one sample's input or in one layer's output.</summary>
    public const int MaxElements = 1 << 24;

    public static BuildResult Build(NetworkDecl decl)
    {
        var problems = new List<Problem>();
        var layers = new List<LayerSpec>();
        int[] inputShape = decl.InputShape.ToArray();

        if (inputShape.Length == 0)
        {
            problems.Add(new Problem(DiagnosticIds.NoInputOrLayers, ProblemTarget.Sequential, -1,
                $"'{decl.ClassName}' has no input shape: write [Sequential(timesteps, features)] for sequences or [Sequential(features)] for vectors"));
        }
        else if (inputShape.Length > 2)
        {
            problems.Add(new Problem(DiagnosticIds.BadArgument, ProblemTarget.Sequential, -1,
                $"'{decl.ClassName}' declares a {inputShape.Length}-D input shape {Shape(inputShape)}; StaticRnn supports (features) or (timesteps, features)"));
        }
        else if (inputShape.Any(d => d < 1 || d > MaxDimension))
        {
            problems.Add(new Problem(DiagnosticIds.BadArgument, ProblemTarget.Sequential, -1,
                $"'{decl.ClassName}' declares the input shape {Shape(inputShape)}; every dimension must be between 1 and {MaxDimension}"));
        }
        else if (inputShape.Aggregate(1L, (a, d) => a * d) > MaxElements)
        {
            problems.Add(new Problem(DiagnosticIds.BadArgument, ProblemTarget.Sequential, -1,
                $"'{decl.ClassName}' declares the input shape {Shape(inputShape)}: {inputShape.Aggregate(1L, (a, d) => a * d)} floats per sample, over the limit of {MaxElements}"));
        }
        if (decl.Layers.Count == 0)
        {
            problems.Add(new Problem(DiagnosticIds.NoInputOrLayers, ProblemTarget.Sequential, -1,
                $"'{decl.ClassName}' has no layers: add layer attributes such as [SimpleRnn(16)] and [Dense(1)] after [Sequential]"));
        }
        if (problems.Count > 0)
        {
            return new BuildResult(null, new EquatableArray<Problem>(problems));
        }
        if ((int)decl.Loss is < 0 or > 3)
        {
            problems.Add(new Problem(DiagnosticIds.BadArgument, ProblemTarget.Sequential, -1,
                $"'{decl.ClassName}': Loss = {(int)decl.Loss} is not a Loss value; use MeanSquaredError, BinaryCrossentropy, SparseCategoricalCrossentropy or CategoricalCrossentropy"));
        }

        var autoNameCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        var usedNames = new Dictionary<string, int>(StringComparer.Ordinal);
        int[] shape = inputShape;
        string previous = "the input";
        LayerSpec? previousLayer = null;
        long offset = 0;
        bool shapeKnown = true;

        foreach (LayerDecl layer in decl.Layers)
        {
            string keras = KerasTypeName(layer);
            // Keras builds Bidirectional(LSTM(...)) inside out: the wrapped layer takes its own auto-name (lstm, lstm_1,
            // ...) first, and its weights are named after it: bidirectional_1/forward_lstm_1/kernel.
            string? inner = layer.IsRecurrent && layer.Bidirectional ? Uniquify(BaseName(layer.Kind), autoNameCounts) : null;
            string name = layer.Name ?? AutoName(layer, autoNameCounts);
            string label = $"Layer {layer.Index + 1} '{name}' ({keras})";
            int before = problems.Count;

            if (layer.Name is not null && !IsValidName(layer.Name))
            {
                problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer, $"{label}: the name must be non-empty and use only letters, digits, '_', '-' and '.'"));
            }
            if (usedNames.TryGetValue(name, out int first))
            {
                problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer, $"{label}: the name '{name}' is already used by layer {first + 1}; layer names must be unique"));
            }
            else
            {
                usedNames[name] = layer.Index;
            }

            ValidateArguments(layer, label, problems);
            if (layer.Kind == LayerKind.Embedding)
            {
                if (layer.Index != 0)
                {
                    problems.Add(LayerProblem(DiagnosticIds.EmbeddingPlacement, layer,
                        $"{label} must be the first layer: it turns token ids into vectors, and only the network input holds token ids"));
                }
                else if (inputShape.Length != 1)
                {
                    problems.Add(LayerProblem(DiagnosticIds.EmbeddingPlacement, layer,
                        $"{label} needs a 1-D input of token ids, (timesteps), but the input shape is {Shape(inputShape)}: write [Sequential({inputShape[0]})]"));
                }
            }

            if (!shapeKnown || problems.Count > before)
            {
                shapeKnown = false;
                previous = $"layer {layer.Index + 1} '{name}' ({keras})";
                continue;
            }

            int[]? outShape = InferOutput(layer, shape, label, previous, previousLayer, problems);
            if (outShape is null)
            {
                shapeKnown = false;
                continue;
            }
            if (outShape.Aggregate(1L, (a, d) => a * d) > MaxElements)
            {
                problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer,
                    $"{label} outputs {Shape(outShape)}: {outShape.Aggregate(1L, (a, d) => a * d)} floats per sample, over the limit of {MaxElements}"));
                shapeKnown = false;
                continue;
            }
            List<WeightSpec> weights = Weights(layer, name, inner, shape, ref offset);
            long count = weights.Sum(w => (long)w.Length);
            if (offset > int.MaxValue / 2)
            {
                problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer, $"{label} brings the network to {offset} parameters, beyond what one buffer holds"));
                shapeKnown = false;
                continue;
            }
            bool unrolled = VectorOps(layer, shape) <= MaxUnrolledVectorOps;
            var spec = new LayerSpec(layer, name, keras, new EquatableArray<int>(shape), new EquatableArray<int>(outShape),
                (int)(offset - count), (int)count, new EquatableArray<WeightSpec>(weights), unrolled);
            layers.Add(spec);
            if (layer.ExpectedParameters != 0 && layer.ExpectedParameters != count)
            {
                problems.Add(new Problem(DiagnosticIds.ParameterMismatch, ProblemTarget.Layer, layer.Index,
                    $"{label} has {count} parameters, not the expected {layer.ExpectedParameters}: {Breakdown(spec)}",
                    ComputedValue: (int)count));
            }
            if (!unrolled)
            {
                problems.Add(new Problem(DiagnosticIds.CodeSizeBudget, ProblemTarget.Layer, layer.Index,
                    $"{label} needs {VectorOps(layer, shape)} vector multiply-adds per step when unrolled, over the budget of {MaxUnrolledVectorOps}; its products are emitted as loops"));
            }
            shape = outShape;
            previous = $"layer {layer.Index + 1} '{name}' ({keras})";
            previousLayer = spec;
        }

        if (!shapeKnown)
        {
            return new BuildResult(null, new EquatableArray<Problem>(problems));
        }

        int total = (int)offset;
        if (decl.ExpectedParameters != 0 && decl.ExpectedParameters != total)
        {
            string perLayer = string.Join(" + ", layers.Select(l => $"{l.Name} {l.ParamCount}"));
            problems.Add(new Problem(DiagnosticIds.ParameterMismatch, ProblemTarget.Sequential, -1,
                $"'{decl.ClassName}' has {total} parameters, not the expected {decl.ExpectedParameters}: {perLayer} = {total}",
                ComputedValue: total));
        }
        var result = new NetworkSpec(decl.ClassName, decl.InputShape, new EquatableArray<int>(shape), total, decl.Loss, decl.Seed, decl.Stateful,
            new EquatableArray<LayerSpec>(layers));
        problems.Add(new Problem(DiagnosticIds.Summary, ProblemTarget.Sequential, -1,
            $"'{decl.ClassName}': {total} parameters ({string.Join(", ", layers.Select(l => $"{l.Name} {l.ParamCount}"))}); input {Shape(inputShape)}, output {Shape(shape)}"));
        bool errors = problems.Any(p => p.IsError);
        return new BuildResult(errors ? null : result, new EquatableArray<Problem>(problems));
    }

    /// <summary>The Keras output shape with the batch axis: <c>(None, 10, 5)</c>.</summary>
    public static string KerasShape(EquatableArray<int> shape) => "(None, " + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

    /// <summary>A per-sample shape as Python prints a tuple: <c>(10, 8)</c> or <c>(8,)</c>.</summary>
    public static string Shape(IReadOnlyList<int> shape) => shape.Count == 1
        ? $"({shape[0].ToString(CultureInfo.InvariantCulture)},)"
        : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

    private static Problem LayerProblem(string id, LayerDecl layer, string message) => new(id, ProblemTarget.Layer, layer.Index, message);

    private static string Breakdown(LayerSpec layer) => layer.Weights.Count == 0
        ? "it has no weights"
        : string.Join(" + ", layer.Weights.Select(w => $"{w.Name} {Shape(w.Shape.ToArray())} = {w.Length}")) + $" = {layer.ParamCount}";

    private static bool IsValidName(string name) => name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.');

    private static void ValidateArguments(LayerDecl layer, string label, List<Problem> problems)
    {
        void Positive(int argIndex, string what)
        {
            double v = layer.Args.Count > argIndex ? layer.Args[argIndex] : 0;
            if (!(v >= 1 && v <= MaxDimension))
            {
                problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer, $"{label}: {what} is {v.ToString(CultureInfo.InvariantCulture)}; it must be between 1 and {MaxDimension}"));
            }
        }

        switch (layer.Kind)
        {
            case LayerKind.Dense:
            case LayerKind.SimpleRnn:
            case LayerKind.Lstm:
            case LayerKind.Gru:
                Positive(0, "units");
                break;
            case LayerKind.Embedding:
                Positive(0, "inputDim");
                Positive(1, "outputDim");
                break;
            case LayerKind.RepeatVector:
                Positive(0, "n");
                break;
            case LayerKind.MultiHeadAttention:
                Positive(0, "numHeads");
                Positive(1, "keyDim");
                break;
            case LayerKind.TransformerEncoder:
                Positive(0, "numHeads");
                Positive(1, "keyDim");
                Positive(2, "feedForwardDim");
                break;
            case LayerKind.Dropout:
                double rate = layer.Args.Count > 0 ? layer.Args[0] : double.NaN;
                if (!(rate >= 0 && rate < 1))
                {
                    problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer, $"{label}: rate is {rate.ToString(CultureInfo.InvariantCulture)}; it must be in [0, 1)"));
                }
                break;
        }
        if ((int)layer.Activation is < 0 or > 5 || (int)layer.RecurrentActivation is < 0 or > 5)
        {
            problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer, $"{label}: an activation value outside the Activation enum; use Linear, Tanh, Sigmoid, Relu, Softmax or HardSigmoid"));
        }
        if ((int)layer.Merge is < 0 or > 3)
        {
            problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer, $"{label}: Merge = {(int)layer.Merge} is not a MergeMode; use Concat, Sum, Mul or Ave"));
        }
        if (layer.IsRecurrent && layer.Bidirectional && layer.GoBackwards)
        {
            problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer,
                $"{label}: GoBackwards = true cannot be combined with Bidirectional = true; the backward copy already reads the sequence in reverse (Keras 3 raises 'Forward layer and backward layer should have different go_backwards value')"));
        }
        if (layer.IsRecurrent && layer.Activation == ActivationKind.Softmax)
        {
            problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer, $"{label}: Activation = Softmax is supported on Dense layers only; use Tanh, Sigmoid, Relu, HardSigmoid or Linear"));
        }
        if (layer.Kind is LayerKind.Lstm or LayerKind.Gru && layer.RecurrentActivation == ActivationKind.Softmax)
        {
            problems.Add(LayerProblem(DiagnosticIds.BadArgument, layer, $"{label}: RecurrentActivation = Softmax is not supported; use Sigmoid or HardSigmoid"));
        }
    }

    private static int[]? InferOutput(LayerDecl layer, int[] shape, string label, string previous, LayerSpec? previousLayer, List<Problem> problems)
    {
        switch (layer.Kind)
        {
            case LayerKind.SimpleRnn:
            case LayerKind.Lstm:
            case LayerKind.Gru:
            case LayerKind.GlobalAveragePooling1D:
            case LayerKind.Attention:
            case LayerKind.MultiHeadAttention:
            case LayerKind.TransformerEncoder:
                if (shape.Length != 2)
                {
                    problems.Add(RankProblem(layer, label, 3, shape, previous, previousLayer));
                    return null;
                }
                break;
            case LayerKind.RepeatVector:
                if (shape.Length != 1)
                {
                    problems.Add(RankProblem(layer, label, 2, shape, previous, previousLayer));
                    return null;
                }
                break;
        }

        int last = shape[shape.Length - 1];
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                return Replace(shape, layer.Units);
            case LayerKind.SimpleRnn:
            case LayerKind.Lstm:
            case LayerKind.Gru:
                int units = layer.Bidirectional && layer.Merge == MergeKind.Concat ? 2 * layer.Units : layer.Units;
                return layer.ReturnSequences ? new[] { shape[0], units } : new[] { units };
            case LayerKind.Embedding:
                return new[] { shape[0], (int)layer.Args[1] };
            case LayerKind.GlobalAveragePooling1D:
                return new[] { last };
            case LayerKind.RepeatVector:
                return new[] { (int)layer.Args[0], last };
            default:
                return shape;
        }
    }

    private static Problem RankProblem(LayerDecl layer, string label, int expectedNdim, int[] shape, string previous, LayerSpec? previousLayer)
    {
        string expected = expectedNdim == 3 ? "a 3-D input (batch, timesteps, features)" : "a 2-D input (batch, features)";
        int found = shape.Length + 1;
        string outputs = previousLayer is null
            ? $"the input shape {Shape(shape)} gives (None, {string.Join(", ", shape)})"
            : $"{previous} outputs {KerasShape(new EquatableArray<int>(shape))}";
        string fix;
        int fixLayer = -1;
        if (expectedNdim == 3 && previousLayer is null)
        {
            fix = $"declare the input with a time axis: [Sequential(timesteps, {shape[shape.Length - 1]})]";
        }
        else if (expectedNdim == 3 && previousLayer!.Decl.IsRecurrent)
        {
            fix = $"set ReturnSequences = true on layer {previousLayer.Position + 1} so that it returns every time step";
            fixLayer = previousLayer.Position;
        }
        else if (expectedNdim == 3)
        {
            fix = "add [RepeatVector(timesteps)] before it, or move it before the layers that drop the time axis";
        }
        else
        {
            fix = "add [GlobalAveragePooling1D] before it, or set ReturnSequences = false on the recurrent layer before it";
        }
        return new Problem(DiagnosticIds.WrongRank, ProblemTarget.Layer, layer.Index,
            $"{label} expects {expected} but {outputs} (Keras: expected ndim={expectedNdim}, found ndim={found}); {fix}",
            FixLayerIndex: fixLayer);
    }

    private static int[] Replace(int[] shape, int last)
    {
        int[] r = (int[])shape.Clone();
        r[r.Length - 1] = last;
        return r;
    }

    private static List<WeightSpec> Weights(LayerDecl layer, string name, string? inner, int[] inShape, ref long offset)
    {
        var list = new List<WeightSpec>();
        int input = inShape[inShape.Length - 1];
        long local = offset;
        void Add(string weightName, WeightRole role, params int[] dims)
        {
            long length = 1;
            foreach (int d in dims)
            {
                length *= d;
            }
            list.Add(new WeightSpec(weightName, new EquatableArray<int>(dims), (int)Math.Min(local, int.MaxValue), (int)Math.Min(length, int.MaxValue), role));
            local += length;
        }
        void Recurrent(string prefix)
        {
            int u = layer.Units;
            int gates = layer.Kind switch { LayerKind.Lstm => 4, LayerKind.Gru => 3, _ => 1 };
            Add(prefix + "/kernel", WeightRole.Kernel, input, gates * u);
            Add(prefix + "/recurrent_kernel", WeightRole.RecurrentKernel, u, gates * u);
            if (layer.UseBias)
            {
                if (layer.Kind == LayerKind.Gru && layer.ResetAfter)
                {
                    Add(prefix + "/bias", WeightRole.Bias, 2, gates * u);
                }
                else
                {
                    Add(prefix + "/bias", WeightRole.Bias, gates * u);
                }
            }
        }

        switch (layer.Kind)
        {
            case LayerKind.Dense:
                Add(name + "/kernel", WeightRole.Kernel, input, layer.Units);
                if (layer.UseBias)
                {
                    Add(name + "/bias", WeightRole.Bias, layer.Units);
                }
                break;
            case LayerKind.SimpleRnn:
            case LayerKind.Lstm:
            case LayerKind.Gru:
                if (layer.Bidirectional)
                {
                    Recurrent($"{name}/forward_{inner}");
                    Recurrent($"{name}/backward_{inner}");
                }
                else
                {
                    Recurrent(name);
                }
                break;
            case LayerKind.Embedding:
                Add(name + "/embeddings", WeightRole.Embeddings, (int)layer.Args[0], (int)layer.Args[1]);
                break;
            case LayerKind.LayerNormalization:
                Add(name + "/gamma", WeightRole.Gamma, input);
                Add(name + "/beta", WeightRole.Beta, input);
                break;
        }
        offset = local;
        return list;
    }

    /// <summary>Vector multiply-adds of one step's largest product: rows × ceil(columns / 8).</summary>
    private static int VectorOps(LayerDecl layer, int[] inShape)
    {
        int input = inShape[inShape.Length - 1];
        int gates = layer.Kind switch { LayerKind.Lstm => 4, LayerKind.Gru => 3, _ => 1 };
        int columns = gates * layer.Units;
        int blocks = (columns + 7) / 8;
        return layer.Kind switch
        {
            LayerKind.Dense => input * blocks,
            LayerKind.SimpleRnn or LayerKind.Lstm or LayerKind.Gru => Math.Max(input, layer.Units) * blocks,
            _ => 0,
        };
    }

    /// <summary>
    /// What the generator cannot emit yet for a valid network (SRNN009). Kept apart from <see cref="Build"/>, which
    /// checks Keras semantics only, so that shapes and counts of every layer kind stay available.
    /// </summary>
    public static IReadOnlyList<Problem> GenerationProblems(NetworkSpec spec)
    {
        var problems = new List<Problem>();
        foreach (LayerSpec layer in spec.Layers)
        {
            string? why = NotYetGenerated(layer);
            if (why is not null)
            {
                problems.Add(LayerProblem(DiagnosticIds.NotYetGenerated, layer.Decl, $"Layer {layer.Position + 1} '{layer.Name}' ({layer.KerasType}): {why}"));
            }
        }
        if (spec.Stateful)
        {
            foreach (LayerSpec layer in spec.Layers)
            {
                if (layer.Decl.IsRecurrent && layer.Decl.Bidirectional)
                {
                    problems.Add(LayerProblem(DiagnosticIds.NotYetGenerated, layer.Decl,
                        $"Layer {layer.Position + 1} '{layer.Name}' ({layer.KerasType}): a stateful Bidirectional layer is not generated yet; use one direction, or Stateful = false"));
                }
            }
        }
        return problems;
    }

    private static string? NotYetGenerated(LayerSpec layer)
    {
        if (layer.Kind is not (LayerKind.Dense or LayerKind.SimpleRnn or LayerKind.Lstm or LayerKind.Gru or LayerKind.Embedding or LayerKind.GlobalAveragePooling1D or LayerKind.Dropout))
        {
            return "parameter counts and shapes are checked, but code for this layer is not generated yet (Dense, SimpleRnn, Lstm, Gru, Embedding, Dropout and GlobalAveragePooling1D are); remove it for now";
        }
        return null;
    }

    private static string AutoName(LayerDecl layer, Dictionary<string, int> counts)
        => Uniquify(layer.IsRecurrent && layer.Bidirectional ? "bidirectional" : BaseName(layer.Kind), counts);

    /// <summary>Keras's per-class counter: <c>lstm</c>, <c>lstm_1</c>, <c>lstm_2</c>, ...</summary>
    private static string Uniquify(string prefix, Dictionary<string, int> counts)
    {
        counts.TryGetValue(prefix, out int n);
        counts[prefix] = n + 1;
        return n == 0 ? prefix : $"{prefix}_{n}";
    }

    /// <summary>Keras's snake_case of the layer class name.</summary>
    public static string BaseName(LayerKind kind) => kind switch
    {
        LayerKind.Dense => "dense",
        LayerKind.SimpleRnn => "simple_rnn",
        LayerKind.Lstm => "lstm",
        LayerKind.Gru => "gru",
        LayerKind.Embedding => "embedding",
        LayerKind.Dropout => "dropout",
        LayerKind.Attention => "attention",
        LayerKind.MultiHeadAttention => "multi_head_attention",
        LayerKind.LayerNormalization => "layer_normalization",
        LayerKind.GlobalAveragePooling1D => "global_average_pooling1d",
        LayerKind.RepeatVector => "repeat_vector",
        LayerKind.TransformerEncoder => "transformer_encoder",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>The Keras class name shown in summaries.</summary>
    public static string KerasTypeName(LayerDecl layer) => layer.IsRecurrent && layer.Bidirectional ? "Bidirectional" : layer.Kind switch
    {
        LayerKind.Dense => "Dense",
        LayerKind.SimpleRnn => "SimpleRNN",
        LayerKind.Lstm => "LSTM",
        LayerKind.Gru => "GRU",
        LayerKind.Embedding => "Embedding",
        LayerKind.Dropout => "Dropout",
        LayerKind.Attention => "Attention",
        LayerKind.MultiHeadAttention => "MultiHeadAttention",
        LayerKind.LayerNormalization => "LayerNormalization",
        LayerKind.GlobalAveragePooling1D => "GlobalAveragePooling1D",
        LayerKind.RepeatVector => "RepeatVector",
        LayerKind.TransformerEncoder => "TransformerEncoder",
        _ => layer.Kind.ToString(),
    };
}
