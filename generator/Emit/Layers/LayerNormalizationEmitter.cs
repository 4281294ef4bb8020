using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>LayerNormalization: each row normalized by the runtime's <c>Rows.LayerNorm</c>, which keeps x̂ and 1 / σ for the backward pass.</summary>
internal sealed class LayerNormalizationEmitter : LayerEmitter<LayerNormalizationSpec>
{
    protected override void Forward(LayerContext ctx, LayerNormalizationSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        int rows = layer.OutputRows, features = layer.OutputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (LayerNormalization over {features} features, {rows} row{(rows == 1 ? "" : "s")}): y = γ ⊙ (x - mean) / sqrt(var + {Float(layer.Epsilon)}) + β.</summary>");
        w.Line($"/// <remarks>Region: y ({rows} rows of {plan.Stride}), x̂ ({rows} rows), then 1 / sqrt(var + ε) of each row.</remarks>");
        using (w.Block(Names.ForwardSignature(ctx.Method)))
        {
            WeightRefs(w, Names.Parameters, ("gamma", layer.Gamma), ("beta", layer.Beta));
            w.Line($"Rows.LayerNorm(ref x, {plan.InputStride}, ref y, {Ref("y", layer.NormalizedStart(plan))}, {Ref("y", layer.InverseStart(plan))}, {plan.Stride}, {rows}, {features}, ref gamma, ref beta, {Float(layer.Epsilon)});");
        }
    }

    protected override void Backward(LayerContext ctx, LayerNormalizationSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        bool dx = ctx.NeedsInputGradient;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dγ += Σ dy ⊙ x̂, dβ += Σ dy{(dx ? ", dx = (g - mean(g) - x̂ · mean(g ⊙ x̂)) / σ with g = dy ⊙ γ" : "")}.</summary>");
        using (w.Block(Names.BackwardSignature(ctx.Method, dx)))
        {
            WeightRefs(w, Names.Parameters, ("gamma", layer.Gamma));
            w.Line($"Rows.LayerNormBackward({Ref("y", layer.NormalizedStart(plan))}, {Ref("y", layer.InverseStart(plan))}, {plan.Stride}, ref dy, {plan.Stride}, {layer.OutputRows}, {layer.OutputFeatures}, "
                + $"ref gamma, {Ref("g", layer.Gamma.Offset)}, {Ref("g", layer.Beta.Offset)}, ref {(dx ? "dx" : "work")}, {plan.InputStride}, inputGradient: {(dx ? "true" : "false")}, accumulate: false);");
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter LayerNormalization = Register(new LayerNormalizationEmitter());
}
