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
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (GlobalAveragePooling1D over {steps} steps of {features}): y = mean_t x_t.</summary>");
        using (w.Block(Names.ForwardSignature(method)))
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

    protected override void Backward(LayerContext ctx, GlobalAveragePooling1DSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        bool needsInputGradient = ctx.NeedsInputGradient;
        int steps = layer.InputSteps, features = layer.InputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dx_t = dy / {steps} at every step.</summary>");
        using (w.Block(Names.BackwardSignature(method, needsInputGradient)))
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

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter GlobalAveragePooling1D = Register(new GlobalAveragePooling1DEmitter());
}
