using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Keras <c>Attention</c> as self-attention (query = key = value = x). Dot scores are one product x·xᵀ; concat scores,
/// <c>w · Σ tanh(c · (x_i + x_j))</c>, come from the runtime's <c>Scores.Concat</c>. The softmax rows are max-subtracted with
/// the causal mask first; the output is the weights times x.
/// </summary>
internal sealed class AttentionEmitter : LayerEmitter<AttentionSpec>
{
    protected override void Forward(LayerContext ctx, AttentionSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        AttentionSpec.Layout g = layer.Geometry(plan);
        int t = g.Steps, d = g.Features;
        bool concat = layer.ScoreMode == ScoreModeKind.Concat;
        string scores = concat
            ? $"{(layer.ConcatScoreWeight is null ? "" : "w · ")}Σ tanh({(layer.UseScale ? "scale · " : "")}(x_i + x_j))"
            : $"{(layer.UseScale ? "scale · " : "")}x_i·x_j";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (Attention, {t} steps of {d}{(layer.Causal ? ", causal" : "")}): a = softmax over j of {scores}; y = a·x.</summary>");
        w.Line($"/// <remarks>Region: y ({t} rows of {g.Stride}), the attention weights ({t} rows of {g.StepStride}), xᵀ{(g.CopiesInput ? ", a padded copy of x" : "")}.</remarks>");
        using (w.Block(Names.ForwardSignature(ctx.Method, mask: layer.UsesMask)))
        {
            Refs(w, layer, plan, g);
            if (g.CopiesInput)
            {
                w.Line($"Rows.Copy(ref x, {plan.InputStride}, ref xs, {g.Stride}, {t}, {d}); // the network input, padded");
            }
            w.Line($"Matrix.Transpose(ref xs, {XStride(plan, g)}, ref xT, {g.StepStride}, {t}, {d});");
            if (concat)
            {
                w.Line($"Scores.Concat(ref xs, {XStride(plan, g)}, {t}, {d}, {ScaleValue(layer)}, {WeightValue(layer)}, ref weights, {g.StepStride}, causal: {Bool(layer.Causal)});");
                w.Line($"Rows.Softmax(ref weights, {g.StepStride}, {t}, {t}, 1f, causal: {Bool(layer.Causal)}{MaskArgument(layer)});");
            }
            else
            {
                w.Line($"Matrix.Multiply(ref xs, {XStride(plan, g)}, ref xT, {g.StepStride}, ref weights, {g.StepStride}, {t}, {d}, {t}, accumulate: false); // x·xᵀ");
                w.Line($"Rows.Softmax(ref weights, {g.StepStride}, {t}, {t}, {ScaleValue(layer)}, causal: {Bool(layer.Causal)}{MaskArgument(layer)});");
            }
            w.Line($"Matrix.Multiply(ref weights, {g.StepStride}, ref xs, {XStride(plan, g)}, ref y, {g.Stride}, {t}, {t}, {d}, accumulate: false); // a·x");
            if (layer.InputMasked)
            {
                ZeroPaddedRows(w, "y", g.Stride, t);
            }
        }
    }

    protected override void Backward(LayerContext ctx, AttentionSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        AttentionSpec.Layout g = layer.Geometry(plan);
        int t = g.Steps, d = g.Features;
        bool dx = ctx.NeedsInputGradient, concat = layer.ScoreMode == ScoreModeKind.Concat;
        string xs = XStride(plan, g);
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: through the value path, the softmax and the scores{(layer.Weights.Count > 0 ? ", into the scalar weights" : "")}{(dx ? "; dx from all three uses of x" : "")}.</summary>");
        using (w.Block(Names.BackwardSignature(ctx.Method, dx, mask: layer.BackwardUsesMask)))
        {
            if (!dx && layer.Weights.Count == 0)
            {
                w.Line("// The first layer, and no weights: nothing to compute.");
                return;
            }
            Refs(w, layer, plan, g);
            if (layer.InputMasked)
            {
                ZeroPaddedRows(w, "dy", g.Stride, t);
            }
            w.Line($"ref float dWeights = ref Unsafe.Add(ref work, {g.WeightsGradient});");
            w.Line($"Matrix.Multiply(ref dy, {g.Stride}, ref xT, {g.StepStride}, ref dWeights, {g.StepStride}, {t}, {d}, {t}, accumulate: false); // d a = dy·xᵀ");
            if (dx)
            {
                w.Line($"Matrix.MultiplyTransposedA(ref weights, {g.StepStride}, ref dy, {g.Stride}, ref dx, {plan.InputStride}, {t}, {t}, {d}, accumulate: false); // value path: aᵀ·dy");
            }
            w.Line($"Rows.SoftmaxBackward(ref weights, {g.StepStride}, ref dWeights, {g.StepStride}, {t}, {t}, 1f, causal: {Bool(layer.Causal)}); // d scores");
            if (concat)
            {
                w.Line($"Scores.ConcatBackward(ref xs, {xs}, {t}, {d}, {ScaleValue(layer)}, {WeightValue(layer)}, ref dWeights, {g.StepStride}, causal: {Bool(layer.Causal)}, "
                    + $"ref {(dx ? "dx" : "work")}, {plan.InputStride}, inputGradient: {Bool(dx)}, out double scaleGradient, out double weightGradient);");
                if (layer.Scale is not null)
                {
                    w.Line($"Unsafe.Add(ref g, {layer.Scale.Offset}) += (float)scaleGradient; // {layer.Scale.Name}");
                }
                if (layer.ConcatScoreWeight is not null)
                {
                    w.Line($"Unsafe.Add(ref g, {layer.ConcatScoreWeight.Offset}) += (float)weightGradient; // {layer.ConcatScoreWeight.Name}");
                }
                return;
            }
            w.Line($"ref float left = ref Unsafe.Add(ref work, {g.Left}); // d scores · x");
            w.Line($"Matrix.Multiply(ref dWeights, {g.StepStride}, ref xs, {xs}, ref left, {g.Stride}, {t}, {t}, {d}, accumulate: false);");
            if (layer.Scale is not null)
            {
                w.Line($"Unsafe.Add(ref g, {layer.Scale.Offset}) += (float)Rows.Dot(ref xs, {xs}, ref left, {g.Stride}, {t}, {d}); // {layer.Scale.Name}: Σ d scores ⊙ x·xᵀ");
            }
            if (dx)
            {
                w.Line($"ref float right = ref Unsafe.Add(ref work, {g.Right}); // d scoresᵀ · x");
                w.Line($"Matrix.MultiplyTransposedA(ref dWeights, {g.StepStride}, ref xs, {xs}, ref right, {g.Stride}, {t}, {t}, {d}, accumulate: false);");
                w.Line($"Rows.AddScaled(ref left, {g.Stride}, ref dx, {plan.InputStride}, {t}, {d}, {ScaleValue(layer)}); // query path");
                w.Line($"Rows.AddScaled(ref right, {g.Stride}, ref dx, {plan.InputStride}, {t}, {d}, {ScaleValue(layer)}); // key path");
            }
        }
    }

    /// <summary>Refs to the attention weights, xᵀ, and <c>xs</c>: x itself, or its padded copy when x is the network input.</summary>
    private static void Refs(SourceWriter w, AttentionSpec layer, LayerPlan plan, AttentionSpec.Layout g)
    {
        w.Line($"ref float weights = ref Unsafe.Add(ref y, {g.Weights}); // the attention weights");
        w.Line($"ref float xT = ref Unsafe.Add(ref y, {g.InputTransposed});");
        w.Line(g.CopiesInput ? $"ref float xs = ref Unsafe.Add(ref y, {g.InputCopy});" : "ref float xs = ref x;");
    }

    private static string MaskArgument(AttentionSpec layer) => layer.InputMasked ? ", ref mask" : "";

    /// <summary>Keras zeroes the output of a padded query: those rows (and so their gradients) are 0.</summary>
    private static void ZeroPaddedRows(SourceWriter w, string rows, int stride, int steps)
    {
        using (w.Block($"for (int t = 0; t < {steps}; t++)"))
        {
            w.Line($"if (Unsafe.Add(ref mask, t) == 0) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref {rows}, t * {stride}), {stride}).Clear(); // a padded query");
        }
    }

    private static string XStride(LayerPlan plan, AttentionSpec.Layout g) => (g.CopiesInput ? g.Stride : plan.InputStride).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string ScaleValue(AttentionSpec layer) => layer.Scale is null ? "1f" : $"Unsafe.Add(ref p, {layer.Scale.Offset})";

    private static string WeightValue(AttentionSpec layer) => layer.ConcatScoreWeight is null ? "1f" : $"Unsafe.Add(ref p, {layer.ConcatScoreWeight.Offset})";
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter Attention = Register(new AttentionEmitter());
}
