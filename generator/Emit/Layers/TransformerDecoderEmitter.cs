using System.Collections.Generic;
using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Model.TransformerDecoderSpec;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// The Transformer decoder block: each part (the causal self-attention, the cross-attention over the encoder's rows, the
/// two feed-forward Dense layers, the three layer normalizations, the three dropouts) is emitted by its own kind's emitter
/// as <c>{Method}{Part}</c>; this writes the data flow between them, the residual sums, and the backward pass that routes
/// each gradient through the same parts in reverse.
/// </summary>
internal sealed class TransformerDecoderEmitter : LayerEmitter<TransformerDecoderSpec>
{
    // Suffixes of the parts' kernels, in the spec's Parts order.
    private static readonly string[] s_parts =
        ["SelfAttention", "SelfNorm", "SelfDropout", "CrossAttention", "CrossNorm", "CrossDropout", "FeedForward", "FeedForwardOutput", "FeedForwardNorm", "FeedForwardDropout"];

    private static bool IsDropout(int part) => part is SelfDropout or CrossDropout or FeedForwardDropout;

    protected override void Forward(LayerContext ctx, TransformerDecoderSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        var flow = new Flow(layer, plan, ctx.Method);
        for (int i = 0; i < layer.PlacedParts.Count; i++)
        {
            if (IsDropout(i) && !flow.Dropout)
            {
                continue; // rate 0: the identity, no kernel
            }
            bool partDx = i switch
            {
                SelfAttention => layer.NormalizeFirst || ctx.NeedsInputGradient,
                SelfNorm => !layer.NormalizeFirst || ctx.NeedsInputGradient,
                _ => true,
            };
            EmitterCatalog.For(layer.PlacedParts[i]).Emit(ctx.Part(layer.PlacedParts[i], plan.Parts[i], s_parts[i], partDx, steps: ctx.Steps && !IsDropout(i)));
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
    /// Step by step: each part runs on the rows of the new steps (the causal self-attention keeps the keys and values of
    /// the steps before, the cross-attention projects the encoder's once per source), so decoding costs one step per token.
    /// </summary>
    protected override bool HasStepKernel(TransformerDecoderSpec layer) => true;

    /// <summary>
    /// The forward kernel, or with <paramref name="steps"/> the kernel over steps <c>from</c> … <c>to - 1</c> for
    /// incremental decoding: the same calls into the parts' step kernels, the residual sums over the new rows, and no
    /// dropout (decoding is inference).
    /// </summary>
    private static void EmitForward(SourceWriter w, LayerContext ctx, TransformerDecoderSpec layer, Flow flow, bool steps)
    {
        LayerPlan plan = ctx.Plan;
        int t = layer.InputSteps, d = layer.InputFeatures;
        if (steps)
        {
            w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' over steps <paramref name=\"from\"/> … <paramref name=\"to\"/> - 1 (incremental decoding), the rows of the steps before on its region.</summary>");
        }
        else
        {
            w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (TransformerDecoder, {layer.NumHeads} head{(layer.NumHeads == 1 ? "" : "s")} of {layer.KeyDim}, feed-forward {layer.FeedForwardDim}, {t} steps of {d}, over the encoder's {layer.MemoryShape[0]} steps{(layer.NormalizeFirst ? ", pre-norm" : "")}):</summary>");
            w.Line(layer.NormalizeFirst
                ? "/// <remarks>y1 = x + Dropout(MHA_causal(LN1(x))); y2 = y1 + Dropout(MHA(LN2(y1), enc)); out = y2 + Dropout(Dense(Dense(LN3(y2)))).</remarks>"
                : "/// <remarks>y1 = LN1(x + Dropout(MHA_causal(x))); y2 = LN2(y1 + Dropout(MHA(y1, enc))); out = LN3(y2 + Dropout(Dense(Dense(y2)))).</remarks>");
        }
        var kernel = new BlockKernel(w, flow, steps);
        using (w.Block(steps ? Names.StepsSignature(ctx.Method, Names.Region, layer.UsesMask, layer.UsesMemory, layer.MemoryMasked) : Names.ForwardSignature(ctx.Method, layer)))
        {
            string current = "ref x";
            int currentStride = plan.InputStride;
            int[][] sublayers = { new[] { SelfNorm, SelfAttention, SelfDropout }, new[] { CrossNorm, CrossAttention, CrossDropout }, new[] { FeedForwardNorm, FeedForward, FeedForwardOutput, FeedForwardDropout } };
            int[] residuals = { flow.Layout.Residual1, flow.Layout.Residual2, flow.Layout.Residual3 };
            string[] names = { "selfAttention", "crossAttention", "feedForward" };
            for (int s = 0; s < 3; s++)
            {
                int[] sub = sublayers[s];
                string branch = current;
                if (layer.NormalizeFirst)
                {
                    kernel.Call(sub[0], branch);
                    branch = flow.Output(sub[0]);
                }
                for (int i = 1; i < sub.Length - 1; i++)
                {
                    // The attention parts drop their weights in training (KerasHub passes the rate to them).
                    kernel.Call(sub[i], branch, random: flow.Dropout && sub[i] is SelfAttention or CrossAttention);
                    branch = flow.Output(sub[i]);
                }
                int dropout = sub[sub.Length - 1];
                if (flow.Dropout && !steps)
                {
                    // In inference (no generator) dropout is the identity: the residual reads the sublayer's output directly.
                    w.Line($"ref float {names[s]} = {branch};");
                    using (w.Block($"if ({Names.Random} is not null)"))
                    {
                        kernel.Call(dropout, branch, random: true);
                        w.Line($"{names[s]} = {flow.Output(dropout)};");
                    }
                    branch = $"ref {names[s]}";
                }
                w.Line($"Rows.Add({kernel.Rows(current, currentStride)}, {currentStride}, {kernel.Rows(branch, flow.Stride)}, {flow.Stride}, {kernel.Rows(flow.At(residuals[s]), flow.Stride)}, {flow.Stride}, {kernel.RowCount(t)}, {d}); // residual {s + 1}");
                current = flow.At(residuals[s]);
                currentStride = flow.Stride;
                if (!layer.NormalizeFirst)
                {
                    kernel.Call(sub[0], current);
                    current = flow.Output(sub[0]);
                }
            }
        }
    }

    protected override void Backward(LayerContext ctx, TransformerDecoderSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        bool dx = ctx.NeedsInputGradient;
        var flow = new Flow(layer, plan, ctx.Method);
        TransformerDecoderSpec.Layout l = flow.Layout;
        int t = layer.InputSteps, d = layer.InputFeatures, s = flow.Stride;
        string a = flow.At(l.A), b = flow.At(l.B), c = flow.At(l.C), dd = flow.At(l.D), e = flow.At(l.E);
        string Drop(int part, string input, string gradient, string target) => flow.Dropout ? flow.Back(w, part, input, gradient, target) : gradient;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: the parts in reverse, each residual's gradient added to its branch's; the cross-attention adds to the encoder's rows{(dx ? ", then dx" : "")}.</summary>");
        using (w.Block(Names.BackwardSignature(ctx.Method, layer, dx)))
        {
            if (!layer.NormalizeFirst)
            {
                flow.Back(w, FeedForwardNorm, flow.At(l.Residual3), "ref dy", a);
                string df = Drop(FeedForwardDropout, flow.Output(FeedForwardOutput), a, b);
                flow.Back(w, FeedForwardOutput, flow.Output(FeedForward), df, c);
                flow.Back(w, FeedForward, flow.Output(CrossNorm), c, dd);
                w.Line($"Rows.Add({a}, {s}, {dd}, {s}, {b}, {s}, {t}, {d}); // d y2: the residual's and the feed-forward's");
                flow.Back(w, CrossNorm, flow.At(l.Residual2), b, a);
                string dc = Drop(CrossDropout, flow.Output(CrossAttention), a, dd);
                flow.Back(w, CrossAttention, flow.Output(SelfNorm), dc, e);
                w.Line($"Rows.Add({a}, {s}, {e}, {s}, {b}, {s}, {t}, {d}); // d y1: the residual's and the cross-attention's");
                flow.Back(w, SelfNorm, flow.At(l.Residual1), b, a);
                string da = Drop(SelfDropout, flow.Output(SelfAttention), a, dd);
                flow.Back(w, SelfAttention, "ref x", da, dx ? "ref dx" : null);
                if (dx)
                {
                    w.Line($"Rows.Add(ref dx, {plan.InputStride}, {a}, {s}, ref dx, {plan.InputStride}, {t}, {d}); // the first residual");
                }
            }
            else
            {
                string df = Drop(FeedForwardDropout, flow.Output(FeedForwardOutput), "ref dy", a);
                flow.Back(w, FeedForwardOutput, flow.Output(FeedForward), df, c);
                flow.Back(w, FeedForward, flow.Output(FeedForwardNorm), c, dd);
                flow.Back(w, FeedForwardNorm, flow.At(l.Residual2), dd, e);
                w.Line($"Rows.Add(ref dy, {s}, {e}, {s}, {b}, {s}, {t}, {d}); // d y2: the residual's and the feed-forward's");
                string dc = Drop(CrossDropout, flow.Output(CrossAttention), b, a);
                flow.Back(w, CrossAttention, flow.Output(CrossNorm), dc, dd);
                flow.Back(w, CrossNorm, flow.At(l.Residual1), dd, e);
                w.Line($"Rows.Add({b}, {s}, {e}, {s}, {a}, {s}, {t}, {d}); // d y1: the residual's and the cross-attention's");
                string da = Drop(SelfDropout, flow.Output(SelfAttention), a, b);
                flow.Back(w, SelfAttention, flow.Output(SelfNorm), da, dd);
                flow.Back(w, SelfNorm, "ref x", dd, dx ? "ref dx" : null);
                if (dx)
                {
                    w.Line($"Rows.Add(ref dx, {plan.InputStride}, {a}, {s}, ref dx, {plan.InputStride}, {t}, {d}); // the first residual");
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

        public Flow(TransformerDecoderSpec layer, LayerPlan plan, string method)
        {
            _plan = plan;
            _method = method;
            _parts = layer.PlacedParts;
            Layout = layer.Arrange(plan.RegionOffset, plan.Input);
            Dropout = layer.DropoutRate > 0;
        }

        public TransformerDecoderSpec.Layout Layout { get; }
        public bool Dropout { get; }
        public int Stride => Layout.Stride;

        /// <summary><c>ref</c> to an absolute tape offset, as an offset from the block's region.</summary>
        public string At(int absolute) => Code.Ref(Names.Region, absolute - _plan.RegionOffset);

        /// <summary><c>ref</c> to a part's output rows.</summary>
        public string Output(int part) => At(Layout.Plans[part].OutputOffset);

        /// <summary>A part's forward kernel on <paramref name="input"/>, into its own region.</summary>
        public void Call(SourceWriter w, int part, string input, bool random = false)
            => w.Line($"{Names.Forward(_method + s_parts[part])}(ref {Names.Parameters}, {input}, {At(Layout.Plans[part].RegionOffset)}{Names.ForwardArguments(_parts[part], random)});");

        /// <summary>A part's step kernel on <paramref name="input"/> over steps <c>from</c> … <c>to - 1</c>, into its own region.</summary>
        public void CallSteps(SourceWriter w, int part, string input)
            => w.Line($"{Names.ForwardSteps(_method + s_parts[part])}(ref {Names.Parameters}, {input}, {At(Layout.Plans[part].RegionOffset)}{Names.ForwardArguments(_parts[part], random: false)}, from, to);");

        /// <summary>A part's backward kernel: its input, d loss / d its output, and where its input gradient goes (null: none). Returns that target.</summary>
        public string Back(SourceWriter w, int part, string input, string outputGradient, string? inputGradient)
        {
            w.Line($"{Names.Backward(_method + s_parts[part])}(ref {Names.Parameters}, {input}, {At(Layout.Plans[part].RegionOffset)}, {outputGradient}, ref {Names.Gradient}{(inputGradient is null ? "" : ", " + inputGradient)}, ref {Names.Work}{Names.BackwardArguments(_parts[part])});");
            return inputGradient ?? "";
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter TransformerDecoder = Register(new TransformerDecoderEmitter());
}
