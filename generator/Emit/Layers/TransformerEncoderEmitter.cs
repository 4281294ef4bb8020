using System.Collections.Generic;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// The Transformer encoder block: each part (attention, the two feed-forward Dense layers, the two layer normalizations,
/// the two dropouts) is emitted by its own kind's emitter as <c>{Method}{Part}</c>; this writes the data flow between them,
/// the residual sums, and the backward pass that routes each gradient through the same parts in reverse.
/// </summary>
internal sealed class TransformerEncoderEmitter : LayerEmitter<TransformerEncoderSpec>
{
    // Suffixes of the parts' kernels, in the spec's Parts order.
    private static readonly string[] s_parts = ["Attention", "FeedForward", "FeedForwardOutput", "Norm1", "Norm2", "Dropout1", "Dropout2"];
    private const int AttentionPart = 0, FeedForwardPart = 1, FeedForwardOutputPart = 2, Norm1Part = 3, Norm2Part = 4, Dropout1Part = 5, Dropout2Part = 6;

    protected override void Forward(LayerContext ctx, TransformerEncoderSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        IReadOnlyList<LayerSpec> parts = layer.PlacedParts;
        var flow = new Flow(layer, plan, ctx.Method, parts);
        for (int i = 0; i < parts.Count; i++)
        {
            if (i >= Dropout1Part && !flow.Dropout)
            {
                continue; // rate 0: the identity, no kernel
            }
            bool partDx = i switch
            {
                AttentionPart => layer.NormalizeFirst || ctx.NeedsInputGradient,
                Norm1Part => !layer.NormalizeFirst || ctx.NeedsInputGradient,
                _ => true,
            };
            EmitterCatalog.For(parts[i]).Emit(ctx.Part(parts[i], plan.Parts[i], s_parts[i], partDx, steps: ctx.Steps && i < Dropout1Part));
            w.Line();
        }
        EmitForward(w, ctx, layer, flow, steps: false);
        if (ctx.Steps)
        {
            w.Line();
            EmitForward(w, ctx, layer, flow, steps: true);
        }
    }

    /// <summary>
    /// A causal block (a decoder's self-attention, as in a GPT-style decoder) runs step by step: its attention keeps
    /// the keys and values of the steps before, the rest is row by row.
    /// </summary>
    protected override bool HasStepKernel(TransformerEncoderSpec layer) => layer.Causal;

    /// <summary>
    /// The forward kernel, or with <paramref name="steps"/> the kernel over steps <c>from</c> … <c>to - 1</c> for
    /// incremental decoding: the same calls into the parts' step kernels, the residual sums over the new rows, and no
    /// dropout (decoding is inference).
    /// </summary>
    private static void EmitForward(SourceWriter w, LayerContext ctx, TransformerEncoderSpec layer, Flow flow, bool steps)
    {
        LayerPlan plan = ctx.Plan;
        int t = layer.InputSteps, d = layer.InputFeatures;
        if (steps)
        {
            w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' over steps <paramref name=\"from\"/> … <paramref name=\"to\"/> - 1 (incremental decoding), the rows of the steps before on its region.</summary>");
        }
        else
        {
            w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (TransformerEncoder, {layer.NumHeads} head{(layer.NumHeads == 1 ? "" : "s")} of {layer.KeyDim}, feed-forward {layer.FeedForwardDim}, {t} steps of {d}{(layer.NormalizeFirst ? ", pre-norm" : "")}{(layer.Causal ? ", causal" : "")}):</summary>");
            w.Line(layer.NormalizeFirst
                ? "/// <remarks>y = x + Dropout(MHA(LN1(x))); out = y + Dropout(Dense(Dense(LN2(y)))).</remarks>"
                : "/// <remarks>y = LN1(x + Dropout(MHA(x))); out = LN2(y + Dropout(Dense(Dense(y)))).</remarks>");
        }
        var kernel = new BlockKernel(w, flow, steps);
        string signature = steps
            ? Names.StepsSignature(ctx.Method, mask: layer.UsesMask)
            : Names.ForwardSignature(ctx.Method, random: layer.UsesRandom, mask: layer.UsesMask);
        using (w.Block(signature))
        {
            if (layer.NormalizeFirst)
            {
                kernel.Call(Norm1Part, "ref x");
                kernel.Call(AttentionPart, flow.Output(Norm1Part));
            }
            else
            {
                kernel.Call(AttentionPart, "ref x");
            }
            string attention = flow.Output(AttentionPart);
            if (flow.Dropout && !steps)
            {
                // In inference (no generator) dropout is the identity: the residual reads the attention output directly.
                w.Line($"ref float attention = {attention};");
                using (w.Block($"if ({Names.Random} is not null)"))
                {
                    flow.Call(w, Dropout1Part, attention, random: true);
                    w.Line($"attention = {flow.Output(Dropout1Part)};");
                }
                attention = "ref attention";
            }
            w.Line($"Rows.Add({kernel.Rows("ref x", plan.InputStride)}, {plan.InputStride}, {kernel.Rows(attention, flow.Stride)}, {flow.Stride}, {kernel.Rows(flow.At(flow.Layout.Residual1), flow.Stride)}, {flow.Stride}, {kernel.RowCount(t)}, {d}); // first residual");
            string y = flow.At(flow.Layout.Residual1);
            if (!layer.NormalizeFirst)
            {
                // Post-norm: the normalization of the residual sum is the next sublayer's input.
                kernel.Call(Norm1Part, y);
                y = flow.Output(Norm1Part);
            }
            if (layer.NormalizeFirst)
            {
                kernel.Call(Norm2Part, y);
                kernel.Call(FeedForwardPart, flow.Output(Norm2Part));
            }
            else
            {
                kernel.Call(FeedForwardPart, y);
            }
            kernel.Call(FeedForwardOutputPart, flow.Output(FeedForwardPart));
            string feedForward = flow.Output(FeedForwardOutputPart);
            if (flow.Dropout && !steps)
            {
                w.Line($"ref float feedForward = {feedForward};");
                using (w.Block($"if ({Names.Random} is not null)"))
                {
                    flow.Call(w, Dropout2Part, feedForward, random: true);
                    w.Line($"feedForward = {flow.Output(Dropout2Part)};");
                }
                feedForward = "ref feedForward";
            }
            w.Line($"Rows.Add({kernel.Rows(y, flow.Stride)}, {flow.Stride}, {kernel.Rows(feedForward, flow.Stride)}, {flow.Stride}, {kernel.Rows(flow.At(flow.Layout.Residual2), flow.Stride)}, {flow.Stride}, {kernel.RowCount(t)}, {d}); // second residual");
            if (!layer.NormalizeFirst)
            {
                kernel.Call(Norm2Part, flow.At(flow.Layout.Residual2));
            }
        }
    }

    protected override void Backward(LayerContext ctx, TransformerEncoderSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        bool dx = ctx.NeedsInputGradient;
        var flow = new Flow(layer, plan, ctx.Method, layer.PlacedParts);
        TransformerEncoderSpec.Layout l = flow.Layout;
        int t = layer.InputSteps, d = layer.InputFeatures, s = flow.Stride;
        string s1 = flow.At(l.Scratch1), s2 = flow.At(l.Scratch2), s3 = flow.At(l.Scratch3), s4 = flow.At(l.Scratch4), s5 = flow.At(l.Scratch5);
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: the parts in reverse, each residual's gradient added to its branch's{(dx ? ", then dx" : "")}.</summary>");
        using (w.Block(Names.BackwardSignature(ctx.Method, dx, mask: layer.BackwardUsesMask)))
        {
            if (!layer.NormalizeFirst)
            {
                flow.Back(w, Norm2Part, flow.At(l.Residual2), "ref dy", s1);
                string dg = flow.Dropout ? flow.Back(w, Dropout2Part, flow.Output(FeedForwardOutputPart), s1, s2) : s1;
                flow.Back(w, FeedForwardOutputPart, flow.Output(FeedForwardPart), dg, s3);
                flow.Back(w, FeedForwardPart, flow.Output(Norm1Part), s3, s4);
                w.Line($"Rows.Add({s1}, {s}, {s4}, {s}, {s2}, {s}, {t}, {d}); // d y: the residual's and the feed-forward's");
                flow.Back(w, Norm1Part, flow.At(l.Residual1), s2, s1);
                string da = flow.Dropout ? flow.Back(w, Dropout1Part, flow.Output(AttentionPart), s1, s4) : s1;
                flow.Back(w, AttentionPart, "ref x", da, dx ? "ref dx" : null);
                if (dx)
                {
                    w.Line($"Rows.Add(ref dx, {plan.InputStride}, {s1}, {s}, ref dx, {plan.InputStride}, {t}, {d}); // the first residual");
                }
            }
            else
            {
                string dg = flow.Dropout ? flow.Back(w, Dropout2Part, flow.Output(FeedForwardOutputPart), "ref dy", s2) : "ref dy";
                flow.Back(w, FeedForwardOutputPart, flow.Output(FeedForwardPart), dg, s3);
                flow.Back(w, FeedForwardPart, flow.Output(Norm2Part), s3, s4);
                flow.Back(w, Norm2Part, flow.At(l.Residual1), s4, s1);
                w.Line($"Rows.Add(ref dy, {s}, {s1}, {s}, {s2}, {s}, {t}, {d}); // d y: the residual's and the normalization's");
                string da = flow.Dropout ? flow.Back(w, Dropout1Part, flow.Output(AttentionPart), s2, s4) : s2;
                flow.Back(w, AttentionPart, flow.Output(Norm1Part), da, s5);
                flow.Back(w, Norm1Part, "ref x", s5, dx ? "ref dx" : null);
                if (dx)
                {
                    w.Line($"Rows.Add(ref dx, {plan.InputStride}, {s2}, {s}, ref dx, {plan.InputStride}, {t}, {d}); // the first residual");
                }
            }
        }
    }

    /// <summary>The block's arrangement on the tape, and the calls into its parts' kernels.</summary>
    private sealed class Flow : IPartCalls
    {
        private readonly LayerPlan _plan;
        private readonly string _method;
        private readonly IReadOnlyList<LayerSpec> _parts;

        public Flow(TransformerEncoderSpec layer, LayerPlan plan, string method, IReadOnlyList<LayerSpec> parts)
        {
            _plan = plan;
            _method = method;
            _parts = parts;
            Layout = layer.Arrange(plan.RegionOffset, plan.Input);
            Dropout = layer.DropoutRate > 0;
        }

        public TransformerEncoderSpec.Layout Layout { get; }
        public bool Dropout { get; }
        public int Stride => Layout.Stride;

        /// <summary><c>ref</c> to an absolute tape offset, as an offset from the block's region.</summary>
        public string At(int absolute) => Code.Ref(Names.Region, absolute - _plan.RegionOffset);

        /// <summary><c>ref</c> to a part's output rows.</summary>
        public string Output(int part) => At(Layout.Plans[part].OutputOffset);

        /// <summary>A part's forward kernel on <paramref name="input"/>, into its own region.</summary>
        public void Call(SourceWriter w, int part, string input, bool random = false)
            => w.Line($"{Names.Forward(_method + s_parts[part])}(ref {Names.Parameters}, {input}, {At(Layout.Plans[part].RegionOffset)}{(_parts[part].UsesMask ? $", ref {Names.Mask}" : "")}{(random ? $", {Names.Random}" : "")});");

        /// <summary>A part's step kernel on <paramref name="input"/> over steps <c>from</c> … <c>to - 1</c>, into its own region.</summary>
        public void CallSteps(SourceWriter w, int part, string input)
            => w.Line($"{Names.ForwardSteps(_method + s_parts[part])}(ref {Names.Parameters}, {input}, {At(Layout.Plans[part].RegionOffset)}{(_parts[part].UsesMask ? $", ref {Names.Mask}" : "")}, from, to);");

        /// <summary>A part's backward kernel: its input, d loss / d its output, and where its input gradient goes (null: none). Returns that target.</summary>
        public string Back(SourceWriter w, int part, string input, string outputGradient, string? inputGradient)
        {
            w.Line($"{Names.Backward(_method + s_parts[part])}(ref {Names.Parameters}, {input}, {At(Layout.Plans[part].RegionOffset)}, {outputGradient}, ref {Names.Gradient}{(inputGradient is null ? "" : ", " + inputGradient)}, ref {Names.Work}{(_parts[part].BackwardUsesMask ? $", ref {Names.Mask}" : "")});");
            return inputGradient ?? "";
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter TransformerEncoder = Register(new TransformerEncoderEmitter());
}
