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
        foreach (ForwardKernel kernel in ctx.ForwardKernels(rows))
        {
            using (w.Block(kernel.Signature))
            {
                WeightRefs(w, Names.Parameters, ("gamma", layer.Gamma), ("beta", layer.Beta));
                string at = kernel.Steps ? $" + from * {plan.Stride}" : "";
                string normalized = $"ref Unsafe.Add(ref y, {layer.NormalizedStart(plan)}{at})", inverse = $"ref Unsafe.Add(ref y, {layer.InverseStart(plan)}{(kernel.Steps ? " + from" : "")})";
                w.Line($"Rows.LayerNorm({kernel.Row("x", plan.InputStride)}, {plan.InputStride}, {kernel.Row("y", plan.Stride)}, {normalized}, {inverse}, {plan.Stride}, {kernel.Count(rows)}, {features}, ref gamma, ref beta, {Float(layer.Epsilon)});");
            }
        }
    }

    /// <summary>Row by row: decoding normalizes the rows of the new steps.</summary>
    protected override bool HasStepKernel(LayerNormalizationSpec layer) => true;

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
