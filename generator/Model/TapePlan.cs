using System.Collections.Generic;

namespace StaticRnn.Generator.Model;

/// <summary>Where a layer reads its input on the tape: offset and row stride, or the network's input (unpadded rows).</summary>
internal readonly record struct TapeInput(int Offset, int Stride, bool IsNetworkInput);

/// <summary>
/// Where one layer keeps one sample's activations. Offsets are absolute within the tape. Every row is padded to a
/// multiple of 8 floats (one <c>Vector256</c>), so full-vector loads and stores never cross into the next row; padding
/// lanes hold values that nothing reads as data. Layers made of parts hold the parts' plans in <see cref="Parts"/>;
/// a kind's own sub-regions (an LSTM's cell rows, say) are offsets its spec computes from this plan.
/// </summary>
/// <param name="WorkLength">Floats of shared backward scratch the layer needs (dh, dz rows and the like).</param>
internal sealed record LayerPlan(int RegionOffset, int RegionLength, int Stride, int OutputOffset, int OutputRows, TapeInput Input, int WorkLength)
{
    public int InputOffset => Input.Offset;
    public int InputStride => Input.Stride;
    public bool InputIsNetworkInput => Input.IsNetworkInput;

    /// <summary>The plans of a layer's parts (see <see cref="LayerSpec.Parts"/>), in the spec's order.</summary>
    public EquatableArray<LayerPlan> Parts { get; init; } = EquatableArray<LayerPlan>.Empty;

    /// <summary>
    /// The plan of a layer that keeps only its output rows, padded to a multiple of 8 (and <paramref name="extraCopies"/>
    /// more blocks of the same size after them, for a mask say), with one padded row of work.
    /// </summary>
    public static LayerPlan Rows(LayerSpec layer, int offset, TapeInput input, int extraCopies = 0)
    {
        int stride = RoundUp(layer.OutputFeatures);
        return new LayerPlan(offset, (1 + extraCopies) * layer.OutputRows * stride, stride, offset, layer.OutputRows, input, stride);
    }

    public static int RoundUp(int n) => (n + 7) / 8 * 8;
}

/// <summary>
/// The tape of one sample: every layer's region in order, each layer reading the previous one's output rows. Also the
/// sizes of the shared backward buffers: two gradient rows of the widest layer output (<see cref="DeltaLength"/>) and the
/// largest scratch a backward pass needs (<see cref="WorkLength"/>).
/// </summary>
internal sealed class TapePlan
{
    public IReadOnlyList<LayerPlan> Layers { get; }
    public int TapeLength { get; }
    /// <summary>Largest layer output (rows × stride): the size of each of the two gradient ping-pong buffers.</summary>
    public int DeltaLength { get; }
    /// <summary>Floats of scratch the backward passes need (the largest <see cref="LayerPlan.WorkLength"/>).</summary>
    public int WorkLength { get; }
    /// <summary>Where the padding mask row lies (one float per step) when a layer makes one; its floats are part of the tape.</summary>
    public int MaskOffset { get; }

    public TapePlan(NetworkSpec spec)
    {
        var layers = new List<LayerPlan>();
        int offset = 0, delta = 8, work = 16;
        var input = new TapeInput(0, spec.InputShape[spec.InputShape.Count - 1], IsNetworkInput: true);
        foreach (LayerSpec layer in spec.Layers)
        {
            LayerPlan plan = layer.Plan(offset, input);
            layers.Add(plan);
            delta = System.Math.Max(delta, plan.OutputRows * plan.Stride);
            work = System.Math.Max(work, plan.WorkLength);
            offset += plan.RegionLength;
            input = new TapeInput(plan.OutputOffset, plan.Stride, IsNetworkInput: false);
        }
        Layers = layers;
        MaskOffset = offset;
        if (spec.Masked)
        {
            offset += RoundUp(spec.InputShape[0]);
        }
        TapeLength = offset;
        DeltaLength = delta;
        WorkLength = work;
    }

    public static int RoundUp(int n) => LayerPlan.RoundUp(n);
}
