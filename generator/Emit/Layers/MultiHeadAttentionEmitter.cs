using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// MultiHeadAttention (self-attention, or cross-attention over the encoder's output as a part of a Transformer decoder): the projections and the per-head products as calls into the runtime's
/// register-blocked <c>Matrix</c> kernels, every dimension a literal; the softmax rows (max-subtracted, causal mask first)
/// by <c>Rows.Softmax</c>. The scale 1 / sqrt(keyDim) is applied to the scores, which equals Keras's scaling of the queries.
/// </summary>
internal sealed class MultiHeadAttentionEmitter : LayerEmitter<MultiHeadAttentionSpec>
{
    protected override void Forward(LayerContext ctx, MultiHeadAttentionSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        MultiHeadAttentionSpec.Layout g = layer.Geometry;
        int t = g.Steps, tk = g.KeySteps, d = g.Features, dk = g.KeyFeatures, h = g.Heads, kd = g.KeyDim, vd = g.ValueDim;
        bool cross = layer.UsesMemory;
        string source = cross ? Names.Memory : "x";
        int sourceStride = cross ? LayerPlan.RoundUp(dk) : plan.InputStride;
        string keyMask = cross ? (layer.MemoryMasked ? $", ref {Names.MemoryMask}" : "") : layer.InputMasked ? ", ref mask" : "";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (MultiHeadAttention, {h} head{(h == 1 ? "" : "s")} of {kd}{(vd != kd ? $" (values {vd})" : "")}, {t} steps of {d}{(cross ? $" over the encoder's {tk} steps of {dk}" : "")}{(layer.Causal ? ", causal" : "")}):");
        w.Line($"/// q = x·W_q{(layer.UseBias ? " + b_q" : "")}, k, v = {(cross ? "enc" : "x")}·W{(layer.UseBias ? " + b" : "")}; per head a = softmax(q·kᵀ / sqrt({kd})) · v; y = [a_1 … a_{h}]·W_o{(layer.UseBias ? " + b_o" : "")}.</summary>");
        w.Line($"/// <remarks>Region: y ({t} rows of {g.OutputStride}), q ({t} rows of {g.QueryStride}), k ({tk} rows), v ({tk} rows of {g.ValueStride}), the attention weights ({h} × {t} rows of {g.StepStride}), the heads' outputs, one head's kᵀ.</remarks>");
        bool dropout = layer.UsesRandom;
        string rateText = layer.DropoutRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        string scaleText = Float(1.0 / (1.0 - layer.DropoutRate));
        // With dropout on the attention weights, the full kernel takes the generator and the step kernel (decoding,
        // inference) has no dropout; otherwise the full kernel is the step kernel over every step.
        foreach (ForwardKernel kernel in ctx.ForwardKernelsOf(layer, t))
        {
            using (w.Block(kernel.Signature))
            {
                Refs(w, g);
                w.Line($"ref float keysT = ref Unsafe.Add(ref y, {g.KeysTransposed});");
                string rows = kernel.Count(t);
                w.Line("// The projections, all heads at once.");
                Projection(w, layer.QueryKernel, layer.QueryBias, "q", g.QueryStride, h * kd, plan.InputStride, rows, d, kernel: kernel);
                if (cross)
                {
                    void KeysAndValues()
                    {
                        string all = tk.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        Projection(w, layer.KeyKernel, layer.KeyBias, "k", g.QueryStride, h * kd, sourceStride, all, dk, source);
                        Projection(w, layer.ValueKernel, layer.ValueBias, "v", g.ValueStride, h * vd, sourceStride, all, dk, source);
                    }
                    if (kernel.Steps)
                    {
                        using (w.Block("if (from == 0) // the encoder's keys and values, once per source"))
                        {
                            KeysAndValues();
                        }
                    }
                    else
                    {
                        KeysAndValues();
                    }
                }
                else
                {
                    if (kernel.Steps)
                    {
                        w.Line("// Keys and values of the new steps; those of the steps before are on the region already (the key/value cache).");
                    }
                    Projection(w, layer.KeyKernel, layer.KeyBias, "k", g.QueryStride, h * kd, plan.InputStride, rows, d, kernel: kernel);
                    Projection(w, layer.ValueKernel, layer.ValueBias, "v", g.ValueStride, h * vd, plan.InputStride, rows, d, kernel: kernel);
                }
                // Causal self-attention reads the keys up to its own step only (the softmax gives the others weight 0),
                // so the steps after 'to', not computed yet, are never read as more than a zero weight.
                string keys = kernel.Steps && layer.Causal && !cross ? "to" : tk.ToString(System.Globalization.CultureInfo.InvariantCulture);
                string firstRow = kernel.Steps && layer.Causal ? ", firstRow: from" : "";
                using (w.Block($"for (int head = 0; head < {h}; head++)"))
                {
                    w.Line($"ref float a = ref Unsafe.Add(ref weights, head * {g.HeadWeights}); // this head's attention weights");
                    string aRows = kernel.Row("a", g.StepStride);
                    w.Line($"Matrix.MultiplyTransposedB({kernel.Row("q", g.QueryStride, $"head * {kd}")}, {g.QueryStride}, ref Unsafe.Add(ref k, head * {kd}), {g.QueryStride}, {aRows}, {g.StepStride}, {rows}, {kd}, {keys}, accumulate: false, ref keysT); // q·kᵀ");
                    w.Line($"Rows.Softmax({aRows}, {g.StepStride}, {rows}, {tk}, {Float(1 / System.Math.Sqrt(kd))}, causal: {Bool(layer.Causal)}{keyMask}{firstRow});{(keyMask.Length > 0 ? " // padded keys get weight 0" : "")}");
                    string used = aRows;
                    if (dropout && !kernel.Steps)
                    {
                        // Training: the weights that weight the values are a ⊙ mask (Keras MultiHeadAttention's dropout).
                        w.Line("ref float used = ref a;");
                        using (w.Block($"if ({Names.Random} is not null)"))
                        {
                            w.Line($"ref float dropMask = ref Unsafe.Add(ref y, {g.DropMask} + head * {g.HeadWeights});");
                            w.Line($"ref float dropped = ref Unsafe.Add(ref y, {g.DroppedWeights} + head * {g.HeadWeights});");
                            using (w.Block($"for (int r = 0; r < {t}; r++)"))
                            {
                                w.Line($"{Names.Random}.DropoutMask(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dropMask, r * {g.StepStride}), {tk}), {rateText}, {scaleText});");
                            }
                            w.Line($"Rows.Multiply(ref a, {g.StepStride}, ref dropMask, {g.StepStride}, ref dropped, {g.StepStride}, {t}, {tk});");
                            w.Line("used = ref dropped;");
                        }
                        used = "ref used";
                    }
                    w.Line($"Matrix.Multiply({used}, {g.StepStride}, ref Unsafe.Add(ref v, head * {vd}), {g.ValueStride}, {kernel.Row("context", g.ValueStride, $"head * {vd}")}, {g.ValueStride}, {rows}, {keys}, {vd}, accumulate: false); // a·v");
                }
                w.Line("// The output projection.");
                Projection(w, layer.OutputKernel, layer.OutputBias, "y", g.OutputStride, d, g.ValueStride, rows, h * vd, input: "context", kernel: kernel);
            }
        }
    }

    /// <summary>
    /// Row by row, with the keys and values of the steps before kept on the region: decoding projects and attends from
    /// the new steps only (the encoder's keys and values once per source).
    /// </summary>
    protected override bool HasStepKernel(MultiHeadAttentionSpec layer) => true;

    protected override void Backward(LayerContext ctx, MultiHeadAttentionSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        bool dx = ctx.NeedsInputGradient;
        MultiHeadAttentionSpec.Layout g = layer.Geometry;
        int t = g.Steps, tk = g.KeySteps, d = g.Features, dk = g.KeyFeatures, h = g.Heads, kd = g.KeyDim, vd = g.ValueDim;
        bool cross = layer.UsesMemory;
        string source = cross ? Names.Memory : "x";
        int sourceStride = cross ? LayerPlan.RoundUp(dk) : plan.InputStride;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: the output projection, then per head the softmax and the two products, then the three projections{(dx ? " and dx" : "")}{(cross ? "; the encoder's rows get the key and value paths" : "")}.</summary>");
        using (w.Block(Names.BackwardSignature(ctx.Method, layer, dx)))
        {
            Refs(w, g);
            w.Line($"ref float dContext = ref Unsafe.Add(ref work, {g.ContextGradient});");
            w.Line($"ref float dWeights = ref Unsafe.Add(ref work, {g.WeightsGradient}); // one head's, before the softmax's backward and after");
            w.Line($"ref float dq = ref Unsafe.Add(ref work, {g.QueryGradient});");
            w.Line($"ref float dk = ref Unsafe.Add(ref work, {g.KeyGradient});");
            w.Line($"ref float dv = ref Unsafe.Add(ref work, {g.ValueGradient});");
            w.Line($"ref float transposed = ref Unsafe.Add(ref work, {g.Transposed});");
            w.Line("// Output projection: dW_o += contextᵀ·dy, db_o += Σ dy, dcontext = dy·W_oᵀ.");
            ProjectionBackward(w, layer.OutputKernel, layer.OutputBias, "dy", g.OutputStride, d, "context", g.ValueStride, t, h * vd);
            w.Line($"Matrix.MultiplyTransposedB(ref dy, {g.OutputStride}, {Ref("p", layer.OutputKernel.Offset)}, {d}, ref dContext, {g.ValueStride}, {t}, {d}, {h * vd}, accumulate: false, ref transposed);");
            using (w.Block($"for (int head = 0; head < {h}; head++)"))
            {
                w.Line($"ref float a = ref Unsafe.Add(ref weights, head * {g.HeadWeights});");
                w.Line($"ref float dContextHead = ref Unsafe.Add(ref dContext, head * {vd});");
                w.Line($"Matrix.MultiplyTransposedB(ref dContextHead, {g.ValueStride}, ref Unsafe.Add(ref v, head * {vd}), {g.ValueStride}, ref dWeights, {g.StepStride}, {t}, {vd}, {tk}, accumulate: false, ref transposed); // d a = dcontext·vᵀ");
                if (layer.UsesRandom)
                {
                    // Training dropped the weights: the values were weighted by a ⊙ mask, and d a = d(a ⊙ mask) ⊙ mask.
                    w.Line($"ref float dropMask = ref Unsafe.Add(ref y, {g.DropMask} + head * {g.HeadWeights});");
                    w.Line($"Matrix.MultiplyTransposedA(ref Unsafe.Add(ref y, {g.DroppedWeights} + head * {g.HeadWeights}), {g.StepStride}, ref dContextHead, {g.ValueStride}, ref Unsafe.Add(ref dv, head * {vd}), {g.ValueStride}, {tk}, {t}, {vd}, accumulate: false); // dv = (a ⊙ mask)ᵀ·dcontext");
                    w.Line($"Rows.Multiply(ref dWeights, {g.StepStride}, ref dropMask, {g.StepStride}, ref dWeights, {g.StepStride}, {t}, {tk}); // through the dropout");
                }
                else
                {
                    w.Line($"Matrix.MultiplyTransposedA(ref a, {g.StepStride}, ref dContextHead, {g.ValueStride}, ref Unsafe.Add(ref dv, head * {vd}), {g.ValueStride}, {tk}, {t}, {vd}, accumulate: false); // dv = aᵀ·dcontext");
                }
                w.Line($"Rows.SoftmaxBackward(ref a, {g.StepStride}, ref dWeights, {g.StepStride}, {t}, {tk}, {Float(1 / System.Math.Sqrt(kd))}, causal: {Bool(layer.Causal)}); // d(q·kᵀ)");
                w.Line($"Matrix.Multiply(ref dWeights, {g.StepStride}, ref Unsafe.Add(ref k, head * {kd}), {g.QueryStride}, ref Unsafe.Add(ref dq, head * {kd}), {g.QueryStride}, {t}, {tk}, {kd}, accumulate: false); // dq = d(q·kᵀ)·k");
                w.Line($"Matrix.MultiplyTransposedA(ref dWeights, {g.StepStride}, ref Unsafe.Add(ref q, head * {kd}), {g.QueryStride}, ref Unsafe.Add(ref dk, head * {kd}), {g.QueryStride}, {tk}, {t}, {kd}, accumulate: false); // dk = d(q·kᵀ)ᵀ·q");
            }
            w.Line($"// Projections: dW += {(cross ? "inputᵀ" : "xᵀ")}·d, db += Σ d.");
            ProjectionBackward(w, layer.QueryKernel, layer.QueryBias, "dq", g.QueryStride, h * kd, "x", plan.InputStride, t, d);
            ProjectionBackward(w, layer.KeyKernel, layer.KeyBias, "dk", g.QueryStride, h * kd, source, sourceStride, tk, dk);
            ProjectionBackward(w, layer.ValueKernel, layer.ValueBias, "dv", g.ValueStride, h * vd, source, sourceStride, tk, dk);
            if (dx)
            {
                w.Line(cross ? "// dx = dq·W_qᵀ." : "// dx = dq·W_qᵀ + dk·W_kᵀ + dv·W_vᵀ.");
                w.Line($"Matrix.MultiplyTransposedB(ref dq, {g.QueryStride}, {Ref("p", layer.QueryKernel.Offset)}, {h * kd}, ref dx, {plan.InputStride}, {t}, {h * kd}, {d}, accumulate: false, ref transposed);");
            }
            if (dx || cross)
            {
                string target = cross ? Names.MemoryGradient : "dx";
                if (cross)
                {
                    w.Line($"// d enc += dk·W_kᵀ + dv·W_vᵀ.");
                }
                w.Line($"Matrix.MultiplyTransposedB(ref dk, {g.QueryStride}, {Ref("p", layer.KeyKernel.Offset)}, {h * kd}, ref {target}, {sourceStride}, {tk}, {h * kd}, {dk}, accumulate: true, ref transposed);");
                w.Line($"Matrix.MultiplyTransposedB(ref dv, {g.ValueStride}, {Ref("p", layer.ValueKernel.Offset)}, {h * vd}, ref {target}, {sourceStride}, {tk}, {h * vd}, {dk}, accumulate: true, ref transposed);");
            }
        }
    }

    private static void Refs(SourceWriter w, MultiHeadAttentionSpec.Layout g)
    {
        w.Line($"ref float q = ref Unsafe.Add(ref y, {g.Queries});");
        w.Line($"ref float k = ref Unsafe.Add(ref y, {g.Keys});");
        w.Line($"ref float v = ref Unsafe.Add(ref y, {g.Values});");
        w.Line($"ref float weights = ref Unsafe.Add(ref y, {g.Weights});");
        w.Line($"ref float context = ref Unsafe.Add(ref y, {g.Context}); // the heads' outputs side by side");
    }

    /// <summary>
    /// <c>{output} = {input}·W (+ b)</c> over <paramref name="rows"/> rows (an expression): the bias broadcast, then the
    /// product accumulated onto it; the rows of <paramref name="kernel"/>'s steps when it has one.
    /// </summary>
    private static void Projection(SourceWriter w, WeightSpec weight, WeightSpec? bias, string output, int outputStride, int columns, int inputStride, string rows, int depth, string input = "x", ForwardKernel? kernel = null)
    {
        string inputRows = kernel?.Row(input, inputStride) ?? $"ref {input}", outputRows = kernel?.Row(output, outputStride) ?? $"ref {output}";
        if (bias is not null)
        {
            w.Line($"Matrix.BroadcastRows({Ref("p", bias.Offset)}, {outputRows}, {outputStride}, {rows}, {columns}); // {bias.Name}");
        }
        w.Line($"Matrix.Multiply({inputRows}, {inputStride}, {Ref("p", weight.Offset)}, {columns}, {outputRows}, {outputStride}, {rows}, {depth}, {columns}, accumulate: {Bool(bias is not null)}); // {weight.Name}");
    }

    /// <summary>dW += inputᵀ·d and db += Σ d over all rows.</summary>
    private static void ProjectionBackward(SourceWriter w, WeightSpec kernel, WeightSpec? bias, string delta, int deltaStride, int columns, string input, int inputStride, int rows, int depth)
    {
        w.Line($"Matrix.MultiplyTransposedA(ref {input}, {inputStride}, ref {delta}, {deltaStride}, {Ref("g", kernel.Offset)}, {columns}, {depth}, {rows}, {columns}, accumulate: true); // {kernel.Name}");
        if (bias is not null)
        {
            w.Line($"Matrix.AddColumnSums(ref {delta}, {deltaStride}, {rows}, {columns}, {Ref("g", bias.Offset)}); // {bias.Name}");
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter MultiHeadAttention = Register(new MultiHeadAttentionEmitter());
}
