using System.Linq;
using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>
/// Keras 3 <c>Bidirectional(layer, merge_mode)</c>: the wrapped layer runs once as written (<c>forward_*</c>) and once
/// with <c>go_backwards</c> negated (<c>backward_*</c>); a returned sequence from the backward copy is flipped,
/// then the two are merged. Keras builds it inside out: the wrapped layer takes its auto-name (<c>lstm_1</c>) first, and
/// the weights are named after it (<c>bidirectional_1/forward_lstm_1/kernel</c>).
/// </summary>
internal sealed record BidirectionalSpec(RecurrentSpec Inner, MergeKind Merge) : LayerSpec
{
    /// <summary>The wrapped layer's own Keras name (<c>lstm_1</c>).</summary>
    public string InnerName { get; init; } = "";

    /// <summary>The forward copy, placed (set by the builder).</summary>
    public RecurrentSpec? Forward { get; init; }

    /// <summary>The backward copy, placed (set by the builder).</summary>
    public RecurrentSpec? Backward { get; init; }

    public override string KerasType => "Bidirectional";

    public override string TorchMapping => Inner.TorchMapping;

    public override IEnumerable<(string Key, string Value)> KerasConfig =>
        new[] { ("layer", Inner.KerasType), ("merge_mode", Merge.ToString().ToLowerInvariant()) }.Concat(Inner.KerasConfig);
    public override string AutoNamePrefix => "bidirectional";
    public override bool CanReturnSequences => true;
    public override bool ReadsMask => true;
    public override bool IsRecurrent => true;
    public override string? LooksAhead => "its backward direction reads the steps after each one; remove Bidirectional = true";

    public override LayerSpec WithNames(KerasNamer namer)
    {
        string inner = namer.Next(Inner.AutoNamePrefix);
        return this with { InnerName = inner, Name = DeclaredName ?? namer.Next(AutoNamePrefix) };
    }

    public override void Validate(LayerChecks check)
    {
        Inner.Validate(check);
        if ((int)Merge is < 0 or > 3)
        {
            check.Fail($"Merge = {NetworkBuilder.Count((int)Merge)} is not a MergeMode; use Concat, Sum, Mul or Ave");
        }
    }

    public override int[]? InferOutputShape(ShapeChecks check)
    {
        if (!check.Sequence())
        {
            return null;
        }
        int units = Merge == MergeKind.Concat ? 2 * Inner.Units : Inner.Units;
        return Inner.ReturnSequences ? new[] { check.Input[0], units } : new[] { units };
    }

    public override IReadOnlyList<(LayerSpec Part, int[] Input)> Parts()
    {
        int[] input = InputShape.ToArray();
        return new (LayerSpec, int[])[]
        {
            (Inner with { Index = Index, Name = "forward_" + InnerName }, input),
            // Keras 3 builds the backward copy from the layer's config with go_backwards negated.
            (Inner with { Index = Index, Name = "backward_" + InnerName, GoBackwards = !Inner.GoBackwards }, input),
        };
    }

    public override LayerSpec WithPlacedParts(IReadOnlyList<LayerSpec> parts) => this with { Forward = (RecurrentSpec)parts[0], Backward = (RecurrentSpec)parts[1] };

    public override int VectorOps => Forward?.VectorOps ?? 0;

    public override string? NotGenerated(NetworkSpec network)
        => network.Stateful ? "a stateful Bidirectional layer is not generated yet; use one direction, or Stateful = false" : null;

    /// <summary>Floats of one direction's state-gradient rows (h, and c for an LSTM, each padded): where the backward direction's start.</summary>
    public int DirectionStateLength => (Inner is LstmSpec ? 2 : 1) * Inner.Stride;

    /// <summary>Where the scratch rows start in the region: the forward and backward output gradients, then the backward direction's input gradient.</summary>
    public int ScratchStart(LayerPlan plan) => plan.OutputOffset - plan.RegionOffset + plan.OutputRows * plan.Stride;

    /// <summary>The two directions' regions, the merged output rows, and the scratch rows its backward pass splits gradients into.</summary>
    public override LayerPlan Plan(int offset, TapeInput input)
    {
        LayerPlan forward = Forward!.Plan(offset, input);
        LayerPlan backward = Backward!.Plan(offset + forward.RegionLength, input);
        int stride = LayerPlan.RoundUp(OutputFeatures), rows = OutputRows;
        int merged = backward.RegionOffset + backward.RegionLength;
        int scratch = merged + rows * stride;
        int scratchLength = 2 * rows * forward.Stride + (input.IsNetworkInput ? 0 : InputSteps * input.Stride);
        return new LayerPlan(offset, scratch + scratchLength - offset, stride, merged, rows, input, System.Math.Max(forward.WorkLength, backward.WorkLength))
        {
            Parts = new EquatableArray<LayerPlan>(new[] { forward, backward }),
        };
    }
}
