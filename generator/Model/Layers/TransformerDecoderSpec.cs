using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>
/// The KerasHub <c>TransformerDecoder</c> block in a Seq2Seq decoder, post-norm:
/// <c>y1 = LN1(x + Dropout(MHA_causal(x)))</c>, <c>y2 = LN2(y1 + Dropout(MHA(y1, enc)))</c>,
/// <c>out = LN3(y2 + Dropout(Dense(d)(Dense(ff, activation)(y2))))</c>; with <c>NormalizeFirst</c> (pre-norm) each
/// normalization moves before its sublayer and the residuals add the raw sums. Its parts carry KerasHub's fixed names and
/// weight order: <c>self_attention</c>, <c>self_attention_layer_norm</c>, <c>self_attention_dropout</c>, <c>cross_attention</c>,
/// <c>cross_attention_layer_norm</c>, <c>cross_attention_dropout</c>, <c>feedforward_intermediate_dense</c>,
/// <c>feedforward_output_dense</c>, <c>feedforward_layer_norm</c>, <c>feedforward_dropout</c>. As in KerasHub, the dropout
/// rate acts on the sublayers' outputs and, inside both attention parts, on the attention weights.
/// </summary>
internal sealed record TransformerDecoderSpec(int NumHeads, int KeyDim, int FeedForwardDim, double Epsilon, double DropoutRate, bool NormalizeFirst,
    ActivationKind Activation) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.TryInts(3, out int[] v)
        ? new TransformerDecoderSpec(v[0], v[1], v[2], a.Number("Epsilon", 1e-6), a.Number("DropoutRate", 0.1), a.Bool("NormalizeFirst", false),
            a.Activation("Activation", ActivationKind.Relu))
        : null;

    public override string KerasType => "TransformerDecoder";
    public override string AutoNamePrefix => "transformer_decoder";
    /// <summary>Padded decoder steps are masked as keys of the self-attention (with the causal mask).</summary>
    public override bool ReadsMask => true;
    public override bool BackwardReadsMask => false;
    public override bool UsesRandom => DropoutRate > 0;
    public override bool AttendsMemory => true;
    public override bool NeedsMemory => true;

    /// <summary>The part indices, in Keras weight order.</summary>
    internal const int SelfAttention = 0, SelfNorm = 1, SelfDropout = 2, CrossAttention = 3, CrossNorm = 4, CrossDropout = 5,
        FeedForward = 6, FeedForwardOutput = 7, FeedForwardNorm = 8, FeedForwardDropout = 9;

    private static readonly string[] s_partNames =
    {
        "self_attention", "self_attention_layer_norm", "self_attention_dropout", "cross_attention", "cross_attention_layer_norm",
        "cross_attention_dropout", "feedforward_intermediate_dense", "feedforward_output_dense", "feedforward_layer_norm", "feedforward_dropout",
    };

    /// <summary>The placed parts, in <see cref="Parts"/> order (set by the builder through <see cref="WithPlacedParts"/>).</summary>
    public EquatableArray<LayerSpec> PlacedParts { get; init; } = EquatableArray<LayerSpec>.Empty;

    public override void Validate(LayerChecks check)
    {
        check.Positive("numHeads", NumHeads);
        check.Positive("keyDim", KeyDim);
        check.Positive("feedForwardDim", FeedForwardDim);
        check.PositiveReal("Epsilon", Epsilon);
        check.Rate("DropoutRate", DropoutRate);
        check.Activations(Activation);
        if (Activation == ActivationKind.Softmax)
        {
            check.Fail("Activation = Softmax is not supported in the feed-forward sublayer; use Relu, Tanh, Sigmoid, HardSigmoid or Linear");
        }
    }

    public override int[]? InferOutputShape(ShapeChecks check)
        => check.Sequence() && check.AttentionFits(NumHeads) && check.AttentionFits(NumHeads, UsesMemory ? MemoryShape[0] : check.Input[0]) ? check.Input : null;

    /// <summary>The ten parts for a (timesteps, d) input, named as KerasHub names them; the cross-attention attends over the encoder's output.</summary>
    public override IReadOnlyList<(LayerSpec Part, int[] Input)> Parts()
    {
        int steps = InputShape[0], d = InputShape[1];
        int[] width = { steps, d };
        LayerSpec Named(LayerSpec part, int i) => part with { Index = Index, Name = s_partNames[i] };
        // An encoder with errors of its own leaves no memory: the cross-attention is then checked against the decoder's own rows.
        var memory = UsesMemory ? MemoryShape : new EquatableArray<int>(width);
        return new (LayerSpec, int[])[]
        {
            (Named(new MultiHeadAttentionSpec(NumHeads, KeyDim, 0, true, Causal: true) { DropoutRate = DropoutRate }, SelfAttention), width),
            (Named(new LayerNormalizationSpec(Epsilon), SelfNorm), width),
            (Named(new DropoutSpec(DropoutRate), SelfDropout), width),
            (Named(new MultiHeadAttentionSpec(NumHeads, KeyDim, 0, true, Causal: false) { MemoryShape = memory, MemoryMasked = MemoryMasked, DropoutRate = DropoutRate }, CrossAttention), width),
            (Named(new LayerNormalizationSpec(Epsilon), CrossNorm), width),
            (Named(new DropoutSpec(DropoutRate), CrossDropout), width),
            (Named(new DenseSpec(FeedForwardDim, Activation, true), FeedForward), width),
            (Named(new DenseSpec(d, ActivationKind.Linear, true), FeedForwardOutput), new[] { steps, FeedForwardDim }),
            (Named(new LayerNormalizationSpec(Epsilon), FeedForwardNorm), width),
            (Named(new DropoutSpec(DropoutRate), FeedForwardDropout), width),
        };
    }

    public override LayerSpec WithPlacedParts(IReadOnlyList<LayerSpec> parts) => this with { PlacedParts = new EquatableArray<LayerSpec>(System.Linq.Enumerable.ToArray(parts)) };

    /// <summary>
    /// Where the parts' regions, the three residual sums and the backward scratch rows lie (absolute tape offsets), for a
    /// region at <paramref name="offset"/>; <see cref="Plans"/> is in <see cref="Parts"/> order. Scratch: four rows of width d
    /// (<c>A</c>, <c>B</c>, <c>D</c>, <c>E</c>) and one of the feed-forward width (<c>C</c>).
    /// </summary>
    internal sealed record Layout(EquatableArray<LayerPlan> Plans, int Residual1, int Residual2, int Residual3, int Output, int Stride,
        int A, int B, int C, int D, int E, int End);

    internal Layout Arrange(int offset, TapeInput input)
    {
        IReadOnlyList<LayerSpec> parts = PlacedParts;
        int steps = InputSteps, stride = LayerPlan.RoundUp(InputFeatures);
        int o = offset;
        var plans = new LayerPlan[parts.Count];
        TapeInput At(int where, int width) => new(where, width, IsNetworkInput: false);
        TapeInput Take(int part, TapeInput from)
        {
            LayerPlan plan = parts[part].Plan(o, from);
            plans[part] = plan;
            o += plan.RegionLength;
            return At(plan.OutputOffset, plan.Stride);
        }
        int Rows(int width)
        {
            int at = o;
            o += steps * width;
            return at;
        }
        // Each sublayer: (norm first,) the sublayer, its dropout, the residual sum (, norm after).
        TapeInput current = input;
        int[] residuals = new int[3];
        int[][] order = { new[] { SelfNorm, SelfAttention, SelfDropout }, new[] { CrossNorm, CrossAttention, CrossDropout }, new[] { FeedForwardNorm, FeedForward, FeedForwardOutput, FeedForwardDropout } };
        for (int s = 0; s < 3; s++)
        {
            int[] sub = order[s];
            TapeInput branch = NormalizeFirst ? Take(sub[0], current) : current;
            for (int i = 1; i < sub.Length; i++)
            {
                branch = Take(sub[i], branch);
            }
            residuals[s] = Rows(stride);
            current = At(residuals[s], stride);
            if (!NormalizeFirst)
            {
                current = Take(sub[0], current);
            }
        }
        int a = Rows(stride), b = Rows(stride), c = Rows(LayerPlan.RoundUp(FeedForwardDim)), d = Rows(stride), e = Rows(stride);
        return new Layout(new EquatableArray<LayerPlan>(plans), residuals[0], residuals[1], residuals[2], current.Offset, stride, a, b, c, d, e, o);
    }

    public override LayerPlan Plan(int offset, TapeInput input)
    {
        Layout layout = Arrange(offset, input);
        int work = 16;
        foreach (LayerPlan part in layout.Plans)
        {
            work = System.Math.Max(work, part.WorkLength);
        }
        return new LayerPlan(offset, layout.End - offset, layout.Stride, layout.Output, OutputRows, input, work) { Parts = layout.Plans };
    }
}

internal static partial class LayerCatalog
{
    internal static readonly string TransformerDecoder = Register("TransformerDecoderAttribute", TransformerDecoderSpec.Parse);
}
