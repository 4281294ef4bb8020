using System.Linq;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Keras 3 <c>Bidirectional</c>: the wrapped layer runs once as written (forward_*) and once with <c>go_backwards=True</c>
/// (backward_*); a returned sequence from the backward copy is put back in time order, then the two are
/// merged by concat, sum, mul or ave. Each direction is emitted by its own layer emitter; this file adds the merge,
/// and in the backward pass splits the merged gradient and adds the two directions' input gradients.
/// </summary>
internal static partial class Emitter
{
    /// <summary>One direction of a bidirectional layer, as a plain layer spec with its half of the weights.</summary>
    private static LayerSpec Direction(LayerSpec layer, bool backward)
    {
        int half = layer.Weights.Count / 2;
        WeightSpec[] weights = layer.Weights.Skip(backward ? half : 0).Take(half).ToArray();
        int units = layer.Decl.Units;
        int[] output = layer.Decl.ReturnSequences ? new[] { layer.InputSteps, units } : new[] { units };
        return layer with
        {
            Decl = layer.Decl with { Bidirectional = false, GoBackwards = backward },
            Name = $"{layer.Name}/{weights[0].Name.Split('/')[1]}",
            OutputShape = new EquatableArray<int>(output),
            Weights = new EquatableArray<WeightSpec>(weights),
            ParamOffset = weights[0].Offset,
            ParamCount = weights.Sum(w => w.Length),
        };
    }

    private static void BidirectionalLayer(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan, bool needsInputGradient)
    {
        TapePlan.LayerPlan fw = plan.Forward!, bw = plan.Backward!;
        EmitLayer(w, Direction(layer, backward: false), method + "Fw", fw, needsInputGradient, grouped: false);
        w.Line();
        EmitLayer(w, Direction(layer, backward: true), method + "Bw", bw, needsInputGradient, grouped: false);

        int units = layer.Decl.Units, steps = layer.InputSteps, rows = plan.OutputRows, s = fw.Stride, so = plan.Stride;
        bool sequence = layer.Decl.ReturnSequences;
        MergeKind merge = layer.Decl.Merge;
        int bwRegion = bw.RegionOffset - plan.RegionOffset, fwOut = fw.OutputOffset - plan.RegionOffset, bwOut = bw.OutputOffset - plan.RegionOffset;
        int merged = plan.OutputOffset - plan.RegionOffset, scratch = plan.ScratchOffset - plan.RegionOffset;
        string inner = Direction(layer, false).KerasType;
        string BackwardRow(string r) => sequence ? $"({steps - 1} - {r})" : "0";

        void RowRefs(string r)
        {
            w.Line($"ref float f = ref Unsafe.Add(ref y, {fwOut} + {r} * {s}); // forward output");
            w.Line($"ref float b = ref Unsafe.Add(ref y, {bwOut} + {BackwardRow(r)} * {s}); // backward output{(sequence ? ", back in time order" : "")}");
        }

        void ForEachRow(System.Action<string> body)
        {
            if (rows == 1)
            {
                body("0");
                return;
            }
            using (w.Block($"for (int r = 0; r < {rows}; r++)"))
            {
                body("r");
            }
        }

        w.Line();
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (Bidirectional {inner} {layer.InputFeatures} → {units}, merge {merge.ToString().ToLowerInvariant()}): both directions, then the merge.</summary>");
        using (w.Block($"private static void {method}Forward(ref float p, ref float x, ref float y)"))
        {
            w.Line($"{method}FwForward(ref p, ref x, ref y);");
            w.Line($"{method}BwForward(ref p, ref x, ref Unsafe.Add(ref y, {bwRegion}));");
            ForEachRow(r =>
            {
                RowRefs(r);
                w.Line($"ref float o = ref Unsafe.Add(ref y, {merged} + {r} * {so});");
                if (merge == MergeKind.Concat)
                {
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref f, {units}).CopyTo(MemoryMarshal.CreateSpan(ref o, {units}));");
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref b, {units}).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref o, {units}), {units}));");
                    return;
                }
                for (int k = 0; k < Blocks(units); k++)
                {
                    string F = $"Vector256.LoadUnsafe(ref f, {8 * k})", B = $"Vector256.LoadUnsafe(ref b, {8 * k})";
                    string value = merge switch
                    {
                        MergeKind.Sum => $"{F} + {B}",
                        MergeKind.Mul => $"{F} * {B}",
                        _ => $"({F} + {B}) * 0.5f",
                    };
                    w.Line($"({value}).StoreUnsafe(ref o, {8 * k});");
                }
            });
        }

        w.Line();
        string dxParam = needsInputGradient ? ", ref float dx" : "";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: the merged gradient split between the directions, each direction back through time{(needsInputGradient ? ", and their input gradients added" : "")}.</summary>");
        using (w.Block($"private static void {method}Backward(ref float p, ref float x, ref float y, ref float dy, ref float g{dxParam}, ref float work)"))
        {
            w.Line($"ref float df = ref Unsafe.Add(ref y, {scratch}); // d loss / d forward output");
            w.Line($"ref float db = ref Unsafe.Add(ref y, {scratch + rows * s}); // d loss / d backward output, in its processing order");
            if (needsInputGradient)
            {
                w.Line($"ref float dx2 = ref Unsafe.Add(ref y, {scratch + 2 * rows * s}); // the backward direction's input gradient");
            }
            ForEachRow(r =>
            {
                w.Line($"ref float d = ref Unsafe.Add(ref dy, {r} * {so});");
                w.Line($"ref float dfr = ref Unsafe.Add(ref df, {r} * {s});");
                w.Line($"ref float dbr = ref Unsafe.Add(ref db, {BackwardRow(r)} * {s});");
                if (merge == MergeKind.Concat)
                {
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref d, {units}).CopyTo(MemoryMarshal.CreateSpan(ref dfr, {units}));");
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref d, {units}), {units}).CopyTo(MemoryMarshal.CreateSpan(ref dbr, {units}));");
                    return;
                }
                if (merge == MergeKind.Mul)
                {
                    RowRefs(r);
                }
                for (int k = 0; k < Blocks(units); k++)
                {
                    string D = $"Vector256.LoadUnsafe(ref d, {8 * k})";
                    switch (merge)
                    {
                        case MergeKind.Mul:
                            w.Line($"({D} * Vector256.LoadUnsafe(ref b, {8 * k})).StoreUnsafe(ref dfr, {8 * k});");
                            w.Line($"({D} * Vector256.LoadUnsafe(ref f, {8 * k})).StoreUnsafe(ref dbr, {8 * k});");
                            break;
                        default:
                            string value = merge == MergeKind.Ave ? $"{D} * 0.5f" : D;
                            w.Line($"Vector256<float> d{k} = {value};");
                            w.Line($"d{k}.StoreUnsafe(ref dfr, {8 * k});");
                            w.Line($"d{k}.StoreUnsafe(ref dbr, {8 * k});");
                            break;
                    }
                }
            });
            string dx = needsInputGradient ? ", ref dx" : "";
            string dx2 = needsInputGradient ? ", ref dx2" : "";
            w.Line($"{method}FwBackward(ref p, ref x, ref y, ref df, ref g{dx}, ref work);");
            w.Line($"{method}BwBackward(ref p, ref x, ref Unsafe.Add(ref y, {bwRegion}), ref db, ref g{dx2}, ref work);");
            if (needsInputGradient)
            {
                using (w.Block($"for (int i = 0; i < {steps * plan.InputStride}; i += 8)"))
                {
                    w.Line("(Vector256.LoadUnsafe(ref dx, (nuint)i) + Vector256.LoadUnsafe(ref dx2, (nuint)i)).StoreUnsafe(ref dx, (nuint)i);");
                }
            }
        }
    }
}
