using System;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>What a layer emitter writes with: the writer, the placed layer, its tape plan and the names of its kernels.</summary>
/// <param name="Method">Prefix of the layer's kernels (<c>Layer2</c>, or <c>Layer2Fw</c> for a part).</param>
/// <param name="NeedsInputGradient">Whether a layer precedes this one, so the backward kernel writes dx.</param>
/// <param name="Grouped">Whether the network's forward pass runs groups of samples, so group kernels are wanted too.</param>
/// <param name="Steps">Whether the layer is in a Seq2Seq decoder and has a step kernel, so <c>{Method}ForwardSteps</c> is wanted too.</param>
internal sealed record LayerContext(SourceWriter Writer, LayerSpec Layer, LayerPlan Plan, string Method, bool NeedsInputGradient, bool Grouped, bool Steps = false)
{
    /// <summary>
    /// The heads of the layer's forward kernels, each to get the same body: <c>{Method}Forward</c> over the
    /// <paramref name="steps"/> steps; or, when <see cref="Steps"/>, <c>{Method}ForwardSteps</c> over steps <c>from</c> to
    /// <c>to - 1</c> (incremental decoding), with <c>{Method}Forward</c> written here as its call over every step. A layer
    /// that draws random numbers (dropout in training) gets both bodies instead: the full kernel with the generator, and
    /// the step kernel, which is inference and so draws nothing.
    /// </summary>
    public System.Collections.Generic.IEnumerable<ForwardKernel> ForwardKernels(int steps, string region = Names.Region, bool random = false, bool mask = false, bool memory = false, bool memoryMask = false)
    {
        string forward = Names.ForwardSignature(Method, region, random, mask, memory, memoryMask);
        if (!Steps || random)
        {
            yield return new ForwardKernel(forward, Steps: false);
            if (!Steps)
            {
                yield break;
            }
            Writer.Line();
        }
        else
        {
            string memoryArguments = memory ? $", ref {Names.Memory}{(memoryMask ? $", ref {Names.MemoryMask}" : "")}" : "";
            Writer.Line(forward);
            Writer.Line($"    => {Names.ForwardSteps(Method)}(ref {Names.Parameters}, ref {Names.Input}, ref {region}{(mask ? $", ref {Names.Mask}" : "")}{memoryArguments}, 0, {steps});");
            Writer.Line();
        }
        Writer.Line($"/// <summary>Layer {Layer.Position + 1} '{Layer.Name}' over steps <paramref name=\"from\"/> … <paramref name=\"to\"/> - 1 (incremental decoding{(random ? ", no dropout" : "")}), the rows of the steps before on its region.</summary>");
        yield return new ForwardKernel(Names.StepsSignature(Method, region, mask, memory, memoryMask), Steps: true);
    }

    /// <summary><see cref="ForwardKernels(int, string, bool, bool, bool, bool)"/> with the layer's own mask, memory and dropout parameters.</summary>
    public System.Collections.Generic.IEnumerable<ForwardKernel> ForwardKernelsOf(LayerSpec layer, int steps, string region = Names.Region)
        => ForwardKernels(steps, region, layer.UsesRandom, layer.UsesMask, layer.UsesMemory, layer.MemoryMasked);

    /// <summary>
    /// The context of a part of this layer (see <see cref="LayerSpec.Parts"/>), with its own plan and method prefix; with
    /// <paramref name="steps"/>, the part's step kernel is wanted too (where its kind has one).
    /// </summary>
    public LayerContext Part(LayerSpec part, LayerPlan plan, string suffix, bool? needsInputGradient = null, bool steps = false)
        => new(Writer, part, plan, Method + suffix, needsInputGradient ?? NeedsInputGradient, Grouped: false, Steps: steps && EmitterCatalog.For(part).HasStepKernel(part));
}

/// <summary>
/// One forward kernel of a layer: over every step (<c>Forward</c>), or over the steps <c>from</c> … <c>to - 1</c> of an
/// incremental decoder (<c>ForwardSteps</c>), which reads the rows of the steps before <c>from</c> from the tape.
/// </summary>
internal sealed record ForwardKernel(string Signature, bool Steps)
{
    /// <summary>The first step (an expression).</summary>
    public string From => Steps ? "from" : "0";

    /// <summary>One past the last step of a layer of <paramref name="steps"/> steps.</summary>
    public string To(int steps) => Steps ? "to" : steps.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Rows this kernel runs, of a layer of <paramref name="steps"/> steps.</summary>
    public string Count(int steps) => Steps ? "to - from" : To(steps);

    /// <summary>The loop header over this kernel's steps.</summary>
    public string Loop(int steps, string index = "t") => $"for (int {index} = {From}; {index} < {To(steps)}; {index}++)";

    /// <summary>
    /// <c>ref</c> to the first row this kernel runs of rows <paramref name="stride"/> floats apart from
    /// <paramref name="reference"/>, plus <paramref name="offset"/> (an expression) when given.
    /// </summary>
    public string Row(string reference, int stride, string? offset = null)
    {
        string at = Steps ? (offset is null ? $"from * {stride}" : $"{offset} + from * {stride}") : offset ?? "";
        return at.Length == 0 ? $"ref {reference}" : $"ref Unsafe.Add(ref {reference}, {at})";
    }
}

/// <summary>
/// Where the samples of one group are inside <c>ForwardGroup</c> and <c>BackwardGroup</c>: sample k's input at
/// <c>{InputBase} + InputOffset + k·InputStride</c> (the caller's rows, or an earlier layer's region on the tape), its
/// region at <c>tape + RegionOffset + k·TapeStride</c>, and in the backward pass its output gradient at <c>{Dy} +
/// k·DeltaStride</c>, its input gradient at <c>{Dx} + k·DeltaStride</c> (null for the first layer) and its work rows
/// at <c>work + k·WorkStride</c>; the group has <c>count</c> samples.
/// </summary>
internal sealed record GroupCall(string InputBase, int InputOffset, int InputStride, int RegionOffset, int TapeStride, string Dy = "", string? Dx = null, int DeltaStride = 0, int WorkStride = 0)
{
    /// <summary><c>ref x_k, ref region_k</c> of sample <paramref name="k"/> (an expression).</summary>
    public string Sample(string k)
    {
        string index = Index(k);
        return $"{At(InputBase, InputOffset, $"{index} * {InputStride}")}, {At("tape", RegionOffset, $"{index} * {TapeStride}")}";
    }

    /// <summary><c>ref x_k, ref region_k, ref dy_k, ref g[, ref dx_k], ref work</c>: a one-sample backward call's arguments.</summary>
    public string BackwardSample(string k)
    {
        string index = Index(k);
        string dx = Dx is null ? "" : $", {At(Dx, 0, $"{index} * {DeltaStride}")}";
        return $"{Sample(k)}, {At(Dy, 0, $"{index} * {DeltaStride}")}, ref g{dx}, ref work";
    }

    /// <summary><c>ref x_0, inputStride, ref region_0, tapeStride, count</c>: the arguments of a kernel over the whole group.</summary>
    public string Batch => $"{At(InputBase, InputOffset, null)}, {InputStride}, {At("tape", RegionOffset, null)}, {TapeStride}, count";

    /// <summary>
    /// <c>ref x_0, inputStride, ref region_0, tapeStride, ref dy_0, ref g[, ref dx_0], deltaStride, ref work, workStride,
    /// count</c>: the arguments of a backward kernel over the whole group (sample k's work rows at work + k·workStride).
    /// </summary>
    public string BackwardBatch => $"{At(InputBase, InputOffset, null)}, {InputStride}, {At("tape", RegionOffset, null)}, {TapeStride}, ref {Dy}, ref g{(Dx is null ? "" : $", ref {Dx}")}, {DeltaStride}, ref work, {WorkStride}, count";

    /// <summary>One forward call per sample of the group.</summary>
    public void EachSample(SourceWriter w, string method)
    {
        using (w.Block("for (int k = 0; k < count; k++)"))
        {
            w.Line($"{Names.Forward(method)}(ref {Names.Parameters}, {Sample("k")});");
        }
    }

    /// <summary>One backward call per sample of the group, in sample order (so each gradient adds the samples in order).</summary>
    public void EachSampleBackward(SourceWriter w, string method)
    {
        using (w.Block("for (int k = 0; k < count; k++)"))
        {
            w.Line($"{Names.Backward(method)}(ref {Names.Parameters}, {BackwardSample("k")});");
        }
    }

    private static string Index(string k) => k.Contains(" ") ? $"({k})" : k;

    private static string At(string reference, int offset, string? index)
    {
        string sum = (offset, index) switch
        {
            (0, null) => "",
            (0, _) => index!,
            (_, null) => offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => $"{offset} + {index}",
        };
        return sum.Length == 0 ? $"ref {reference}" : $"ref Unsafe.Add(ref {reference}, {sum})";
    }
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
    /// The forward calls of one group of samples (<c>count</c> of them, at most <see cref="Code.GroupSize"/>), placed as
    /// <paramref name="group"/> says. Without a group kernel, one forward call per sample.
    /// </summary>
    public virtual void EmitGroupCall(SourceWriter w, LayerSpec layer, string method, GroupCall group) => group.EachSample(w, method);

    /// <summary>How the group kernel runs the group's samples (for the generated layer table), or null for one by one.</summary>
    public virtual string? GroupForm(LayerSpec layer) => null;

    /// <summary>The backward calls of one group of samples; without a group kernel, one backward call per sample.</summary>
    public virtual void EmitGroupBackwardCall(SourceWriter w, LayerSpec layer, string method, GroupCall group) => group.EachSampleBackward(w, method);

    /// <summary>Floats of the shared scratch (<c>packed</c>) where the layer's group kernels pack a weight matrix, forward and backward.</summary>
    public virtual int PackedFloats(LayerSpec layer) => 0;

    /// <summary>
    /// Whether the layer, in a Seq2Seq decoder, has a <c>ForwardSteps</c> kernel for incremental decoding. Without one,
    /// each decoding step reruns its full forward kernel (correct, as decoder layers are causal, but T times the work).
    /// </summary>
    public virtual bool HasStepKernel(LayerSpec layer) => false;
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

    public sealed override string? GroupForm(LayerSpec layer) => HasGroupKernel((TSpec)layer) ? GroupForm((TSpec)layer) : null;

    public sealed override void EmitGroupBackwardCall(SourceWriter w, LayerSpec layer, string method, GroupCall group)
    {
        if (!EmitGroupBackward(w, (TSpec)layer, method, group))
        {
            base.EmitGroupBackwardCall(w, layer, method, group);
        }
    }

    public sealed override int PackedFloats(LayerSpec layer) => PackedFloats((TSpec)layer);

    public sealed override bool HasStepKernel(LayerSpec layer) => HasStepKernel((TSpec)layer);

    public sealed override void EmitGroupCall(SourceWriter w, LayerSpec layer, string method, GroupCall group)
    {
        if (HasGroupKernel((TSpec)layer))
        {
            EmitGroupCall(w, (TSpec)layer, method, group);
        }
        else
        {
            base.EmitGroupCall(w, layer, method, group);
        }
    }

    /// <summary>The forward kernel(s), including group kernels when <see cref="LayerContext.Grouped"/>.</summary>
    protected abstract void Forward(LayerContext c, TSpec layer);

    protected abstract void Backward(LayerContext c, TSpec layer);

    protected virtual bool HasGroupKernel(TSpec layer) => false;

    protected virtual string GroupForm(TSpec layer) => "two samples at a time";

    /// <summary>Writes a group backward call when the layer has one (and returns true); otherwise the samples go one by one.</summary>
    protected virtual bool EmitGroupBackward(SourceWriter w, TSpec layer, string method, GroupCall group) => false;

    protected virtual int PackedFloats(TSpec layer) => 0;

    protected virtual bool HasStepKernel(TSpec layer) => false;

    protected virtual void EmitGroupCall(SourceWriter w, TSpec layer, string method, GroupCall group) => throw new NotSupportedException();
}

/// <summary>A Transformer block's calls into its parts' kernels (see the block emitters' Flow).</summary>
internal interface IPartCalls
{
    /// <summary>A part's forward kernel on <paramref name="input"/>, with the dropout generator when <paramref name="random"/>.</summary>
    void Call(SourceWriter w, int part, string input, bool random = false);

    /// <summary>A part's step kernel on <paramref name="input"/> over steps <c>from</c> … <c>to - 1</c>.</summary>
    void CallSteps(SourceWriter w, int part, string input);
}

/// <summary>
/// One of a Transformer block's two forward kernels: the full one (its parts' forward kernels, over every row) or, with
/// <paramref name="Steps"/>, the step kernel of incremental decoding (its parts' step kernels, over the rows from
/// <c>from</c> to <c>to - 1</c>).
/// </summary>
internal sealed record BlockKernel(SourceWriter Writer, IPartCalls Flow, bool Steps)
{
    /// <summary>Calls a part's kernel of this kind (the generator only in the full kernel).</summary>
    public void Call(int part, string input, bool random = false)
    {
        if (Steps)
        {
            Flow.CallSteps(Writer, part, input);
        }
        else
        {
            Flow.Call(Writer, part, input, random);
        }
    }

    /// <summary>This kernel's first row of rows <paramref name="stride"/> floats apart, from a <c>ref</c> expression.</summary>
    public string Rows(string reference, int stride) => Steps ? Code.FromRow(reference, stride) : reference;

    /// <summary>The rows this kernel runs, of a block of <paramref name="steps"/> steps.</summary>
    public string RowCount(int steps) => Steps ? "to - from" : steps.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
