using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>TokenAndPositionEmbedding: a token's row plus its position's row; backward, both tables get dy (only the rows of tokens that occur).</summary>
internal sealed class TokenAndPositionEmbeddingEmitter : LayerEmitter<TokenAndPositionEmbeddingSpec>
{
    protected override void Forward(LayerContext ctx, TokenAndPositionEmbeddingSpec layer)
    {
        SourceWriter w = ctx.Writer;
        int steps = layer.OutputRows, dims = layer.EmbeddingDim;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (TokenAndPositionEmbedding {layer.VocabularySize} × {dims}, {steps} tokens): y_t = E[id_t] + P[t]. Ids were validated by the caller.</summary>");
        foreach (ForwardKernel kernel in ctx.ForwardKernels(steps, mask: layer.UsesMask))
        {
            using (w.Block(kernel.Signature))
            {
                WeightRefs(w, Names.Parameters, ("E", layer.Tokens!.Table), ("P", layer.Positions!.Table));
                using (w.Block(kernel.Loop(steps)))
                {
                    if (layer.MaskZero)
                    {
                        w.Line("Unsafe.Add(ref mask, t) = Unsafe.Add(ref x, t) != 0 ? 1f : 0f; // mask_zero: id 0 is padding");
                    }
                    w.Line($"Rows.Add(ref Unsafe.Add(ref E, (int)Unsafe.Add(ref x, t) * {dims}), {dims}, ref Unsafe.Add(ref P, t * {dims}), {dims}, ref Unsafe.Add(ref y, t * {ctx.Plan.Stride}), {ctx.Plan.Stride}, 1, {dims});");
                }
            }
        }
    }

    /// <summary>Two lookups per step: decoding runs them one step at a time.</summary>
    protected override bool HasStepKernel(TokenAndPositionEmbeddingSpec layer) => true;

    protected override void Backward(LayerContext ctx, TokenAndPositionEmbeddingSpec layer)
    {
        SourceWriter w = ctx.Writer;
        int steps = layer.OutputRows, dims = layer.EmbeddingDim;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dE[id_t] += dy_t and dP[t] += dy_t.</summary>");
        using (w.Block(Names.BackwardSignature(ctx.Method, inputGradient: false)))
        {
            WeightRefs(w, Names.Gradient, ("gE", layer.Tokens!.Table), ("gP", layer.Positions!.Table));
            w.Line($"Rows.Add(ref gP, {dims}, ref dy, {ctx.Plan.Stride}, ref gP, {dims}, {steps}, {dims});");
            using (w.Block($"for (int t = 0; t < {steps}; t++)"))
            {
                w.Line($"ref float row = ref Unsafe.Add(ref gE, (int)Unsafe.Add(ref x, t) * {dims});");
                w.Line($"Rows.Add(ref row, {dims}, ref Unsafe.Add(ref dy, t * {ctx.Plan.Stride}), {ctx.Plan.Stride}, ref row, {dims}, 1, {dims});");
            }
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter TokenAndPositionEmbedding = Register(new TokenAndPositionEmbeddingEmitter());
}
