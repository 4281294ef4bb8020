using System;
using System.Collections.Generic;
using System.Linq;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Emits the vector products every layer is made of. Columns (units) are cut into blocks of 8 floats, one
/// <c>Vector256</c> each, and blocks into groups of up to four accumulators that stay in registers. Weights are
/// read in Keras layout, row by row, as broadcast-FMA rows; the last block of a row may read up to 7 floats past
/// the row (the parameter buffer is padded), and those lanes are never stored as data. In the backward pass the
/// padding lanes of dz are zero, so the same full-width reads and read-modify-writes stay exact.
/// </summary>
internal static partial class Emitter
{
    private const int GroupBlocks = 4;

    /// <summary>
    /// 8-unit blocks a gated layer's forward step computes together: two blocks of LSTM or GRU gates are eight independent
    /// accumulators, enough to hide the FMA latency (one block's four would leave the FMA units half idle).
    /// </summary>
    private const int PairBlocks = 2;

    /// <summary>
    /// Whether a gated layer's step calls a separate method per group of blocks instead of inlining every block: past four
    /// blocks one method would hold so many inlined activation temporaries that the JIT spills the accumulators to the stack.
    /// </summary>
    internal static bool Outlined(LayerSpec layer) => Blocks(layer.Decl.Units) > 4;

    /// <summary>Blocks of 8 columns, in groups of up to <see cref="GroupBlocks"/>.</summary>
    internal static IEnumerable<(int First, int Count)> Groups(int columns)
    {
        int blocks = (columns + 7) / 8;
        for (int b = 0; b < blocks; b += GroupBlocks)
        {
            yield return (b, Math.Min(GroupBlocks, blocks - b));
        }
    }

    internal static int Blocks(int columns) => (columns + 7) / 8;

    /// <summary><c>ref</c>-free element access text: <c>x</c> for index 0, else <c>Unsafe.Add(ref x, i)</c>.</summary>
    internal static string At(string reference, int index) => index == 0 ? reference : $"Unsafe.Add(ref {reference}, {index})";

    internal static string ColumnRange(int first, int count, int columns)
        => $"units {first * 8}–{Math.Min((first + count) * 8, columns) - 1}";

    /// <summary>The vectors of one group: names <c>{prefix}0..</c> over consecutive 8-float blocks starting at block <paramref name="first"/>.</summary>
    internal static (string Name, int Column)[] Columns(string prefix, int first, int count)
        => Enumerable.Range(0, count).Select(k => ($"{prefix}{k}", 8 * (first + k))).ToArray();

    /// <summary>
    /// acc += vec[i] · M[i, column .. column + 7] for every row i of M and every (acc, column). Unrolled, row i goes to
    /// chain i mod <paramref name="chains"/> of each accumulator (<c>a0</c>, <c>a0_1</c>, ...), so that a group of one or
    /// two accumulators is not one long chain of dependent FMAs; <see cref="CombineChains"/> adds the chains up.
    /// </summary>
    internal static void Accumulate(SourceWriter w, string vec, string matrix, int rows, int rowLength, (string Name, int Column)[] accumulators, bool unrolled, int chains = 1)
    {
        if (!unrolled)
        {
            using (w.Block($"for (int i = 0; i < {rows}; i++)"))
            {
                w.Line($"Vector256<float> si = Vector256.Create(Unsafe.Add(ref {vec}, i));");
                w.Line($"ref float row = ref Unsafe.Add(ref {matrix}, i * {rowLength});");
                foreach (var (a, column) in accumulators)
                {
                    w.Line($"{a} = Vector256.MultiplyAddEstimate(si, Vector256.LoadUnsafe(ref row, {column}), {a});");
                }
            }
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            string Chain(string a) => i % chains == 0 ? a : $"{a}_{i % chains}";
            if (accumulators.Length == 1)
            {
                var (a, column) = accumulators[0];
                w.Line($"{Chain(a)} = Vector256.MultiplyAddEstimate(Vector256.Create({At(vec, i)}), Vector256.LoadUnsafe(ref {matrix}, {i * rowLength + column}), {Chain(a)});");
                continue;
            }
            w.Line($"s = Vector256.Create({At(vec, i)});");
            foreach (var (a, column) in accumulators)
            {
                w.Line($"{Chain(a)} = Vector256.MultiplyAddEstimate(s, Vector256.LoadUnsafe(ref {matrix}, {i * rowLength + column}), {Chain(a)});");
            }
        }
    }

    /// <summary>Chains per accumulator of an unrolled group of <paramref name="count"/> blocks: enough for four independent FMA chains.</summary>
    internal static int Chains(int count, bool unrolled) => unrolled ? Math.Max(1, GroupBlocks / count) : 1;

    /// <summary>Adds the extra chains of a0..a(count-1) into them (see <see cref="Accumulate"/>).</summary>
    internal static void CombineChains(SourceWriter w, int count, int chains)
    {
        for (int k = 0; k < count && chains > 1; k++)
        {
            w.Line(chains == 2 ? $"a{k} += a{k}_1;" : $"a{k} = (a{k} + a{k}_1) + (a{k}_2 + a{k}_3);");
        }
    }

    /// <summary>G[i, column .. column + 7] += vec[i] · dz for every row i of G and every (dz, column): a rank-1 update of a weight gradient.</summary>
    internal static void OuterUpdate(SourceWriter w, string vec, string gradient, int rows, int rowLength, (string Name, int Column)[] deltas, bool unrolled)
    {
        if (!unrolled)
        {
            using (w.Block($"for (int i = 0; i < {rows}; i++)"))
            {
                w.Line($"Vector256<float> si = Vector256.Create(Unsafe.Add(ref {vec}, i));");
                w.Line($"ref float row = ref Unsafe.Add(ref {gradient}, i * {rowLength});");
                foreach (var (z, column) in deltas)
                {
                    w.Line($"Vector256.MultiplyAddEstimate(si, {z}, Vector256.LoadUnsafe(ref row, {column})).StoreUnsafe(ref row, {column});");
                }
            }
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            string scalar = deltas.Length == 1 ? $"Vector256.Create({At(vec, i)})" : "s";
            if (deltas.Length > 1)
            {
                w.Line($"s = Vector256.Create({At(vec, i)});");
            }
            foreach (var (z, column) in deltas)
            {
                int o = i * rowLength + column;
                w.Line($"Vector256.MultiplyAddEstimate({scalar}, {z}, Vector256.LoadUnsafe(ref {gradient}, {o})).StoreUnsafe(ref {gradient}, {o});");
            }
        }
    }

    /// <summary>
    /// out[i] (+)= Σ sum(M[i, column .. column + 7] ⊙ dz) for an unrolled layer: the product of M with the dz vectors in
    /// registers, one dot product per row of M, eight rows sharing one reduction (<c>Products.SumEach</c>) and the store
    /// covering the output row's padding. Looped layers call <c>Products.DotRows</c> on the dz row instead (<see cref="DotRows"/>).
    /// </summary>
    internal static void RowDots(SourceWriter w, string output, string matrix, int rows, int rowLength, (string Name, int Column)[] deltas, bool accumulate)
    {
        // Eight rows at a time, reduced together; the output row is padded to a multiple of 8, and its padding lanes get zeros.
        for (int first = 0; first < rows; first += 8)
        {
            var products = Enumerable.Range(first, 8).Select(i => i >= rows ? "Vector256<float>.Zero"
                : string.Join(" + ", deltas.Select(d => $"Vector256.LoadUnsafe(ref {matrix}, {i * rowLength + d.Column}) * {d.Name}")));
            string sums = $"Products.SumEach({string.Join(", ", products)})";
            w.Line(accumulate
                ? $"(Vector256.LoadUnsafe(ref {output}, {first}) + {sums}).StoreUnsafe(ref {output}, {first});"
                : $"{sums}.StoreUnsafe(ref {output}, {first});");
        }
    }

    /// <summary>
    /// <paramref name="Count"/> consecutive gates of a weight matrix starting at gate <paramref name="FirstGate"/>, whose deltas
    /// start at float <paramref name="DeltaOffset"/> of a delta row (each gate padded to the stride there).
    /// </summary>
    internal readonly record struct GateRun(int FirstGate, int DeltaOffset, int Count);

    /// <summary>out (+)= deltas·Mᵀ over the gates of <paramref name="run"/>, one dot product per row of M (a call into <c>Products.DotRows</c>).</summary>
    internal static void DotRows(SourceWriter w, string output, string matrix, int rows, GateRun run, LayerSpec layer, int stride, string deltas, bool accumulate)
    {
        int units = layer.Decl.Units;
        w.Line($"Products.DotRows(ref {At(output, 0)}, ref {At(matrix, run.FirstGate * units)}, rowLength: {layer.Gates * units}, gates: {run.Count}, units: {units}, stride: {stride}, rows: {rows}, ref {At(deltas, run.DeltaOffset)}, accumulate: {(accumulate ? "true" : "false")});");
    }

    /// <summary>G += Σ_t v_tᵀ·d_t over all steps and the gates of <paramref name="run"/> (a call into <c>Products.AddOuterProducts</c>).</summary>
    internal static void OuterProducts(SourceWriter w, string gradient, string vectors, int vectorStride, int rows, GateRun run, LayerSpec layer, int stride, int deltaRow)
    {
        int units = layer.Decl.Units;
        w.Line($"Products.AddOuterProducts(ref {At(gradient, run.FirstGate * units)}, rowLength: {layer.Gates * units}, gates: {run.Count}, units: {units}, stride: {stride}, ref {vectors}, vectorStride: {vectorStride}, rows: {rows}, ref {At("dz", run.DeltaOffset)}, deltaStride: {deltaRow}, steps: {layer.InputSteps});");
    }

    /// <summary>
    /// After the time loop of a recurrent backward pass: the kernel's gradient from the inputs of every step, and, when a
    /// layer precedes this one, each step's input gradient dx_t = dz_t·Wᵀ. Going backwards, step t read input row T-1-t,
    /// so the input rows are walked from the last one with a negative stride.
    /// </summary>
    internal static void InputSideProducts(SourceWriter w, LayerSpec layer, TapePlan.LayerPlan plan, bool needsInputGradient, int deltaRow, params GateRun[] runs)
    {
        int steps = layer.InputSteps, stride = plan.Stride;
        bool backwards = layer.Decl.GoBackwards;
        string first = backwards ? $"Unsafe.Add(ref x, {(steps - 1) * plan.InputStride})" : "x";
        foreach (GateRun run in runs)
        {
            OuterProducts(w, "gW", first, backwards ? -plan.InputStride : plan.InputStride, layer.InputFeatures, run, layer, stride, deltaRow);
        }
        if (!needsInputGradient)
        {
            return;
        }
        using (w.Block($"for (int t = 0; t < {steps}; t++)"))
        {
            w.Line($"ref float dxt = ref Unsafe.Add(ref dx, {InputRow(layer)} * {plan.InputStride});");
            w.Line($"ref float dzt = ref Unsafe.Add(ref dz, t * {deltaRow});");
            for (int r = 0; r < runs.Length; r++)
            {
                DotRows(w, "dxt", "W", layer.InputFeatures, runs[r], layer, stride, "dzt", accumulate: r > 0);
            }
        }
    }

    /// <summary>Declares z0..z(count-1) from the dz row.</summary>
    internal static void LoadDz(SourceWriter w, int first, int count, string row = "dz")
    {
        for (int k = 0; k < count; k++)
        {
            w.Line($"Vector256<float> z{k} = Vector256.LoadUnsafe(ref {row}, {8 * (first + k)});");
        }
    }

    /// <summary>Declares the accumulators a0..a(count-1), from the bias or zero, and their extra chains (see <see cref="Chains"/>).</summary>
    internal static void InitAccumulators(SourceWriter w, bool hasBias, int first, int count, bool unrolled)
    {
        int chains = Chains(count, unrolled);
        for (int k = 0; k < count; k++)
        {
            string init = hasBias ? $"Vector256.LoadUnsafe(ref b, {8 * (first + k)})" : "Vector256<float>.Zero";
            string more = string.Concat(Enumerable.Range(1, chains - 1).Select(c => $", a{k}_{c} = Vector256<float>.Zero"));
            w.Line($"Vector256<float> a{k} = {init}{more};");
        }
        if (unrolled && count > 1)
        {
            w.Line("Vector256<float> s;");
        }
    }

    /// <summary>The activation applied to a pre-activation vector expression.</summary>
    internal static string Activate(Model.ActivationKind activation, string value) => activation switch
    {
        Model.ActivationKind.Tanh => $"VectorMath.Tanh({value})",
        Model.ActivationKind.Sigmoid => $"VectorMath.Sigmoid({value})",
        Model.ActivationKind.Relu => $"VectorMath.Relu({value})",
        Model.ActivationKind.HardSigmoid => $"VectorMath.HardSigmoid({value})",
        _ => value, // Linear; Softmax is applied to the whole row afterwards
    };

    /// <summary>d(activation)/d(pre-activation) from the activation's output, or null when it is 1.</summary>
    internal static string? Derivative(Model.ActivationKind activation, string output) => activation switch
    {
        Model.ActivationKind.Tanh => $"VectorMath.TanhDerivative({output})",
        Model.ActivationKind.Sigmoid => $"VectorMath.SigmoidDerivative({output})",
        Model.ActivationKind.Relu => $"VectorMath.ReluDerivative({output})",
        Model.ActivationKind.HardSigmoid => $"VectorMath.HardSigmoidDerivative({output})",
        _ => null,
    };

    internal static string Formula(Model.ActivationKind activation) => activation switch
    {
        Model.ActivationKind.Tanh => "tanh",
        Model.ActivationKind.Sigmoid => "σ",
        Model.ActivationKind.Relu => "relu",
        Model.ActivationKind.HardSigmoid => "hard_sigmoid",
        Model.ActivationKind.Softmax => "softmax",
        _ => "",
    };

    /// <summary>
    /// Start of a recurrent backward pass: dh holds the gradient flowing into the last step, which is the output's
    /// gradient when only the last step is returned, else zero (each step's own output gradient is added per step).
    /// </summary>
    internal static void InitialDh(SourceWriter w, bool sequence, int blocks)
    {
        for (int k = 0; k < blocks; k++)
        {
            w.Line(sequence
                ? $"Vector256<float>.Zero.StoreUnsafe(ref dh, {8 * k});"
                : $"Vector256.LoadUnsafe(ref dy, {8 * k}).StoreUnsafe(ref dh, {8 * k}); // only the last step is an output");
        }
    }

    /// <summary>
    /// The refs one backward step of a recurrent layer reads: h_(t-1) and the output gradient row, and, when the step itself
    /// works on its input (<paramref name="inputRows"/>), the input row and the input gradient row.
    /// </summary>
    internal static void StepRefs(SourceWriter w, Model.LayerSpec layer, TapePlan.LayerPlan plan, bool needsInputGradient, bool inputRows = true)
    {
        if (inputRows)
        {
            w.Line($"ref float xt = ref Unsafe.Add(ref x, {InputRow(layer)} * {plan.InputStride});");
        }
        w.Line($"ref float hp = ref Unsafe.Add(ref h, t * {plan.Stride}); // h_(t-1)");
        if (layer.Decl.ReturnSequences)
        {
            w.Line($"ref float dyt = ref Unsafe.Add(ref dy, t * {plan.Stride});");
        }
        if (needsInputGradient && inputRows)
        {
            w.Line($"ref float dxt = ref Unsafe.Add(ref dx, {InputRow(layer)} * {plan.InputStride});");
        }
    }

    /// <summary>
    /// Opens a recurrent layer's backward method: its signature (an input gradient only when a layer precedes it),
    /// the kernel (when dx is needed) and recurrent kernel, and the gradient refs gW, gU and gb.
    /// </summary>
    internal static SourceWriter.Scope RecurrentBackwardStart(SourceWriter w, Model.LayerSpec layer, string method, bool needsInputGradient)
    {
        string dxParam = needsInputGradient ? ", ref float dx" : "";
        SourceWriter.Scope scope = w.Block($"private static void {method}Backward(ref float p, ref float x, ref float h, ref float dy, ref float g{dxParam}, ref float work)");
        if (needsInputGradient)
        {
            w.Line($"ref float W = ref Unsafe.Add(ref p, {layer.Weight(Model.WeightRole.Kernel).Offset});");
        }
        w.Line($"ref float U = ref Unsafe.Add(ref p, {layer.Weight(Model.WeightRole.RecurrentKernel).Offset});");
        WeightRefs(w, layer, "g", "gW", "gb");
        return scope;
    }
}
