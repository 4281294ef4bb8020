using System.Collections.Generic;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Where each layer keeps its activations for one sample. Every row is padded to a multiple of 8 floats (one
/// <c>Vector256</c>), so full-vector loads and stores never cross into the next row; padding lanes hold values
/// that nothing reads as data. A recurrent layer's region starts with one row for the initial state (zeros), so the
/// first step needs no special case and row t+1 holds h_t. A bidirectional layer's region holds its two directions,
/// the merged output and the scratch rows its backward pass splits gradients into.
/// </summary>
internal sealed class TapePlan
{
    /// <param name="CellOffset">LSTM: offset of the cell-state rows (T + 1 rows of <paramref name="Stride"/>, row 0 zeros).</param>
    /// <param name="GateOffset">LSTM and GRU: offset of the per-step gate rows (4 × <paramref name="Stride"/> each).</param>
    /// <param name="Forward">Bidirectional: the forward direction's plan (offsets absolute, like this plan's).</param>
    /// <param name="Backward">Bidirectional: the backward direction's plan.</param>
    /// <param name="ScratchOffset">Bidirectional: rows for the forward and backward output gradients, then the backward direction's input gradient.</param>
    public sealed record LayerPlan(int RegionOffset, int RegionLength, int Stride, int OutputOffset, int OutputRows, int InputOffset, int InputStride, bool InputIsNetworkInput,
        int CellOffset = 0, int GateOffset = 0, LayerPlan? Forward = null, LayerPlan? Backward = null, int ScratchOffset = 0);

    public IReadOnlyList<LayerPlan> Layers { get; }
    public int TapeLength { get; }
    /// <summary>Largest layer output (rows × stride): the size of each of the two gradient ping-pong buffers.</summary>
    public int DeltaLength { get; }
    /// <summary>Floats of scratch the backward passes need (dh, dc and dz rows of the widest layer).</summary>
    public int WorkLength { get; }

    public TapePlan(NetworkSpec spec)
    {
        var layers = new List<LayerPlan>();
        int offset = 0, delta = 8, work = 16;
        int inputOffset = 0, inputStride = spec.InputShape[spec.InputShape.Count - 1];
        bool fromInput = true;
        foreach (LayerSpec layer in spec.Layers)
        {
            int stride = RoundUp(layer.OutputFeatures);
            LayerPlan plan;
            if (layer.Decl.IsRecurrent && layer.Decl.Bidirectional)
            {
                int steps = layer.InputSteps, units = layer.Decl.Units, rows = layer.OutputRows;
                LayerPlan forward = Recurrent(layer.Kind, steps, units, layer.Decl.ReturnSequences, offset, inputOffset, inputStride, fromInput, ref work);
                LayerPlan backward = Recurrent(layer.Kind, steps, units, layer.Decl.ReturnSequences, offset + forward.RegionLength, inputOffset, inputStride, fromInput, ref work);
                int merged = backward.RegionOffset + backward.RegionLength;
                int scratch = merged + rows * stride;
                int scratchLength = 2 * rows * forward.Stride + (fromInput ? 0 : steps * inputStride);
                plan = new LayerPlan(offset, scratch + scratchLength - offset, stride, merged, rows, inputOffset, inputStride, fromInput,
                    Forward: forward, Backward: backward, ScratchOffset: scratch);
            }
            else if (layer.Decl.IsRecurrent)
            {
                plan = Recurrent(layer.Kind, layer.InputSteps, layer.Decl.Units, layer.Decl.ReturnSequences, offset, inputOffset, inputStride, fromInput, ref work);
            }
            else
            {
                // Dropout keeps its mask after its output rows.
                int rows = layer.OutputRows * stride * (layer.Kind == LayerKind.Dropout ? 2 : 1);
                plan = new LayerPlan(offset, rows, stride, offset, layer.OutputRows, inputOffset, inputStride, fromInput);
                work = System.Math.Max(work, stride); // dz
            }
            layers.Add(plan);
            delta = System.Math.Max(delta, layer.OutputRows * stride);
            offset += plan.RegionLength;
            inputOffset = plan.OutputOffset;
            inputStride = stride;
            fromInput = false;
        }
        Layers = layers;
        TapeLength = offset;
        DeltaLength = delta;
        WorkLength = work;
    }

    /// <summary>The region of one recurrent layer (one direction) that starts at <paramref name="offset"/>.</summary>
    private static LayerPlan Recurrent(LayerKind kind, int steps, int units, bool sequence, int offset, int inputOffset, int inputStride, bool fromInput, ref int work)
    {
        int stride = RoundUp(units);
        int hRows = (steps + 1) * stride;
        int output = offset + (sequence ? stride : steps * stride);
        int rows = sequence ? steps : 1;
        switch (kind)
        {
            case LayerKind.Lstm:
                // h: T + 1 rows; c: T + 1 rows; gates: T rows of i, f, g, o, each padded to the stride.
                work = System.Math.Max(work, (2 + 4 * steps) * stride); // dh, dc, and per step dz for the four gates
                return new LayerPlan(offset, 2 * hRows + steps * 4 * stride, stride, output, rows, inputOffset, inputStride, fromInput,
                    CellOffset: offset + hRows, GateOffset: offset + 2 * hRows);
            case LayerKind.Gru:
                // h: T + 1 rows; then per step z, r, h̃ and one more vector for backward, each padded to the stride.
                work = System.Math.Max(work, (1 + 4 * steps) * stride); // dh, and per step dz for four vectors
                return new LayerPlan(offset, hRows + steps * 4 * stride, stride, output, rows, inputOffset, inputStride, fromInput, GateOffset: offset + hRows);
            default:
                work = System.Math.Max(work, (1 + steps) * stride); // dh, and per step dz
                return new LayerPlan(offset, hRows, stride, output, rows, inputOffset, inputStride, fromInput);
        }
    }

    public static int RoundUp(int n) => (n + 7) / 8 * 8;
}
