using System.Collections.Generic;
using System.Linq;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// What the two-sample forward kernels of LSTM and GRU (reset_after) share: per step and 8-unit block, each weight
/// vector is loaded once and feeds both samples' gate accumulators, so a batch reads the recurrent kernel half as often,
/// and the two samples' eight accumulators are independent chains. A grouped network's forward pass calls them for
/// each pair of its group.
/// </summary>
internal static partial class Code
{
    /// <summary>
    /// Samples per group of a grouped network (see <see cref="NetworkEmitter.Grouped"/>): one 8-row register tile of the
    /// batched products (two of 4 rows without AVX-512), so each weight panel is read once for the whole group.
    /// </summary>
    internal const int GroupSize = 8;

    /// <summary>
    /// Units from which an LSTM in a grouped network runs its group as batched products instead of pairs of samples. At
    /// 32 units (case b, batch 32) batched and paired ran within this machine's noise of each other; at 128 (case d)
    /// batched was about 1.3x faster.
    /// </summary>
    internal const int BatchedUnits = 64;

    /// <summary>
    /// Samples from which a group runs as batched products: below it the product tiles would be single rows, and the
    /// unrolled one- and two-sample kernels are faster (b predict at batch 1 took 6.3 µs batched against 3.2 µs).
    /// </summary>
    internal const int BatchedMinimum = 4;

    /// <summary>A group's forward calls as pair kernels: samples 0 and 1, 2 and 3, ..., then a last odd one alone.</summary>
    internal static void PairCalls(SourceWriter w, string method, GroupCall group) => TupleCalls(w, method, Names.ForwardPair(method), PairSize, group);

    /// <summary>A group's forward calls <paramref name="size"/> samples at a time through <paramref name="tupleMethod"/>, the rest one by one.</summary>
    internal static void TupleCalls(SourceWriter w, string method, string tupleMethod, int size, GroupCall group)
    {
        using (w.Block(""))
        {
            w.Line("int k = 0;");
            using (w.Block($"for (; k + {size - 1} < count; k += {size})"))
            {
                w.Line($"{tupleMethod}(ref {Names.Parameters}, {string.Join(", ", Enumerable.Range(0, size).Select(j => group.Sample(j == 0 ? "k" : $"k + {j}")))});");
            }
            using (w.Block("for (; k < count; k++)"))
            {
                w.Line($"{Names.Forward(method)}(ref {Names.Parameters}, {group.Sample("k")});");
            }
        }
    }

    /// <summary>
    /// 8-unit blocks a gated layer's forward step computes together: two blocks of LSTM or GRU gates are eight independent
    /// accumulators, enough to hide the FMA latency (one block's four would leave the FMA units half idle).
    /// </summary>
    internal const int PairBlocks = 2;

    /// <summary>
    /// Whether a gated layer's step calls a separate method per group of blocks instead of inlining every block: past four
    /// blocks one method would hold so many inlined activation temporaries that the JIT spills the accumulators to the stack.
    /// </summary>
    internal static bool Outlined(RecurrentSpec layer) => Blocks(layer.Units) > 4;

    internal static readonly string[] PairSamples = { "0", "1" };

    /// <summary>Samples a pair kernel computes together.</summary>
    internal const int PairSize = 2;

    /// <summary>
    /// acc_s += vec_s[i] · M[i, column ..] for every row i, every sample s of the pair and every (gate, column): one
    /// load of each weight vector per row for both samples. Accumulators are named <c>a{sample}{gate}</c>.
    /// </summary>
    internal static void AccumulatePair(SourceWriter w, string vec, string matrix, int rows, int rowLength, (string Gate, int Column)[] gates)
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
    internal static void PairStepRefs(SourceWriter w, RecurrentSpec layer, LayerPlan plan, int gateStart, int? cellStart)
    {
        int stride = plan.Stride;
        foreach (string k in PairSamples)
        {
            w.Line($"ref float xt{k} = ref Unsafe.Add(ref x{k}, {InputRow(layer)} * {plan.InputStride});");
            w.Line($"ref float hp{k} = ref Unsafe.Add(ref h{k}, t * {stride});");
            w.Line($"ref float ht{k} = ref Unsafe.Add(ref hp{k}, {stride});");
            w.Line($"ref float gt{k} = ref Unsafe.Add(ref h{k}, {gateStart} + t * {4 * stride});");
            if (cellStart is not null)
            {
                w.Line($"ref float cp{k} = ref Unsafe.Add(ref h{k}, {cellStart} + t * {stride});");
                w.Line($"ref float ct{k} = ref Unsafe.Add(ref cp{k}, {stride});");
            }
            else
            {
                w.Line($"ref float hq{k} = ref hp{k}; // h_(t-1) read by unit, where hp is read by row");
            }
        }
    }

    /// <summary>
    /// The blocks of one step of a pair kernel: inline, or for an <see cref="Outlined"/> layer one call per block group with
    /// the weight refs and the sample refs in <paramref name="shifted"/> pointing at the group's first unit. With AVX-512's
    /// 32 vector registers a call covers two blocks (16 accumulators, every cache line of a weight row used whole);
    /// otherwise one block (8 accumulators, which 16 registers hold).
    /// </summary>
    internal static void OutlinedLoop(SourceWriter w, RecurrentSpec layer, string method, string[] shifted, System.Action<int> block)
    {
        int blocks = Blocks(layer.Units), even = blocks / 2 * 2;
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
    internal static IEnumerable<(string Name, bool Shifted)> OutlinedRefs(RecurrentSpec layer, string[] shifted)
    {
        yield return ("W", true);
        yield return ("U", true);
        if (layer.UseBias)
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
    internal static void OutlinedMethod(SourceWriter w, RecurrentSpec layer, string method, string[] shifted, System.Action<int, int> blocks)
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
}
