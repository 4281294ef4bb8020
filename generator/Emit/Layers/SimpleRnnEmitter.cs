using System.Linq;
using StaticRnn.Generator.Model;
using static StaticRnn.Generator.Emit.Code;

namespace StaticRnn.Generator.Emit;

/// <summary>SimpleRNN: one fused product of x_t and h_(t-1) per step; a group kernel runs four samples' steps side by side.</summary>
internal sealed class SimpleRnnEmitter : LayerEmitter<SimpleRnnSpec>
{
    /// <summary>The steps of a group of samples side by side, so that their chains of dependent work overlap.</summary>
    protected override bool HasGroupKernel(SimpleRnnSpec layer) => true;

    /// <summary>Samples whose steps one group kernel runs side by side.</summary>
    private const int Together = 4;

    protected override string GroupForm(SimpleRnnSpec layer) => $"{Together} samples side by side";

    protected override void EmitGroupCall(SourceWriter w, SimpleRnnSpec layer, string method, GroupCall group)
        => TupleCalls(w, method, Names.ForwardGroup(method), Together, group);

    protected override void Forward(LayerContext ctx, SimpleRnnSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        bool grouped = ctx.Grouped && HasGroupKernel(layer);
        int inputs = layer.InputFeatures, units = layer.Units, steps = layer.InputSteps;
        ActivationKind act = layer.Activation;
        string f = Formula(act);
        string open = f.Length > 0 ? f + "(" : "", close = f.Length > 0 ? ")" : "";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' (SimpleRNN {inputs} → {units}, {steps} steps{(layer.GoBackwards ? ", backwards" : "")}): h_t = {open}x_t·W + h_(t-1)·U{(layer.UseBias ? " + b" : "")}{close}.</summary>");
        w.Line($"/// <remarks>h holds {steps + 1} rows of {plan.Stride}: row 0 is the initial state (zeros), row t + 1 is h_t.</remarks>");
        foreach (ForwardKernel kernel in ctx.ForwardKernels(steps, region: "h", mask: layer.UsesMask))
        {
            using (w.Block(kernel.Signature))
            {
                WeightRefs(w, layer, "p", "W", "b");
                using (w.Block(kernel.Loop(steps)))
                {
                    Step();
                }
            }
        }
        if (!grouped)
        {
            return;
        }
        w.Line();
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' for {Together} samples: their steps side by side, so that their chains of dependent work overlap.</summary>");
        using (w.Block($"private static void {Names.ForwardGroup(method)}(ref float p, {string.Join(", ", Enumerable.Range(0, Together).Select(k => $"ref float x{k}, ref float h{k}"))})"))
        {
            WeightRefs(w, layer, "p", "W", "b");
            using (w.Block($"for (int t = 0; t < {steps}; t++)"))
            {
                for (int k = 0; k < Together; k++)
                {
                    using (w.Block(""))
                    {
                        w.Line($"ref float x = ref x{k};");
                        w.Line($"ref float h = ref h{k};");
                        Step();
                    }
                }
            }
        }

        void Step()
        {
            w.Line($"ref float xt = ref Unsafe.Add(ref x, {InputRow(layer)} * {plan.InputStride});{(layer.GoBackwards ? " // go_backwards: step t reads input row T-1-t" : "")}");
            w.Line($"ref float hp = ref Unsafe.Add(ref h, t * {plan.Stride}); // h_(t-1)");
            w.Line($"ref float ht = ref Unsafe.Add(ref hp, {plan.Stride}); // h_t");
            SkipPaddedStep(w, layer, plan.Stride, ("hp", "ht"));
            foreach (var (first, count) in Groups(units))
            {
                using (w.Block(""))
                {
                    w.Line($"// {ColumnRange(first, count, units)}");
                    InitAccumulators(w, layer.UseBias, first, count, layer.Unrolled);
                    int chains = Chains(count, layer.Unrolled);
                    Accumulate(w, "xt", "W", inputs, units, Columns("a", first, count), layer.Unrolled, chains);
                    Accumulate(w, "hp", "U", units, units, Columns("a", first, count), layer.Unrolled, chains);
                    CombineChains(w, count, chains);
                    for (int k = 0; k < count; k++)
                    {
                        w.Line($"{Activate(act, $"a{k}")}.StoreUnsafe(ref ht, {8 * (first + k)});");
                    }
                }
            }
        }
    }

    /// <summary>Step by step from the state on the tape: decoding runs the new steps only.</summary>
    protected override bool HasStepKernel(SimpleRnnSpec layer) => !layer.GoBackwards;

    protected override void Backward(LayerContext ctx, SimpleRnnSpec layer)
    {
        SourceWriter w = ctx.Writer;
        LayerPlan plan = ctx.Plan;
        string method = ctx.Method;
        bool needsInputGradient = ctx.NeedsInputGradient;
        int inputs = layer.InputFeatures, units = layer.Units, steps = layer.InputSteps, stride = plan.Stride;
        bool sequence = layer.ReturnSequences;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward through time: for t = T-1..0, dz_t = (dh_t + dy_t) ⊙ a'(h_t){(layer.UseBias ? ", db += dz_t" : "")}{(needsInputGradient ? ", dx_t = dz_t·Wᵀ" : "")}, dh_(t-1) = dz_t·Uᵀ;");
        w.Line("/// then over all steps at once dW += Σ x_tᵀ·dz_t and dU += Σ h_(t-1)ᵀ·dz_t (a weight-gradient row written once per sample, not once per step).</summary>");
        using (RecurrentBackwardStart(w, layer, method, needsInputGradient))
        {
            w.Line("ref float dh = ref work; // dh_t flowing back from step t + 1");
            w.Line($"ref float dz = ref Unsafe.Add(ref work, {stride}); // per step dz_t, {stride} floats each");
            if (units % 8 != 0)
            {
                w.Line($"Vector256<float> tail = VectorMath.FirstLanes({units % 8}); // the last block's real lanes");
            }
            InitialDh(w, layer, Blocks(units));
            using (w.Block($"for (int t = {steps - 1}; t >= 0; t--)"))
            {
                StepRefs(w, layer, plan, needsInputGradient, inputRows: false);
                if (needsInputGradient)
                {
                    w.Line($"ref float dxt = ref Unsafe.Add(ref dx, {InputRow(layer)} * {plan.InputStride});");
                }
                w.Line($"ref float ht = ref Unsafe.Add(ref hp, {stride}); // h_t");
                w.Line($"ref float dzt = ref Unsafe.Add(ref dz, t * {stride});");
                PassPaddedStep(w, layer, stride, stride, needsInputGradient ? new[] { ("dxt", plan.InputStride) } : System.Array.Empty<(string, int)>());
                w.Line($"// dz = (dh_t{(sequence ? " + dy_t" : "")}) ⊙ a'(h_t){(units % 8 != 0 ? ", padding lanes zeroed" : "")}");
                EmitDz(w, units,
                    k => sequence ? $"Vector256.LoadUnsafe(ref dh, {8 * k}) + Vector256.LoadUnsafe(ref dyt, {8 * k})" : $"Vector256.LoadUnsafe(ref dh, {8 * k})",
                    layer.Activation, "ht", layer.UseBias, target: "dzt");
                if (!layer.Unrolled)
                {
                    if (needsInputGradient)
                    {
                        DotRows(w, "dxt", "W", inputs, new GateRun(0, 0, 1), layer, stride, "dzt", accumulate: false);
                    }
                    DotRows(w, "dh", "U", units, new GateRun(0, 0, 1), layer, stride, "dzt", accumulate: false);
                }
                else
                {
                    foreach (var (first, count) in Groups(units))
                    {
                        using (w.Block(""))
                        {
                            w.Line($"// {ColumnRange(first, count, units)}");
                            LoadDz(w, first, count, "dzt");
                            if (needsInputGradient)
                            {
                                RowDots(w, "dxt", "W", inputs, units, Columns("z", first, count), accumulate: first > 0);
                            }
                            RowDots(w, "dh", "U", units, units, Columns("z", first, count), accumulate: first > 0);
                        }
                    }
                }
            }
            InitialStateGradient(w, layer, stride, cell: false);
            w.Line("// Over all steps at once: the weight gradients.");
            InputSideProducts(w, layer, plan, needsInputGradient: false, stride, new GateRun(0, 0, 1));
            OuterProducts(w, "gU", "h", stride, units, new GateRun(0, 0, 1), layer, stride, stride);
        }
    }
}

internal static partial class EmitterCatalog
{
    internal static readonly LayerEmitter SimpleRnn = Register(new SimpleRnnEmitter());
}
