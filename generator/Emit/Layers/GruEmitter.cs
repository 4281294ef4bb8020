using System.Linq;
using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// GRU, Keras gate order z, r, h; h_t = z ⊙ h_(t-1) + (1 - z) ⊙ h̃. With <c>ResetAfter</c> (Keras 3 default) the reset
/// gate multiplies the recurrent product, h̃ = a(x·W_h + b_h + r ⊙ (h·U_h + b'_h)), so one fused pass per 8-unit block
/// suffices. Without it, h̃ = a(x·W_h + (r ⊙ h)·U_h + b_h) needs r of every unit first: the step runs in two passes.
/// The tape keeps, per step, z, r, h̃ and the fourth vector the backward pass needs (h·U_h + b'_h, or r ⊙ h).
/// </summary>
internal sealed class GruEmitter : LayerEmitter<GruSpec>
{
    protected override void Forward(LayerContext ctx, GruSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        int inputs = layer.InputFeatures, units = layer.Units, steps = layer.InputSteps, stride = plan.Stride, cols = 3 * units;
        bool after = layer.ResetAfter, bias = layer.UseBias;
        ActivationKind act = layer.Activation, rec = layer.RecurrentActivation;
        string candidate = after ? $"{Name(act)}(x·W_h{(bias ? " + b_h" : "")} + r ⊙ (h_(t-1)·U_h{(bias ? " + b'_h" : "")}))" : $"{Name(act)}(x·W_h + (r ⊙ h_(t-1))·U_h{(bias ? " + b_h" : "")})";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (GRU {inputs} → {units}, {steps} steps{(layer.GoBackwards ? ", backwards" : "")}, reset_after={(after ? "True" : "False")}):");
        w.Line($"/// z, r = {Formula(rec)}(x_t·W + h_(t-1)·U{(bias ? " + b" : "")}); h̃ = {candidate}; h_t = z ⊙ h_(t-1) + (1 - z) ⊙ h̃.</summary>");
        w.Line($"/// <remarks>Region: h ({steps + 1} rows of {stride}, row 0 zeros), then per step z, r, h̃ and {(after ? "h·U_h + b'_h" : "r ⊙ h_(t-1)")} ({4 * stride} floats).</remarks>");
        foreach (ForwardKernel kernel in ctx.ForwardKernels(steps, region: "h", mask: layer.UsesMask))
        {
            using (w.Block(kernel.Signature))
            {
                WeightRefs(w, layer, "p", "W", "b");
                if (!after)
                {
                    w.Line($"ref float Uh = ref Unsafe.Add(ref U, {2 * units}); // the candidate's columns of the recurrent kernel");
                }
                w.Line($"ref float gates = ref Unsafe.Add(ref h, {layer.GateStart});");
                using (w.Block(kernel.Loop(steps)))
                {
                    w.Line($"ref float xt = ref Unsafe.Add(ref x, {InputRow(layer)} * {plan.InputStride});");
                    w.Line($"ref float hp = ref Unsafe.Add(ref h, t * {stride}); // h_(t-1)");
                    w.Line($"ref float ht = ref Unsafe.Add(ref hp, {stride}); // h_t");
                    w.Line($"ref float gt = ref Unsafe.Add(ref gates, t * {4 * stride});");
                    SkipPaddedStep(w, layer, stride, ("hp", "ht"));
                    if (!after)
                    {
                        w.Line($"ref float rh = ref Unsafe.Add(ref gt, {3 * stride}); // r ⊙ h_(t-1)");
                    }
                    for (int first = 0; first < Blocks(units); first += PairBlocks)
                    {
                        int count = System.Math.Min(PairBlocks, Blocks(units) - first);
                        using (w.Block(""))
                        {
                            w.Line($"// {ColumnRange(first, count, units)}{(after ? "" : ", pass 1: gates z and r")}");
                            string Bias(int column) => bias ? $"Vector256.LoadUnsafe(ref b, {column})" : "Vector256<float>.Zero";
                            var inputSide = new System.Collections.Generic.List<(string Name, int Column)>();
                            var recurrentSide = new System.Collections.Generic.List<(string Name, int Column)>();
                            for (int j = 0; j < count; j++)
                            {
                                int o = 8 * (first + j);
                                if (after)
                                {
                                    // Bias (2, 3u): row 0 for the input product, row 1 for the recurrent product.
                                    w.Line($"Vector256<float> a{j}Z = {(bias ? $"{Bias(o)} + {Bias(cols + o)}" : Bias(o))};");
                                    w.Line($"Vector256<float> a{j}R = {(bias ? $"{Bias(units + o)} + {Bias(cols + units + o)}" : Bias(o))};");
                                    w.Line($"Vector256<float> a{j}X = {Bias(2 * units + o)}; // x·W_h + b_h");
                                    w.Line($"Vector256<float> a{j}H = {Bias(cols + 2 * units + o)}; // h·U_h + b'_h");
                                }
                                else
                                {
                                    w.Line($"Vector256<float> a{j}Z = {Bias(o)};");
                                    w.Line($"Vector256<float> a{j}R = {Bias(units + o)};");
                                    w.Line($"Vector256<float> a{j}X = {Bias(2 * units + o)}; // x·W_h + b_h");
                                }
                                inputSide.AddRange(Triple($"a{j}Z", $"a{j}R", $"a{j}X", units, first + j));
                                recurrentSide.AddRange(after ? Triple($"a{j}Z", $"a{j}R", $"a{j}H", units, first + j) : new[] { ($"a{j}Z", o), ($"a{j}R", units + o) });
                            }
                            if (layer.Unrolled)
                            {
                                w.Line("Vector256<float> s;");
                            }
                            Accumulate(w, "xt", "W", inputs, cols, inputSide.ToArray(), layer.Unrolled);
                            Accumulate(w, "hp", "U", units, cols, recurrentSide.ToArray(), layer.Unrolled);
                            for (int j = 0; j < count; j++)
                            {
                                int o = 8 * (first + j);
                                using (w.Block(""))
                                {
                                    w.Line($"Vector256<float> gateZ = {Activate(rec, $"a{j}Z")}, gateR = {Activate(rec, $"a{j}R")};");
                                    w.Line($"gateZ.StoreUnsafe(ref gt, {o});");
                                    w.Line($"gateR.StoreUnsafe(ref gt, {stride + o});");
                                    if (after)
                                    {
                                        w.Line($"Vector256<float> candidate = {Activate(act, $"Vector256.MultiplyAddEstimate(gateR, a{j}H, a{j}X)")};");
                                        w.Line($"Vector256<float> hPrev = Vector256.LoadUnsafe(ref hp, {o});");
                                        w.Line($"Vector256.MultiplyAddEstimate(gateZ, hPrev - candidate, candidate).StoreUnsafe(ref ht, {o});");
                                        w.Line($"candidate.StoreUnsafe(ref gt, {2 * stride + o});");
                                        w.Line($"a{j}H.StoreUnsafe(ref gt, {3 * stride + o});");
                                    }
                                    else
                                    {
                                        w.Line($"a{j}X.StoreUnsafe(ref gt, {2 * stride + o}); // h̃'s input part, until pass 2");
                                        w.Line($"(gateR * Vector256.LoadUnsafe(ref hp, {o})).StoreUnsafe(ref rh, {o});");
                                    }
                                }
                            }
                        }
                    }
                    for (int k = 0; !after && k < Blocks(units); k++)
                    {
                        int o = 8 * k;
                        using (w.Block(""))
                        {
                            w.Line($"// {ColumnRange(k, 1, units)}, pass 2: candidate from (r ⊙ h_(t-1))·U_h");
                            w.Line("Vector256<float> aH = Vector256<float>.Zero;");
                            Accumulate(w, "rh", "Uh", units, cols, new[] { ("aH", o) }, layer.Unrolled);
                            w.Line($"Vector256<float> candidate = {Activate(act, $"Vector256.LoadUnsafe(ref gt, {2 * stride + o}) + aH")};");
                            w.Line($"Vector256<float> gateZ = Vector256.LoadUnsafe(ref gt, {o}), hPrev = Vector256.LoadUnsafe(ref hp, {o});");
                            w.Line($"Vector256.MultiplyAddEstimate(gateZ, hPrev - candidate, candidate).StoreUnsafe(ref ht, {o});");
                            w.Line($"candidate.StoreUnsafe(ref gt, {2 * stride + o});");
                        }
                    }
                }
            }
        }
        if (ctx.Grouped && HasGroupKernel(layer))
        {
            w.Line();
            ForwardPair(w, layer, method, plan);
        }
    }

    /// <summary>Step by step from the state on the tape: decoding runs the new steps only.</summary>
    protected override bool HasStepKernel(GruSpec layer) => !layer.GoBackwards;

    protected override void Backward(LayerContext ctx, GruSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        bool needsInputGradient = ctx.NeedsInputGradient;
        int units = layer.Units, steps = layer.InputSteps, stride = plan.Stride, cols = 3 * units;
        int blocks = Blocks(units);
        bool sequence = layer.ReturnSequences, masked = units % 8 != 0, after = layer.ResetAfter, bias = layer.UseBias;
        ActivationKind act = layer.Activation, rec = layer.RecurrentActivation;
        int inputCandidate = after ? 3 * stride : 2 * stride; // where dz keeps the candidate's input-side delta
        string Mask(int k) => masked && k == blocks - 1 ? " & tail" : "";
        string Times(string value, string? factor) => factor is null ? value : $"({value}) * {factor}";
        void BiasUpdate(string z, int column)
        {
            if (bias)
            {
                w.Line($"(Vector256.LoadUnsafe(ref gb, {column}) + {z}).StoreUnsafe(ref gb, {column});");
            }
        }

        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward through time (reset_after={(after ? "True" : "False")}): per step, gate deltas and the direct path");
        w.Line($"/// dh_(t-1) = z ⊙ dh_t first, then dh_(t-1) += dz·Uᵀ;");
        w.Line($"/// after the first step, over all steps at once: dW += Σ x_tᵀ·dz_t, dU += Σ h_(t-1)ᵀ·dz_t{(needsInputGradient ? ", dx_t = dz_t·Wᵀ" : "")}.</summary>");
        using (RecurrentBackwardStart(w, layer, method, needsInputGradient))
        {
            w.Line($"ref float gates = ref Unsafe.Add(ref h, {layer.GateStart});");
            w.Line("ref float dh = ref work; // dh_t flowing back from step t + 1");
            w.Line($"ref float dz = ref Unsafe.Add(ref work, {stride}); // per step the deltas z, r, {(after ? "h̃ (recurrent side), h̃ (input side)" : "h̃, r ⊙ h")}; {stride} floats each");
            if (masked)
            {
                w.Line($"Vector256<float> tail = VectorMath.FirstLanes({units % 8}); // the last block's real lanes");
            }
            InitialDh(w, layer, blocks);
            using (w.Block($"for (int t = {steps - 1}; t >= 0; t--)"))
            {
                StepRefs(w, layer, plan, needsInputGradient, inputRows: false);
                w.Line($"ref float gt = ref Unsafe.Add(ref gates, t * {4 * stride});");
                w.Line($"ref float dzt = ref Unsafe.Add(ref dz, t * {4 * stride});");
                PassPaddedStep(w, layer, stride, 4 * stride);
                if (!after)
                {
                    w.Line($"ref float drh = ref Unsafe.Add(ref dzt, {3 * stride}); // d loss / d (r ⊙ h_(t-1))");
                }
                w.Line($"// Pass 1: deltas of z and h̃ before their activations, and the direct path dh_(t-1) = z ⊙ dh_t.");
                for (int k = 0; k < blocks; k++)
                {
                    int o = 8 * k;
                    using (w.Block(""))
                    {
                        w.Line($"Vector256<float> dhk = {(sequence ? $"(Vector256.LoadUnsafe(ref dh, {o}) + Vector256.LoadUnsafe(ref dyt, {o}))" : $"Vector256.LoadUnsafe(ref dh, {o})")}{Mask(k)};");
                        w.Line($"Vector256<float> gateZ = Vector256.LoadUnsafe(ref gt, {o}), candidate = Vector256.LoadUnsafe(ref gt, {2 * stride + o}), hPrev = Vector256.LoadUnsafe(ref hp, {o});");
                        w.Line($"Vector256<float> zZ = ({Times("dhk * (hPrev - candidate)", Derivative(rec, "gateZ"))}){Mask(k)};");
                        w.Line($"Vector256<float> zX = ({Times("dhk * (Vector256<float>.One - gateZ)", Derivative(act, "candidate"))}){Mask(k)};");
                        w.Line($"(dhk * gateZ).StoreUnsafe(ref dh, {o});");
                        w.Line($"zZ.StoreUnsafe(ref dzt, {o});");
                        w.Line($"zX.StoreUnsafe(ref dzt, {inputCandidate + o});");
                        BiasUpdate("zZ", o);
                        BiasUpdate("zX", 2 * units + o);
                        if (after)
                        {
                            w.Line($"Vector256<float> gateR = Vector256.LoadUnsafe(ref gt, {stride + o}), recurrentPart = Vector256.LoadUnsafe(ref gt, {3 * stride + o});");
                            w.Line($"Vector256<float> zR = ({Times("zX * recurrentPart", Derivative(rec, "gateR"))}){Mask(k)};");
                            w.Line($"Vector256<float> zH = (zX * gateR){Mask(k)};");
                            w.Line($"zR.StoreUnsafe(ref dzt, {stride + o});");
                            w.Line($"zH.StoreUnsafe(ref dzt, {2 * stride + o});");
                            BiasUpdate("zR", units + o);
                            BiasUpdate("zZ", cols + o);
                            BiasUpdate("zR", cols + units + o);
                            BiasUpdate("zH", cols + 2 * units + o);
                        }
                    }
                }
                if (!after)
                {
                    w.Line("// Pass 2: d(r ⊙ h_(t-1)) = dh̃·U_hᵀ, then the reset gate's delta and its path to h_(t-1).");
                    DotRows(w, "drh", "U", units, new GateRun(2, 2 * stride, 1), layer, stride, "dzt", accumulate: false);
                    for (int k = 0; k < blocks; k++)
                    {
                        int o = 8 * k;
                        using (w.Block(""))
                        {
                            w.Line($"Vector256<float> drhk = Vector256.LoadUnsafe(ref drh, {o}){Mask(k)};");
                            w.Line($"Vector256<float> gateR = Vector256.LoadUnsafe(ref gt, {stride + o});");
                            w.Line($"Vector256<float> zR = ({Times($"drhk * Vector256.LoadUnsafe(ref hp, {o})", Derivative(rec, "gateR"))}){Mask(k)};");
                            w.Line($"zR.StoreUnsafe(ref dzt, {stride + o});");
                            w.Line($"Vector256.MultiplyAddEstimate(drhk, gateR, Vector256.LoadUnsafe(ref dh, {o})).StoreUnsafe(ref dh, {o});");
                            BiasUpdate("zR", units + o);
                        }
                    }
                }
                w.Line($"// Pass {(after ? 2 : 3)}: the delta flowing to the previous step through U.");
                DotRows(w, "dh", "U", units, new GateRun(0, 0, after ? 3 : 2), layer, stride, "dzt", accumulate: true);
            }
            InitialStateGradient(w, layer, stride, cell: false);
            w.Line("// Over all steps at once: the weight gradients (and each step's input gradient).");
            if (after)
            {
                InputSideProducts(w, layer, plan, needsInputGradient, 4 * stride, new GateRun(0, 0, 2), new GateRun(2, 3 * stride, 1));
                OuterProducts(w, "gU", "h", stride, units, new GateRun(0, 0, 3), layer, stride, 4 * stride);
            }
            else
            {
                InputSideProducts(w, layer, plan, needsInputGradient, 4 * stride, new GateRun(0, 0, 3));
                OuterProducts(w, "gU", "h", stride, units, new GateRun(0, 0, 2), layer, stride, 4 * stride);
                OuterProducts(w, "gU", $"Unsafe.Add(ref gates, {3 * stride})", 4 * stride, units, new GateRun(2, 2 * stride, 1), layer, stride, 4 * stride);
            }
        }
    }

    /// <summary>With reset_after, pairs of samples share each weight load (reset_before needs r of every unit first).</summary>
    protected override bool HasGroupKernel(GruSpec layer) => layer.ResetAfter;

    protected override void EmitGroupCall(SourceWriter w, GruSpec layer, string method, GroupCall group) => PairCalls(w, method, group);

    private static (string Name, int Column)[] Triple(string z, string r, string h, int units, int block)
        => new[] { (z, 8 * block), (r, units + 8 * block), (h, 2 * units + 8 * block) };

    private static void ForwardPair(SourceWriter w, GruSpec layer, string method, LayerPlan plan)
    {
        int units = layer.Units, stride = plan.Stride, cols = 3 * units;
        bool bias = layer.UseBias;
        ActivationKind act = layer.Activation, rec = layer.RecurrentActivation;
        string Bias(int column) => bias ? $"Vector256.LoadUnsafe(ref b, {column})" : "Vector256<float>.Zero";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' for two samples at once (each weight vector loaded once for both).</summary>");
        using (w.Block($"private static void {Names.ForwardPair(method)}(ref float p, ref float x0, ref float h0, ref float x1, ref float h1)"))
        {
            WeightRefs(w, layer, "p", "W", "b");
            using (w.Block($"for (int t = 0; t < {layer.InputSteps}; t++)"))
            {
                PairStepRefs(w, layer, plan, layer.GateStart, null);
                OutlinedLoop(w, layer, method, new[] { "hq", "ht", "gt" }, Block);
            }
        }
        OutlinedMethod(w, layer, method, new[] { "hq", "ht", "gt" }, Blocks);

        void Block(int k) => Blocks(k, 1);

        void Blocks(int first, int count)
        {
            using (w.Block(""))
            {
                w.Line($"// {ColumnRange(first, count, units)}: z and r from both products; h̃'s input part X and recurrent part H apart");
                foreach (string s in PairSamples)
                {
                    for (int j = 0; j < count; j++)
                    {
                        int o = 8 * (first + j);
                        w.Line($"Vector256<float> a{s}Z{j} = {(bias ? $"{Bias(o)} + {Bias(cols + o)}" : Bias(o))}, a{s}R{j} = {(bias ? $"{Bias(units + o)} + {Bias(cols + units + o)}" : Bias(o))}, a{s}X{j} = {Bias(2 * units + o)}, a{s}H{j} = {Bias(cols + 2 * units + o)};");
                    }
                }
                AccumulatePair(w, "xt", "W", layer.InputFeatures, cols, Enumerable.Range(0, count).SelectMany(j => new[] { ($"Z{j}", 8 * (first + j)), ($"R{j}", units + 8 * (first + j)), ($"X{j}", 2 * units + 8 * (first + j)) }).ToArray());
                AccumulatePair(w, "hp", "U", units, cols, Enumerable.Range(0, count).SelectMany(j => new[] { ($"Z{j}", 8 * (first + j)), ($"R{j}", units + 8 * (first + j)), ($"H{j}", 2 * units + 8 * (first + j)) }).ToArray());
                for (int j = 0; j < count; j++)
                {
                    int o = 8 * (first + j);
                    foreach (string s in PairSamples)
                    {
                        using (w.Block(""))
                        {
                            w.Line($"Vector256<float> gateZ = {Activate(rec, $"a{s}Z{j}")}, gateR = {Activate(rec, $"a{s}R{j}")};");
                            w.Line($"Vector256<float> candidate = {Activate(act, $"Vector256.MultiplyAddEstimate(gateR, a{s}H{j}, a{s}X{j})")};");
                            w.Line($"Vector256.MultiplyAddEstimate(gateZ, Vector256.LoadUnsafe(ref hq{s}, {o}) - candidate, candidate).StoreUnsafe(ref ht{s}, {o});");
                            w.Line($"gateZ.StoreUnsafe(ref gt{s}, {o});");
                            w.Line($"gateR.StoreUnsafe(ref gt{s}, {stride + o});");
                            w.Line($"candidate.StoreUnsafe(ref gt{s}, {2 * stride + o});");
                            w.Line($"a{s}H{j}.StoreUnsafe(ref gt{s}, {3 * stride + o});");
                        }
                    }
                }
            }
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter Gru = Register(new GruEmitter());
}
