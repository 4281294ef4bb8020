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
        foreach (ForwardKernel kernel in ctx.ForwardKernels(steps, region: "h", mask: layer.UsesMask))
        {
            using (w.Block(kernel.Signature))
            {
                WeightRefs(w, layer, "p", "W", "b");
                w.Line($"ref float c = ref Unsafe.Add(ref h, {layer.CellStart});");
                w.Line($"ref float gates = ref Unsafe.Add(ref h, {layer.GateStart});");
                using (w.Block(kernel.Loop(steps)))
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
        if (ctx.Grouped && Batched(layer))
        {
            w.Line();
            ForwardBatch(w, layer, method, plan);
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

    /// <summary>Step by step from the state on the tape: decoding runs the new steps only.</summary>
    protected override bool HasStepKernel(LstmSpec layer) => !layer.GoBackwards;

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
                Pass1(w, layer, stride);
                w.Line("// Pass 2: the delta flowing to the previous step.");
                DotRows(w, "dh", "U", units, new GateRun(0, 0, 4), layer, stride, "dzt", accumulate: false);
            }
            InitialStateGradient(w, layer, stride, cell: true);
            w.Line("// Over all steps at once: the weight gradients (and each step's input gradient).");
            InputSideProducts(w, layer, plan, needsInputGradient, 4 * stride, new GateRun(0, 0, 4));
            OuterProducts(w, "gU", "h", stride, units, new GateRun(0, 0, 4), layer, stride, 4 * stride);
        }
        if (ctx.Grouped && Batched(layer))
        {
            w.Line();
            BackwardBatch(w, layer, method, plan, needsInputGradient);
        }
    }

    /// <summary>
    /// Pass 1 of a backward step, through the refs dh, dc, dyt (sequences), gt, ct, cp, dzt and gb: dc = dc_t + dh ⊙ o ⊙
    /// a'(c_t), then the gate deltas before their activations (stored at dzt and added to the bias gradient).
    /// </summary>
    private static void Pass1(SourceWriter w, LstmSpec layer, int stride)
    {
        int units = layer.Units, blocks = Blocks(units);
        bool sequence = layer.ReturnSequences, masked = units % 8 != 0;
        ActivationKind act = layer.Activation, rec = layer.RecurrentActivation;
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
    }

    /// <summary>
    /// Backward through time for a group of samples: per step, pass 1 for each sample, then dh_(t-1) = dz_t·Uᵀ for the
    /// whole group as one product (Uᵀ packed once per call); after the time loop, each
    /// sample's weight gradients over all its steps, in sample order.
    /// </summary>
    private static void BackwardBatch(SourceWriter w, LstmSpec layer, string method, LayerPlan plan, bool needsInputGradient)
    {
        int units = layer.Units, steps = layer.InputSteps, stride = plan.Stride, cols = 4 * units;
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' backward through time for <paramref name=\"count\"/> samples: per step, gate deltas from dh and dc (pass 1) for each,");
        w.Line($"/// then dh_(t-1) = dz_t·Uᵀ for all of them as one product; then per sample over all steps: dW += Σ x_tᵀ·dz_t, dU += Σ h_(t-1)ᵀ·dz_t{(needsInputGradient ? ", dx_t = dz_t·Wᵀ" : "")}.</summary>");
        string dx = needsInputGradient ? "ref float dx0, " : "";
        using (w.Block($"private static void {Names.Backward(method)}Batch(ref float p, ref float x0, int inputStride, ref float h0, int tapeStride, ref float dy0, ref float g, {dx}int deltaStride, ref float work, int workStride, int count, ref float packed)"))
        {
            if (needsInputGradient)
            {
                w.Line($"ref float W = ref Unsafe.Add(ref p, {layer.Kernel.Offset});");
            }
            w.Line($"ref float U = ref Unsafe.Add(ref p, {layer.RecurrentKernel.Offset});");
            WeightRefs(w, layer, "g", "gW", "gb");
            w.Line($"Matrix.Pack(ref U, {cols}, {cols}, {units}, transposed: true, ref packed); // Uᵀ ({cols} × {units}) in column panels");

            void SampleRefs(bool inputs)
            {
                w.Line("ref float h = ref Unsafe.Add(ref h0, k * tapeStride);");
                w.Line("ref float dy = ref Unsafe.Add(ref dy0, k * deltaStride);");
                w.Line("ref float dh = ref Unsafe.Add(ref work, k * workStride); // dh_t flowing back from step t + 1");
                w.Line($"ref float dc = ref Unsafe.Add(ref dh, {stride}); // dc_t flowing back from step t + 1");
                w.Line($"ref float dz = ref Unsafe.Add(ref dh, {2 * stride}); // per step the gate deltas i, f, c, o");
                if (inputs)
                {
                    w.Line("ref float x = ref Unsafe.Add(ref x0, k * inputStride);");
                    if (needsInputGradient)
                    {
                        w.Line("ref float dx = ref Unsafe.Add(ref dx0, k * deltaStride);");
                    }
                }
            }

            using (w.Block("for (int k = 0; k < count; k++)"))
            {
                SampleRefs(inputs: false);
                InitialDh(w, layer, Blocks(units));
                w.Line($"MemoryMarshal.CreateSpan(ref dc, {stride}).Clear();");
            }
            using (w.Block($"for (int t = {steps - 1}; t >= 0; t--)"))
            {
                using (w.Block("for (int k = 0; k < count; k++)"))
                {
                    SampleRefs(inputs: false);
                    StepRefs(w, layer, plan, needsInputGradient, inputRows: false);
                    w.Line($"ref float cp = ref Unsafe.Add(ref h, {layer.CellStart} + t * {stride}); // c_(t-1)");
                    w.Line($"ref float ct = ref Unsafe.Add(ref cp, {stride}); // c_t");
                    w.Line($"ref float gt = ref Unsafe.Add(ref h, {layer.GateStart} + t * {4 * stride});");
                    w.Line($"ref float dzt = ref Unsafe.Add(ref dz, t * {4 * stride});");
                    Pass1(w, layer, stride);
                }
                w.Line("// Pass 2: the delta flowing to the previous step, for the whole group at once.");
                w.Line($"Matrix.MultiplyPacked(ref Unsafe.Add(ref work, {2 * stride} + t * {4 * stride}), workStride, ref packed, ref work, workStride, count, {cols}, {units}, accumulate: false);");
            }
            bool packedInput = needsInputGradient && PacksInputGradient(layer);
            if (packedInput)
            {
                w.Line($"Matrix.Pack(ref W, {cols}, {cols}, {layer.InputFeatures}, transposed: true, ref packed); // Wᵀ ({cols} × {layer.InputFeatures}) in column panels, in Uᵀ's place");
            }
            w.Line("// Per sample over all its steps at once: the weight gradients (and each step's input gradient).");
            using (w.Block("for (int k = 0; k < count; k++)"))
            {
                SampleRefs(inputs: true);
                InputSideProducts(w, layer, plan, needsInputGradient && !packedInput, 4 * stride, new GateRun(0, 0, 4));
                OuterProducts(w, "gU", "h", stride, units, new GateRun(0, 0, 4), layer, stride, 4 * stride);
                if (packedInput)
                {
                    // dx_t = dz_t·Wᵀ for every step as one product; going backwards, step t wrote input row T-1-t.
                    string first = layer.GoBackwards ? $"ref Unsafe.Add(ref dx, {(steps - 1) * plan.InputStride})" : "ref dx";
                    string rowStride = layer.GoBackwards ? $"-{plan.InputStride}" : $"{plan.InputStride}";
                    w.Line($"Matrix.MultiplyPacked(ref dz, {4 * stride}, ref packed, {first}, {rowStride}, {steps}, {cols}, {layer.InputFeatures}, accumulate: false);");
                }
            }
        }
    }

    /// <summary>
    /// Whether a batched layer's input gradient runs as one product per sample over Wᵀ packed in column panels (inputs
    /// in whole blocks of 8, which the panels need), rather than as dot products per step.
    /// </summary>
    private static bool PacksInputGradient(LstmSpec layer) => layer.InputFeatures % 8 == 0;

    protected override bool EmitGroupBackward(SourceWriter w, LstmSpec layer, string method, GroupCall group)
    {
        if (!Batched(layer))
        {
            return false;
        }
        using (w.Block($"if (count >= {BatchedMinimum})"))
        {
            w.Line($"{Names.Backward(method)}Batch(ref {Names.Parameters}, {group.BackwardBatch}, ref packed);");
        }
        using (w.Block("else"))
        {
            group.EachSampleBackward(w, method);
        }
        return true;
    }

    protected override int PackedFloats(LstmSpec layer) => Batched(layer) ? 4 * layer.Units * System.Math.Max(layer.Units, layer.InputFeatures) : 0;

    /// <summary>One direction (not a Bidirectional part): pairs of samples share each weight load.</summary>
    protected override bool HasGroupKernel(LstmSpec layer) => true;

    protected override void EmitGroupCall(SourceWriter w, LstmSpec layer, string method, GroupCall group)
    {
        if (!Batched(layer))
        {
            PairCalls(w, method, group);
            return;
        }
        using (w.Block($"if (count >= {BatchedMinimum})"))
        {
            w.Line($"{Names.ForwardBatch(method)}(ref {Names.Parameters}, {group.Batch}, ref packed);");
        }
        using (w.Block("else // too few rows for the product tiles: pairs of samples"))
        {
            PairCalls(w, method, group);
        }
    }

    protected override string GroupForm(LstmSpec layer)
        => Batched(layer) ? $"as batched products over groups of {BatchedMinimum} to {GroupSize} samples (fewer: two at a time)" : "two samples at a time";

    /// <summary>
    /// Whether a group's forward pass runs as batched products (<see cref="ForwardBatch"/>) rather than pairs of samples:
    /// for layers wide enough that the products dominate the step, with whole 8-unit blocks (the gate rows on the tape
    /// then have the kernel's column layout).
    /// </summary>
    internal static bool Batched(LstmSpec layer) => layer.Units % 8 == 0 && layer.Units >= BatchedUnits && !layer.UsesMask;

    /// <summary>
    /// A group over whole-shard products: first every step's input projection (bias + x_t·W, one product per sample over
    /// its steps), then per step one product h_(t-1)·U over the group's samples added onto it, then the cell of each
    /// sample. Each gate pre-activation is the same chain of FMAs as in the one-sample kernel (bias, then the input
    /// features, then the units, in order), so the results are the same bits.
    /// </summary>
    private static void ForwardBatch(SourceWriter w, LstmSpec layer, string method, LayerPlan plan)
    {
        int inputs = layer.InputFeatures, units = layer.Units, steps = layer.InputSteps, stride = plan.Stride, cols = 4 * units;
        string firstRow = layer.GoBackwards ? $" + {(steps - 1) * plan.InputStride}" : "";
        string rowStride = layer.GoBackwards ? $"-{plan.InputStride}" : $"{plan.InputStride}";
        w.Line($"/// <summary>Layer {layer.Position + 1} '{layer.Name}' for <paramref name=\"count\"/> samples at once: sample k's input at x + k·<paramref name=\"inputStride\"/>, its region at h + k·<paramref name=\"tapeStride\"/>.");
        w.Line("/// Batched products: every step's input projection first, then per step one product of the group's h_(t-1) rows with U.</summary>");
        using (w.Block($"private static void {Names.ForwardBatch(method)}(ref float p, ref float x, int inputStride, ref float h, int tapeStride, int count, ref float packed)"))
        {
            WeightRefs(w, layer, "p", "W", "b");
            w.Line($"Matrix.Pack(ref U, {cols}, {units}, {cols}, transposed: false, ref packed); // U in column panels, read once per step for the whole group");
            w.Line($"ref float c = ref Unsafe.Add(ref h, {layer.CellStart});");
            w.Line($"ref float gates = ref Unsafe.Add(ref h, {layer.GateStart});");
            using (w.Block("for (int k = 0; k < count; k++)"))
            {
                w.Line($"ref float gk = ref Unsafe.Add(ref gates, k * tapeStride); // the gate rows of sample k, one per step");
                if (layer.UseBias)
                {
                    w.Line($"Matrix.BroadcastRows(ref b, ref gk, {4 * stride}, {steps}, {cols});");
                }
                w.Line($"Matrix.Multiply(ref Unsafe.Add(ref x, k * inputStride{firstRow}), {rowStride}, ref W, {cols}, ref gk, {4 * stride}, {steps}, {inputs}, {cols}, accumulate: {(layer.UseBias ? "true" : "false")});");
            }
            using (w.Block($"for (int t = 0; t < {steps}; t++)"))
            {
                w.Line($"ref float hp = ref Unsafe.Add(ref h, t * {stride}); // h_(t-1) of sample 0");
                w.Line($"ref float gt = ref Unsafe.Add(ref gates, t * {4 * stride});");
                w.Line($"Matrix.MultiplyPacked(ref hp, tapeStride, ref packed, ref gt, tapeStride, count, {units}, {cols}, accumulate: true);");
                using (w.Block("for (int k = 0; k < count; k++)"))
                {
                    w.Line("ref float gk = ref Unsafe.Add(ref gt, k * tapeStride);");
                    w.Line($"ref float ht = ref Unsafe.Add(ref hp, k * tapeStride + {stride});");
                    w.Line($"ref float cp = ref Unsafe.Add(ref c, k * tapeStride + t * {stride});");
                    w.Line($"ref float ct = ref Unsafe.Add(ref cp, {stride});");
                    using (w.Block($"for (int o = 0; o < {units}; o += 8)"))
                    {
                        w.Line($"Vector256<float> aI = Vector256.LoadUnsafe(ref gk, (nuint)o), aF = Vector256.LoadUnsafe(ref gk, (nuint)({stride} + o)), aC = Vector256.LoadUnsafe(ref gk, (nuint)({2 * stride} + o)), aO = Vector256.LoadUnsafe(ref gk, (nuint)({3 * stride} + o));");
                        LstmCell(w, layer, stride, "a", "o", "", tape: "gk");
                    }
                }
            }
        }
    }


    private static (string Name, int Column)[] GateColumns(string prefix, int units, int block)
        => new[] { ($"{prefix}I", 8 * block), ($"{prefix}F", units + 8 * block), ($"{prefix}C", 2 * units + 8 * block), ($"{prefix}O", 3 * units + 8 * block) };

    /// <summary>
    /// One 8-unit block of an LSTM step from the pre-activations <c>{prefix}I{suffix}</c>, <c>F</c>, <c>C</c>, <c>O</c>: the gates,
    /// c_t and h_t, and the activated gates on the tape, through the refs cp, ct, ht and gt (each with <paramref name="sample"/>).
    /// </summary>
    private static void LstmCell(SourceWriter w, LstmSpec layer, int stride, string prefix, int o, string sample, string suffix = "")
        => LstmCell(w, layer, stride, prefix, o.ToString(System.Globalization.CultureInfo.InvariantCulture), sample, suffix, $"gt{sample}");

    /// <summary>The same with the block's offset an expression (<paramref name="o"/>) and the gate row <paramref name="tape"/>.</summary>
    private static void LstmCell(SourceWriter w, LstmSpec layer, int stride, string prefix, string o, string sample, string suffix = "", string? tape = null)
    {
        ActivationKind act = layer.Activation, rec = layer.RecurrentActivation;
        tape ??= $"gt{sample}";
        string At(int gate) => int.TryParse(o, out int value) ? $"{gate * stride + value}" : gate == 0 ? $"(nuint){o}" : $"(nuint)({gate * stride} + {o})";
        using (w.Block(""))
        {
            w.Line($"Vector256<float> gateI = {Activate(rec, $"{prefix}I{suffix}")}, gateF = {Activate(rec, $"{prefix}F{suffix}")}, gateC = {Activate(act, $"{prefix}C{suffix}")}, gateO = {Activate(rec, $"{prefix}O{suffix}")};");
            w.Line($"Vector256<float> cell = Vector256.MultiplyAddEstimate(gateF, Vector256.LoadUnsafe(ref cp{sample}, {At(0)}), gateI * gateC);");
            w.Line($"cell.StoreUnsafe(ref ct{sample}, {At(0)});");
            w.Line($"(gateO * {Activate(act, "cell")}).StoreUnsafe(ref ht{sample}, {At(0)});");
            w.Line($"gateI.StoreUnsafe(ref {tape}, {At(0)});");
            w.Line($"gateF.StoreUnsafe(ref {tape}, {At(1)});");
            w.Line($"gateC.StoreUnsafe(ref {tape}, {At(2)});");
            w.Line($"gateO.StoreUnsafe(ref {tape}, {At(3)});");
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
