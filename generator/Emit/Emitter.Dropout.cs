using System.Globalization;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Keras <c>Dropout(rate)</c>: in training, each value is kept when a uniform draw is at least <c>rate</c> and then
/// scaled by 1 / (1 - rate) (inverted dropout), else zeroed; in inference it is the identity. The mask (0 or the
/// scale) is kept on the tape for the backward pass. The draws come from the network's own seeded generator.
/// </summary>
internal static partial class Emitter
{
    private static void DropoutForward(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan)
    {
        int rows = layer.OutputRows, features = layer.OutputFeatures, s = plan.Stride;
        double rate = layer.Decl.Args[0];
        string rateText = ((float)rate).ToString("R", CultureInfo.InvariantCulture) + "f";
        string scaleText = ((float)(1.0 / (1.0 - rate))).ToString("R", CultureInfo.InvariantCulture) + "f";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (Dropout {rate.ToString(CultureInfo.InvariantCulture)}): y = x ⊙ mask in training (mask 0 or 1 / (1 - rate)), y = x without a generator.</summary>");
        using (w.Block($"private static void {method}Forward(ref float p, ref float x, ref float y, global::StaticRnn.SeededRandom? random)"))
        {
            w.Line($"ref float mask = ref Unsafe.Add(ref y, {rows * s});");
            using (w.Block($"for (int r = 0; r < {rows}; r++)"))
            {
                using (w.Block($"for (int f = 0; f < {features}; f++)"))
                {
                    w.Line($"float m = random is null ? 1f : random.NextDouble() >= {rateText} ? {scaleText} : 0f;");
                    w.Line($"Unsafe.Add(ref mask, r * {s} + f) = m;");
                    w.Line($"Unsafe.Add(ref y, r * {s} + f) = Unsafe.Add(ref x, r * {plan.InputStride} + f) * m;");
                }
            }
        }
    }

    private static void DropoutBackward(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan, bool needsInputGradient)
    {
        int rows = layer.OutputRows, features = layer.OutputFeatures, s = plan.Stride;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dx = dy ⊙ mask.</summary>");
        string dxParam = needsInputGradient ? ", ref float dx" : "";
        using (w.Block($"private static void {method}Backward(ref float p, ref float x, ref float y, ref float dy, ref float g{dxParam}, ref float work)"))
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
