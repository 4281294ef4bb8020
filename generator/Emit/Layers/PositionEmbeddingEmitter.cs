using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>PositionEmbedding: the position table added to the sequence; backward, the table gets dy and the input dy.</summary>
internal sealed class PositionEmbeddingEmitter : LayerEmitter<PositionEmbeddingSpec>
{
    protected override void Forward(LayerContext ctx, PositionEmbeddingSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        int steps = layer.OutputRows, features = layer.OutputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (PositionEmbedding, {steps} steps of {features}): y_t = x_t + P[t].</summary>");
        using (w.Block(Names.ForwardSignature(ctx.Method)))
        {
            WeightRefs(w, Names.Parameters, ("P", layer.Table));
            w.Line($"Rows.Add(ref x, {plan.InputStride}, ref P, {features}, ref y, {plan.Stride}, {steps}, {features});");
        }
    }

    protected override void Backward(LayerContext ctx, PositionEmbeddingSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        bool dx = ctx.NeedsInputGradient;
        int steps = layer.OutputRows, features = layer.OutputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dP[t] += dy_t{(dx ? ", dx_t = dy_t" : "")}.</summary>");
        using (w.Block(Names.BackwardSignature(ctx.Method, dx)))
        {
            WeightRefs(w, Names.Gradient, ("gP", layer.Table));
            w.Line($"Rows.Add(ref gP, {features}, ref dy, {plan.Stride}, ref gP, {features}, {steps}, {features});");
            if (dx)
            {
                w.Line($"Rows.Copy(ref dy, {plan.Stride}, ref dx, {plan.InputStride}, {steps}, {features});");
            }
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter PositionEmbedding = Register(new PositionEmbeddingEmitter());
}
