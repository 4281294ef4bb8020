using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>Embedding: token ids to rows of the table; backward, only the rows of tokens that occur get gradient.</summary>
internal sealed class EmbeddingEmitter : LayerEmitter<EmbeddingSpec>
{
    protected override void Forward(LayerContext ctx, EmbeddingSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        WeightSpec table = layer.Table;
        int steps = layer.InputShape[0], dims = layer.OutputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (Embedding {table.Shape[0]} × {dims}, {steps} tokens): y_t = E[id_t]. Ids were validated by the caller.</summary>");
        foreach (ForwardKernel kernel in ctx.ForwardKernels(steps, mask: layer.UsesMask))
        {
            using (w.Block(kernel.Signature))
            {
                w.Line($"ref float E = ref Unsafe.Add(ref p, {table.Offset}); // {table.Name} {NetworkBuilder.Shape(table.Shape.ToArray())}");
                using (w.Block(kernel.Loop(steps)))
                {
                    if (layer.MaskZero)
                    {
                        w.Line("Unsafe.Add(ref mask, t) = Unsafe.Add(ref x, t) != 0 ? 1f : 0f; // mask_zero: id 0 is padding");
                    }
                    w.Line($"ref float row = ref Unsafe.Add(ref E, (int)Unsafe.Add(ref x, t) * {dims});");
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref row, {dims}).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref y, t * {plan.Stride}), {dims}));");
                }
            }
        }
    }

    /// <summary>A lookup per step: decoding runs it one step at a time.</summary>
    protected override bool HasStepKernel(EmbeddingSpec layer) => true;

    protected override void Backward(LayerContext ctx, EmbeddingSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        bool needsInputGradient = ctx.NeedsInputGradient;
        WeightSpec table = layer.Table;
        int steps = layer.InputShape[0], dims = layer.OutputFeatures, blocks = Blocks(dims);
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: dE[id_t] += dy_t, so only the rows of tokens that occur change.</summary>");
        using (w.Block(Names.BackwardSignature(method, inputGradient: false)))
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
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter Embedding = Register(new EmbeddingEmitter());
}
