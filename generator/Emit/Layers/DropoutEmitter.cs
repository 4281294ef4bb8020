using System.Globalization;
using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Keras <c>Dropout(rate)</c>: in training, each value is kept when a uniform draw is at least <c>rate</c> and then
/// scaled by 1 / (1 - rate) (inverted dropout), else zeroed; in inference it is the identity. The mask (0 or the
/// scale) is kept on the tape for the backward pass. The draws come from the network's own seeded generator.
/// </summary>
internal sealed class DropoutEmitter : LayerEmitter<DropoutSpec>
{
    protected override void Forward(LayerContext ctx, DropoutSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        int rows = layer.OutputRows, features = layer.OutputFeatures, s = plan.Stride;
        double rate = layer.Rate;
        string rateText = rate.ToString("R", CultureInfo.InvariantCulture);
        string scaleText = ((float)(1.0 / (1.0 - rate))).ToString("R", CultureInfo.InvariantCulture) + "f";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (Dropout {rate.ToString(CultureInfo.InvariantCulture)}): y = x ⊙ mask in training (mask 0 or 1 / (1 - rate)), y = x without a generator.</summary>");
        using (w.Block(Names.ForwardSignature(method, random: true)))
        {
            using (w.Block("if (random is null)"))
            {
                w.Line($"Rows.Copy(ref x, {plan.InputStride}, ref y, {s}, {rows}, {features}); // inference: the identity");
                w.Line("return;");
            }
            w.Line($"ref float mask = ref Unsafe.Add(ref y, {rows * s});");
            using (w.Block($"for (int r = 0; r < {rows}; r++)"))
            {
                w.Line($"random.DropoutMask(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref mask, r * {s}), {features}), {rateText}, {scaleText});");
            }
            w.Line($"Rows.Multiply(ref x, {plan.InputStride}, ref mask, {s}, ref y, {s}, {rows}, {features});");
        }
        if (ctx.Steps)
        {
            w.Line();
            w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' in decoding (inference): the identity on the rows of the new steps.</summary>");
            using (w.Block(Names.StepsSignature(method)))
            {
                w.Line($"Rows.Copy(ref Unsafe.Add(ref x, from * {plan.InputStride}), {plan.InputStride}, ref Unsafe.Add(ref y, from * {s}), {s}, to - from, {features});");
            }
        }
    }

    /// <summary>The identity in inference, row by row.</summary>
    protected override bool HasStepKernel(DropoutSpec layer) => true;

    protected override void Backward(LayerContext ctx, DropoutSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        bool needsInputGradient = ctx.NeedsInputGradient;
        int rows = layer.OutputRows, features = layer.OutputFeatures, s = plan.Stride;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dx = dy ⊙ mask.</summary>");
        using (w.Block(Names.BackwardSignature(method, needsInputGradient)))
        {
            if (!needsInputGradient)
            {
                w.Line("// The first layer: no parameters, no input gradient.");
                return;
            }
            w.Line($"ref float mask = ref Unsafe.Add(ref y, {rows * s});");
            using (w.Block($"for (int i = 0; i < {rows * s}; i += 8)"))
            {
                w.Line("(Vector256.LoadUnsafe(ref dy, (nuint)i) * Vector256.LoadUnsafe(ref mask, (nuint)i)).StoreUnsafe(ref dx, (nuint)i);");
            }
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter Dropout = Register(new DropoutEmitter());
}
