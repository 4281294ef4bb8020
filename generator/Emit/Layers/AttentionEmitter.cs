using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Keras <c>Attention</c>: self-attention (queries, keys and values all x), or in a Seq2Seq decoder attention over the
/// encoder's output (queries x, keys and values the encoder's rows). Dot scores are one product q·kᵀ; concat scores,
/// <c>w · Σ tanh(c · (q_i + k_j))</c>, come from the runtime's <c>Scores.Concat</c>. The softmax rows are max-subtracted with
/// the causal and padding masks first; the output is the weights times the values, then the query with <c>ConcatenateQuery</c>.
/// </summary>
internal sealed class AttentionEmitter : LayerEmitter<AttentionSpec>
{
    protected override void Forward(LayerContext ctx, AttentionSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        AttentionSpec.Layout g = layer.Geometry(plan);
        int tq = g.Queries, tk = g.Keys, d = g.Features;
        bool concat = layer.ScoreMode == ScoreModeKind.Concat, cross = layer.UsesMemory;
        string k = cross ? "k" : "x";
        string scores = concat
            ? $"{(layer.ConcatScoreWeight is null ? "" : "w · ")}Σ tanh({(layer.UseScale ? "scale · " : "")}(x_i + {k}_j))"
            : $"{(layer.UseScale ? "scale · " : "")}x_i·{k}_j";
        string what = cross ? $"over the encoder's {tk} steps" : $"{tq} steps of {d}";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (Attention{(cross ? "" : ", self")}, {what}{(layer.Causal ? ", causal" : "")}): a = softmax over j of {scores}; y = {(layer.ConcatenateQuery ? $"[a·{k}, x]" : $"a·{k}")}{(cross ? ", k the encoder's rows" : "")}.</summary>");
        w.Line($"/// <remarks>Region: y ({tq} rows of {g.Stride}), the attention weights ({tq} rows of {g.StepStride}), {k}ᵀ{(g.CopiesInput ? ", a padded copy of x" : "")}.</remarks>");
        foreach (ForwardKernel kernel in ctx.ForwardKernelsOf(layer, tq))
        {
            using (w.Block(kernel.Signature))
            {
                Refs(w, layer, plan, g);
                string rows = kernel.Count(tq), xRows = kernel.Row("xs", g.CopiesInput ? g.FeatureStride : plan.InputStride);
                string weightRows = kernel.Row("weights", g.StepStride), yRows = kernel.Row("y", g.Stride);
                if (g.CopiesInput)
                {
                    w.Line($"Rows.Copy({kernel.Row("x", plan.InputStride)}, {plan.InputStride}, {xRows}, {g.FeatureStride}, {rows}, {d}); // the network input, padded");
                }
                string transpose = $"Matrix.Transpose(ref ks, {g.KeyStride}, ref kT, {g.StepStride}, {tk}, {d});";
                w.Line(kernel.Steps ? $"if (from == 0) {transpose} // the encoder's rows, once per source" : transpose);
                if (concat)
                {
                    w.Line($"Scores.Concat({xRows}, {XStride(plan, g)}, {rows}, ref ks, {g.KeyStride}, {tk}, {d}, {ScaleValue(layer)}, {WeightValue(layer)}, {weightRows}, {g.StepStride}, causal: {Bool(layer.Causal)});");
                    w.Line($"Rows.Softmax({weightRows}, {g.StepStride}, {rows}, {tk}, 1f, causal: {Bool(layer.Causal)}{KeyMask(layer)});");
                }
                else
                {
                    w.Line($"Matrix.Multiply({xRows}, {XStride(plan, g)}, ref kT, {g.StepStride}, {weightRows}, {g.StepStride}, {rows}, {d}, {tk}, accumulate: false); // x·{k}ᵀ");
                    w.Line($"Rows.Softmax({weightRows}, {g.StepStride}, {rows}, {tk}, {ScaleValue(layer)}, causal: {Bool(layer.Causal)}{KeyMask(layer)});");
                }
                w.Line($"Matrix.Multiply({weightRows}, {g.StepStride}, ref ks, {g.KeyStride}, {yRows}, {g.Stride}, {rows}, {tk}, {d}, accumulate: false); // a·{k}");
                if (layer.ConcatenateQuery)
                {
                    string queryRows = kernel.Steps ? $"ref Unsafe.Add(ref y, from * {g.Stride} + {d})" : $"ref Unsafe.Add(ref y, {d})";
                    w.Line($"Rows.Copy({kernel.Row("x", plan.InputStride)}, {plan.InputStride}, {queryRows}, {g.Stride}, {rows}, {layer.InputFeatures}); // the query after the context");
                }
                if (layer.InputMasked)
                {
                    ZeroPaddedRows(w, "y", g.Stride, tq, ContextWidth(layer, g), kernel);
                }
            }
        }
    }

    /// <summary>
    /// Attention over the encoder's rows, row by row: decoding scores the new queries only. Causal attention's softmax
    /// counts its keys from the first query row, so it reruns whole.
    /// </summary>
    protected override bool HasStepKernel(AttentionSpec layer) => layer.UsesMemory && !layer.Causal && !layer.UsesRandom;

    protected override void Backward(LayerContext ctx, AttentionSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        AttentionSpec.Layout g = layer.Geometry(plan);
        int tq = g.Queries, tk = g.Keys, d = g.Features;
        bool dx = ctx.NeedsInputGradient, concat = layer.ScoreMode == ScoreModeKind.Concat, cross = layer.UsesMemory;
        string xs = XStride(plan, g);
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: through the value path, the softmax and the scores{(layer.Weights.Count > 0 ? ", into the scalar weights" : "")}{(cross ? "; the encoder's rows get the key and value paths" : dx ? "; dx from all three uses of x" : "")}.</summary>");
        using (w.Block(Names.BackwardSignature(ctx.Method, layer, dx)))
        {
            if (!dx && layer.Weights.Count == 0 && !cross)
            {
                w.Line("// The first layer, and no weights: nothing to compute.");
                return;
            }
            Refs(w, layer, plan, g);
            if (layer.InputMasked)
            {
                ZeroPaddedRows(w, "dy", g.Stride, tq, ContextWidth(layer, g));
            }
            w.Line($"ref float dWeights = ref Unsafe.Add(ref work, {g.WeightsGradient});");
            w.Line($"Matrix.Multiply(ref dy, {g.Stride}, ref kT, {g.StepStride}, ref dWeights, {g.StepStride}, {tq}, {d}, {tk}, accumulate: false); // d a = dy·vᵀ");
            if (cross)
            {
                w.Line($"Matrix.MultiplyTransposedA(ref weights, {g.StepStride}, ref dy, {g.Stride}, ref {Names.MemoryGradient}, {g.KeyStride}, {tk}, {tq}, {d}, accumulate: true); // value path: aᵀ·dy");
                if (dx)
                {
                    w.Line(layer.ConcatenateQuery
                        ? $"Rows.Copy(ref Unsafe.Add(ref dy, {d}), {g.Stride}, ref dx, {plan.InputStride}, {tq}, {layer.InputFeatures}); // the query's own gradient"
                        : $"MemoryMarshal.CreateSpan(ref dx, {tq * plan.InputStride}).Clear();");
                }
            }
            else if (dx)
            {
                w.Line($"Matrix.MultiplyTransposedA(ref weights, {g.StepStride}, ref dy, {g.Stride}, ref dx, {plan.InputStride}, {tq}, {tq}, {d}, accumulate: false); // value path: aᵀ·dy");
                if (layer.ConcatenateQuery)
                {
                    w.Line($"Rows.AddScaled(ref Unsafe.Add(ref dy, {d}), {g.Stride}, ref dx, {plan.InputStride}, {tq}, {d}, 1f); // the query's own gradient");
                }
            }
            w.Line($"Rows.SoftmaxBackward(ref weights, {g.StepStride}, ref dWeights, {g.StepStride}, {tq}, {tk}, 1f, causal: {Bool(layer.Causal)}); // d scores");
            string keyGradient = cross ? Names.MemoryGradient : dx ? "dx" : "work";
            if (concat)
            {
                w.Line($"Scores.ConcatBackward(ref xs, {xs}, {tq}, ref ks, {g.KeyStride}, {tk}, {d}, {ScaleValue(layer)}, {WeightValue(layer)}, ref dWeights, {g.StepStride}, causal: {Bool(layer.Causal)},");
                w.Line($"    ref {(dx ? "dx" : "work")}, {plan.InputStride}, queryGradient: {Bool(dx)}, ref {keyGradient}, {(cross ? g.KeyStride : plan.InputStride)}, keyGradient: {Bool(dx || cross)}, out double scaleGradient, out double weightGradient);");
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
            w.Line($"ref float left = ref Unsafe.Add(ref work, {g.Left}); // d scores · k");
            w.Line($"Matrix.Multiply(ref dWeights, {g.StepStride}, ref ks, {g.KeyStride}, ref left, {g.FeatureStride}, {tq}, {tk}, {d}, accumulate: false);");
            if (layer.Scale is not null)
            {
                w.Line($"Unsafe.Add(ref g, {layer.Scale.Offset}) += (float)Rows.Dot(ref xs, {xs}, ref left, {g.FeatureStride}, {tq}, {d}); // {layer.Scale.Name}: Σ d scores ⊙ x·kᵀ");
            }
            if (dx)
            {
                w.Line($"Rows.AddScaled(ref left, {g.FeatureStride}, ref dx, {plan.InputStride}, {tq}, {d}, {ScaleValue(layer)}); // query path");
            }
            if (dx || cross)
            {
                w.Line($"ref float right = ref Unsafe.Add(ref work, {g.Right}); // d scoresᵀ · x");
                w.Line($"Matrix.MultiplyTransposedA(ref dWeights, {g.StepStride}, ref xs, {xs}, ref right, {g.FeatureStride}, {tk}, {tq}, {d}, accumulate: false);");
                w.Line($"Rows.AddScaled(ref right, {g.FeatureStride}, ref {keyGradient}, {(cross ? g.KeyStride : plan.InputStride)}, {tk}, {d}, {ScaleValue(layer)}); // key path");
            }
        }
    }

    /// <summary>
    /// Refs to the attention weights, the keys transposed, <c>xs</c> (x itself, or its padded copy when x is the network
    /// input) and <c>ks</c>, the keys and values: the encoder's rows, or xs.
    /// </summary>
    private static void Refs(SourceWriter w, AttentionSpec layer, LayerPlan plan, AttentionSpec.Layout g)
    {
        w.Line($"ref float weights = ref Unsafe.Add(ref y, {g.Weights}); // the attention weights");
        w.Line($"ref float kT = ref Unsafe.Add(ref y, {g.KeysTransposed}); // the keys transposed");
        w.Line(g.CopiesInput ? $"ref float xs = ref Unsafe.Add(ref y, {g.InputCopy});" : "ref float xs = ref x;");
        w.Line(layer.UsesMemory ? $"ref float ks = ref {Names.Memory}; // keys and values: the encoder's output" : "ref float ks = ref xs; // keys and values: x");
    }

    /// <summary>The key mask of the softmax: the encoder's padding for attention over it, else x's own.</summary>
    private static string KeyMask(AttentionSpec layer)
        => layer.UsesMemory ? (layer.MemoryMasked ? $", ref {Names.MemoryMask}" : "") : layer.InputMasked ? ", ref mask" : "";

    /// <summary>
    /// Keras zeroes the attention's output for a padded query: the first <paramref name="width"/> floats of those rows (and
    /// so their gradients) are 0. With <c>ConcatenateQuery</c> that is the context only; the query after it stays, as it
    /// does after Keras's <c>Concatenate()([context, query])</c>.
    /// </summary>
    private static void ZeroPaddedRows(SourceWriter w, string rows, int stride, int steps, int width, ForwardKernel? kernel = null)
    {
        using (w.Block(kernel?.Loop(steps) ?? $"for (int t = 0; t < {steps}; t++)"))
        {
            w.Line($"if (Unsafe.Add(ref mask, t) == 0) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref {rows}, t * {stride}), {width}).Clear(); // a padded query{(width < stride ? "'s context" : "")}");
        }
    }

    /// <summary>Floats of a row that a padded query clears: the context with <c>ConcatenateQuery</c>, else the whole padded row.</summary>
    private static int ContextWidth(AttentionSpec layer, AttentionSpec.Layout g) => layer.ConcatenateQuery ? g.Features : g.Stride;

    private static string XStride(LayerPlan plan, AttentionSpec.Layout g) => (g.CopiesInput ? g.FeatureStride : plan.InputStride).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string ScaleValue(AttentionSpec layer) => layer.Scale is null ? "1f" : $"Unsafe.Add(ref p, {layer.Scale.Offset})";

    private static string WeightValue(AttentionSpec layer) => layer.ConcatScoreWeight is null ? "1f" : $"Unsafe.Add(ref p, {layer.ConcatScoreWeight.Offset})";
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter Attention = Register(new AttentionEmitter());
}
