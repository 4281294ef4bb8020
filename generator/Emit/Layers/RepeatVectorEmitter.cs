using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>RepeatVector: the input vector copied into every row; backward, the rows' gradients summed.</summary>
internal sealed class RepeatVectorEmitter : LayerEmitter<RepeatVectorSpec>
{
    protected override void Forward(LayerContext ctx, RepeatVectorSpec layer)
    {
        SourceWriter w = ctx.Writer;
        int features = layer.OutputFeatures;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (RepeatVector): y_t = x for each of {layer.N} steps.</summary>");
        using (w.Block(Names.ForwardSignature(ctx.Method)))
        {
            using (w.Block($"for (int t = 0; t < {layer.N}; t++)"))
            {
                w.Line($"Matrix.Copy(ref x, ref Unsafe.Add(ref y, t * {ctx.Plan.Stride}), {features});");
            }
        }
    }

    protected override void Backward(LayerContext ctx, RepeatVectorSpec layer)
    {
        SourceWriter w = ctx.Writer;
        bool dx = ctx.NeedsInputGradient;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: {(dx ? "dx = Σ_t dy_t" : "no parameters, no input gradient")}.</summary>");
        using (w.Block(Names.BackwardSignature(ctx.Method, dx)))
        {
            if (dx)
            {
                w.Line($"global::System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref dx, {layer.OutputFeatures}).Clear();");
                w.Line($"Matrix.AddColumnSums(ref dy, {ctx.Plan.Stride}, {layer.N}, {layer.OutputFeatures}, ref dx);");
            }
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter RepeatVector = Register(new RepeatVectorEmitter());
}
