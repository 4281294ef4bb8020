using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// GRU, Keras gate order z, r, h; h_t = z ⊙ h_(t-1) + (1 - z) ⊙ h̃. With <c>ResetAfter</c> (Keras 3 default) the reset
/// gate multiplies the recurrent product, h̃ = a(x·W_h + b_h + r ⊙ (h·U_h + b'_h)), so one fused pass per 8-unit block
/// suffices. Without it, h̃ = a(x·W_h + (r ⊙ h)·U_h + b_h) needs r of every unit first: the step runs in two passes.
/// The tape keeps, per step, z, r, h̃ and the fourth vector the backward pass needs (h·U_h + b'_h, or r ⊙ h).
/// </summary>
internal static partial class Emitter
{
    private static (string Name, int Column)[] Triple(string z, string r, string h, int units, int block)
        => new[] { (z, 8 * block), (r, units + 8 * block), (h, 2 * units + 8 * block) };

    private static void GruForward(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan)
    {
        int inputs = layer.InputFeatures, units = layer.Decl.Units, steps = layer.InputSteps, stride = plan.Stride, cols = 3 * units;
        bool after = layer.Decl.ResetAfter, bias = layer.HasBias;
        ActivationKind act = layer.Decl.Activation, rec = layer.Decl.RecurrentActivation;
        string candidate = after ? $"{Name(act)}(x·W_h{(bias ? " + b_h" : "")} + r ⊙ (h_(t-1)·U_h{(bias ? " + b'_h" : "")}))" : $"{Name(act)}(x·W_h + (r ⊙ h_(t-1))·U_h{(bias ? " + b_h" : "")})";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (GRU {inputs} → {units}, {steps} steps{(layer.Decl.GoBackwards ? ", backwards" : "")}, reset_after={(after ? "True" : "False")}):");
        w.Line($"/// z, r = {Formula(rec)}(x_t·W + h_(t-1)·U{(bias ? " + b" : "")}); h̃ = {candidate}; h_t = z ⊙ h_(t-1) + (1 - z) ⊙ h̃.</summary>");
        w.Line($"/// <remarks>Region: h ({steps + 1} rows of {stride}, row 0 zeros), then per step z, r, h̃ and {(after ? "h·U_h + b'_h" : "r ⊙ h_(t-1)")} ({4 * stride} floats).</remarks>");
        using (w.Block($"private static void {method}Forward(ref float p, ref float x, ref float h)"))
        {
            WeightRefs(w, layer, "p", "W", "b");
            if (!after)
            {
                w.Line($"ref float Uh = ref Unsafe.Add(ref U, {2 * units}); // the candidate's columns of the recurrent kernel");
            }
            w.Line($"ref float gates = ref Unsafe.Add(ref h, {plan.GateOffset - plan.RegionOffset});");
            using (w.Block($"for (int t = 0; t < {steps}; t++)"))
            {
                w.Line($"ref float xt = ref Unsafe.Add(ref x, {InputRow(layer)} * {plan.InputStride});");
                w.Line($"ref float hp = ref Unsafe.Add(ref h, t * {stride}); // h_(t-1)");
                w.Line($"ref float ht = ref Unsafe.Add(ref hp, {stride}); // h_t");
                w.Line($"ref float gt = ref Unsafe.Add(ref gates, t * {4 * stride});");
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

    private static void GruBackward(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan, bool needsInputGradient)
    {
        int units = layer.Decl.Units, steps = layer.InputSteps, stride = plan.Stride, cols = 3 * units;
        int blocks = Blocks(units);
        bool sequence = layer.Decl.ReturnSequences, masked = units % 8 != 0, after = layer.Decl.ResetAfter, bias = layer.HasBias;
        ActivationKind act = layer.Decl.Activation, rec = layer.Decl.RecurrentActivation;
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
            w.Line($"ref float gates = ref Unsafe.Add(ref h, {plan.GateOffset - plan.RegionOffset});");
            w.Line("ref float dh = ref work; // dh_t flowing back from step t + 1");
            w.Line($"ref float dz = ref Unsafe.Add(ref work, {stride}); // per step the deltas z, r, {(after ? "h̃ (recurrent side), h̃ (input side)" : "h̃, r ⊙ h")}; {stride} floats each");
            if (masked)
            {
                w.Line($"Vector256<float> tail = VectorMath.FirstLanes({units % 8}); // the last block's real lanes");
            }
            InitialDh(w, sequence, blocks);
            using (w.Block($"for (int t = {steps - 1}; t >= 0; t--)"))
            {
                StepRefs(w, layer, plan, needsInputGradient, inputRows: false);
                w.Line($"ref float gt = ref Unsafe.Add(ref gates, t * {4 * stride});");
                w.Line($"ref float dzt = ref Unsafe.Add(ref dz, t * {4 * stride});");
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
}
