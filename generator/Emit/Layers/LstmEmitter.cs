using System.Linq;
using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// LSTM, Keras gate order i, f, c, o. The four gate accumulators of the same eight units stay in registers, read
/// from the kernel rows at columns gate·units + 8k, so the gate activations and the cell update are fused into the
/// products. The tape keeps h, c and the activated gates of every step for backpropagation through time.
/// </summary>
internal sealed class LstmEmitter : LayerEmitter<LstmSpec>
{
    protected override void Forward(LayerContext ctx, LstmSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        int inputs = layer.InputFeatures, units = layer.Units, steps = layer.InputSteps, stride = plan.Stride, cols = 4 * units;
        ActivationKind act = layer.Activation, rec = layer.RecurrentActivation;
        bool outlined = Outlined(layer);
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (LSTM {inputs} → {units}, {steps} steps{(layer.GoBackwards ? ", backwards" : "")}): [i f c o] = x_t·W + h_(t-1)·U{(layer.UseBias ? " + b" : "")};");
        w.Line($"/// c_t = {Formula(rec)}(f) ⊙ c_(t-1) + {Formula(rec)}(i) ⊙ {Name(act)}(c); h_t = {Formula(rec)}(o) ⊙ {Name(act)}(c_t).</summary>");
        w.Line($"/// <remarks>Region: h ({steps + 1} rows of {stride}, row 0 zeros), c ({steps + 1} rows), then per step the activated gates i, f, c, o ({4 * stride} floats).</remarks>");
        using (w.Block(Names.ForwardSignature(method, region: "h", mask: layer.UsesMask)))
        {
            WeightRefs(w, layer, "p", "W", "b");
            w.Line($"ref float c = ref Unsafe.Add(ref h, {layer.CellStart});");
            w.Line($"ref float gates = ref Unsafe.Add(ref h, {layer.GateStart});");
            using (w.Block($"for (int t = 0; t < {steps}; t++)"))
            {
                w.Line($"ref float xt = ref Unsafe.Add(ref x, {InputRow(layer)} * {plan.InputStride});");
                w.Line($"ref float hp = ref Unsafe.Add(ref h, t * {stride}); // h_(t-1)");
                w.Line($"ref float ht = ref Unsafe.Add(ref hp, {stride}); // h_t");
                w.Line($"ref float cp = ref Unsafe.Add(ref c, t * {stride}); // c_(t-1)");
                w.Line($"ref float ct = ref Unsafe.Add(ref cp, {stride}); // c_t");
                w.Line($"ref float gt = ref Unsafe.Add(ref gates, t * {4 * stride});");
                SkipPaddedStep(w, layer, stride, ("hp", "ht"), ("cp", "ct"));
                int blocks = Blocks(units), full = blocks / PairBlocks * PairBlocks;
                if (outlined)
                {
                    // Many blocks: one call per pair of blocks, so that each compiled body stays small enough for the JIT
                    // to keep its accumulators in registers.
                    string b = layer.UseBias ? "ref Unsafe.Add(ref b, o), " : "";
                    using (w.Block($"for (int o = 0; o < {8 * full}; o += {8 * PairBlocks})"))
                    {
                        w.Line($"{method}Blocks(ref Unsafe.Add(ref W, o), ref Unsafe.Add(ref U, o), {b}ref xt, ref hp, ref Unsafe.Add(ref ht, o), ref Unsafe.Add(ref cp, o), ref Unsafe.Add(ref ct, o), ref Unsafe.Add(ref gt, o));");
                    }
                }
                for (int first = outlined ? full : 0; first < blocks; first += PairBlocks)
                {
                    Group(first, System.Math.Min(PairBlocks, blocks - first));
                }
            }
        }
        if (outlined)
        {
            w.Line();
            w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}', one step of {PairBlocks} blocks of units (the refs point at the first one).</summary>");
            using (w.Block($"private static void {method}Blocks(ref float W, ref float U, {(layer.UseBias ? "ref float b, " : "")}ref float xt, ref float hp, ref float ht, ref float cp, ref float ct, ref float gt)"))
            {
                Group(0, PairBlocks);
            }
        }

        if (ctx.Grouped && HasGroupKernel(layer))
        {
            w.Line();
            ForwardPair(w, layer, method, plan);
        }

        void Group(int first, int count)
        {
            using (w.Block(""))
            {
                w.Line($"// {(outlined && first == 0 ? $"{8 * count} units" : ColumnRange(first, count, units))}: {4 * count} accumulators, so the FMAs of one row never wait on each other");
                var accumulators = new System.Collections.Generic.List<(string Name, int Column)>();
                for (int j = 0; j < count; j++)
                {
                    foreach (var (a, column) in GateColumns($"a{j}", units, first + j))
                    {
                        w.Line($"Vector256<float> {a} = {(layer.UseBias ? $"Vector256.LoadUnsafe(ref b, {column})" : "Vector256<float>.Zero")};");
                        accumulators.Add((a, column));
                    }
                }
                if (layer.Unrolled)
                {
                    w.Line("Vector256<float> s;");
                }
                Accumulate(w, "xt", "W", inputs, cols, accumulators.ToArray(), layer.Unrolled);
                Accumulate(w, "hp", "U", units, cols, accumulators.ToArray(), layer.Unrolled);
                for (int j = 0; j < count; j++)
                {
                    LstmCell(w, layer, stride, $"a{j}", 8 * (first + j), "");
                }
            }
        }
    }

    protected override void Backward(LayerContext ctx, LstmSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        bool needsInputGradient = ctx.NeedsInputGradient;
        int units = layer.Units, steps = layer.InputSteps, stride = plan.Stride;
        int blocks = Blocks(units);
        bool sequence = layer.ReturnSequences, masked = units % 8 != 0;
        ActivationKind act = layer.Activation, rec = layer.RecurrentActivation;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward through time: per step, gate deltas from dh and dc (pass 1), then dh_(t-1) = dz·Uᵀ (pass 2);");
        w.Line($"/// after the first step, over all steps at once: dW += Σ x_tᵀ·dz_t, dU += Σ h_(t-1)ᵀ·dz_t{(needsInputGradient ? ", dx_t = dz_t·Wᵀ" : "")}.</summary>");
        using (RecurrentBackwardStart(w, layer, method, needsInputGradient))
        {
            w.Line($"ref float c = ref Unsafe.Add(ref h, {layer.CellStart});");
            w.Line($"ref float gates = ref Unsafe.Add(ref h, {layer.GateStart});");
            w.Line("ref float dh = ref work; // dh_t flowing back from step t + 1");
            w.Line($"ref float dc = ref Unsafe.Add(ref work, {stride}); // dc_t flowing back from step t + 1");
            w.Line($"ref float dz = ref Unsafe.Add(ref work, {2 * stride}); // per step the gate deltas i, f, c, o, each {stride} floats");
            if (masked)
            {
                w.Line($"Vector256<float> tail = VectorMath.FirstLanes({units % 8}); // the last block's real lanes");
            }
            InitialDh(w, layer, blocks);
            for (int k = 0; k < blocks; k++)
            {
                w.Line(layer.StateLink == StateLink.SeedsDecoder
                    ? $"Vector256.LoadUnsafe(ref {Names.StateGradient}, {stride + 8 * k}).StoreUnsafe(ref dc, {8 * k}); // the final cell state's gradient from the decoder"
                    : $"Vector256<float>.Zero.StoreUnsafe(ref dc, {8 * k});");
            }
            using (w.Block($"for (int t = {steps - 1}; t >= 0; t--)"))
            {
                StepRefs(w, layer, plan, needsInputGradient, inputRows: false);
                w.Line($"ref float cp = ref Unsafe.Add(ref c, t * {stride}); // c_(t-1)");
                w.Line($"ref float ct = ref Unsafe.Add(ref cp, {stride}); // c_t");
                w.Line($"ref float gt = ref Unsafe.Add(ref gates, t * {4 * stride});");
                w.Line($"ref float dzt = ref Unsafe.Add(ref dz, t * {4 * stride});");
                PassPaddedStep(w, layer, stride, 4 * stride);
                w.Line($"// Pass 1: dc = dc_t + dh ⊙ o ⊙ a'(c_t); gate deltas before their activations{(masked ? ", padding lanes zeroed" : "")}.");
                for (int k = 0; k < blocks; k++)
                {
                    string mask = masked && k == blocks - 1 ? " & tail" : "";
                    string Times(string value, string? factor) => factor is null ? value : $"{value} * {factor}";
                    using (w.Block(""))
                    {
                        w.Line($"Vector256<float> dhk = {(sequence ? $"(Vector256.LoadUnsafe(ref dh, {8 * k}) + Vector256.LoadUnsafe(ref dyt, {8 * k}))" : $"Vector256.LoadUnsafe(ref dh, {8 * k})")}{mask};");
                        w.Line($"Vector256<float> gateI = Vector256.LoadUnsafe(ref gt, {8 * k}), gateF = Vector256.LoadUnsafe(ref gt, {stride + 8 * k}), gateC = Vector256.LoadUnsafe(ref gt, {2 * stride + 8 * k}), gateO = Vector256.LoadUnsafe(ref gt, {3 * stride + 8 * k});");
                        w.Line($"Vector256<float> cellOut = {Activate(act, $"Vector256.LoadUnsafe(ref ct, {8 * k})")};");
                        string? cellSlope = Derivative(act, "cellOut");
                        w.Line(cellSlope is null
                            ? $"Vector256<float> dck = dhk * gateO + Vector256.LoadUnsafe(ref dc, {8 * k});"
                            : $"Vector256<float> dck = Vector256.MultiplyAddEstimate(dhk * gateO, {cellSlope}, Vector256.LoadUnsafe(ref dc, {8 * k}));");
                        w.Line($"(dck * gateF).StoreUnsafe(ref dc, {8 * k});");
                        w.Line($"Vector256<float> zI = ({Times("dck * gateC", Derivative(rec, "gateI"))}){mask};");
                        w.Line($"Vector256<float> zF = ({Times($"dck * Vector256.LoadUnsafe(ref cp, {8 * k})", Derivative(rec, "gateF"))}){mask};");
                        w.Line($"Vector256<float> zC = ({Times("dck * gateI", Derivative(act, "gateC"))}){mask};");
                        w.Line($"Vector256<float> zO = ({Times("dhk * cellOut", Derivative(rec, "gateO"))}){mask};");
                        foreach (var (z, column) in GateColumns("z", units, k))
                        {
                            int gate = "IFCO".IndexOf(z[1]);
                            w.Line($"{z}.StoreUnsafe(ref dzt, {gate * stride + 8 * k});");
                            if (layer.UseBias)
                            {
                                w.Line($"(Vector256.LoadUnsafe(ref gb, {column}) + {z}).StoreUnsafe(ref gb, {column});");
                            }
                        }
                    }
                }
                w.Line("// Pass 2: the delta flowing to the previous step.");
                DotRows(w, "dh", "U", units, new GateRun(0, 0, 4), layer, stride, "dzt", accumulate: false);
            }
            InitialStateGradient(w, layer, stride, cell: true);
            w.Line("// Over all steps at once: the weight gradients (and each step's input gradient).");
            InputSideProducts(w, layer, plan, needsInputGradient, 4 * stride, new GateRun(0, 0, 4));
            OuterProducts(w, "gU", "h", stride, units, new GateRun(0, 0, 4), layer, stride, 4 * stride);
        }
    }

    /// <summary>One direction (not a Bidirectional part): pairs of samples share each weight load.</summary>
    protected override bool HasGroupKernel(LstmSpec layer) => true;

    protected override void EmitGroupCall(SourceWriter w, LstmSpec layer, string method, System.Func<int, string> arguments) => PairCalls(w, method, arguments);

    private static (string Name, int Column)[] GateColumns(string prefix, int units, int block)
        => new[] { ($"{prefix}I", 8 * block), ($"{prefix}F", units + 8 * block), ($"{prefix}C", 2 * units + 8 * block), ($"{prefix}O", 3 * units + 8 * block) };

    /// <summary>
    /// One 8-unit block of an LSTM step from the pre-activations <c>{prefix}I{suffix}</c>, <c>F</c>, <c>C</c>, <c>O</c>: the gates,
    /// c_t and h_t, and the activated gates on the tape, through the refs cp, ct, ht and gt (each with <paramref name="sample"/>).
    /// </summary>
    private static void LstmCell(SourceWriter w, LstmSpec layer, int stride, string prefix, int o, string sample, string suffix = "")
    {
        ActivationKind act = layer.Activation, rec = layer.RecurrentActivation;
        using (w.Block(""))
        {
            w.Line($"Vector256<float> gateI = {Activate(rec, $"{prefix}I{suffix}")}, gateF = {Activate(rec, $"{prefix}F{suffix}")}, gateC = {Activate(act, $"{prefix}C{suffix}")}, gateO = {Activate(rec, $"{prefix}O{suffix}")};");
            w.Line($"Vector256<float> cell = Vector256.MultiplyAddEstimate(gateF, Vector256.LoadUnsafe(ref cp{sample}, {o}), gateI * gateC);");
            w.Line($"cell.StoreUnsafe(ref ct{sample}, {o});");
            w.Line($"(gateO * {Activate(act, "cell")}).StoreUnsafe(ref ht{sample}, {o});");
            w.Line($"gateI.StoreUnsafe(ref gt{sample}, {o});");
            w.Line($"gateF.StoreUnsafe(ref gt{sample}, {stride + o});");
            w.Line($"gateC.StoreUnsafe(ref gt{sample}, {2 * stride + o});");
            w.Line($"gateO.StoreUnsafe(ref gt{sample}, {3 * stride + o});");
        }
    }

    private static void ForwardPair(SourceWriter w, LstmSpec layer, string method, LayerPlan plan)
    {
        int units = layer.Units, stride = plan.Stride, cols = 4 * units;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' for two samples at once (each weight vector loaded once for both).</summary>");
        using (w.Block($"private static void {Names.ForwardPair(method)}(ref float p, ref float x0, ref float h0, ref float x1, ref float h1)"))
        {
            WeightRefs(w, layer, "p", "W", "b");
            using (w.Block($"for (int t = 0; t < {layer.InputSteps}; t++)"))
            {
                PairStepRefs(w, layer, plan, layer.GateStart, layer.CellStart);
                OutlinedLoop(w, layer, method, new[] { "ht", "cp", "ct", "gt" }, Block);
            }
        }
        OutlinedMethod(w, layer, method, new[] { "ht", "cp", "ct", "gt" }, Blocks);

        void Block(int k) => Blocks(k, 1);

        void Blocks(int first, int count)
        {
            using (w.Block(""))
            {
                w.Line($"// {ColumnRange(first, count, units)}");
                var gates = Enumerable.Range(0, count).SelectMany(j => new[] { ($"I{j}", 8 * (first + j)), ($"F{j}", units + 8 * (first + j)), ($"C{j}", 2 * units + 8 * (first + j)), ($"O{j}", 3 * units + 8 * (first + j)) }).ToArray();
                foreach (string s in PairSamples)
                {
                    w.Line("Vector256<float> " + string.Join(", ", gates.Select(g => $"a{s}{g.Item1} = {(layer.UseBias ? $"Vector256.LoadUnsafe(ref b, {g.Item2})" : "Vector256<float>.Zero")}")) + ";");
                }
                AccumulatePair(w, "xt", "W", layer.InputFeatures, cols, gates);
                AccumulatePair(w, "hp", "U", units, cols, gates);
                for (int j = 0; j < count; j++)
                {
                    foreach (string s in PairSamples)
                    {
                        LstmCell(w, layer, stride, $"a{s}", 8 * (first + j), s, suffix: j.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            }
        }
    }

}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter Lstm = Register(new LstmEmitter());
}
