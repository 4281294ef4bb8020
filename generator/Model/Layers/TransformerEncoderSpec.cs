using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>
/// The keras.io "Text classification with Transformer" block on a (timesteps, d) sequence, post-norm:
/// <c>y = LN1(x + Dropout(MHA(x)))</c>, <c>out = LN2(y + Dropout(Dense(d)(Dense(ff, activation)(y))))</c>; with
/// <c>NormalizeFirst</c> (pre-norm) <c>y = x + Dropout(MHA(LN1(x)))</c>, <c>out = y + Dropout(FFN(LN2(y)))</c>. Its parts are
/// created, named and tracked as Keras does for that block: the attention, the feed-forward <c>dense</c> and
/// <c>dense_1</c>, <c>layer_normalization</c> and <c>layer_normalization_1</c>, then the two dropouts.
/// </summary>
internal sealed record TransformerEncoderSpec(int NumHeads, int KeyDim, int FeedForwardDim, double Epsilon, double DropoutRate, bool NormalizeFirst,
    ActivationKind Activation, bool Causal) : LayerSpec
{
    public static LayerSpec? Parse(LayerArguments a) => a.TryInts(3, out int[] v)
        ? new TransformerEncoderSpec(v[0], v[1], v[2], a.Number("Epsilon", 1e-6), a.Number("DropoutRate", 0.1), a.Bool("NormalizeFirst", false),
            a.Activation("Activation", ActivationKind.Relu), a.Bool("Causal", false))
        : null;

    public override string KerasType => "TransformerEncoder";
    /// <summary>Padded keys get weight 0 (a padded query's row is computed as any other; later layers mask it).</summary>
    public override bool ReadsMask => true;
    public override bool BackwardReadsMask => false;

    public override string AutoNamePrefix => "transformer_encoder";
    public override string? LooksAhead => Causal ? null : "its self-attention sees every step; set Causal = true, or use [TransformerDecoder], which also attends over the encoder";
    public override bool UsesRandom => DropoutRate > 0;

    /// <summary>
    /// The Keras names of the parts, in the order the block creates them: attention, dense, dense_1, layer_normalization,
    /// layer_normalization_1, dropout, dropout_1 (set by <see cref="WithNames"/>, from the same counters as every layer).
    /// </summary>
    public EquatableArray<string> PartNames { get; init; } = EquatableArray<string>.Empty;

    /// <summary>The placed parts (set by the builder through <see cref="WithPlacedParts"/>).</summary>
    public MultiHeadAttentionSpec? Attention { get; init; }
    public DenseSpec? FeedForward { get; init; }
    public DenseSpec? FeedForwardOutput { get; init; }
    public LayerNormalizationSpec? Norm1 { get; init; }
    public LayerNormalizationSpec? Norm2 { get; init; }
    public DropoutSpec? Dropout1 { get; init; }
    public DropoutSpec? Dropout2 { get; init; }

    /// <summary>The placed parts in <see cref="Parts"/> order.</summary>
    public IReadOnlyList<LayerSpec> PlacedParts => new LayerSpec[] { Attention!, FeedForward!, FeedForwardOutput!, Norm1!, Norm2!, Dropout1!, Dropout2! };

    /// <summary>The block's name first, then its sublayers' in the order the block creates them.</summary>
    public override LayerSpec WithNames(KerasNamer namer)
    {
        string name = DeclaredName ?? namer.Next(AutoNamePrefix);
        string[] parts = { "multi_head_attention", "dense", "dense", "layer_normalization", "layer_normalization", "dropout", "dropout" };
        return this with { Name = name, PartNames = new EquatableArray<string>(System.Array.ConvertAll(parts, namer.Next)) };
    }

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

    public override int[]? InferOutputShape(ShapeChecks check) => check.Sequence() && check.AttentionFits(NumHeads) ? check.Input : null;

    /// <summary>The parts for a (timesteps, d) input: the attention, the two feed-forward Dense layers, the two norms, the two dropouts.</summary>
    public override IReadOnlyList<(LayerSpec Part, int[] Input)> Parts()
    {
        int steps = InputShape[0], d = InputShape[1];
        int[] width = { steps, d };
        LayerSpec Named(LayerSpec part, int i) => part with { Index = Index, Name = PartNames[i] };
        return new (LayerSpec, int[])[]
        {
            (Named(new MultiHeadAttentionSpec(NumHeads, KeyDim, 0, true, Causal), 0), width),
            (Named(new DenseSpec(FeedForwardDim, Activation, true), 1), width),
            (Named(new DenseSpec(d, ActivationKind.Linear, true), 2), new[] { steps, FeedForwardDim }),
            (Named(new LayerNormalizationSpec(Epsilon), 3), width),
            (Named(new LayerNormalizationSpec(Epsilon), 4), width),
            (Named(new DropoutSpec(DropoutRate), 5), width),
            (Named(new DropoutSpec(DropoutRate), 6), width),
        };
    }

    /// <summary>
    /// Where the parts' regions, the two residual sums and the backward scratch rows lie (absolute tape offsets), for a
    /// region at <paramref name="offset"/>. The parts are laid out in data-flow order; <see cref="Plans"/> is in
    /// <see cref="Parts"/> order. Scratch: four rows of width d and one of the feed-forward width.
    /// </summary>
    internal sealed record Layout(EquatableArray<LayerPlan> Plans, int Residual1, int Residual2, int Output, int Stride, int Scratch1, int Scratch2,
        int Scratch3, int Scratch4, int Scratch5, int FeedForwardStride, int End);

    internal Layout Arrange(int offset, TapeInput input)
    {
        int steps = InputSteps, stride = LayerPlan.RoundUp(InputFeatures), rows = steps * stride;
        int o = offset;
        LayerPlan Take(LayerSpec part, TapeInput from)
        {
            LayerPlan plan = part.Plan(o, from);
            o += plan.RegionLength;
            return plan;
        }
        int Rows(int width)
        {
            int at = o;
            o += steps * width;
            return at;
        }
        TapeInput At(int where, int width) => new(where, width, IsNetworkInput: false);
        LayerPlan attention, norm1, norm2, feedForward, feedForwardOutput, dropout1, dropout2;
        int residual1, residual2;
        if (!NormalizeFirst)
        {
            attention = Take(Attention!, input);
            dropout1 = Take(Dropout1!, At(attention.OutputOffset, stride));
            residual1 = Rows(stride);
            norm1 = Take(Norm1!, At(residual1, stride));
            feedForward = Take(FeedForward!, At(norm1.OutputOffset, stride));
            feedForwardOutput = Take(FeedForwardOutput!, At(feedForward.OutputOffset, feedForward.Stride));
            dropout2 = Take(Dropout2!, At(feedForwardOutput.OutputOffset, stride));
            residual2 = Rows(stride);
            norm2 = Take(Norm2!, At(residual2, stride));
        }
        else
        {
            norm1 = Take(Norm1!, input);
            attention = Take(Attention!, At(norm1.OutputOffset, stride));
            dropout1 = Take(Dropout1!, At(attention.OutputOffset, stride));
            residual1 = Rows(stride);
            norm2 = Take(Norm2!, At(residual1, stride));
            feedForward = Take(FeedForward!, At(norm2.OutputOffset, stride));
            feedForwardOutput = Take(FeedForwardOutput!, At(feedForward.OutputOffset, feedForward.Stride));
            dropout2 = Take(Dropout2!, At(feedForwardOutput.OutputOffset, stride));
            residual2 = Rows(stride);
        }
        int output = NormalizeFirst ? residual2 : norm2.OutputOffset;
        int s1 = Rows(stride), s2 = Rows(stride), s3 = Rows(feedForward.Stride), s4 = Rows(stride), s5 = Rows(stride);
        var plans = new EquatableArray<LayerPlan>(new[] { attention, feedForward, feedForwardOutput, norm1, norm2, dropout1, dropout2 });
        return new Layout(plans, residual1, residual2, output, stride, s1, s2, s3, s4, s5, feedForward.Stride, o);
    }

    /// <summary>The parts' regions, the residual rows and the backward scratch rows; the output rows are the last normalization's (post-norm) or the second residual's (pre-norm).</summary>
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

    public override LayerSpec WithPlacedParts(IReadOnlyList<LayerSpec> parts) => this with
    {
        Attention = (MultiHeadAttentionSpec)parts[0],
        FeedForward = (DenseSpec)parts[1],
        FeedForwardOutput = (DenseSpec)parts[2],
        Norm1 = (LayerNormalizationSpec)parts[3],
        Norm2 = (LayerNormalizationSpec)parts[4],
        Dropout1 = (DropoutSpec)parts[5],
        Dropout2 = (DropoutSpec)parts[6],
    };
}

internal static partial class LayerCatalog
{
    internal static readonly string TransformerEncoder = Register("TransformerEncoderAttribute", TransformerEncoderSpec.Parse);
}
