using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

internal static partial class Emitter
{
    private static void DenseForward(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan)
    {
        int inputs = layer.InputFeatures, units = layer.OutputFeatures, rows = layer.OutputRows;
        ActivationKind act = layer.Decl.Activation;
        string f = Formula(act);
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (Dense {inputs} → {units}{(rows > 1 ? $", at each of {rows} steps" : "")}): y = {(f.Length > 0 ? f + "(" : "")}x·W{(layer.HasBias ? " + b" : "")}{(f.Length > 0 ? ")" : "")}.</summary>");
        using (w.Block($"private static void {method}Forward(ref float p, ref float x, ref float y)"))
        {
            WeightRefs(w, layer, "p", "W", "b");
            RowLoop(w, rows, plan.InputStride, plan.Stride, "x", "y", (xr, yr) =>
            {
                foreach (var (first, count) in Groups(units))
                {
                    using (w.Block(""))
                    {
                        w.Line($"// {ColumnRange(first, count, units)}");
                        InitAccumulators(w, layer.HasBias, first, count, layer.Unrolled);
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
            });
        }
    }

    private static void DenseBackward(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan, bool needsInputGradient)
    {
        int inputs = layer.InputFeatures, units = layer.OutputFeatures, rows = layer.OutputRows;
        ActivationKind act = layer.Decl.Activation;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dz = dy ⊙ a'(y); dW += xᵀ·dz{(layer.HasBias ? "; db += dz" : "")}{(needsInputGradient ? "; dx = dz·Wᵀ" : "")}.</summary>");
        string dxParam = needsInputGradient ? ", ref float dx" : "";
        using (w.Block($"private static void {method}Backward(ref float p, ref float x, ref float y, ref float dy, ref float g{dxParam}, ref float work)"))
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
                EmitDz(w, units, k => $"Vector256.LoadUnsafe(ref {dyr}, {8 * k})", act == ActivationKind.Softmax ? ActivationKind.Linear : act, yr, layer.HasBias);
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
                    DotRows(w, dxr, "W", inputs, new GateRun(0, 0, 1), layer, plan.Stride, "dz", accumulate: false);
                }
            });
        }
    }

    /// <summary>
    /// Writes dz = incoming ⊙ a'(y) block by block into the dz row (padding lanes zeroed), and adds it to the bias gradient.
    /// </summary>
    private static void EmitDz(SourceWriter w, int units, System.Func<int, string> incoming, ActivationKind act, string output, bool hasBias, string target = "dz")
    {
        int blocks = Blocks(units);
        for (int k = 0; k < blocks; k++)
        {
            string value = incoming(k);
            string? derivative = Derivative(act, $"Vector256.LoadUnsafe(ref {output}, {8 * k})");
            if (derivative is not null)
            {
                value = $"({value}) * {derivative}";
            }
            if (k == blocks - 1 && units % 8 != 0)
            {
                value = $"({value}) & tail";
            }
            w.Line($"Vector256<float> d{k} = {value};");
            w.Line($"d{k}.StoreUnsafe(ref {target}, {8 * k});");
            if (hasBias)
            {
                w.Line($"(Vector256.LoadUnsafe(ref gb, {8 * k}) + d{k}).StoreUnsafe(ref gb, {8 * k});");
            }
        }
    }

    /// <summary>Declares refs to a layer's kernel (and bias) in the buffer <paramref name="buffer"/>.</summary>
    private static void WeightRefs(SourceWriter w, LayerSpec layer, string buffer, string kernel, string? bias)
    {
        WeightSpec k = layer.Weight(WeightRole.Kernel);
        w.Line($"ref float {kernel} = ref Unsafe.Add(ref {buffer}, {k.Offset}); // {k.Name} {NetworkBuilder.Shape(k.Shape.ToArray())}");
        if (layer.Kind is LayerKind.SimpleRnn or LayerKind.Lstm or LayerKind.Gru)
        {
            WeightSpec u = layer.Weight(WeightRole.RecurrentKernel);
            string name = kernel == "W" ? "U" : "gU";
            w.Line($"ref float {name} = ref Unsafe.Add(ref {buffer}, {u.Offset}); // {u.Name} {NetworkBuilder.Shape(u.Shape.ToArray())}");
        }
        if (bias is not null && layer.HasBias)
        {
            WeightSpec b = layer.Weight(WeightRole.Bias);
            w.Line($"ref float {bias} = ref Unsafe.Add(ref {buffer}, {b.Offset}); // {b.Name} {NetworkBuilder.Shape(b.Shape.ToArray())}");
        }
    }

    /// <summary>Emits the body once per output row: directly for one row, else in a loop over r with row refs xr, yr.</summary>
    private static void RowLoop(SourceWriter w, int rows, int inputStride, int stride, string x, string y, System.Action<string, string> body)
    {
        if (rows == 1)
        {
            body(x, y);
            return;
        }
        using (w.Block($"for (int r = 0; r < {rows}; r++)"))
        {
            w.Line($"ref float xr = ref Unsafe.Add(ref {x}, r * {inputStride});");
            w.Line($"ref float yr = ref Unsafe.Add(ref {y}, r * {stride});");
            body("xr", "yr");
        }
    }
}
