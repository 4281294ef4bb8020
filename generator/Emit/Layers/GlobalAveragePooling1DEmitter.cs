using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>GlobalAveragePooling1D: the mean over time; backward, dy / T to every step.</summary>
internal sealed class GlobalAveragePooling1DEmitter : LayerEmitter<GlobalAveragePooling1DSpec>
{
    protected override void Forward(LayerContext ctx, GlobalAveragePooling1DSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        int steps = layer.InputSteps, features = layer.InputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (GlobalAveragePooling1D over {steps} steps of {features}): y = mean_t x_t{(layer.InputMasked ? " over the steps that are not padding (0 when there are none)" : "")}.</summary>");
        using (w.Block(Names.ForwardSignature(method, mask: layer.UsesMask)))
        {
            if (layer.InputMasked)
            {
                for (int k = 0; k < Blocks(features); k++)
                {
                    w.Line($"Vector256<float> a{k} = Vector256<float>.Zero;");
                }
                w.Line("float count = 0;");
                using (w.Block($"for (int t = 0; t < {steps}; t++)"))
                {
                    w.Line("if (Unsafe.Add(ref mask, t) == 0) continue;");
                    w.Line("count++;");
                    for (int k = 0; k < Blocks(features); k++)
                    {
                        w.Line($"a{k} += Vector256.LoadUnsafe(ref x, (nuint)(t * {plan.InputStride} + {8 * k}));");
                    }
                }
                w.Line("Vector256<float> inverse = Vector256.Create(count == 0 ? 0f : 1f / count);");
                for (int k = 0; k < Blocks(features); k++)
                {
                    w.Line($"(a{k} * inverse).StoreUnsafe(ref y, {8 * k});");
                }
                return;
            }
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

    protected override void Backward(LayerContext ctx, GlobalAveragePooling1DSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        bool needsInputGradient = ctx.NeedsInputGradient;
        int steps = layer.InputSteps, features = layer.InputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dx_t = dy / {(layer.InputMasked ? "(the steps that are not padding) at those steps, 0 at padding" : $"{steps} at every step")}.</summary>");
        using (w.Block(Names.BackwardSignature(method, needsInputGradient, mask: layer.BackwardUsesMask)))
        {
            if (!needsInputGradient)
            {
                w.Line("// The first layer: no parameters, no input gradient.");
                return;
            }
            if (layer.InputMasked)
            {
                w.Line("float count = 0;");
                using (w.Block($"for (int t = 0; t < {steps}; t++)"))
                {
                    w.Line("count += Unsafe.Add(ref mask, t);");
                }
                w.Line("Vector256<float> inverse = Vector256.Create(count == 0 ? 0f : 1f / count);");
                for (int k = 0; k < Blocks(features); k++)
                {
                    w.Line($"Vector256<float> d{k} = Vector256.LoadUnsafe(ref dy, {8 * k}) * inverse;");
                }
                using (w.Block($"for (int t = 0; t < {steps}; t++)"))
                {
                    w.Line("Vector256<float> m = Vector256.Create(Unsafe.Add(ref mask, t));");
                    for (int k = 0; k < Blocks(features); k++)
                    {
                        w.Line($"(d{k} * m).StoreUnsafe(ref dx, (nuint)(t * {plan.InputStride} + {8 * k}));");
                    }
                }
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

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter GlobalAveragePooling1D = Register(new GlobalAveragePooling1DEmitter());
}
