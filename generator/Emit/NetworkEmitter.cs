using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using StaticRnn.Generator.Model;
using StaticRnn.Generator.Parsing;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Writes the one generated file of a network, in two parts:
/// <list type="bullet">
/// <item>the user's partial class: constants, the state buffer and the public API. It lives among the user's own
/// names, so every type it mentions is <c>global::</c>-qualified;</item>
/// <item>a <c>file static class</c> of kernels in <c>StaticRnn.Generated</c>, where short names (<c>Vector256</c>,
/// <c>Unsafe</c>, <c>VectorMath</c>) resolve to ours before any of the user's, so the hot code stays readable.</item>
/// </list>
/// </summary>
internal static class NetworkEmitter
{
    public const string GeneratorVersion = "0.1.0";

    private const string Rt = ClassCode.Rt, Sys = ClassCode.Sys;

    /// <summary>
    /// State layout: parameters (+8 spare floats), gradient (+8), tape, two delta rows, work, and for token networks a
    /// row of ids (a row per sample of a group). Networks that run samples in groups (<see cref="Grouped"/>) hold a tape, two delta rows and a work row
    /// per sample of a group, each sample's k rows after the first (so a group kernel steps from sample to sample by one
    /// stride), plus the scratch where their group kernels pack a weight matrix (the largest any layer needs).
    /// </summary>
    private sealed record StateLayout(int Gradient, int Tape, int DeltaA, int DeltaB, int Work, int Packed, int PackedLength, int Tokens, int Length)
    {
        public static StateLayout For(NetworkSpec spec, TapePlan plan)
        {
            int gradient = spec.ParameterCount + 8;
            int tape = gradient + spec.ParameterCount + 8;
            int group = Grouped(spec) ? Code.GroupSize : 1;
            int deltaA = tape + group * plan.TapeLength;
            int deltaB = deltaA + group * plan.DeltaLength;
            int work = deltaB + group * plan.DeltaLength;
            int packed = work + group * plan.WorkLength;
            int packedLength = Grouped(spec) ? spec.Layers.Max(l => EmitterCatalog.For(l).PackedFloats(l)) : 0;
            int tokens = packed + packedLength + 8;
            return new StateLayout(gradient, tape, deltaA, deltaB, work, packed, packedLength, tokens, tokens + (spec.TakesTokens ? group * spec.InputSize : 0));
        }
    }

    /// <summary>How a grouped network's forward pass runs the layer's samples, for the layer table.</summary>
    private static string GroupForm(NetworkSpec spec, LayerSpec layer)
    {
        if (!Grouped(spec))
        {
            return "";
        }
        string? form = EmitterCatalog.For(layer).GroupForm(layer);
        return form is null ? "" : $"; forward {form}";
    }

    /// <summary>
    /// Whether the forward pass runs <see cref="Code.GroupSize"/> samples at a time. A small recurrent layer's step is one short
    /// chain of dependent work (a few FMAs, then the activation), so one sample leaves most of the core idle; the steps of
    /// several samples, emitted side by side, are independent and overlap; wide layers run a group as matrix products.
    /// Stateful, masked and dropout networks run one sample at a time.
    /// </summary>
    internal static bool Grouped(NetworkSpec spec)
        => !spec.Stateful && !spec.Masked && !spec.UsesRandom && spec.Layers.Any(l => EmitterCatalog.For(l).HasGroupKernel(l));

    public static string Emit(NetworkSpec spec, HierarchyInfo hierarchy)
    {
        var plan = new TapePlan(spec);
        var state = StateLayout.For(spec, plan);
        string name = Escape(hierarchy.Name);
        string kernels = hierarchy.Name + "Kernels";
        return ClassCode.File(hierarchy, $"// StaticRnn generated this file from the attributes of {hierarchy.Name}; edit the attributes, not this file.",
            w => EmitUserClass(w, spec, state, name, $"{Rt}.Generated.{kernels}"),
            w => EmitKernels(w, spec, plan, state, hierarchy, kernels));
    }

    /// <summary><paramref name="identifier"/> with an <c>@</c> when it is a C# keyword.</summary>
    internal static string Escape(string identifier) => SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    private static void EmitUserClass(SourceWriter w, NetworkSpec spec, StateLayout state, string name, string kernels)
    {
        w.Line("/// <remarks>");
        w.Line($"/// Generated network, input {NetworkBuilder.Shape(spec.InputShape.ToArray())} → output {NetworkBuilder.Shape(spec.OutputShape.ToArray())}, loss {spec.Loss}:<br/>");
        foreach (LayerSpec layer in spec.Layers)
        {
            w.Line($"/// ○ Layer {layer.Position + 1} {layer.Name} ({layer.KerasType}): {NetworkBuilder.Shape(layer.InputShape.ToArray())} → {NetworkBuilder.Shape(layer.OutputShape.ToArray())}, {layer.ParamCount} parameters [{layer.ParamOffset}, {layer.ParamOffset + layer.ParamCount}){(layer.Unrolled ? "" : ", products as loops (SRNN008)")}{GroupForm(spec, layer)}<br/>");
        }
        w.Line($"/// ○ Total: {spec.ParameterCount} parameters");
        w.Line("/// </remarks>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"StaticRnn.Generator\", \"{GeneratorVersion}\")]");
        using (w.Block($"partial class {name} : {Rt}.IStaticNetwork<{name}>, {Rt}.Kernels.IShardWork"))
        {
            EmitConstants(w, spec, name);
            EmitStateAndWeights(w, spec, state, name, kernels);
            EmitPublicPasses(w, spec, state, kernels);
        }
    }

    private static void EmitConstants(SourceWriter w, NetworkSpec spec, string name)
    {
        w.Line("/// <summary>Total trainable parameters, as Keras counts them.</summary>");
        w.Line($"public const int ParameterCount = {spec.ParameterCount};");
        w.Line($"/// <summary>Floats per input sample: {NetworkBuilder.Shape(spec.InputShape.ToArray())} flattened.</summary>");
        w.Line($"public const int InputSize = {spec.InputSize};");
        w.Line($"/// <summary>Floats per output sample: {NetworkBuilder.Shape(spec.OutputShape.ToArray())} flattened.</summary>");
        w.Line($"public const int OutputSize = {spec.OutputSize};");
        w.Line(spec.Loss == LossKind.SparseCategoricalCrossentropy
            ? "/// <summary>Targets per sample: one class index per output row.</summary>"
            : "/// <summary>Targets per sample: one per output.</summary>");
        w.Line($"public const int TargetSize = {spec.TargetSize};");
        w.Line("/// <summary>Shape of one input sample, batch axis excluded.</summary>");
        w.Line($"public static {Sys}.ReadOnlySpan<int> InputShape => [{string.Join(", ", spec.InputShape)}];");
        w.Line("/// <summary>Shape of one output sample, batch axis excluded.</summary>");
        w.Line($"public static {Sys}.ReadOnlySpan<int> OutputShape => [{string.Join(", ", spec.OutputShape)}];");
        w.Line();
        w.Line($"static int {Rt}.IStaticNetwork<{name}>.ParameterCount => ParameterCount;");
        w.Line($"static int {Rt}.IStaticNetwork<{name}>.InputSize => InputSize;");
        w.Line($"static int {Rt}.IStaticNetwork<{name}>.OutputSize => OutputSize;");
        w.Line($"static int {Rt}.IStaticNetwork<{name}>.TargetSize => TargetSize;");
        w.Line($"static {Rt}.Loss {Rt}.IStaticNetwork<{name}>.Loss => {Rt}.Loss.{spec.Loss};");
        if (spec.TakesTokens)
        {
            w.Line($"static int {Rt}.IStaticNetwork<{name}>.Vocabulary => {spec.Vocabulary};");
        }
        if (spec.Stateful)
        {
            w.Line($"static bool {Rt}.IStaticNetwork<{name}>.Stateful => true;");
        }
        w.Line();
        w.Line("/// <summary>The Keras <c>model.summary()</c> table of this network.</summary>");
        w.Line("public static string Summary() => \"\"\"");
        foreach (string line in SummaryFormatter.Format(spec).TrimEnd('\n').Split('\n'))
        {
            w.Line(line.Length == 0 ? "" : line);
        }
        w.Line("\"\"\" + \"\\n\";");
    }

    private static void EmitStateAndWeights(SourceWriter w, NetworkSpec spec, StateLayout state, string name, string kernels)
    {
        ClassCode.StateAndShards(w, name, "network", state.Length, spec.MultiplyAdds, spec.Seed, spec.UsesRandom, "0 predict, 1 loss, 2 loss and gradient", () =>
        {
            if (spec.OutputMasked)
            {
                w.Line("private int _unmaskedRows; // the current call: output steps that are not padding, over the whole batch");
            }
            w.Line("private bool _callWeighted; // the current call has sample weights, in _callWeights");
            w.Line("private float[] _callWeights = []; // grown to the largest weighted batch");
        });
        ClassCode.Weights(w, new[] { (spec.Layers.SelectMany(l => l.Weights), 0) }, "Keras <c>get_weights()</c> order", kernels);
        w.Line();
        if (spec.Stateful)
        {
            int size = StateSize(spec, new TapePlan(spec));
            w.Line();
            w.Line($"// Stateful: the recurrent state of each sample index of the batch ({size} floats per sample), carried from one call");
            w.Line("// to the next. Sized by the first call after construction or ResetStates(); later calls keep that batch size.");
            w.Line("private float[] _recurrentState = [];");
            w.Line("private int _stateBatch;");
            w.Line();
            w.Line("/// <summary>Zeroes every recurrent state; the next call may use another batch size.</summary>");
            using (w.Block("public void ResetStates()"))
            {
                w.Line(ClassCode.InUse);
                w.Line($"{Sys}.Array.Clear(_recurrentState);");
                w.Line("_stateBatch = 0;");
            }
            w.Line();
            using (w.Block($"private {Sys}.Span<float> States(int batchSize)"))
            {
                using (w.Block("if (_stateBatch == 0)"))
                {
                    using (w.Block($"if (_recurrentState.Length < batchSize * {size})"))
                    {
                        w.Line($"_recurrentState = new float[batchSize * {size}];");
                    }
                    w.Line("_stateBatch = batchSize;");
                }
                using (w.Block("else if (_stateBatch != batchSize)"))
                {
                    w.Line($"throw new {Sys}.ArgumentException($\"This stateful network keeps one state per sample of a batch of {{_stateBatch}}; call ResetStates() before using a batch of {{batchSize}}.\", nameof(batchSize));");
                }
                w.Line($"return {Sys}.MemoryExtensions.AsSpan(_recurrentState, 0, batchSize * {size});");
            }
            EmitStateAccess(w, spec, size);
        }
        else
        {
            w.Line("/// <summary>This network keeps no state between calls (it is not <c>Stateful</c>), so there is nothing to reset.</summary>");
            w.Line("public void ResetStates()");
            w.Line("{");
            w.Line("}");
        }
        ClassCode.WeightsFile(w);
        ClassCode.ForeignWeights(w, spec.Layers);
        ClassCode.LayerInfos(w, spec.Layers, name);
    }

    private static void EmitPublicPasses(SourceWriter w, NetworkSpec spec, StateLayout state, string kernels)
    {
        bool sparse = spec.Loss == LossKind.SparseCategoricalCrossentropy, tokens = spec.TakesTokens, dropout = spec.UsesRandom;
        string guard = $"{Rt}.Kernels.Guard", runner = $"{Rt}.Kernels.ShardRunner";
        string gradient = ClassCode.Gradient(state.Gradient);
        string Span(string t) => $"{Sys}.ReadOnlySpan<{t}>";
        string inputCheck(string type) => tokens ? $"{guard}.Tokens(inputs, {spec.Vocabulary});" : $"{guard}.Finite(inputs);";
        string[] inputTypes = tokens ? new[] { "float", "int" } : new[] { "float" };
        string[] targetTypes = sparse ? new[] { "float", "int" } : new[] { "float" };
        // ShardRunner.Run(work, shards, inputs, tokens, targets, classes, outputs)
        string Inputs(string type) => type == "float" ? "inputs, default" : "default, inputs";
        string Targets(string type) => type == "float" ? "targets, default" : "default, targets";
        string AsFloats(string type, string name) => type == "float" ? name : $"{Rt}.Training.ToFloats({name})";
        string shards = "Shards(batchSize, 0)";

        foreach (string input in inputTypes)
        {
            w.Line();
            w.Line(tokens
                ? "/// <summary>Forward pass over token ids (each in [0, Vocabulary)): <paramref name=\"outputs\"/> receives <c>OutputSize</c> floats per sample.</summary>"
                : "/// <summary>Forward pass: <paramref name=\"outputs\"/> receives <c>OutputSize</c> floats per sample.</summary>");
            using (w.Block($"public void Predict({Span(input)} inputs, {Sys}.Span<float> outputs, int batchSize = 1)"))
            {
                w.Line(ClassCode.InUse);
                w.Line($"{guard}.Predict(inputs.Length, outputs.Length, batchSize, InputSize, OutputSize);");
                if (tokens)
                {
                    w.Line(inputCheck(input));
                }
                if (spec.Stateful)
                {
                    w.Line("States(batchSize); // fixes or checks the batch size of the carried state");
                }
                w.Line("(_callBatch, _callMode) = (batchSize, 0);");
                w.Line($"{runner}.Run(this, {shards}, {Inputs(input)}, default, default, outputs);");
            }
        }

        foreach (string input in inputTypes)
        {
            foreach (string target in targetTypes)
            {
                string[] checks =
                {
                    $"{guard}.Batch(inputs.Length, targets.Length, batchSize, InputSize, TargetSize);",
                    inputCheck(input),
                    target == "float" ? $"{guard}.Targets(targets, {Rt}.Loss.{spec.Loss}, {spec.Classes});" : $"{guard}.Targets(targets, {spec.Classes});",
                };
                string run = $"Run({Inputs(input)}, {Targets(target)}, batchSize";
                w.Line();
                w.Line("/// <summary>Mean loss over the batch (Keras <c>sum_over_batch_size</c>), without gradients.</summary>");
                using (w.Block($"public float ComputeLoss({Span(input)} inputs, {Span(target)} targets, int batchSize)"))
                {
                    w.Line(ClassCode.InUse);
                    foreach (string check in checks) w.Line(check);
                    w.Line($"return {run}, backward: false);");
                }
                w.Line();
                w.Line("/// <summary>Mean loss over the batch; <paramref name=\"gradients\"/> (<c>ParameterCount</c> floats, the layout of <see cref=\"Parameters\"/>) receives d(loss)/d(parameters).</summary>");
                using (w.Block($"public float Gradients({Span(input)} inputs, {Span(target)} targets, int batchSize, {Sys}.Span<float> gradients)"))
                {
                    w.Line(ClassCode.InUse);
                    foreach (string check in checks) w.Line(check);
                    w.Line($"{guard}.Length(gradients.Length, ParameterCount, nameof(gradients), \"one per parameter\");");
                    w.Line($"float loss = {run}, backward: true);");
                    w.Line($"{gradient}.CopyTo(gradients);");
                    w.Line("return loss;");
                }
                w.Line();
                w.Line("/// <summary>One optimizer step on the batch; returns the batch loss before the step.</summary>");
                using (w.Block($"public float TrainStep({Span(input)} inputs, {Span(target)} targets, int batchSize, {Rt}.IOptimizer optimizer)"))
                {
                    w.Line(ClassCode.InUse);
                    w.Line($"{Sys}.ArgumentNullException.ThrowIfNull(optimizer);");
                    foreach (string check in checks) w.Line(check);
                    w.Line($"float loss = {run}, backward: true);");
                    w.Line($"{Rt}.Optimizer.Apply(optimizer, Parameters, {gradient}, s_weights);");
                    w.Line("return loss;");
                }
                w.Line();
                w.Line($"/// <summary>Keras-style training loop; see <see cref=\"{Rt}.Training\"/>.</summary>");
                w.Line($"public {Rt}.History Fit({Span(input)} inputs, {Span(target)} targets, int epochs = 1, int batchSize = 32, {Rt}.IOptimizer? optimizer = null,");
                w.Line($"    double validationSplit = 0, bool shuffle = true, int verbose = 1, {Sys}.IO.TextWriter? log = null, int? seed = null,");
                w.Line($"    {FitExtras}, global::System.Collections.Generic.IReadOnlyDictionary<int, float>? classWeight = null, {Span("float")} sampleWeights = default)");
                w.Line($"    => {Rt}.Training.Fit(this, {AsFloats(input, "inputs")}, {AsFloats(target, "targets")}, epochs, batchSize, optimizer, validationSplit, shuffle, verbose, log, seed, metrics, callbacks, initialEpoch, classWeight, sampleWeights);");
                w.Line();
                w.Line("/// <summary>Mean loss over all samples, like Keras <c>model.evaluate</c>.</summary>");
                w.Line($"public float Evaluate({Span(input)} inputs, {Span(target)} targets, int batchSize = 32)");
                w.Line($"    => {Rt}.Training.Evaluate(this, {AsFloats(input, "inputs")}, {AsFloats(target, "targets")}, batchSize);");
                if (input != "float" || target != "float")
                {
                    continue;
                }
                // Keras sample_weight: each sample's loss and gradient count its weight times; the mean stays over the batch.
                string weighted = $"{run}, backward: {{0}}, sampleWeights);";
                string weightCheck = $"{guard}.Weights(sampleWeights, batchSize);";
                w.Line();
                w.Line("/// <summary>Mean of each sample's loss times its weight (Keras <c>sample_weight</c>, <c>sum_over_batch_size</c>), without gradients.</summary>");
                using (w.Block($"public float ComputeLoss({Span(input)} inputs, {Span(target)} targets, int batchSize, {Span("float")} sampleWeights)"))
                {
                    w.Line(ClassCode.InUse);
                    foreach (string check in checks) w.Line(check);
                    w.Line(weightCheck);
                    w.Line($"return {string.Format(CultureInfo.InvariantCulture, weighted, "false")}");
                }
                w.Line();
                w.Line("/// <summary>The weighted mean loss (see the <c>sampleWeights</c> overload of <c>ComputeLoss</c>) and its gradient.</summary>");
                using (w.Block($"public float Gradients({Span(input)} inputs, {Span(target)} targets, int batchSize, {Sys}.Span<float> gradients, {Span("float")} sampleWeights)"))
                {
                    w.Line(ClassCode.InUse);
                    foreach (string check in checks) w.Line(check);
                    w.Line(weightCheck);
                    w.Line($"{guard}.Length(gradients.Length, ParameterCount, nameof(gradients), \"one per parameter\");");
                    w.Line($"float loss = {string.Format(CultureInfo.InvariantCulture, weighted, "true")}");
                    w.Line($"{gradient}.CopyTo(gradients);");
                    w.Line("return loss;");
                }
                w.Line();
                w.Line("/// <summary>");
                w.Line("/// One optimizer step that also writes the batch's outputs (<c>OutputSize</c> floats per sample) of the forward pass the");
                w.Line("/// gradients come from (dropout applied, carried state used), as Keras computes training metrics; empty");
                w.Line("/// <paramref name=\"sampleWeights\"/> for none. Returns the batch loss before the step.");
                w.Line("/// </summary>");
                using (w.Block($"public float TrainStep({Span(input)} inputs, {Span(target)} targets, int batchSize, {Rt}.IOptimizer optimizer, {Span("float")} sampleWeights, {Sys}.Span<float> outputs)"))
                {
                    w.Line(ClassCode.InUse);
                    w.Line($"{Sys}.ArgumentNullException.ThrowIfNull(optimizer);");
                    foreach (string check in checks) w.Line(check);
                    using (w.Block("if (!sampleWeights.IsEmpty)"))
                    {
                        w.Line(weightCheck);
                    }
                    w.Line($"{guard}.Output(outputs.Length, batchSize, OutputSize, nameof(outputs), \"OutputSize\");");
                    w.Line($"float loss = {run}, backward: true, sampleWeights, outputs);");
                    w.Line($"{Rt}.Optimizer.Apply(optimizer, Parameters, {gradient}, s_weights);");
                    w.Line("return loss;");
                }
                w.Line();
                w.Line("/// <summary>One optimizer step on the weighted mean loss; returns it before the step.</summary>");
                using (w.Block($"public float TrainStep({Span(input)} inputs, {Span(target)} targets, int batchSize, {Rt}.IOptimizer optimizer, {Span("float")} sampleWeights)"))
                {
                    w.Line(ClassCode.InUse);
                    w.Line($"{Sys}.ArgumentNullException.ThrowIfNull(optimizer);");
                    foreach (string check in checks) w.Line(check);
                    w.Line(weightCheck);
                    w.Line($"float loss = {string.Format(CultureInfo.InvariantCulture, weighted, "true")}");
                    w.Line($"{Rt}.Optimizer.Apply(optimizer, Parameters, {gradient}, s_weights);");
                    w.Line("return loss;");
                }
            }
        }

        w.Line();
        w.Line("/// <summary>Runs the shards of a checked batch, then sums their losses (and gradients) in shard order.</summary>");
        using (w.Block($"private float Run({Span("float")} inputs, {Span("int")} tokens, {Span("float")} targets, {Span("int")} classes, int batchSize, bool backward, {Span("float")} weights = default, {Sys}.Span<float> outputs = default)"))
        {
            w.Line("_callWeighted = !weights.IsEmpty;");
            using (w.Block("if (_callWeighted)"))
            {
                w.Line("if (_callWeights.Length < batchSize) _callWeights = new float[batchSize];");
                w.Line("weights.CopyTo(_callWeights);");
            }
            if (spec.Stateful)
            {
                w.Line("States(batchSize); // fixes or checks the batch size of the carried state");
            }
            w.Line("int shards = Shards(batchSize, backward ? 2 : 1);");
            if (dropout)
            {
                ClassCode.ReseedDropout(w);
            }
            if (spec.OutputMasked)
            {
                w.Line($"_unmaskedRows = tokens.IsEmpty ? {guard}.NonZero(inputs) : {guard}.NonZero(tokens); // the loss is the mean over the steps that are not padding");
            }
            w.Line("(_callBatch, _callMode) = (batchSize, backward ? 2 : 1);");
            w.Line($"{runner}.Run(this, shards, inputs, tokens, targets, classes, outputs);");
            ClassCode.ReduceShards(w, state.Gradient);
        }

        w.Line();
        w.Line("/// <summary>One shard of the current call: its contiguous share of the batch, on its own scratch buffer.</summary>");
        using (w.Block($"void {Rt}.Kernels.IShardWork.RunShard(int shard, {Span("float")} inputs, {Span("int")} tokens, {Span("float")} targets, {Span("int")} classes, {Sys}.Span<float> outputs)"))
        {
            w.Line("int shards = ShardCount(_callBatch, _callMode);");
            w.Line("int first = shard * _callBatch / shards, count = (shard + 1) * _callBatch / shards - first;");
            string statesArgument = "";
            if (spec.Stateful)
            {
                int size = StateSize(spec, new TapePlan(spec));
                statesArgument = $", {Sys}.MemoryExtensions.AsSpan(_recurrentState, first * {size}, count * {size})";
            }
            string tokensArgument = tokens ? $", {runner}.Part(tokens, first, count, InputSize)" : "";
            string classesArgument = sparse ? $", {runner}.Part(classes, first, count, TargetSize)" : "";
            using (w.Block("if (_callMode == 0)"))
            {
                w.Line($"global::StaticRnn.Generated.{kernels.Substring(kernels.LastIndexOf('.') + 1)}.Predict(_state, _scratch[shard], {runner}.Part(inputs, first, count, InputSize){tokensArgument}, outputs.Slice(first * OutputSize, count * OutputSize), count{statesArgument});");
                w.Line("return;");
            }
            string randomArgument = dropout ? ", _shardDropout[shard]" : "";
            w.Line($"_shardLoss[shard] = {kernels}.Run(_state, _scratch[shard], {runner}.Part(inputs, first, count, InputSize){tokensArgument}, {runner}.Part(targets, first, count, TargetSize){classesArgument}, _callWeighted ? {Sys}.MemoryExtensions.AsSpan(_callWeights, first, count) : default, outputs.IsEmpty ? default : outputs.Slice(first * OutputSize, count * OutputSize), count, _callBatch{(spec.OutputMasked ? ", _unmaskedRows" : "")}, _callMode == 2{statesArgument}{randomArgument});");
        }
    }

    /// <summary>The parameters <c>Fit</c> takes after Keras's own: metrics, callbacks and the epoch to resume at.</summary>
    internal const string FitExtras = "global::System.Collections.Generic.IReadOnlyList<global::StaticRnn.Metric>? metrics = null, global::System.Collections.Generic.IReadOnlyList<global::StaticRnn.ICallback>? callbacks = null, int initialEpoch = 0";

    private static void EmitKernels(SourceWriter w, NetworkSpec spec, TapePlan plan, StateLayout state, HierarchyInfo hierarchy, string kernels)
    {
        w.Line($"/// <summary>The kernels of <c>{ClassCode.FullName(hierarchy)}</c>: every dimension a literal, every buffer an offset into its state.</summary>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"StaticRnn.Generator\", \"{GeneratorVersion}\")]");
        using (w.Block($"file static class {kernels}"))
        {
            w.Line($"// Offsets into a scratch buffer (the network's state, or a shard's buffer of the same layout).");
            w.Line($"private const int Gradient = {state.Gradient}, Tape = {state.Tape}, DeltaA = {state.DeltaA}, DeltaB = {state.DeltaB}, Work = {state.Work}{(state.PackedLength > 0 ? $", Packed = {state.Packed}" : "")}{(spec.TakesTokens ? $", Tokens = {state.Tokens}" : "")}{(spec.Masked ? $", {Names.MaskOffset} = {plan.MaskOffset}" : "")};");
            w.Line();
            using (w.Block("public static void InitializeWeights(Span<float> p, int seed)"))
            {
                w.Line("var random = new global::StaticRnn.SeededRandom(seed);");
                StackCode.WeightInitializers(w, spec.Layers);
            }
            EmitSamplePasses(w, spec, plan, state);
            StackCode.LayerKernels(w, spec, plan, Names.Layer, Grouped(spec));
        }
    }

    private static void EmitSamplePasses(SourceWriter w, NetworkSpec spec, TapePlan plan, StateLayout state)
    {
        int count = spec.Layers.Count;
        LayerSpec last = spec.Layers[count - 1];
        LayerPlan lastPlan = plan.Layers[count - 1];
        bool sparse = spec.Loss == LossKind.SparseCategoricalCrossentropy;
        int units = last.OutputFeatures, rows = lastPlan.OutputRows, stride = lastPlan.Stride;
        string scaleDenominator = spec.Loss is LossKind.MeanSquaredError or LossKind.BinaryCrossentropy
            ? spec.OutputSize.ToString(CultureInfo.InvariantCulture)
            : spec.OutputRows.ToString(CultureInfo.InvariantCulture);

        bool tokens = spec.TakesTokens, grouped = Grouped(spec);
        string SampleRow(string index) => $"Unsafe.Add(ref MemoryMarshal.GetReference(inputs), {(index.Contains(" ") ? $"({index})" : index)} * {spec.InputSize})";
        string tokensParameter = tokens ? ", ReadOnlySpan<int> tokens" : "";
        // The group's input rows: the caller's rows, or for token ids given as ints their float copies, one row per sample.
        string GroupInput = tokens
            ? $"tokens.IsEmpty ? ref {SampleRow("sample")} : ref Rows.Tokens(ref Unsafe.Add(ref s, Tokens), tokens.Slice(sample * {spec.InputSize}, group * {spec.InputSize}))"
            : SampleRow("sample");
        string sampleInput = tokens
            ? $"ref float x = ref tokens.IsEmpty ? ref Unsafe.Add(ref MemoryMarshal.GetReference(inputs), sample * {spec.InputSize}) : ref Rows.Tokens(ref Unsafe.Add(ref s, Tokens), tokens.Slice(sample * {spec.InputSize}, {spec.InputSize}));"
            : $"ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(inputs), sample * {spec.InputSize});";
        w.Line();
        string statesParameter = spec.Stateful ? ", Span<float> states" : "";
        if (spec.Stateful)
        {
            EmitStateCopies(w, spec, plan);
        }
        w.Line("/// <summary>Forward pass over <paramref name=\"count\"/> samples (one shard of a batch), with the shard's own scratch buffer.</summary>");
        using (w.Block($"public static void Predict(float[] parameters, float[] scratch, ReadOnlySpan<float> inputs{tokensParameter}, Span<float> outputs, int count{statesParameter})"))
        {
            w.Line("ref float p = ref MemoryMarshal.GetArrayDataReference(parameters);");
            w.Line("ref float s = ref MemoryMarshal.GetArrayDataReference(scratch);");
            w.Line("ref float tape = ref Unsafe.Add(ref s, Tape);");
            if (grouped)
            {
                using (w.Block($"for (int sample = 0; sample < count; sample += {Code.GroupSize})"))
                {
                    w.Line($"int group = Math.Min({Code.GroupSize}, count - sample);");
                    w.Line($"ForwardGroup(ref p, ref s, ref {GroupInput}, group);");
                    using (w.Block("for (int k = 0; k < group; k++)"))
                    {
                        w.Line($"ref float tapeK = ref Unsafe.Add(ref tape, k * {plan.TapeLength});");
                        CopyOutputs("tapeK", "sample + k");
                    }
                }
            }
            else
            {
                using (w.Block("for (int sample = 0; sample < count; sample++)"))
                {
                    OneSampleForward("null", "");
                    CopyOutputs("tape", "sample");
                }
            }
        }

        // One sample of a network that is not grouped through Forward, its carried state restored before and kept after;
        // random is the dropout generator's expression for networks with dropout, and note a comment for that line.
        void OneSampleForward(string random, string note)
        {
            w.Line(sampleInput);
            if (spec.Stateful)
            {
                w.Line($"ref float carried = ref Unsafe.Add(ref MemoryMarshal.GetReference(states), sample * {StateSize(spec, plan)});");
                w.Line("RestoreState(ref tape, ref carried);");
            }
            w.Line(spec.UsesRandom ? $"Forward(ref p, ref x, ref tape, {random});{note}" : "Forward(ref p, ref x, ref tape);");
            if (spec.Stateful)
            {
                w.Line("KeepState(ref tape, ref carried);");
            }
        }

        void CopyOutputs(string tape, string sample)
        {
            string first = sample.Contains(" ") ? $"({sample})" : sample;
            if (rows == 1)
            {
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref {tape}, {lastPlan.OutputOffset}), {units}).CopyTo(outputs.Slice({first} * {spec.OutputSize}));");
                return;
            }
            using (w.Block($"for (int r = 0; r < {rows}; r++)"))
            {
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref {tape}, {lastPlan.OutputOffset} + r * {stride}), {units}).CopyTo(outputs.Slice({first} * {spec.OutputSize} + r * {units}));");
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Runs <paramref name=\"count\"/> samples (one shard of a batch of <paramref name=\"batchSize\"/>) one by one: forward, the loss of");
        w.Line("/// each output row, and (when asked) backward into the shard's gradient. Returns the shard's share of the mean loss.");
        w.Line("/// Each sample's loss and gradient count <c>weights[sample]</c> times (once each without weights); <paramref name=\"outputs\"/>, when");
        w.Line("/// not empty, receives the outputs the loss was computed from.");
        w.Line("/// </summary>");
        string classesParameter = sparse ? ", ReadOnlySpan<int> classes" : "";
        string randomParameter = spec.UsesRandom ? ", global::StaticRnn.SeededRandom random" : "";
        string maskedParameter = spec.OutputMasked ? ", int unmaskedRows" : "";
        using (w.Block($"public static double Run(float[] parameters, float[] scratch, ReadOnlySpan<float> inputs{tokensParameter}, ReadOnlySpan<float> targets{classesParameter}, ReadOnlySpan<float> weights, Span<float> outputs, int count, int batchSize{maskedParameter}, bool backward{statesParameter}{randomParameter})"))
        {
            w.Line("ref float p = ref MemoryMarshal.GetArrayDataReference(parameters);");
            w.Line("ref float s = ref MemoryMarshal.GetArrayDataReference(scratch);");
            w.Line("ref float g = ref Unsafe.Add(ref s, Gradient);");
            w.Line("ref float tape = ref Unsafe.Add(ref s, Tape);");
            w.Line($"ref float dy = ref Unsafe.Add(ref s, {((count - 1) % 2 == 0 ? "DeltaA" : "DeltaB")}); // d loss / d output of the last layer");
            using (w.Block("if (backward)"))
            {
                w.Line($"scratch.AsSpan(Gradient, {spec.ParameterCount}).Clear();");
            }
            if (spec.OutputMasked)
            {
                string perRow = spec.Loss is LossKind.MeanSquaredError or LossKind.BinaryCrossentropy ? $" * {units}" : "";
                w.Line($"float scale = unmaskedRows == 0 ? 0f : 1f / (unmaskedRows{perRow}); // the mean over the batch's steps that are not padding");
            }
            else
            {
                w.Line($"float scale = 1f / (batchSize * {scaleDenominator});");
            }
            w.Line("double loss = 0;");
            if (grouped)
            {
                using (w.Block($"for (int sample = 0; sample < count; sample += {Code.GroupSize})"))
                {
                    w.Line($"int group = Math.Min({Code.GroupSize}, count - sample);");
                    w.Line($"ref float first = ref {GroupInput};");
                    w.Line("ForwardGroup(ref p, ref s, ref first, group);");
                    using (w.Block("for (int k = 0; k < group; k++)"))
                    {
                        w.Line($"ref float tapeK = ref Unsafe.Add(ref tape, k * {plan.TapeLength});");
                        w.Line($"ref float dyK = ref Unsafe.Add(ref dy, k * {plan.DeltaLength});");
                        Loss("tapeK", "dyK", "sample + k");
                    }
                    using (w.Block("if (backward)"))
                    {
                        w.Line("BackwardGroup(ref p, ref s, ref first, ref g, group);");
                    }
                }
            }
            else
            {
                using (w.Block("for (int sample = 0; sample < count; sample++)"))
                {
                    OneSampleForward("backward ? random : null", " // dropout only in training");
                    LossAndBackward("tape", "x", "sample");
                }
            }
            w.Line("return loss * scale;");
        }

        void LossAndBackward(string tape, string x, string sample)
        {
            Loss(tape, "dy", sample);
            using (w.Block("if (backward)"))
            {
                w.Line($"Backward(ref p, ref s, ref {x}, ref {tape}, ref g);");
            }
        }

        // The loss of one sample's output rows, and (when backward) its gradient into the rows at dy.
        void Loss(string tape, string dy, string sample)
        {
            string index = sample.Contains(" ") ? $"({sample})" : sample;
            w.Line($"ref float output = ref Unsafe.Add(ref {tape}, {lastPlan.OutputOffset});");
            w.Line($"float weight = weights.IsEmpty ? 1f : weights[{sample}], weighted = scale * weight; // Keras sample_weight: the mean still over the batch");
            using (w.Block("if (!outputs.IsEmpty)"))
            {
                CopyOutputs(tape, sample);
            }
            string Row(string reference, int rowStride) => rows == 1 ? reference : $"Unsafe.Add(ref {reference}, r * {rowStride})";
            string body;
            if (sparse)
            {
                string at = rows == 1 ? sample : $"{index} * {rows} + r";
                body = $"loss += weight * Losses.SparseCategoricalCrossentropy(ref {Row("output", stride)}, classes.IsEmpty ? targets[{at}] : classes[{at}], ref {Row(dy, stride)}, {units}, weighted, backward);";
            }
            else
            {
                w.Line($"ref float target = ref Unsafe.Add(ref MemoryMarshal.GetReference(targets), {index} * {spec.TargetSize});");
                body = $"loss += weight * Losses.{spec.Loss}(ref {Row("output", stride)}, ref {Row("target", units)}, ref {Row(dy, stride)}, {units}, weighted, backward);";
            }
            if (spec.OutputMasked)
            {
                // A padded step adds nothing to the loss, and its output gradient is zero.
                w.Line($"ref float mask = ref Unsafe.Add(ref {tape}, {Names.MaskOffset});");
                using (w.Block($"for (int r = 0; r < {rows}; r++)"))
                {
                    using (w.Block("if (Unsafe.Add(ref mask, r) == 0)"))
                    {
                        w.Line($"MemoryMarshal.CreateSpan(ref {Row(dy, stride)}, {stride}).Clear();");
                        w.Line("continue;");
                    }
                    w.Line(body);
                }
            }
            else
            {
                EmitRows(w, rows, body);
            }
        }

        bool dropout = spec.UsesRandom;
        if (!grouped)
        {
            w.Line();
            w.Line("/// <summary>One sample through every layer; activations stay on the tape for the backward pass.</summary>");
            using (w.Block($"private static void Forward(ref float p, ref float x, ref float tape{(dropout ? ", global::StaticRnn.SeededRandom? random" : "")})"))
            {
                StackCode.ForwardCalls(w, spec, plan, Names.Layer, Names.MaskOffset);
            }
        }
        else
        {
            w.Line();
            w.Line($"/// <summary>");
            w.Line($"/// <paramref name=\"count\"/> samples (at most {Code.GroupSize}) through every layer, layer by layer: sample k reads its input at");
            w.Line($"/// x + k·{spec.InputSize} and keeps its activations on the tape k·{plan.TapeLength} floats after the first.");
            w.Line($"/// </summary>");
            using (w.Block("private static void ForwardGroup(ref float p, ref float s, ref float x, int count)"))
            {
                w.Line($"ref float tape = ref Unsafe.Add(ref s, {Names.TapeOffset});");
                if (state.PackedLength > 0)
                {
                    w.Line("ref float packed = ref Unsafe.Add(ref s, Packed); // where a group kernel packs its weights");
                }
                for (int i = 0; i < count; i++)
                {
                    LayerPlan lp = plan.Layers[i];
                    var group = lp.InputIsNetworkInput
                        ? new GroupCall("x", 0, spec.InputSize, lp.RegionOffset, plan.TapeLength)
                        : new GroupCall("tape", lp.InputOffset, plan.TapeLength, lp.RegionOffset, plan.TapeLength);
                    EmitterCatalog.For(spec.Layers[i]).EmitGroupCall(w, spec.Layers[i], Names.Layer(i), group);
                }
            }
        }

        w.Line();
        if (!grouped)
        {
            w.Line("/// <summary>One sample back through every layer, adding its parameter gradients to <paramref name=\"g\"/>.</summary>");
            using (w.Block("private static void Backward(ref float p, ref float s, ref float x, ref float tape, ref float g)"))
            {
                StackCode.BackwardCalls(w, spec, plan, Names.Layer, Names.MaskOffset);
            }
            return;
        }
        w.Line("/// <summary>");
        w.Line($"/// <paramref name=\"count\"/> samples back through every layer, layer by layer, adding their parameter gradients to <paramref name=\"g\"/>:");
        w.Line($"/// sample k's output gradients ping-pong between deltaA + k·{plan.DeltaLength} and deltaB + k·{plan.DeltaLength}, and its work rows start at work + k·{plan.WorkLength}.");
        w.Line("/// </summary>");
        using (w.Block("private static void BackwardGroup(ref float p, ref float s, ref float x, ref float g, int count)"))
        {
            w.Line($"ref float tape = ref Unsafe.Add(ref s, {Names.TapeOffset});");
            if (state.PackedLength > 0)
            {
                w.Line("ref float packed = ref Unsafe.Add(ref s, Packed); // where a group kernel packs its weights");
            }
            w.Line($"ref float deltaA = ref Unsafe.Add(ref s, {Names.DeltaAOffset});");
            w.Line($"ref float deltaB = ref Unsafe.Add(ref s, {Names.DeltaBOffset});");
            w.Line($"ref float work = ref Unsafe.Add(ref s, {Names.WorkOffset});");
            for (int i = count - 1; i >= 0; i--)
            {
                LayerPlan lp = plan.Layers[i];
                string Delta(int index) => StackCode.Delta(index).Substring("ref ".Length);
                var group = new GroupCall(lp.InputIsNetworkInput ? "x" : "tape", lp.InputIsNetworkInput ? 0 : lp.InputOffset, lp.InputIsNetworkInput ? spec.InputSize : plan.TapeLength,
                    lp.RegionOffset, plan.TapeLength, Delta(i), i > 0 ? Delta(i - 1) : null, plan.DeltaLength, plan.WorkLength);
                EmitterCatalog.For(spec.Layers[i]).EmitGroupBackwardCall(w, spec.Layers[i], Names.Layer(i), group);
            }
        }
    }

    /// <summary>Floats of recurrent state per sample: h (and c for an LSTM) of every recurrent layer, each padded to its stride.</summary>
    private static int StateSize(NetworkSpec spec, TapePlan plan)
        => spec.Layers.Select((l, i) => l.CarriedStates(plan.Layers[i]).Sum(c => c.Length)).Sum();

    /// <summary>
    /// Every carried state in layer order with its layer, its offset among one sample's carried floats (Slot, strides
    /// included) and its offset among the public state floats (Public, units only, as GetStates and SetStates give them).
    /// </summary>
    private static System.Collections.Generic.List<(LayerSpec Layer, CarriedState State, int Slot, int Public)> CarriedSlots(NetworkSpec spec, TapePlan plan)
    {
        var slots = new System.Collections.Generic.List<(LayerSpec, CarriedState, int, int)>();
        int slot = 0, at = 0;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            foreach (CarriedState state in spec.Layers[i].CarriedStates(plan.Layers[i]))
            {
                slots.Add((spec.Layers[i], state, slot, at));
                slot += state.Length;
                at += state.Units;
            }
        }
        return slots;
    }

    /// <summary>
    /// StateSize, GetStates and SetStates: the carried state of each sample in Keras order (layer by layer; h, then c
    /// for an LSTM), without the tape's padding, so that a host can keep a stream's state elsewhere (a database, an
    /// actor) and run it on any instance with the same weights.
    /// </summary>
    private static void EmitStateAccess(SourceWriter w, NetworkSpec spec, int size)
    {
        var slots = CarriedSlots(spec, new TapePlan(spec));
        int publicSize = slots.Sum(s => s.State.Units);
        string guard = $"{Rt}.Kernels.Guard";
        w.Line();
        w.Line("/// <summary>Floats of recurrent state per sample, as <see cref=\"GetStates\"/> and <see cref=\"SetStates\"/> give them: layer by layer, h then c for an LSTM (Keras <c>layer.states</c> order).</summary>");
        w.Line($"public const int StateSize = {publicSize};");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Copies the recurrent state carried to the next call into <paramref name=\"states\"/>: <see cref=\"StateSize\"/> floats");
        w.Line("/// per sample of a batch of <paramref name=\"batchSize\"/>. Zeros before the first call and after <see cref=\"ResetStates\"/>.");
        w.Line("/// </summary>");
        using (w.Block($"public void GetStates({Sys}.Span<float> states, int batchSize = 1)"))
        {
            w.Line(ClassCode.InUse);
            w.Line($"{guard}.States(states.Length, batchSize, StateSize);");
            using (w.Block("if (_stateBatch == 0)"))
            {
                w.Line("states.Clear();");
                w.Line("return;");
            }
            w.Line("States(batchSize); // checks the batch size of the carried state");
            using (w.Block("for (int sample = 0; sample < batchSize; sample++)"))
            {
                w.Line($"{Sys}.ReadOnlySpan<float> carried = {Sys}.MemoryExtensions.AsSpan(_recurrentState, sample * {size}, {size});");
                w.Line($"{Sys}.Span<float> state = states.Slice(sample * StateSize, StateSize);");
                foreach (var s in slots)
                {
                    w.Line($"carried.Slice({s.Slot}, {s.State.Units}).CopyTo(state.Slice({s.Public}, {s.State.Units})); // {s.Layer.Name} {s.State.Name}");
                }
            }
        }
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Sets the recurrent state that the next call starts from, <see cref=\"StateSize\"/> floats per sample of a batch of");
        w.Line("/// <paramref name=\"batchSize\"/> (as <see cref=\"GetStates\"/> gives them); later calls use that batch size.");
        w.Line("/// </summary>");
        using (w.Block($"public void SetStates({Sys}.ReadOnlySpan<float> states, int batchSize = 1)"))
        {
            w.Line(ClassCode.InUse);
            w.Line($"{guard}.States(states.Length, batchSize, StateSize);");
            w.Line($"{guard}.Finite(states, nameof(states));");
            w.Line("_stateBatch = 0;");
            w.Line($"{Sys}.Span<float> all = States(batchSize);");
            w.Line("all.Clear();");
            using (w.Block("for (int sample = 0; sample < batchSize; sample++)"))
            {
                w.Line($"{Sys}.Span<float> carried = all.Slice(sample * {size}, {size});");
                w.Line($"{Sys}.ReadOnlySpan<float> state = states.Slice(sample * StateSize, StateSize);");
                foreach (var s in slots)
                {
                    w.Line($"state.Slice({s.Public}, {s.State.Units}).CopyTo(carried.Slice({s.Slot}, {s.State.Units})); // {s.Layer.Name} {s.State.Name}");
                }
            }
        }
    }

    /// <summary>
    /// Stateful networks: a sample's carried state goes into each recurrent layer's initial-state rows before the
    /// forward pass, and the final rows come back out after it. Gradients stop at the carried state (truncated BPTT,
    /// as in Keras).
    /// </summary>
    private static void EmitStateCopies(SourceWriter w, NetworkSpec spec, TapePlan plan)
    {
        var copies = CarriedSlots(spec, plan).Select(c => (c.State.Initial, c.State.Final, c.Slot, c.State.Length)).ToList();
        w.Line();
        using (w.Block("private static void RestoreState(ref float tape, ref float carried)"))
        {
            foreach (var c in copies)
            {
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref carried, {c.Slot}), {c.Length}).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref tape, {c.Initial}), {c.Length}));");
            }
        }
        w.Line();
        using (w.Block("private static void KeepState(ref float tape, ref float carried)"))
        {
            foreach (var c in copies)
            {
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref tape, {c.Final}), {c.Length}).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref carried, {c.Slot}), {c.Length}));");
            }
        }
        w.Line();
    }

    private static void EmitRows(SourceWriter w, int rows, string body)
    {
        if (rows == 1)
        {
            w.Line(body);
            return;
        }
        using (w.Block($"for (int r = 0; r < {rows}; r++)"))
        {
            w.Line(body);
        }
    }
}
