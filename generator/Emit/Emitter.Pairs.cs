using System.Collections.Generic;
using System.Linq;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Two-sample forward kernels of LSTM and GRU (reset_after): per step and 8-unit block, each weight vector is loaded
/// once and feeds both samples' gate accumulators, so a batch reads the recurrent kernel half as often, and the two
/// samples' eight accumulators are independent chains. A grouped network's forward pass calls them for each pair of
/// its group.
/// </summary>
internal static partial class Emitter
{
    private static readonly string[] PairSamples = { "0", "1" };

    /// <summary>Samples a pair kernel computes together.</summary>
    internal const int PairSize = 2;

    /// <summary>
    /// acc_s += vec_s[i] · M[i, column ..] for every row i, every sample s of the pair and every (gate, column): one
    /// load of each weight vector per row for both samples. Accumulators are named <c>a{sample}{gate}</c>.
    /// </summary>
    private static void AccumulatePair(SourceWriter w, string vec, string matrix, int rows, int rowLength, (string Gate, int Column)[] gates)
    {
        using (w.Block($"for (int i = 0; i < {rows}; i++)"))
        {
            w.Line($"Vector256<float> s0 = Vector256.Create(Unsafe.Add(ref {vec}0, i)), s1 = Vector256.Create(Unsafe.Add(ref {vec}1, i));");
            w.Line($"ref float row = ref Unsafe.Add(ref {matrix}, i * {rowLength});");
            foreach (var (gate, column) in gates)
            {
                w.Line($"Vector256<float> w{gate} = Vector256.LoadUnsafe(ref row, {column});");
                w.Line($"a0{gate} = Vector256.MultiplyAddEstimate(s0, w{gate}, a0{gate});");
                w.Line($"a1{gate} = Vector256.MultiplyAddEstimate(s1, w{gate}, a1{gate});");
            }
        }
    }

    /// <summary>The refs of one step for both samples: x_t, h_(t-1), h_t, the gate row, and c_(t-1), c_t (LSTM) or hq (GRU).</summary>
    private static void PairStepRefs(SourceWriter w, LayerSpec layer, TapePlan.LayerPlan plan, bool cells)
    {
        int stride = plan.Stride;
        foreach (string k in PairSamples)
        {
            w.Line($"ref float xt{k} = ref Unsafe.Add(ref x{k}, {InputRow(layer)} * {plan.InputStride});");
            w.Line($"ref float hp{k} = ref Unsafe.Add(ref h{k}, t * {stride});");
            w.Line($"ref float ht{k} = ref Unsafe.Add(ref hp{k}, {stride});");
            w.Line($"ref float gt{k} = ref Unsafe.Add(ref h{k}, {plan.GateOffset - plan.RegionOffset} + t * {4 * stride});");
            if (cells)
            {
                w.Line($"ref float cp{k} = ref Unsafe.Add(ref h{k}, {plan.CellOffset - plan.RegionOffset} + t * {stride});");
                w.Line($"ref float ct{k} = ref Unsafe.Add(ref cp{k}, {stride});");
            }
            else
            {
                w.Line($"ref float hq{k} = ref hp{k}; // h_(t-1) read by unit, where hp is read by row");
            }
        }
    }

    private static void LstmForwardPair(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan)
    {
        int units = layer.Decl.Units, stride = plan.Stride, cols = 4 * units;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' for two samples at once (each weight vector loaded once for both).</summary>");
        using (w.Block($"private static void {method}ForwardPair(ref float p, ref float x0, ref float h0, ref float x1, ref float h1)"))
        {
            WeightRefs(w, layer, "p", "W", "b");
            using (w.Block($"for (int t = 0; t < {layer.InputSteps}; t++)"))
            {
                PairStepRefs(w, layer, plan, cells: true);
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
                    w.Line("Vector256<float> " + string.Join(", ", gates.Select(g => $"a{s}{g.Item1} = {(layer.HasBias ? $"Vector256.LoadUnsafe(ref b, {g.Item2})" : "Vector256<float>.Zero")}")) + ";");
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

    /// <summary>
    /// The blocks of one step of a pair kernel: inline, or for an <see cref="Outlined"/> layer one call per block group with
    /// the weight refs and the sample refs in <paramref name="shifted"/> pointing at the group's first unit. With AVX-512's
    /// 32 vector registers a call covers two blocks (16 accumulators, every cache line of a weight row used whole);
    /// otherwise one block (8 accumulators, which 16 registers hold).
    /// </summary>
    private static void OutlinedLoop(SourceWriter w, LayerSpec layer, string method, string[] shifted, System.Action<int> block)
    {
        int blocks = Blocks(layer.Decl.Units), even = blocks / 2 * 2;
        if (!Outlined(layer))
        {
            for (int k = 0; k < blocks; k++)
            {
                block(k);
            }
            return;
        }
        string call = string.Join(", ", OutlinedRefs(layer, shifted).Select(r => r.Shifted ? $"ref Unsafe.Add(ref {r.Name}, o)" : $"ref {r.Name}"));
        using (w.Block("if (global::System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported)"))
        {
            using (w.Block($"for (int o = 0; o < {8 * even}; o += 16)"))
            {
                w.Line($"{method}PairBlocks({call});");
            }
            if (even < blocks)
            {
                using (w.Block(""))
                {
                    w.Line($"int o = {8 * even};");
                    w.Line($"{method}PairBlock({call});");
                }
            }
        }
        using (w.Block("else"))
        {
            using (w.Block($"for (int o = 0; o < {8 * blocks}; o += 8)"))
            {
                w.Line($"{method}PairBlock({call});");
            }
        }
    }

    /// <summary>
    /// The refs an outlined per-group method takes: the weights, then per sample x_t and h_(t-1) (read by row, as they are)
    /// and the <paramref name="shifted"/> refs, which like the weights point at the group's first unit.
    /// </summary>
    private static IEnumerable<(string Name, bool Shifted)> OutlinedRefs(LayerSpec layer, string[] shifted)
    {
        yield return ("W", true);
        yield return ("U", true);
        if (layer.HasBias)
        {
            yield return ("b", true);
        }
        foreach (string s in PairSamples)
        {
            yield return ($"xt{s}", false);
            yield return ($"hp{s}", false);
            foreach (string r in shifted)
            {
                yield return ($"{r}{s}", true);
            }
        }
    }

    /// <summary>The per-group methods <see cref="OutlinedLoop"/> calls, of one and of two blocks (nothing for a layer that is not outlined).</summary>
    private static void OutlinedMethod(SourceWriter w, LayerSpec layer, string method, string[] shifted, System.Action<int, int> blocks)
    {
        if (!Outlined(layer))
        {
            return;
        }
        var parameters = OutlinedRefs(layer, shifted).Select(r => $"ref float {r.Name}").ToList();
        foreach (int count in new[] { 1, 2 })
        {
            w.Line();
            w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}', {(count == 1 ? "one 8-unit block" : "two 8-unit blocks")} of one step for two samples (the refs point at the first unit).</summary>");
            using (w.Block($"private static void {method}{(count == 1 ? "PairBlock" : "PairBlocks")}({string.Join(", ", parameters)})"))
            {
                blocks(0, count);
            }
        }
    }

    private static void GruForwardPair(SourceWriter w, LayerSpec layer, string method, TapePlan.LayerPlan plan)
    {
        int units = layer.Decl.Units, stride = plan.Stride, cols = 3 * units;
        bool bias = layer.HasBias;
        ActivationKind act = layer.Decl.Activation, rec = layer.Decl.RecurrentActivation;
        string Bias(int column) => bias ? $"Vector256.LoadUnsafe(ref b, {column})" : "Vector256<float>.Zero";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' for two samples at once (each weight vector loaded once for both).</summary>");
        using (w.Block($"private static void {method}ForwardPair(ref float p, ref float x0, ref float h0, ref float x1, ref float h1)"))
        {
            WeightRefs(w, layer, "p", "W", "b");
            using (w.Block($"for (int t = 0; t < {layer.InputSteps}; t++)"))
            {
                PairStepRefs(w, layer, plan, cells: false);
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
