using System.Collections.Generic;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Where each layer keeps its activations for one sample. Every row is padded to a multiple of 8 floats (one
/// <c>Vector256</c>), so full-vector loads and stores never cross into the next row; padding lanes hold values
/// that nothing reads as data. A recurrent layer's region starts with one row for the initial state (zeros), so the
/// first step needs no special case and row t+1 holds h_t.
/// </summary>
internal sealed class TapePlan
{
    /// <param name="CellOffset">LSTM: offset of the cell-state rows (T + 1 rows of <paramref name="Stride"/>, row 0 zeros).</param>
    /// <param name="GateOffset">LSTM: offset of the activated gates, T rows of 4 × <paramref name="Stride"/> (i, f, g, o).</param>
    public sealed record LayerPlan(int RegionOffset, int RegionLength, int Stride, int OutputOffset, int OutputRows, int InputOffset, int InputStride, bool InputIsNetworkInput,
        int CellOffset = 0, int GateOffset = 0);

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
            int steps = layer.InputSteps;
            LayerPlan plan;
            if (layer.Kind == LayerKind.Lstm)
            {
                // h: T + 1 rows; c: T + 1 rows; gates: T rows of i, f, g, o, each padded to the stride.
                int hRows = (steps + 1) * stride;
                plan = new LayerPlan(offset, 2 * hRows + steps * 4 * stride, stride, offset + (layer.Decl.ReturnSequences ? stride : steps * stride),
                    layer.OutputRows, inputOffset, inputStride, fromInput, CellOffset: offset + hRows, GateOffset: offset + 2 * hRows);
                work = System.Math.Max(work, 6 * stride); // dh, dc, and dz for the four gates
            }
            else if (layer.Kind == LayerKind.Gru)
            {
                // h: T + 1 rows; then per step z, r, h̃ and one more vector for backward, each padded to the stride.
                int hRows = (steps + 1) * stride;
                plan = new LayerPlan(offset, hRows + steps * 4 * stride, stride, offset + (layer.Decl.ReturnSequences ? stride : steps * stride),
                    layer.OutputRows, inputOffset, inputStride, fromInput, GateOffset: offset + hRows);
                work = System.Math.Max(work, 5 * stride); // dh, and dz for four vectors
            }
            else if (layer.Kind == LayerKind.SimpleRnn)
            {
                plan = new LayerPlan(offset, (steps + 1) * stride, stride, offset + (layer.Decl.ReturnSequences ? stride : steps * stride),
                    layer.OutputRows, inputOffset, inputStride, fromInput);
                work = System.Math.Max(work, 2 * stride); // dh and dz
            }
            else
            {
                plan = new LayerPlan(offset, layer.OutputRows * stride, stride, offset, layer.OutputRows, inputOffset, inputStride, fromInput);
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

    public static int RoundUp(int n) => (n + 7) / 8 * 8;
}
