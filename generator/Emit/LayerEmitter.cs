using System;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>What a layer emitter writes with: the writer, the placed layer, its tape plan and the names of its kernels.</summary>
/// <param name="Method">Prefix of the layer's kernels (<c>Layer2</c>, or <c>Layer2Fw</c> for a part).</param>
/// <param name="NeedsInputGradient">Whether a layer precedes this one, so the backward kernel writes dx.</param>
/// <param name="Grouped">Whether the network's forward pass runs groups of samples, so group kernels are wanted too.</param>
internal sealed record LayerContext(SourceWriter Writer, LayerSpec Layer, LayerPlan Plan, string Method, bool NeedsInputGradient, bool Grouped)
{
    /// <summary>The context of a part of this layer (see <see cref="LayerSpec.Parts"/>), with its own plan and method prefix.</summary>
    public LayerContext Part(LayerSpec part, LayerPlan plan, string suffix, bool? needsInputGradient = null)
        => new(Writer, part, plan, Method + suffix, needsInputGradient ?? NeedsInputGradient, Grouped: false);
}

/// <summary>
/// Writes one layer kind's kernels: <c>{Method}Forward</c> (one sample, activations kept on the tape) and
/// <c>{Method}Backward</c> (its gradients), with the signatures of <see cref="Names"/>.
/// </summary>
internal abstract class LayerEmitter
{
    public abstract void Emit(LayerContext context);

    /// <summary>Whether the layer has a forward kernel for several samples at once, which makes a network's forward pass run groups.</summary>
    public virtual bool HasGroupKernel(LayerSpec layer) => false;

    /// <summary>
    /// The forward calls of one group of <see cref="Code.GroupSize"/> samples; <paramref name="arguments"/>(k) is
    /// <c>ref x_k, ref region_k</c> of sample k. Without a group kernel, one forward call per sample.
    /// </summary>
    public virtual void EmitGroupCall(SourceWriter w, LayerSpec layer, string method, Func<int, string> arguments)
    {
        for (int k = 0; k < Code.GroupSize; k++)
        {
            w.Line($"{Names.Forward(method)}(ref {Names.Parameters}, {arguments(k)});");
        }
    }
}

/// <summary>A <see cref="LayerEmitter"/> of one spec type.</summary>
internal abstract class LayerEmitter<TSpec> : LayerEmitter where TSpec : LayerSpec
{
    public sealed override void Emit(LayerContext context)
    {
        var layer = (TSpec)context.Layer;
        Forward(context, layer);
        context.Writer.Line();
        Backward(context, layer);
    }

    public sealed override bool HasGroupKernel(LayerSpec layer) => HasGroupKernel((TSpec)layer);

    public sealed override void EmitGroupCall(SourceWriter w, LayerSpec layer, string method, Func<int, string> arguments)
    {
        if (HasGroupKernel((TSpec)layer))
        {
            EmitGroupCall(w, (TSpec)layer, method, arguments);
        }
        else
        {
            base.EmitGroupCall(w, layer, method, arguments);
        }
    }

    /// <summary>The forward kernel(s), including group kernels when <see cref="LayerContext.Grouped"/>.</summary>
    protected abstract void Forward(LayerContext c, TSpec layer);

    protected abstract void Backward(LayerContext c, TSpec layer);

    protected virtual bool HasGroupKernel(TSpec layer) => false;

    protected virtual void EmitGroupCall(SourceWriter w, TSpec layer, string method, Func<int, string> arguments) => throw new NotSupportedException();
}
