using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Keras 3 <c>Bidirectional</c>: each direction is emitted by its own kind's emitter (<c>{Method}Fw</c>, <c>{Method}Bw</c>);
/// this adds the merge (a returned sequence from the backward copy flipped, as Keras flips it), and in the backward pass
/// splits the merged gradient between the directions and adds their input gradients.
/// </summary>
internal sealed class BidirectionalEmitter : LayerEmitter<BidirectionalSpec>
{
    private const string Fw = "Fw", Bw = "Bw";

    /// <summary>Where the directions and the merged rows lie in the region, and the row loops both passes write.</summary>
    private sealed class Geometry
    {
        private readonly SourceWriter _w;

        public Geometry(LayerContext ctx, BidirectionalSpec layer)
        {
            _w = ctx.Writer;
            LayerPlan plan = ctx.Plan, fw = plan.Parts[0], bw = plan.Parts[1];
            Units = layer.Inner.Units;
            Steps = layer.InputSteps;
            Rows = plan.OutputRows;
            DirectionStride = fw.Stride;
            MergedStride = plan.Stride;
            Sequence = layer.Inner.ReturnSequences;
            BackwardReadsForward = !layer.Backward!.GoBackwards;
            BackwardRegion = bw.RegionOffset - plan.RegionOffset;
            ForwardOutput = fw.OutputOffset - plan.RegionOffset;
            BackwardOutput = bw.OutputOffset - plan.RegionOffset;
            Merged = plan.OutputOffset - plan.RegionOffset;
            Scratch = layer.ScratchStart(plan);
        }

        public int Units { get; }
        public int Steps { get; }
        public int Rows { get; }
        public int DirectionStride { get; }
        public int MergedStride { get; }
        public bool Sequence { get; }
        /// <summary>The wrapped layer goes backwards, so its backward copy reads in time order (Keras flips its sequence all the same).</summary>
        public bool BackwardReadsForward { get; }
        public int BackwardRegion { get; }
        public int ForwardOutput { get; }
        public int BackwardOutput { get; }
        public int Merged { get; }
        public int Scratch { get; }

        /// <summary>The backward direction's row of output row r: its returned sequence flipped, as Keras 3 flips it.</summary>
        public string BackwardRow(string r) => Sequence ? $"({Steps - 1} - {r})" : "0";

        /// <summary>Refs f and b to the two directions' rows of output row r.</summary>
        public void RowRefs(string r)
        {
            _w.Line($"ref float f = ref Unsafe.Add(ref y, {ForwardOutput} + {r} * {DirectionStride}); // forward output");
            _w.Line($"ref float b = ref Unsafe.Add(ref y, {BackwardOutput} + {BackwardRow(r)} * {DirectionStride}); // backward output{(!Sequence ? "" : BackwardReadsForward ? ", flipped as Keras flips it" : ", back in time order")}");
        }

        /// <summary>The body for every output row: once for a single row, else in a loop over r.</summary>
        public void ForEachRow(System.Action<string> body)
        {
            if (Rows == 1)
            {
                body("0");
                return;
            }
            using (_w.Block($"for (int r = 0; r < {Rows}; r++)"))
            {
                body("r");
            }
        }
    }

    protected override void Forward(LayerContext ctx, BidirectionalSpec layer)
    {
        SourceWriter w = ctx.Writer;
        string method = ctx.Method;
        EmitterCatalog.For(layer.Forward!).Emit(ctx.Part(layer.Forward!, ctx.Plan.Parts[0], Fw));
        w.Line();
        EmitterCatalog.For(layer.Backward!).Emit(ctx.Part(layer.Backward!, ctx.Plan.Parts[1], Bw));
        var g = new Geometry(ctx, layer);
        int units = g.Units;
        MergeKind merge = layer.Merge;
        w.Line();
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (Bidirectional {layer.Inner.KerasType} {layer.InputFeatures} → {units}, merge {merge.ToString().ToLowerInvariant()}): both directions, then the merge.</summary>");
        string mask = layer.UsesMask ? ", ref mask" : "";
        using (w.Block(Names.ForwardSignature(method, mask: layer.UsesMask)))
        {
            w.Line($"{Names.Forward(method + Fw)}(ref p, ref x, ref y{mask});");
            w.Line($"{Names.Forward(method + Bw)}(ref p, ref x, ref Unsafe.Add(ref y, {g.BackwardRegion}){mask});");
            g.ForEachRow(r =>
            {
                g.RowRefs(r);
                w.Line($"ref float o = ref Unsafe.Add(ref y, {g.Merged} + {r} * {g.MergedStride});");
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
    }

    protected override void Backward(LayerContext ctx, BidirectionalSpec layer)
    {
        SourceWriter w = ctx.Writer;
        string method = ctx.Method;
        bool needsInputGradient = ctx.NeedsInputGradient;
        var g = new Geometry(ctx, layer);
        int units = g.Units, rows = g.Rows, s = g.DirectionStride;
        MergeKind merge = layer.Merge;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward: the merged gradient split between the directions, each direction back through time{(needsInputGradient ? ", and their input gradients added" : "")}.</summary>");
        string mask = layer.BackwardUsesMask ? ", ref mask" : "";
        using (w.Block(Names.BackwardSignature(method, layer, needsInputGradient)))
        {
            w.Line($"ref float df = ref Unsafe.Add(ref y, {g.Scratch}); // d loss / d forward output");
            w.Line($"ref float db = ref Unsafe.Add(ref y, {g.Scratch + rows * s}); // d loss / d backward output, in its processing order");
            if (needsInputGradient)
            {
                w.Line($"ref float dx2 = ref Unsafe.Add(ref y, {g.Scratch + 2 * rows * s}); // the backward direction's input gradient");
            }
            g.ForEachRow(r =>
            {
                w.Line($"ref float d = ref Unsafe.Add(ref dy, {r} * {g.MergedStride});");
                w.Line($"ref float dfr = ref Unsafe.Add(ref df, {r} * {s});");
                w.Line($"ref float dbr = ref Unsafe.Add(ref db, {g.BackwardRow(r)} * {s});");
                if (merge == MergeKind.Concat)
                {
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref d, {units}).CopyTo(MemoryMarshal.CreateSpan(ref dfr, {units}));");
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref d, {units}), {units}).CopyTo(MemoryMarshal.CreateSpan(ref dbr, {units}));");
                    return;
                }
                if (merge == MergeKind.Mul)
                {
                    g.RowRefs(r);
                }
                for (int k = 0; k < Blocks(units); k++)
                {
                    string D = $"Vector256.LoadUnsafe(ref d, {8 * k})";
                    if (merge == MergeKind.Mul)
                    {
                        w.Line($"({D} * Vector256.LoadUnsafe(ref b, {8 * k})).StoreUnsafe(ref dfr, {8 * k});");
                        w.Line($"({D} * Vector256.LoadUnsafe(ref f, {8 * k})).StoreUnsafe(ref dbr, {8 * k});");
                        continue;
                    }
                    w.Line($"Vector256<float> d{k} = {(merge == MergeKind.Ave ? $"{D} * 0.5f" : D)};");
                    w.Line($"d{k}.StoreUnsafe(ref dfr, {8 * k});");
                    w.Line($"d{k}.StoreUnsafe(ref dbr, {8 * k});");
                }
            });
            string dx = needsInputGradient ? ", ref dx" : "";
            string dx2 = needsInputGradient ? ", ref dx2" : "";
            string fwState = layer.StateLink != StateLink.None ? $", ref {Names.StateGradient}" : "";
            string bwState = layer.StateLink != StateLink.None ? $", ref Unsafe.Add(ref {Names.StateGradient}, {layer.DirectionStateLength})" : "";
            w.Line($"{Names.Backward(method + Fw)}(ref p, ref x, ref y, ref df, ref g{dx}, ref work{mask}{fwState});");
            w.Line($"{Names.Backward(method + Bw)}(ref p, ref x, ref Unsafe.Add(ref y, {g.BackwardRegion}), ref db, ref g{dx2}, ref work{mask}{bwState});");
            if (needsInputGradient)
            {
                using (w.Block($"for (int i = 0; i < {g.Steps * ctx.Plan.InputStride}; i += 8)"))
                {
                    w.Line("(Vector256.LoadUnsafe(ref dx, (nuint)i) + Vector256.LoadUnsafe(ref dx2, (nuint)i)).StoreUnsafe(ref dx, (nuint)i);");
                }
            }
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter Bidirectional = Register(new BidirectionalEmitter());
}
