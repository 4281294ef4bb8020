using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>Dense: the products of each output row with the kernel, the activation fused; softmax over the row afterwards.</summary>
internal sealed class DenseEmitter : LayerEmitter<DenseSpec>
{
    protected override void Forward(LayerContext ctx, DenseSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        int inputs = layer.InputFeatures, units = layer.OutputFeatures, rows = layer.OutputRows;
        ActivationKind act = layer.Activation;
        string f = Formula(act);
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (Dense {inputs} → {units}{(rows > 1 ? $", at each of {rows} steps" : "")}): y = {(f.Length > 0 ? f + "(" : "")}x·W{(layer.UseBias ? " + b" : "")}{(f.Length > 0 ? ")" : "")}.</summary>");
        foreach (ForwardKernel kernel in ctx.ForwardKernels(rows))
        {
            using (w.Block(kernel.Signature))
            {
                WeightRefs(w, layer, "p", "W", "b");
                RowLoop(w, rows, plan.InputStride, plan.Stride, "x", "y", Row, kernel);
            }
        }

        void Row(string xr, string yr)
        {
            foreach (var (first, count) in Groups(units))
            {
                using (w.Block(""))
                {
                    w.Line($"// {ColumnRange(first, count, units)}");
                    InitAccumulators(w, layer.UseBias, first, count, layer.Unrolled);
                    int chains = Chains(count, layer.Unrolled);
                    Accumulate(w, xr, "W", inputs, units, Columns("a", first, count), layer.Unrolled, chains);
                    CombineChains(w, count, chains);
                    for (int k = 0; k < count; k++)
                    {
                        w.Line($"{Activate(act, $"a{k}")}.StoreUnsafe(ref {yr}, {8 * (first + k)});");
                    }
                }
            }
            if (act == ActivationKind.Softmax)
            {
                w.Line($"VectorMath.SoftmaxInPlace(ref {yr}, {units});");
            }
        }
    }

    /// <summary>Row by row: decoding runs the rows of the new steps.</summary>
    protected override bool HasStepKernel(DenseSpec layer) => true;

    protected override void Backward(LayerContext ctx, DenseSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        bool needsInputGradient = ctx.NeedsInputGradient;
        int inputs = layer.InputFeatures, units = layer.OutputFeatures, rows = layer.OutputRows;
        ActivationKind act = layer.Activation;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dz = dy ⊙ a'(y); dW += xᵀ·dz{(layer.UseBias ? "; db += dz" : "")}{(needsInputGradient ? "; dx = dz·Wᵀ" : "")}.</summary>");
        using (w.Block(Names.BackwardSignature(method, needsInputGradient)))
        {
            if (needsInputGradient)
            {
                WeightRefs(w, layer, "p", "W", null);
            }
            WeightRefs(w, layer, "g", "gW", "gb");
            w.Line("ref float dz = ref work;");
            if (units % 8 != 0)
            {
                w.Line($"Vector256<float> tail = VectorMath.FirstLanes({units % 8}); // the last block's real lanes");
            }
            RowLoop(w, rows, plan.InputStride, plan.Stride, "x", "y", (xr, yr) =>
            {
                string dyr = rows > 1 ? "dyr" : "dy", dxr = rows > 1 ? "dxr" : "dx";
                if (rows > 1)
                {
                    w.Line($"ref float dyr = ref Unsafe.Add(ref dy, r * {plan.Stride});");
                    if (needsInputGradient)
                    {
                        w.Line($"ref float dxr = ref Unsafe.Add(ref dx, r * {plan.InputStride});");
                    }
                }
                if (act == ActivationKind.Softmax)
                {
                    w.Line($"VectorMath.SoftmaxBackwardInPlace(ref {yr}, ref {dyr}, {units});");
                }
                w.Line($"// dz = dy ⊙ a'(y){(units % 8 != 0 ? ", padding lanes zeroed" : "")}");
                EmitDz(w, units, k => $"Vector256.LoadUnsafe(ref {dyr}, {8 * k})", act == ActivationKind.Softmax ? ActivationKind.Linear : act, yr, layer.UseBias);
                foreach (var (first, count) in Groups(units))
                {
                    using (w.Block(""))
                    {
                        w.Line($"// {ColumnRange(first, count, units)}");
                        LoadDz(w, first, count);
                        if (layer.Unrolled && count > 1)
                        {
                            w.Line("Vector256<float> s;");
                        }
                        if (units == 1 && !plan.InputIsNetworkInput)
                        {
                            // One unit: the kernel's gradient is one contiguous column, updated eight inputs at a time (one
                            // row per input would overlap the next one and stall on store forwarding).
                            w.Line("Vector256<float> dz0 = Vector256.Create(z0.ToScalar());");
                            for (int c = 0; c < Blocks(inputs); c++)
                            {
                                string row = $"Vector256.LoadUnsafe(ref {xr}, {8 * c})" + (8 * c + 8 > inputs ? $" & VectorMath.FirstLanes({inputs - 8 * c})" : "");
                                w.Line($"Vector256.MultiplyAddEstimate({row}, dz0, Vector256.LoadUnsafe(ref gW, {8 * c})).StoreUnsafe(ref gW, {8 * c});");
                            }
                        }
                        else
                        {
                            OuterUpdate(w, xr, "gW", inputs, units, Columns("z", first, count), layer.Unrolled);
                        }
                        if (needsInputGradient && layer.Unrolled)
                        {
                            RowDots(w, dxr, "W", inputs, units, Columns("z", first, count), accumulate: first > 0);
                        }
                    }
                }
                if (needsInputGradient && !layer.Unrolled)
                {
                    DotRows(w, dxr, "W", inputs, new GateRun(0, 0, 1), units, 1, plan.Stride, "dz", accumulate: false);
                }
            });
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter Dense = Register(new DenseEmitter());
}
