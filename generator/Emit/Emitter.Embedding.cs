using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>Embedding (token ids to rows of a table) and GlobalAveragePooling1D (the mean over time).</summary>
internal static partial class Emitter
{
    private static void EmbeddingForward(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan)
    {
        WeightSpec table = layer.Weight(WeightRole.Embeddings);
        int steps = layer.InputShape[0], dims = layer.OutputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (Embedding {table.Shape[0]} × {dims}, {steps} tokens): y_t = E[id_t]. Ids were validated by the caller.</summary>");
        using (w.Block($"private static void {method}Forward(ref float p, ref float x, ref float y)"))
        {
            w.Line($"ref float E = ref Unsafe.Add(ref p, {table.Offset}); // {table.Name} {NetworkBuilder.Shape(table.Shape.ToArray())}");
            using (w.Block($"for (int t = 0; t < {steps}; t++)"))
            {
                w.Line($"ref float row = ref Unsafe.Add(ref E, (int)Unsafe.Add(ref x, t) * {dims});");
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref row, {dims}).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref y, t * {plan.Stride}), {dims}));");
            }
        }
    }

    private static void EmbeddingBackward(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan)
    {
        WeightSpec table = layer.Weight(WeightRole.Embeddings);
        int steps = layer.InputShape[0], dims = layer.OutputFeatures, blocks = Blocks(dims);
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dE[id_t] += dy_t, so only the rows of tokens that occur change.</summary>");
        using (w.Block($"private static void {method}Backward(ref float p, ref float x, ref float y, ref float dy, ref float g, ref float work)"))
        {
            w.Line($"ref float gE = ref Unsafe.Add(ref g, {table.Offset});");
            if (dims % 8 != 0)
            {
                w.Line($"Vector256<float> tail = VectorMath.FirstLanes({dims % 8}); // the last block's real lanes: the next row gets + 0");
            }
            using (w.Block($"for (int t = 0; t < {steps}; t++)"))
            {
                w.Line($"ref float row = ref Unsafe.Add(ref gE, (int)Unsafe.Add(ref x, t) * {dims});");
                w.Line($"ref float dyt = ref Unsafe.Add(ref dy, t * {plan.Stride});");
                for (int k = 0; k < blocks; k++)
                {
                    string mask = k == blocks - 1 && dims % 8 != 0 ? " & tail" : "";
                    w.Line($"(Vector256.LoadUnsafe(ref row, {8 * k}) + (Vector256.LoadUnsafe(ref dyt, {8 * k}){mask})).StoreUnsafe(ref row, {8 * k});");
                }
            }
        }
    }

    private static void PoolingForward(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan)
    {
        int steps = layer.InputSteps, features = layer.InputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (GlobalAveragePooling1D over {steps} steps of {features}): y = mean_t x_t.</summary>");
        using (w.Block($"private static void {method}Forward(ref float p, ref float x, ref float y)"))
        {
            if (plan.InputIsNetworkInput)
            {
                // The network input is the caller's span with unpadded rows: scalar reads stay inside it.
                using (w.Block($"for (int f = 0; f < {features}; f++)"))
                {
                    w.Line("float sum = 0;");
                    using (w.Block($"for (int t = 0; t < {steps}; t++)"))
                    {
                        w.Line($"sum += Unsafe.Add(ref x, t * {plan.InputStride} + f);");
                    }
                    w.Line($"Unsafe.Add(ref y, f) = sum * (1f / {steps});");
                }
                return;
            }
            for (int k = 0; k < Blocks(features); k++)
            {
                w.Line($"Vector256<float> a{k} = Vector256<float>.Zero;");
            }
            using (w.Block($"for (int t = 0; t < {steps}; t++)"))
            {
                for (int k = 0; k < Blocks(features); k++)
                {
                    w.Line($"a{k} += Vector256.LoadUnsafe(ref x, (nuint)(t * {plan.InputStride} + {8 * k}));");
                }
            }
            for (int k = 0; k < Blocks(features); k++)
            {
                w.Line($"(a{k} * (1f / {steps})).StoreUnsafe(ref y, {8 * k});");
            }
        }
    }

    private static void PoolingBackward(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan, bool needsInputGradient)
    {
        int steps = layer.InputSteps, features = layer.InputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dx_t = dy / {steps} at every step.</summary>");
        string dxParam = needsInputGradient ? ", ref float dx" : "";
        using (w.Block($"private static void {method}Backward(ref float p, ref float x, ref float y, ref float dy, ref float g{dxParam}, ref float work)"))
        {
            if (!needsInputGradient)
            {
                w.Line("// The first layer: no parameters, no input gradient.");
                return;
            }
            for (int k = 0; k < Blocks(features); k++)
            {
                w.Line($"Vector256<float> d{k} = Vector256.LoadUnsafe(ref dy, {8 * k}) * (1f / {steps});");
            }
            using (w.Block($"for (int t = 0; t < {steps}; t++)"))
            {
                for (int k = 0; k < Blocks(features); k++)
                {
                    w.Line($"d{k}.StoreUnsafe(ref dx, (nuint)(t * {plan.InputStride} + {8 * k}));");
                }
            }
        }
    }
}
