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
/// Where a stack of a Seq2Seq model is built: the Keras name counters it continues (the decoder's layers are named after
/// the encoder's, as Keras names the layers of one functional model), and for the decoder the encoder's output shape that
/// its attention layers attend over, whether that output is masked, and how messages name the encoder's last layer.
/// </summary>
internal sealed record StackContext(KerasNamer Namer, bool IsDecoder, EquatableArray<int> Memory, bool MemoryMasked, string MemoryLabel);

/// <summary>
/// Shape inference, parameter counting and Keras naming: the single source of truth that the generator emits from
/// and the analyzers check with. It walks the layers once, in order, and asks each layer's spec for what is its own
/// (arguments, output shape, weights); everything kind-independent (names, limits, offsets, budgets) happens here.
/// </summary>
internal static class NetworkBuilder
{
    /// <summary>Largest product (rows × 8-float blocks) emitted fully unrolled; bigger ones become loops (SRNN008).</summary>
    public const int MaxUnrolledVectorOps = 256;

    /// <summary>Largest accepted dimension, so that every size and offset stays far from int overflow.</summary>
    public const int MaxDimension = 1 << 20;

    /// <summary>Largest accepted number of floats in one sample's input or in one layer's output.</summary>
    public const int MaxElements = 1 << 24;

    /// <summary>Floats of tape and backward scratch one layer may need per sample before SRNN008 says so (16 MiB).</summary>
    public const int TapeBudget = 1 << 22;

    /// <summary>Largest working memory of one shard, in floats (1 GiB): parameters, gradient, tape and scratch.</summary>
    public const int MaxWorkingMemory = 1 << 28;

    public static BuildResult Build(NetworkDecl decl, StackContext? stack = null)
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
                $"'{decl.ClassName}' declares a {Count(inputShape.Length)}-D input shape {Shape(inputShape)}; StaticRnn supports (features) or (timesteps, features)"));
        }
        else if (inputShape.Any(d => d < 1 || d > MaxDimension))
        {
            problems.Add(new Problem(DiagnosticIds.BadArgument, ProblemTarget.Sequential, -1,
                $"'{decl.ClassName}' declares the input shape {Shape(inputShape)}; every dimension must be between 1 and {Count(MaxDimension)}"));
        }
        else if (Elements(inputShape) > MaxElements)
        {
            problems.Add(new Problem(DiagnosticIds.BadArgument, ProblemTarget.Sequential, -1,
                $"'{decl.ClassName}' declares the input shape {Shape(inputShape)}: {Count(Elements(inputShape))} floats per sample, over the limit of {Count(MaxElements)}"));
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
                $"'{decl.ClassName}': Loss = {Count((int)decl.Loss)} is not a Loss value; use MeanSquaredError, BinaryCrossentropy, SparseCategoricalCrossentropy or CategoricalCrossentropy"));
        }

        var namer = stack?.Namer ?? new KerasNamer();
        var usedNames = new Dictionary<string, int>(StringComparer.Ordinal);
        int[] shape = inputShape;
        string previous = "the input";
        LayerSpec? previousLayer = null;
        long offset = 0;
        bool shapeKnown = true;
        bool masked = false;

        foreach (LayerSpec declared in decl.Layers)
        {
            LayerSpec layer = declared.WithNames(namer);
            string name = layer.Name;
            string label = Label(layer);
            int before = problems.Count;

            if (layer.DeclaredName is not null && !IsValidName(layer.DeclaredName))
            {
                problems.Add(LayerProblem(layer, $"{label}: the name must be non-empty and use only letters, digits, '_', '-' and '.'"));
            }
            if (usedNames.TryGetValue(name, out int first))
            {
                problems.Add(LayerProblem(layer, $"{label}: the name '{name}' is already used by layer {Count(first + 1)}; layer names must be unique"));
            }
            else
            {
                usedNames[name] = layer.Index;
            }
            layer.Validate(new LayerChecks(layer, label, inputShape, decl.Stateful, problems));
            if (stack is { IsDecoder: true } && layer.AttendsMemory)
            {
                if (stack.MemoryLabel.Length == 0)
                {
                    // The encoder has errors of its own: check the rest of this layer as if it attended over itself.
                }
                else if (stack.Memory.Count != 2)
                {
                    problems.Add(new Problem(DiagnosticIds.NothingToAttend, ProblemTarget.Layer, layer.Index,
                        $"{label} attends over the encoder's output sequence, but {stack.MemoryLabel} returns only its last state {KerasShape(stack.Memory)}; set ReturnSequences = true on it"));
                }
                else
                {
                    layer = layer with { MemoryShape = stack.Memory, MemoryMasked = stack.MemoryMasked };
                }
            }
            else if (layer.NeedsMemory && stack is not { IsDecoder: true })
            {
                problems.Add(new Problem(DiagnosticIds.NothingToAttend, ProblemTarget.Layer, layer.Index,
                    $"{label} attends over an encoder's output, so it belongs in the Decoder of a [Seq2Seq] model; in a [Sequential] network use [TransformerEncoder(..., Causal = true)]"));
            }

            if (stack is { IsDecoder: true } && !layer.AttendsMemory && layer.LooksAhead is { } why)
            {
                // Reported here, before shapes: a decoder layer that looks ahead is the mistake to fix, and the shapes after
                // it (a bidirectional layer's doubled width, say) would only give follow-up errors that suggest other fixes.
                problems.Add(new Problem(DiagnosticIds.DecoderLooksAhead, ProblemTarget.Layer, layer.Index,
                    $"{label} cannot be in a decoder: {why}. Each decoder step may depend only on the steps before it, because decoding produces the target one step at a time"));
            }

            if (!shapeKnown || problems.Count > before)
            {
                shapeKnown = false;
                previous = Describe(layer);
                continue;
            }

            int[]? outShape = layer.InferOutputShape(new ShapeChecks(layer, shape, label, previous, previousLayer, problems, stack?.MemoryLabel));
            if (outShape is null)
            {
                shapeKnown = false;
                continue;
            }
            if (Elements(outShape) > MaxElements)
            {
                problems.Add(LayerProblem(layer, $"{label} outputs {Shape(outShape)}: {Count(Elements(outShape))} floats per sample, over the limit of {Count(MaxElements)}"));
                shapeKnown = false;
                continue;
            }
            LayerSpec? placed = Place(layer with { InputMasked = masked }, shape, outShape, "", ref offset, label, problems);
            if (placed is null)
            {
                shapeKnown = false;
                continue;
            }
            layers.Add(placed);
            if (layer.ExpectedParameters != 0 && layer.ExpectedParameters != placed.ParamCount)
            {
                problems.Add(new Problem(DiagnosticIds.ParameterMismatch, ProblemTarget.Layer, layer.Index,
                    $"{label} has {Count(placed.ParamCount)} parameters, not the expected {Count(layer.ExpectedParameters)}: {Breakdown(placed)}",
                    ComputedValue: placed.ParamCount, Fix: FixKinds.ExpectedParameters));
            }
            if (!placed.Unrolled)
            {
                problems.Add(new Problem(DiagnosticIds.CodeSizeBudget, ProblemTarget.Layer, layer.Index,
                    $"{label} needs {Count(placed.VectorOps)} vector multiply-adds per step when unrolled, over the budget of {Count(MaxUnrolledVectorOps)}; its products are emitted as loops"));
            }
            shape = outShape;
            previous = Describe(layer);
            // SRNN002's fix reaches back through layers that keep the rank (Dropout, LayerNormalization, Dense): after
            // Gru, Dropout, Gru the first Gru is the one that should return sequences.
            previousLayer = placed.KeepsRank && previousLayer is { CanReturnSequences: true } ? previousLayer : placed;
            masked = placed.OutputMasked;
        }

        if (!shapeKnown)
        {
            return new BuildResult(null, new EquatableArray<Problem>(problems));
        }

        int total = (int)offset;
        if (decl.ExpectedParameters != 0 && decl.ExpectedParameters != total)
        {
            string perLayer = string.Join(" + ", layers.Select(l => $"{l.Name} {Count(l.ParamCount)}"));
            problems.Add(new Problem(DiagnosticIds.ParameterMismatch, ProblemTarget.Sequential, -1,
                $"'{decl.ClassName}' has {Count(total)} parameters, not the expected {Count(decl.ExpectedParameters)}: {perLayer} = {Count(total)}",
                ComputedValue: total, Fix: FixKinds.ExpectedParameters));
        }
        var result = new NetworkSpec(decl.ClassName, decl.InputShape, new EquatableArray<int>(shape), total, decl.Loss, decl.Seed, decl.Stateful,
            new EquatableArray<LayerSpec>(layers));
        CheckMemory(result, problems);
        problems.Add(new Problem(DiagnosticIds.Summary, ProblemTarget.Sequential, -1,
            $"'{decl.ClassName}': {Count(total)} parameters ({string.Join(", ", layers.Select(l => $"{l.Name} {Count(l.ParamCount)}"))}); input {Shape(inputShape)}, output {Shape(shape)}"));
        bool errors = problems.Any(p => p.IsError);
        return new BuildResult(errors ? null : result, new EquatableArray<Problem>(problems));
    }

    /// <summary>
    /// The layer with its shapes, weights (named under <paramref name="prefix"/>) and parameter offsets, its parts placed
    /// first; null after reporting a problem.
    /// </summary>
    private static LayerSpec? Place(LayerSpec layer, int[] input, int[] output, string prefix, ref long offset, string label, List<Problem> problems)
    {
        string path = prefix + layer.Name;
        long start = offset;
        var weights = new List<WeightSpec>();
        layer = layer with { InputShape = new EquatableArray<int>(input), OutputShape = new EquatableArray<int>(output) };
        var parts = layer.Parts();
        var placedParts = new List<LayerSpec>(parts.Count);
        bool partsUnrolled = true;
        foreach (var (part, partInput) in parts)
        {
            // A part's arguments come from its layer's, which were validated: a problem here is a bug of that layer's spec.
            var partProblems = new List<Problem>();
            int[]? partOutput = part.InferOutputShape(new ShapeChecks(part, partInput, label, "", null, partProblems));
            // A part sees the layer's mask: every part of a block reads the same steps.
            LayerSpec? placedPart = partOutput is null ? null : Place(part with { InputMasked = layer.InputMasked && partInput.Length == 2 }, partInput, partOutput, path + "/", ref offset, label, problems);
            if (placedPart is null)
            {
                problems.Add(LayerProblem(layer, $"{label}: its part '{part.Name}' does not fit its input {Shape(partInput)}"));
                return null;
            }
            placedParts.Add(placedPart);
            weights.AddRange(placedPart.Weights);
            partsUnrolled &= placedPart.Unrolled;
        }
        var own = new WeightList(path + "/", offset);
        layer.DeclareWeights(own);
        weights.AddRange(own.Weights);
        offset = own.End;
        if (offset > int.MaxValue / 2)
        {
            problems.Add(LayerProblem(layer, $"{label} brings the network to {Count(offset)} parameters, beyond what one buffer holds"));
            return null;
        }
        LayerSpec placed = layer.WithPlacedParts(placedParts) with
        {
            Name = path,
            ParamOffset = (int)start,
            ParamCount = (int)(offset - start),
            Weights = new EquatableArray<WeightSpec>(weights),
        };
        return placed with { Unrolled = partsUnrolled && placed.VectorOps <= MaxUnrolledVectorOps };
    }

    /// <summary>
    /// Sizes that follow from the literal shapes (attention keeps T × T weights per head): SRNN008 for a layer whose tape
    /// and scratch pass the budget, SRNN003 when a shard's working memory would pass what one array should hold.
    /// </summary>
    private static void CheckMemory(NetworkSpec spec, List<Problem> problems)
    {
        var plan = new TapePlan(spec);
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec layer = spec.Layers[i];
            long floats = (long)plan.Layers[i].RegionLength + plan.Layers[i].WorkLength;
            if (floats > TapeBudget)
            {
                problems.Add(new Problem(DiagnosticIds.CodeSizeBudget, ProblemTarget.Layer, layer.Index,
                    $"{Label(layer)} needs {Count(floats)} floats of tape and backward scratch per sample ({Megabytes(floats)}), over the budget of {Megabytes(TapeBudget)}; each network instance allocates it once per shard when it is constructed"));
            }
        }
        long working = 2L * spec.ParameterCount + plan.TapeLength + 2L * plan.DeltaLength + plan.WorkLength;
        if (working > MaxWorkingMemory)
        {
            problems.Add(new Problem(DiagnosticIds.BadArgument, ProblemTarget.Sequential, -1,
                $"'{spec.ClassName}' needs {Count(working)} floats of working memory per shard ({Megabytes(working)}), over the limit of {Megabytes(MaxWorkingMemory)}: shorten the sequence or narrow the layers"));
        }
    }

    private static string Megabytes(long floats) => (floats * 4.0 / (1 << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB";

    /// <summary>
    /// What the generator cannot emit for a valid network (SRNN009). Kept apart from <see cref="Build"/>, which checks
    /// Keras semantics only, so that shapes and counts stay available.
    /// </summary>
    public static IReadOnlyList<Problem> GenerationProblems(NetworkSpec spec)
    {
        var problems = new List<Problem>();
        foreach (LayerSpec layer in spec.Layers)
        {
            string? why = layer.NotGenerated(spec);
            if (why is not null)
            {
                problems.Add(new Problem(DiagnosticIds.NotYetGenerated, ProblemTarget.Layer, layer.Index, $"{Label(layer)}: {why}"));
            }
        }
        return problems;
    }

    /// <summary><c>Layer 2 'lstm' (LSTM)</c>: how messages name a layer.</summary>
    public static string Label(LayerSpec layer) => $"Layer {Count(layer.Position + 1)} '{layer.Name}' ({layer.KerasType})";

    private static string Describe(LayerSpec layer) => $"layer {Count(layer.Position + 1)} '{layer.Name}' ({layer.KerasType})";

    /// <summary>The Keras output shape with the batch axis: <c>(None, 10, 5)</c>.</summary>
    public static string KerasShape(EquatableArray<int> shape) => "(None, " + Dims(shape) + ")";

    /// <summary>A per-sample shape as Python prints a tuple: <c>(10, 8)</c>, <c>(8,)</c> or <c>()</c>.</summary>
    public static string Shape(IReadOnlyList<int> shape) => shape.Count == 1 ? $"({Count(shape[0])},)" : "(" + Dims(shape) + ")";

    /// <summary>Dimensions joined by ", ", formatted invariantly.</summary>
    public static string Dims(IEnumerable<int> shape) => string.Join(", ", shape.Select(d => Count(d)));

    /// <summary>An integer as C# and Python write it, whatever the machine's culture.</summary>
    public static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static long Elements(int[] shape) => shape.Aggregate(1L, (a, d) => a * d);

    private static Problem LayerProblem(LayerSpec layer, string message) => new(DiagnosticIds.BadArgument, ProblemTarget.Layer, layer.Index, message);

    private static string Breakdown(LayerSpec layer) => layer.Weights.Count == 0
        ? "it has no weights"
        : string.Join(" + ", layer.Weights.Select(w => $"{w.Name} {Shape(w.Shape.ToArray())} = {Count(w.Length)}")) + $" = {Count(layer.ParamCount)}";

    private static bool IsValidName(string name) => name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.');
}
