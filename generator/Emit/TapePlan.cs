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
    public sealed record LayerPlan(int RegionOffset, int RegionLength, int Stride, int OutputOffset, int OutputRows, int InputOffset, int InputStride, bool InputIsNetworkInput);

    public IReadOnlyList<LayerPlan> Layers { get; }
    public int TapeLength { get; }
    /// <summary>Largest layer output (rows × stride): the size of each of the two gradient ping-pong buffers.</summary>
    public int DeltaLength { get; }
    /// <summary>Largest stride: work rows for dh and dz.</summary>
    public int MaxStride { get; }

    public TapePlan(NetworkSpec spec)
    {
        var layers = new List<LayerPlan>();
        int offset = 0, delta = 8, maxStride = 8;
        int inputOffset = 0, inputStride = spec.InputShape[spec.InputShape.Count - 1];
        bool fromInput = true;
        foreach (LayerSpec layer in spec.Layers)
        {
            int stride = RoundUp(layer.OutputFeatures);
            int steps = layer.InputSteps;
            int regionRows, outputOffset;
            if (layer.Kind == LayerKind.SimpleRnn)
            {
                regionRows = steps + 1;
                outputOffset = offset + (layer.Decl.ReturnSequences ? stride : steps * stride);
            }
            else
            {
                regionRows = layer.OutputRows;
                outputOffset = offset;
            }
            var plan = new LayerPlan(offset, regionRows * stride, stride, outputOffset, layer.OutputRows, inputOffset, inputStride, fromInput);
            layers.Add(plan);
            delta = System.Math.Max(delta, layer.OutputRows * stride);
            maxStride = System.Math.Max(maxStride, stride);
            offset += plan.RegionLength;
            inputOffset = outputOffset;
            inputStride = stride;
            fromInput = false;
        }
        Layers = layers;
        TapeLength = offset;
        DeltaLength = delta;
        MaxStride = maxStride;
    }

    public static int RoundUp(int n) => (n + 7) / 8 * 8;
}
