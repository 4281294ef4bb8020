using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Emit;

/// <summary>What the recurrent layers' emitters share: the step refs, the backward pass's opening and its products over all steps.</summary>
internal static partial class Code
{
    /// <summary>
    /// <paramref name="Count"/> consecutive gates of a weight matrix starting at gate <paramref name="FirstGate"/>, whose deltas
    /// start at float <paramref name="DeltaOffset"/> of a delta row (each gate padded to the stride there).
    /// </summary>
    internal readonly record struct GateRun(int FirstGate, int DeltaOffset, int Count);

    /// <summary>out (+)= deltas·Mᵀ over the gates of <paramref name="run"/>, one dot product per row of M (a call into <c>Products.DotRows</c>).</summary>
    internal static void DotRows(SourceWriter w, string output, string matrix, int rows, GateRun run, RecurrentSpec layer, int stride, string deltas, bool accumulate)
        => DotRows(w, output, matrix, rows, run, layer.Units, layer.Gates, stride, deltas, accumulate);

    /// <summary>out (+)= deltas·Mᵀ for a matrix of <paramref name="gates"/> gates of <paramref name="units"/> columns each (Dense: one gate).</summary>
    internal static void DotRows(SourceWriter w, string output, string matrix, int rows, GateRun run, int units, int gates, int stride, string deltas, bool accumulate)
        => w.Line($"Products.DotRows(ref {At(output, 0)}, ref {At(matrix, run.FirstGate * units)}, rowLength: {gates * units}, gates: {run.Count}, units: {units}, stride: {stride}, rows: {rows}, ref {At(deltas, run.DeltaOffset)}, accumulate: {(accumulate ? "true" : "false")});");

    /// <summary>The input row step t reads: t, or T-1-t going backwards.</summary>
    internal static string InputRow(RecurrentSpec layer) => layer.GoBackwards ? $"({layer.InputSteps - 1} - t)" : "t";

    /// <summary>G += Σ_t v_tᵀ·d_t over all steps and the gates of <paramref name="run"/> (a call into <c>Products.AddOuterProducts</c>).</summary>
    internal static void OuterProducts(SourceWriter w, string gradient, string vectors, int vectorStride, int rows, GateRun run, RecurrentSpec layer, int stride, int deltaRow)
    {
        int units = layer.Units;
        w.Line($"Products.AddOuterProducts(ref {At(gradient, run.FirstGate * units)}, rowLength: {layer.Gates * units}, gates: {run.Count}, units: {units}, stride: {stride}, ref {vectors}, vectorStride: {vectorStride}, rows: {rows}, ref {At("dz", run.DeltaOffset)}, deltaStride: {deltaRow}, steps: {layer.InputSteps});");
    }

    /// <summary>
    /// After the time loop of a recurrent backward pass: the kernel's gradient from the inputs of every step, and, when a
    /// layer precedes this one, each step's input gradient dx_t = dz_t·Wᵀ. Going backwards, step t read input row T-1-t,
    /// so the input rows are walked from the last one with a negative stride.
    /// </summary>
    internal static void InputSideProducts(SourceWriter w, RecurrentSpec layer, LayerPlan plan, bool needsInputGradient, int deltaRow, params GateRun[] runs)
    {
        int steps = layer.InputSteps, stride = plan.Stride;
        bool backwards = layer.GoBackwards;
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

    /// <summary>
    /// Start of a recurrent backward pass: dh holds the gradient flowing into the last step, which is the output's
    /// gradient when only the last step is returned, else zero (each step's own output gradient is added per step).
    /// </summary>
    internal static void InitialDh(SourceWriter w, RecurrentSpec layer, int blocks)
    {
        bool sequence = layer.ReturnSequences, seeds = layer.StateLink == StateLink.SeedsDecoder;
        if (seeds)
        {
            w.Line($"// The final state also seeds the decoder: its gradient from there starts the way back.");
        }
        for (int k = 0; k < blocks; k++)
        {
            string fromDecoder = $"Vector256.LoadUnsafe(ref {Names.StateGradient}, {8 * k})";
            w.Line(sequence
                ? (seeds ? $"{fromDecoder}.StoreUnsafe(ref dh, {8 * k});" : $"Vector256<float>.Zero.StoreUnsafe(ref dh, {8 * k});")
                : $"{(seeds ? $"({fromDecoder} + Vector256.LoadUnsafe(ref dy, {8 * k}))" : $"Vector256.LoadUnsafe(ref dy, {8 * k})")}.StoreUnsafe(ref dh, {8 * k}); // only the last step is an output");
        }
    }

    /// <summary>
    /// After the time loop of the decoder's first recurrent layer: dh (and dc) now hold d loss / d its initial states, which
    /// are the encoder's final states; they go to the state gradient rows.
    /// </summary>
    internal static void InitialStateGradient(SourceWriter w, RecurrentSpec layer, int stride, bool cell)
    {
        if (layer.StateLink != StateLink.SeededByEncoder)
        {
            return;
        }
        w.Line("// The initial state is the encoder's final state: its gradient goes back there.");
        w.Line($"MemoryMarshal.CreateReadOnlySpan(ref dh, {stride}).CopyTo(MemoryMarshal.CreateSpan(ref {Names.StateGradient}, {stride}));");
        if (cell)
        {
            w.Line($"MemoryMarshal.CreateReadOnlySpan(ref dc, {stride}).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref {Names.StateGradient}, {stride}), {stride}));");
        }
    }

    /// <summary>
    /// The refs one backward step of a recurrent layer reads: h_(t-1) and the output gradient row, and, when the step itself
    /// works on its input (<paramref name="inputRows"/>), the input row and the input gradient row.
    /// </summary>
    internal static void StepRefs(SourceWriter w, RecurrentSpec layer, LayerPlan plan, bool needsInputGradient, bool inputRows = true)
    {
        if (inputRows)
        {
            w.Line($"ref float xt = ref Unsafe.Add(ref x, {InputRow(layer)} * {plan.InputStride});");
        }
        w.Line($"ref float hp = ref Unsafe.Add(ref h, t * {plan.Stride}); // h_(t-1)");
        if (layer.ReturnSequences)
        {
            w.Line($"ref float dyt = ref Unsafe.Add(ref dy, t * {plan.Stride});");
        }
        if (needsInputGradient && inputRows)
        {
            w.Line($"ref float dxt = ref Unsafe.Add(ref dx, {InputRow(layer)} * {plan.InputStride});");
        }
    }

    /// <summary>
    /// Keras masking, forward: a padded step computes nothing; h_t (and c_t) carry h_(t-1) (and c_(t-1)) over, so the
    /// output of the step is the previous one's. <paramref name="rows"/> are the (previous, current) ref pairs to copy.
    /// </summary>
    internal static void SkipPaddedStep(SourceWriter w, RecurrentSpec layer, int stride, params (string Previous, string Current)[] rows)
    {
        if (!layer.InputMasked)
        {
            return;
        }
        using (w.Block($"if (Unsafe.Add(ref mask, {InputRow(layer)}) == 0) // padding: the state carries over"))
        {
            foreach (var (previous, current) in rows)
            {
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {previous}, {stride}).CopyTo(MemoryMarshal.CreateSpan(ref {current}, {stride}));");
            }
            w.Line("continue;");
        }
    }

    /// <summary>
    /// Keras masking, backward: a padded step has no gate deltas (its dz rows are cleared, so the products over all steps
    /// add nothing for it), and the state's gradient passes through to the step before, with this step's output
    /// gradient added when the layer returns sequences. <paramref name="clear"/> extra rows (an input-gradient row) are zeroed.
    /// </summary>
    internal static void PassPaddedStep(SourceWriter w, RecurrentSpec layer, int stride, int deltaFloats, params (string Row, int Floats)[] clear)
    {
        if (!layer.InputMasked)
        {
            return;
        }
        using (w.Block($"if (Unsafe.Add(ref mask, {InputRow(layer)}) == 0) // padding: the gradient passes through"))
        {
            w.Line($"MemoryMarshal.CreateSpan(ref dzt, {deltaFloats}).Clear();");
            foreach (var (row, floats) in clear)
            {
                w.Line($"MemoryMarshal.CreateSpan(ref {row}, {floats}).Clear();");
            }
            if (layer.ReturnSequences)
            {
                using (w.Block($"for (int i = 0; i < {stride}; i += 8)"))
                {
                    w.Line("(Vector256.LoadUnsafe(ref dh, (nuint)i) + Vector256.LoadUnsafe(ref dyt, (nuint)i)).StoreUnsafe(ref dh, (nuint)i);");
                }
            }
            w.Line("continue;");
        }
    }

    /// <summary>
    /// Opens a recurrent layer's backward method: its signature (an input gradient only when a layer precedes it),
    /// the kernel (when dx is needed) and recurrent kernel, and the gradient refs gW, gU and gb.
    /// </summary>
    internal static SourceWriter.Scope RecurrentBackwardStart(SourceWriter w, RecurrentSpec layer, string method, bool needsInputGradient)
    {
        SourceWriter.Scope scope = w.Block(Names.BackwardSignature(method, layer, needsInputGradient, region: "h"));
        if (needsInputGradient)
        {
            w.Line($"ref float W = ref Unsafe.Add(ref p, {layer.Kernel.Offset});");
        }
        w.Line($"ref float U = ref Unsafe.Add(ref p, {layer.RecurrentKernel.Offset});");
        WeightRefs(w, layer, "g", "gW", "gb");
        return scope;
    }
}
