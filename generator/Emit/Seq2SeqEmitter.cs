using System.Collections.Generic;
using System.Linq;
using StaticRnn.Generator.Model;
using StaticRnn.Generator.Parsing;

namespace StaticRnn.Generator.Emit;

/// <summary>
/// Writes the one generated file of a <c>[Seq2Seq]</c> model: the user's partial class (constants, the state buffer, the
/// teacher-forced training API and greedy and beam-search decoding) and a <c>file static class</c> of kernels with both
/// stacks' layer kernels (<c>Encoder1...</c>, <c>Decoder1...</c>), their forward and backward passes, the link between
/// them, and the per-shard loops.
/// </summary>
internal static class Seq2SeqEmitter
{
    private const string Rt = ClassCode.Rt, Sys = ClassCode.Sys;

    /// <summary>
    /// Offsets into one scratch buffer: parameters and gradient (each + 8 spare floats), the encoder's tape, the decoder's
    /// tape, two delta rows and the work of the larger stack, d loss / d the encoder's output, the state gradients that
    /// cross between the stacks, and a row of source ids and one of decoder inputs as floats.
    /// </summary>
    private sealed record Layout(int Gradient, int EncoderTape, int DecoderTape, int DeltaA, int DeltaB, int Work, int EncoderGradient, int EncoderState,
        int DecoderState, int SourceTokens, int DecoderTokens, int Length, int BeamState)
    {
        public static Layout For(Seq2SeqSpec spec, TapePlan encoder, TapePlan decoder)
        {
            int gradient = spec.ParameterCount + 8;
            int encoderTape = gradient + spec.ParameterCount + 8;
            int decoderTape = encoderTape + encoder.TapeLength;
            int deltaA = decoderTape + decoder.TapeLength;
            int delta = System.Math.Max(encoder.DeltaLength, decoder.DeltaLength);
            int deltaB = deltaA + delta;
            int work = deltaB + delta;
            int encoderGradient = work + System.Math.Max(encoder.WorkLength, decoder.WorkLength) + 8;
            LayerPlan last = encoder.Layers[encoder.Layers.Count - 1];
            int encoderState = encoderGradient + last.OutputRows * last.Stride + 8;
            int decoderState = encoderState + StateLength(spec);
            int sourceTokens = decoderState + StateLength(spec);
            int decoderTokens = sourceTokens + LayerPlan.RoundUp(spec.SourceLength);
            return new Layout(gradient, encoderTape, decoderTape, deltaA, deltaB, work, encoderGradient, encoderState, decoderState, sourceTokens, decoderTokens,
                decoderTokens + LayerPlan.RoundUp(spec.TargetLength) + 8, LayerPlan.RoundUp(spec.TargetLength) + decoder.TapeLength);
        }

        /// <summary>Room for the state gradients of either side: up to two directions of h and c, each a padded row.</summary>
        private static int StateLength(Seq2SeqSpec spec)
        {
            int widest = 8;
            foreach (LayerSpec layer in spec.Encoder.Layers.Concat(spec.Decoder.Layers))
            {
                widest = System.Math.Max(widest, layer.OutputFeatures);
            }
            return 4 * LayerPlan.RoundUp(widest) + 8;
        }
    }

    /// <summary>How the encoder's final states reach the decoder: forward copies (encoder tape → decoder tape) and the gradient's way back.</summary>
    private sealed record Link(IReadOnlyList<(int From, int To, int Length)> States, IReadOnlyList<(int From, int To, int Length)> Gradients, int EncoderStateLength)
    {
        public static Link? For(Seq2SeqSpec spec, TapePlan encoder, TapePlan decoder)
        {
            int seeding = spec.SeedingLayer, seeded = spec.SeededLayer;
            if (seeding < 0 || seeded < 0)
            {
                return null;
            }
            var target = spec.Decoder.Layers[seeded];
            CarriedState[] initial = target.CarriedStates(decoder.Layers[seeded]).ToArray();
            int decoderStride = ((RecurrentSpec)target).Stride;
            var states = new List<(int, int, int)>();
            var gradients = new List<(int, int, int)>();
            LayerSpec source = spec.Encoder.Layers[seeding];
            LayerPlan plan = encoder.Layers[seeding];
            if (source is BidirectionalSpec b)
            {
                int units = b.Inner.Units, stride = b.Inner.Stride;
                CarriedState[] forward = b.Forward!.CarriedStates(plan.Parts[0]).ToArray(), backward = b.Backward!.CarriedStates(plan.Parts[1]).ToArray();
                for (int k = 0; k < initial.Length; k++)
                {
                    states.Add((forward[k].Final, initial[k].Initial, units));
                    states.Add((backward[k].Final, initial[k].Initial + units, units));
                    gradients.Add((k * decoderStride, k * stride, units));
                    gradients.Add((k * decoderStride + units, b.DirectionStateLength + k * stride, units));
                }
                return new Link(states, gradients, 2 * b.DirectionStateLength);
            }
            var recurrent = (RecurrentSpec)source;
            CarriedState[] final = recurrent.CarriedStates(plan).ToArray();
            for (int k = 0; k < initial.Length; k++)
            {
                states.Add((final[k].Final, initial[k].Initial, recurrent.Units));
                gradients.Add((k * decoderStride, k * recurrent.Stride, recurrent.Units));
            }
            return new Link(states, gradients, initial.Length * recurrent.Stride);
        }
    }

    private static string EncoderMethod(int i) => "Encoder" + NetworkBuilder.Count(i + 1);
    private static string DecoderMethod(int i) => "Decoder" + NetworkBuilder.Count(i + 1);

    public static string Emit(Seq2SeqSpec spec, HierarchyInfo hierarchy)
    {
        var encoderPlan = new TapePlan(spec.Encoder);
        var decoderPlan = new TapePlan(spec.Decoder);
        var layout = Layout.For(spec, encoderPlan, decoderPlan);
        string name = NetworkEmitter.Escape(hierarchy.Name);
        string kernels = hierarchy.Name + "Kernels";
        var model = new Model(spec, encoderPlan, decoderPlan, layout, Link.For(spec, encoderPlan, decoderPlan));
        return ClassCode.File(hierarchy, $"// StaticRnn generated this file from the attributes of {hierarchy.Name} and its Encoder and Decoder; edit the attributes, not this file.",
            w => EmitUserClass(w, model, name, $"{Rt}.Generated.{kernels}"),
            w => EmitKernels(w, model, hierarchy, kernels));
    }

    /// <summary>Everything the emitting methods read.</summary>
    private sealed record Model(Seq2SeqSpec Spec, TapePlan EncoderPlan, TapePlan DecoderPlan, Layout Layout, Link? Link)
    {
        public NetworkSpec Encoder => Spec.Encoder;
        public NetworkSpec Decoder => Spec.Decoder;
        public bool Random => Encoder.UsesRandom || Decoder.UsesRandom;
        public LayerPlan EncoderOutput => EncoderPlan.Layers[EncoderPlan.Layers.Count - 1];
        public LayerPlan DecoderOutput => DecoderPlan.Layers[DecoderPlan.Layers.Count - 1];
        public bool MemoryMasked => Encoder.OutputMasked;
        /// <summary>Per-sample floats of teacher-forced outputs: the next-token probabilities of every decoder step.</summary>
        public int OutputSize => Spec.TargetLength * Spec.TargetVocabulary;
    }

    private static void EmitUserClass(SourceWriter w, Model m, string name, string kernels)
    {
        Seq2SeqSpec spec = m.Spec;
        w.Line("/// <remarks>");
        w.Line($"/// Generated sequence-to-sequence model: {spec.SourceLength} source ids (vocabulary {spec.SourceVocabulary}) → {spec.TargetLength} target ids (vocabulary {spec.TargetVocabulary}), start token {spec.StartToken}, end token {spec.EndToken}.<br/>");
        foreach (var (role, stack, offset) in new[] { ("Encoder", spec.Encoder, 0), ("Decoder", spec.Decoder, spec.Encoder.ParameterCount) })
        {
            foreach (LayerSpec layer in stack.Layers)
            {
                string link = layer.StateLink switch
                {
                    StateLink.SeedsDecoder => ", its final states seed the decoder",
                    StateLink.SeededByEncoder => ", starts from the encoder's final states",
                    _ => layer.UsesMemory ? ", attends over the encoder's output" : "",
                };
                w.Line($"/// ○ {role} layer {layer.Position + 1} {layer.Name} ({layer.KerasType}): {NetworkBuilder.Shape(layer.InputShape.ToArray())} → {NetworkBuilder.Shape(layer.OutputShape.ToArray())}, {layer.ParamCount} parameters [{offset + layer.ParamOffset}, {offset + layer.ParamOffset + layer.ParamCount}){link}<br/>");
            }
        }
        w.Line($"/// ○ Total: {spec.ParameterCount} parameters");
        w.Line("/// </remarks>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"StaticRnn.Generator\", \"{NetworkEmitter.GeneratorVersion}\")]");
        using (w.Block($"partial class {name} : {Rt}.ISeq2SeqNetwork<{name}>, {Rt}.Kernels.IShardWork, {Rt}.Kernels.IDecoderSteps"))
        {
            EmitConstants(w, m, name);
            EmitState(w, m, name, kernels);
            EmitTraining(w, m, kernels);
            EmitDecoding(w, m, kernels);
            EmitShards(w, m, kernels);
        }
    }

    private static void EmitConstants(SourceWriter w, Model m, string name)
    {
        Seq2SeqSpec spec = m.Spec;
        w.Line("/// <summary>Total trainable parameters of both stacks, as Keras counts them.</summary>");
        w.Line($"public const int ParameterCount = {spec.ParameterCount};");
        w.Line("/// <summary>Token ids per source sequence (0 is padding).</summary>");
        w.Line($"public const int SourceLength = {spec.SourceLength};");
        w.Line("/// <summary>Token ids per target sequence: the decoder's steps.</summary>");
        w.Line($"public const int TargetLength = {spec.TargetLength};");
        w.Line("/// <summary>Source ids are in [0, SourceVocabulary).</summary>");
        w.Line($"public const int SourceVocabulary = {spec.SourceVocabulary};");
        w.Line("/// <summary>Target ids, and the decoder's output classes, are in [0, TargetVocabulary).</summary>");
        w.Line($"public const int TargetVocabulary = {spec.TargetVocabulary};");
        w.Line("/// <summary>The decoder's first input: training shifts each target right by one behind it.</summary>");
        w.Line($"public const int StartToken = {spec.StartToken};");
        w.Line("/// <summary>The token that ends a target; decoding stops after producing it.</summary>");
        w.Line($"public const int EndToken = {spec.EndToken};");
        w.Line();
        foreach (string constant in new[] { "ParameterCount", "SourceLength", "TargetLength", "SourceVocabulary", "TargetVocabulary", "StartToken", "EndToken" })
        {
            w.Line($"static int {Rt}.ISeq2SeqNetwork<{name}>.{constant} => {constant};");
        }
        w.Line();
        w.Line("/// <summary>The Keras <c>model.summary()</c> tables of the encoder and the decoder.</summary>");
        w.Line("public static string Summary() => \"\"\"");
        foreach (string line in SummaryFormatter.Format(spec).TrimEnd('\n').Split('\n'))
        {
            w.Line(line.Length == 0 ? "" : line);
        }
        w.Line("\"\"\" + \"\\n\";");
    }

    private static void EmitState(SourceWriter w, Model m, string name, string kernels)
    {
        Seq2SeqSpec spec = m.Spec;
        ClassCode.StateAndShards(w, name, "model", m.Layout.Length, spec.Encoder.MultiplyAdds + spec.Decoder.MultiplyAdds, spec.Seed, m.Random, "0 predict, 1 loss, 2 loss and gradient, 3 greedy decoding", () =>
        {
            w.Line("private int _targetTokens; // the current call: target ids that are not padding, over the whole batch");
            w.Line("private float[] _generated = []; // greedy decoding's ids as the shards write them, grown to the largest batch");
            w.Line($"private {Rt}.Kernels.BeamSearcher? _beams; // kept for the last beam width");
            w.Line("private bool _callWeighted; // the current call has sample weights, in _callWeights");
            w.Line("private float[] _callWeights = []; // grown to the largest weighted batch");
        });
        ClassCode.Weights(w, new[] { (spec.Encoder.Layers.SelectMany(l => l.Weights), 0), (spec.Decoder.Layers.SelectMany(l => l.Weights), spec.Encoder.ParameterCount) },
            "the encoder's then the decoder's in Keras <c>get_weights()</c> order", kernels);
        ClassCode.WeightsFile(w);
        ClassCode.ForeignWeights(w, spec.Encoder.Layers.Concat(spec.Decoder.Layers));
    }

    private static void EmitTraining(SourceWriter w, Model m, string kernels)
    {
        string guard = $"{Rt}.Kernels.Guard", runner = $"{Rt}.Kernels.ShardRunner", ints = $"{Sys}.ReadOnlySpan<int>";
        string gradient = ClassCode.Gradient(m.Layout.Gradient);
        const string check = "Guard(sources, targets, batchSize);";
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The decoder's next-token probabilities at every step (<c>TargetLength × TargetVocabulary</c> floats per sample) for");
        w.Line("/// given decoder inputs: the start token, then the tokens so far, then 0. Step t depends on inputs 0 … t only.");
        w.Line("/// </summary>");
        using (w.Block($"public void Predict({ints} sources, {ints} decoderInputs, {Sys}.Span<float> outputs, int batchSize = 1)"))
        {
            w.Line(ClassCode.InUse);
            w.Line($"{guard}.Sequences(sources, decoderInputs, batchSize, SourceLength, TargetLength, SourceVocabulary, TargetVocabulary, nameof(decoderInputs));");
            w.Line($"{guard}.Output(outputs.Length, batchSize, {m.OutputSize}, nameof(outputs), \"TargetLength × TargetVocabulary\");");
            w.Line("(_callBatch, _callMode) = (batchSize, 0);");
            w.Line($"{runner}.Run(this, Shards(batchSize, 0), default, sources, default, decoderInputs, outputs);");
        }
        w.Line();
        w.Line("/// <summary>Teacher-forced mean loss over the target ids that are not padding (Keras <c>sum_over_batch_size</c> over unmasked steps), without gradients.</summary>");
        using (w.Block($"public float ComputeLoss({ints} sources, {ints} targets, int batchSize)"))
        {
            w.Line(ClassCode.InUse);
            w.Line(check);
            w.Line("return Run(sources, targets, batchSize, backward: false);");
        }
        w.Line();
        w.Line("/// <summary>Teacher-forced mean loss; <paramref name=\"gradients\"/> (<c>ParameterCount</c> floats, the layout of <see cref=\"Parameters\"/>) receives d(loss)/d(parameters).</summary>");
        using (w.Block($"public float Gradients({ints} sources, {ints} targets, int batchSize, {Sys}.Span<float> gradients)"))
        {
            w.Line(ClassCode.InUse);
            w.Line(check);
            w.Line($"{guard}.Length(gradients.Length, ParameterCount, nameof(gradients), \"one per parameter\");");
            w.Line("float loss = Run(sources, targets, batchSize, backward: true);");
            w.Line($"{gradient}.CopyTo(gradients);");
            w.Line("return loss;");
        }
        w.Line();
        w.Line("/// <summary>One optimizer step on the batch (teacher forcing); returns the batch loss before the step.</summary>");
        using (w.Block($"public float TrainStep({ints} sources, {ints} targets, int batchSize, {Rt}.IOptimizer optimizer)"))
        {
            w.Line(ClassCode.InUse);
            w.Line($"{Sys}.ArgumentNullException.ThrowIfNull(optimizer);");
            w.Line(check);
            w.Line("float loss = Run(sources, targets, batchSize, backward: true);");
            w.Line($"{Rt}.Optimizer.Apply(optimizer, Parameters, {gradient}, s_weights);");
            w.Line("return loss;");
        }
        w.Line();
        w.Line("/// <summary>The teacher-forced loss with each pair's ids counting its weight (Keras <c>sample_weight</c>; the mean still over the ids that are not padding), without gradients.</summary>");
        using (w.Block($"public float ComputeLoss({ints} sources, {ints} targets, int batchSize, {Sys}.ReadOnlySpan<float> sampleWeights)"))
        {
            w.Line(ClassCode.InUse);
            w.Line(check);
            w.Line($"{guard}.Weights(sampleWeights, batchSize);");
            w.Line("return Run(sources, targets, batchSize, backward: false, sampleWeights);");
        }
        w.Line();
        w.Line("/// <summary>One optimizer step on the weighted teacher-forced loss; returns it before the step.</summary>");
        using (w.Block($"public float TrainStep({ints} sources, {ints} targets, int batchSize, {Rt}.IOptimizer optimizer, {Sys}.ReadOnlySpan<float> sampleWeights)"))
        {
            w.Line(ClassCode.InUse);
            w.Line($"{Sys}.ArgumentNullException.ThrowIfNull(optimizer);");
            w.Line(check);
            w.Line($"{guard}.Weights(sampleWeights, batchSize);");
            w.Line("float loss = Run(sources, targets, batchSize, backward: true, sampleWeights);");
            w.Line($"{Rt}.Optimizer.Apply(optimizer, Parameters, {gradient}, s_weights);");
            w.Line("return loss;");
        }
        w.Line();
        w.Line($"/// <summary>Keras-style training loop with teacher forcing; see <see cref=\"{Rt}.Seq2SeqTraining\"/>.</summary>");
        w.Line($"public {Rt}.History Fit({ints} sources, {ints} targets, int epochs = 1, int batchSize = 32, {Rt}.IOptimizer? optimizer = null,");
        w.Line($"    double validationSplit = 0, bool shuffle = true, int verbose = 1, {Sys}.IO.TextWriter? log = null, int? seed = null,");
        w.Line($"    {NetworkEmitter.FitExtras}, {Sys}.ReadOnlySpan<float> sampleWeights = default)");
        w.Line($"    => {Rt}.Seq2SeqTraining.Fit(this, sources, targets, epochs, batchSize, optimizer, validationSplit, shuffle, verbose, log, seed, metrics, callbacks, initialEpoch, sampleWeights);");
        w.Line();
        w.Line("/// <summary>Teacher-forced mean loss over all pairs, like Keras <c>model.evaluate</c>.</summary>");
        w.Line($"public float Evaluate({ints} sources, {ints} targets, int batchSize = 32) => {Rt}.Seq2SeqTraining.Evaluate(this, sources, targets, batchSize);");
        w.Line();
        using (w.Block($"private static void Guard({ints} sources, {ints} targets, int batchSize)"))
        {
            w.Line($"{guard}.Sequences(sources, targets, batchSize, SourceLength, TargetLength, SourceVocabulary, TargetVocabulary);");
        }
        w.Line();
        w.Line("/// <summary>Runs the shards of a checked batch, then sums their losses (and gradients) in shard order.</summary>");
        using (w.Block($"private float Run({ints} sources, {ints} targets, int batchSize, bool backward, {Sys}.ReadOnlySpan<float> weights = default)"))
        {
            w.Line("int shards = Shards(batchSize, backward ? 2 : 1);");
            w.Line("_callWeighted = !weights.IsEmpty;");
            using (w.Block("if (_callWeighted)"))
            {
                w.Line("if (_callWeights.Length < batchSize) _callWeights = new float[batchSize];");
                w.Line("weights.CopyTo(_callWeights);");
            }
            if (m.Random)
            {
                ClassCode.ReseedDropout(w);
            }
            w.Line($"_targetTokens = {guard}.NonZero(targets); // the loss is the mean over the target ids that are not padding");
            w.Line("(_callBatch, _callMode) = (batchSize, backward ? 2 : 1);");
            w.Line($"{runner}.Run(this, shards, default, sources, default, targets, default);");
            ClassCode.ReduceShards(w, m.Layout.Gradient);
        }
    }

    private static void EmitDecoding(SourceWriter w, Model m, string kernels)
    {
        string guard = $"{Rt}.Kernels.Guard", ints = $"{Sys}.ReadOnlySpan<int>";
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Greedy decoding: for each source, the most probable token at each step fed back as the next decoder input, until");
        w.Line("/// <c>EndToken</c> (written) or <c>TargetLength</c> tokens; the rest of each output row is 0. Token 0 is never produced.");
        w.Line("/// </summary>");
        using (w.Block($"public void Generate({ints} sources, {Sys}.Span<int> outputs, int batchSize = 1)"))
        {
            w.Line(ClassCode.InUse);
            w.Line($"{guard}.Output(sources.Length, batchSize, SourceLength, nameof(sources), \"SourceLength\");");
            w.Line($"{guard}.Tokens(sources, SourceVocabulary, nameof(sources));");
            w.Line($"{guard}.Output(outputs.Length, batchSize, TargetLength, nameof(outputs), \"TargetLength\");");
            using (w.Block("if (_generated.Length < outputs.Length)"))
            {
                w.Line("_generated = new float[outputs.Length];");
            }
            w.Line("(_callBatch, _callMode) = (batchSize, 3);");
            w.Line($"{Rt}.Kernels.ShardRunner.Run(this, Shards(batchSize, 3), default, sources, default, default, {Sys}.MemoryExtensions.AsSpan(_generated, 0, outputs.Length));");
            using (w.Block("for (int i = 0; i < outputs.Length; i++)"))
            {
                w.Line("outputs[i] = (int)_generated[i];");
            }
        }
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Beam search for one source: keeps the <paramref name=\"beamWidth\"/> most probable prefixes at each step and writes the");
        w.Line("/// most probable sequence found (sum of log-probabilities), ending with <c>EndToken</c> when produced, then 0; width 1");
        w.Line("/// is greedy decoding. Allocates only when the width changes.");
        w.Line("/// </summary>");
        using (w.Block($"public void BeamSearch({ints} source, {Sys}.Span<int> output, int beamWidth)"))
        {
            w.Line(ClassCode.InUse);
            w.Line($"{Sys}.ArgumentOutOfRangeException.ThrowIfNegativeOrZero(beamWidth);");
            w.Line($"{guard}.Output(source.Length, 1, SourceLength, nameof(source), \"SourceLength\");");
            w.Line($"{guard}.Tokens(source, SourceVocabulary, nameof(source));");
            w.Line($"{guard}.Output(output.Length, 1, TargetLength, nameof(output), \"TargetLength\");");
            w.Line($"_beams = _beams is {{ Width: var width }} && width == beamWidth ? _beams : new {Rt}.Kernels.BeamSearcher(beamWidth, TargetLength, TargetVocabulary, {kernels}.BeamState);");
            w.Line($"{kernels}.Encode(_state, _state, source);");
            w.Line("_beams.Search(this, StartToken, EndToken, output);");
        }
        w.Line();
        w.Line($"int {Rt}.Kernels.IDecoderSteps.DecoderStateLength => {kernels}.BeamState;");
        w.Line();
        using (w.Block($"void {Rt}.Kernels.IDecoderSteps.StartState({Sys}.Span<float> state)"))
        {
            w.Line($"{guard}.Length(state.Length, {kernels}.BeamState, nameof(state), \"DecoderStateLength\");");
            w.Line($"{kernels}.BeamStart(_state, state);");
        }
        w.Line();
        using (w.Block($"void {Rt}.Kernels.IDecoderSteps.Step({Sys}.Span<float> state, int step, int token, {Sys}.Span<float> probabilities)"))
        {
            w.Line($"{guard}.Length(state.Length, {kernels}.BeamState, nameof(state), \"DecoderStateLength\");");
            w.Line($"{guard}.Length(probabilities.Length, TargetVocabulary, nameof(probabilities), \"TargetVocabulary\");");
            w.Line($"{Sys}.ArgumentOutOfRangeException.ThrowIfNegative(step);");
            w.Line($"{Sys}.ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, TargetLength);");
            w.Line($"{Sys}.ArgumentOutOfRangeException.ThrowIfNegative(token);");
            w.Line($"{Sys}.ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, TargetVocabulary);");
            w.Line($"{kernels}.BeamStep(_state, _state, state, step, token, probabilities);");
        }
    }

    private static void EmitShards(SourceWriter w, Model m, string kernels)
    {
        string runner = $"{Rt}.Kernels.ShardRunner";
        string Span(string t) => $"{Sys}.ReadOnlySpan<{t}>";
        w.Line();
        w.Line("/// <summary>One shard of the current call: its contiguous share of the batch, on its own scratch buffer. Sources come as tokens, targets (or decoder inputs) as classes.</summary>");
        using (w.Block($"void {Rt}.Kernels.IShardWork.RunShard(int shard, {Span("float")} inputs, {Span("int")} tokens, {Span("float")} targets, {Span("int")} classes, {Sys}.Span<float> outputs)"))
        {
            w.Line("int shards = ShardCount(_callBatch, _callMode);");
            w.Line("int first = shard * _callBatch / shards, count = (shard + 1) * _callBatch / shards - first;");
            w.Line($"var sources = {runner}.Part(tokens, first, count, SourceLength);");
            using (w.Block("switch (_callMode)"))
            {
                w.Line("case 0:");
                w.Line($"    {kernels}.Predict(_state, _scratch[shard], sources, {runner}.Part(classes, first, count, TargetLength), outputs.Slice(first * {m.OutputSize}, count * {m.OutputSize}), count);");
                w.Line("    break;");
                w.Line("case 3:");
                w.Line($"    {kernels}.Generate(_state, _scratch[shard], sources, outputs.Slice(first * TargetLength, count * TargetLength), count);");
                w.Line("    break;");
                w.Line("default:");
                w.Line($"    _shardLoss[shard] = {kernels}.Run(_state, _scratch[shard], sources, {runner}.Part(classes, first, count, TargetLength), _callWeighted ? {Sys}.MemoryExtensions.AsSpan(_callWeights, first, count) : default, count, _targetTokens, _callMode == 2{(m.Random ? ", _shardDropout[shard]" : "")});");
                w.Line("    break;");
            }
        }
    }

    private static void EmitKernels(SourceWriter w, Model m, HierarchyInfo hierarchy, string kernels)
    {
        Seq2SeqSpec spec = m.Spec;
        Layout l = m.Layout;
        w.Line($"/// <summary>The kernels of <c>{ClassCode.FullName(hierarchy)}</c>: both stacks' layers, their passes and the link between them, every dimension a literal.</summary>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"StaticRnn.Generator\", \"{NetworkEmitter.GeneratorVersion}\")]");
        using (w.Block($"file static class {kernels}"))
        {
            w.Line("// Offsets into a scratch buffer (the model's state, or a shard's buffer of the same layout).");
            w.Line($"private const int Gradient = {l.Gradient}, EncoderTape = {l.EncoderTape}, DecoderTape = {l.DecoderTape}, DeltaA = {l.DeltaA}, DeltaB = {l.DeltaB}, Work = {l.Work};");
            w.Line($"private const int EncoderGradient = {l.EncoderGradient}, EncoderState = {l.EncoderState}, DecoderState = {l.DecoderState}, SourceTokens = {l.SourceTokens}, DecoderTokens = {l.DecoderTokens};");
            w.Line($"// Offsets into a stack's tape: the encoder's output rows{(spec.Encoder.Masked ? " and mask row" : "")}, the decoder's output rows{(spec.Decoder.Masked ? " and mask row" : "")}; where the decoder's weights start.");
            w.Line($"// A beam's decoder state in beam search: its decoder input ids, then its decoder tape from BeamTape on; {l.BeamState} floats.");
            w.Line($"public const int BeamTape = {LayerPlan.RoundUp(spec.TargetLength)}, BeamState = {l.BeamState};");
            w.Line($"private const int EncoderOutput = {m.EncoderOutput.OutputOffset}{(spec.Encoder.Masked ? $", EncoderMaskRow = {m.EncoderPlan.MaskOffset}" : "")}, DecoderOutput = {m.DecoderOutput.OutputOffset}{(spec.Decoder.Masked ? $", DecoderMaskRow = {m.DecoderPlan.MaskOffset}" : "")}, DecoderParameters = {spec.Encoder.ParameterCount};");
            w.Line();
            using (w.Block("public static void InitializeWeights(Span<float> p, int seed)"))
            {
                w.Line("var random = new global::StaticRnn.SeededRandom(seed);");
                w.Line("// The encoder's weights, then the decoder's, from one generator.");
                StackCode.WeightInitializers(w, spec.Encoder.Layers);
                StackCode.WeightInitializers(w, spec.Decoder.Layers, spec.Encoder.ParameterCount);
            }
            EmitSamplePasses(w, m);
            EmitStackPasses(w, m);
            StackCode.LayerKernels(w, spec.Encoder, m.EncoderPlan, EncoderMethod, grouped: false);
            StackCode.LayerKernels(w, spec.Decoder, m.DecoderPlan, DecoderMethod, grouped: false, steps: true);
        }
    }

    /// <summary>The per-shard loops: teacher-forced loss and gradients, teacher-forced probabilities, greedy decoding, and the steps beam search calls.</summary>
    private static void EmitSamplePasses(SourceWriter w, Model m)
    {
        Seq2SeqSpec spec = m.Spec;
        int t = spec.TargetLength, v = spec.TargetVocabulary, stride = m.DecoderOutput.Stride;
        string random = m.Random ? ", global::StaticRnn.SeededRandom random" : "";
        string encoderRandom = spec.Encoder.UsesRandom ? ", random" : "", decoderRandom = spec.Decoder.UsesRandom ? ", random" : "";
        string encoderMask = m.MemoryMasked ? ", ref Unsafe.Add(ref etape, EncoderMaskRow)" : "";
        string memory = $"ref Unsafe.Add(ref etape, EncoderOutput){encoderMask}"; // what the decoder attends over
        string Refs() => "ref float p = ref MemoryMarshal.GetArrayDataReference(parameters);\nref float s = ref MemoryMarshal.GetArrayDataReference(scratch);\nref float etape = ref Unsafe.Add(ref s, EncoderTape);\nref float dtape = ref Unsafe.Add(ref s, DecoderTape);";
        void Lines(string text)
        {
            foreach (string line in text.Split('\n'))
            {
                w.Line(line);
            }
        }

        w.Line();
        w.Line("/// <summary>Teacher forcing: the decoder reads the target shifted right by one behind the start token.</summary>");
        using (w.Block("private static ref float ShiftedTarget(ref float s, ReadOnlySpan<int> target)"))
        {
            w.Line("ref float row = ref Unsafe.Add(ref s, DecoderTokens);");
            w.Line($"row = {spec.StartToken};");
            using (w.Block($"for (int i = 1; i < {t}; i++)"))
            {
                w.Line("Unsafe.Add(ref row, i) = target[i - 1];");
            }
            w.Line("return ref row;");
        }
        w.Line();
        w.Line("/// <summary>One source through the encoder; its final states become the decoder's initial states.</summary>");
        using (w.Block($"private static void Encode(ref float p, ref float s, ref float x{(spec.Encoder.UsesRandom ? ", global::StaticRnn.SeededRandom? random" : "")})"))
        {
            w.Line("ref float etape = ref Unsafe.Add(ref s, EncoderTape);");
            w.Line($"EncoderForward(ref p, ref x, ref etape{encoderRandom});");
            if (m.Link is { } link)
            {
                w.Line("ref float dtape = ref Unsafe.Add(ref s, DecoderTape);");
                LayerSpec from = spec.Encoder.Layers[spec.SeedingLayer], to = spec.Decoder.Layers[spec.SeededLayer];
                w.Line($"// The final states of the encoder's '{from.Name}' seed the decoder's '{to.Name}'{(from is BidirectionalSpec ? " (forward direction, then backward)" : "")}.");
                foreach (var (source, target, length) in link.States)
                {
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref etape, {source}), {length}).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dtape, {target}), {length}));");
                }
            }
        }
        w.Line();
        w.Line("/// <summary>Encodes one source on a scratch buffer, before the steps of a beam search.</summary>");
        using (w.Block("public static void Encode(float[] parameters, float[] scratch, ReadOnlySpan<int> source)"))
        {
            w.Line("ref float s = ref MemoryMarshal.GetArrayDataReference(scratch);");
            w.Line($"Encode(ref MemoryMarshal.GetArrayDataReference(parameters), ref s, ref Rows.Tokens(ref Unsafe.Add(ref s, SourceTokens), source){(spec.Encoder.UsesRandom ? ", null" : "")});");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Runs <paramref name=\"count\"/> pairs (one shard of a batch) one by one: the encoder, the decoder on the shifted target,");
        w.Line("/// the loss of each target id that is not padding, and (when asked) both stacks backward into the shard's gradient.");
        w.Line("/// </summary>");
        using (w.Block($"public static double Run(float[] parameters, float[] scratch, ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, ReadOnlySpan<float> weights, int count, int targetTokens, bool backward{random})"))
        {
            Lines(Refs());
            w.Line("ref float g = ref Unsafe.Add(ref s, Gradient);");
            w.Line($"ref float dy = ref Unsafe.Add(ref s, {((spec.Decoder.Layers.Count - 1) % 2 == 0 ? "DeltaA" : "DeltaB")}); // d loss / d the decoder's output");
            using (w.Block("if (backward)"))
            {
                w.Line($"scratch.AsSpan(Gradient, {spec.ParameterCount}).Clear();");
            }
            w.Line("float scale = targetTokens == 0 ? 0f : 1f / targetTokens; // the mean over the batch's target ids that are not padding");
            w.Line("double loss = 0;");
            using (w.Block("for (int sample = 0; sample < count; sample++)"))
            {
                w.Line($"ReadOnlySpan<int> target = targets.Slice(sample * {t}, {t});");
                w.Line($"ref float x = ref Rows.Tokens(ref Unsafe.Add(ref s, SourceTokens), sources.Slice(sample * {spec.SourceLength}, {spec.SourceLength}));");
                w.Line("ref float xd = ref ShiftedTarget(ref s, target);");
                string train = m.Random ? "backward ? random : null" : "";
                w.Line($"Encode(ref p, ref s, ref x{(spec.Encoder.UsesRandom ? $", {train}" : "")});{(m.Random ? " // dropout only in training" : "")}");
                w.Line($"DecoderForward(ref Unsafe.Add(ref p, DecoderParameters), ref xd, ref dtape, {memory}{(spec.Decoder.UsesRandom ? $", {train}" : "")});");
                w.Line("float weight = weights.IsEmpty ? 1f : weights[sample], weighted = scale * weight; // Keras sample_weight: the mean still over the unmasked ids");
                w.Line("ref float output = ref Unsafe.Add(ref dtape, DecoderOutput);");
                using (w.Block($"for (int r = 0; r < {t}; r++)"))
                {
                    using (w.Block("if (target[r] == 0)"))
                    {
                        w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dy, r * {stride}), {stride}).Clear(); // padding: no loss, no gradient");
                        w.Line("continue;");
                    }
                    w.Line($"loss += weight * Losses.SparseCategoricalCrossentropy(ref Unsafe.Add(ref output, r * {stride}), target[r], ref Unsafe.Add(ref dy, r * {stride}), {v}, weighted, backward);");
                }
                using (w.Block("if (backward)"))
                {
                    LayerPlan eo = m.EncoderOutput;
                    w.Line($"ref float dEnc = ref Unsafe.Add(ref s, EncoderGradient); // d loss / d the encoder's output, which the decoder's attention adds to");
                    w.Line($"MemoryMarshal.CreateSpan(ref dEnc, {eo.OutputRows * eo.Stride}).Clear();");
                    string decoderState = m.Link is null ? "" : ", ref Unsafe.Add(ref s, DecoderState)";
                    w.Line($"DecoderBackward(ref Unsafe.Add(ref p, DecoderParameters), ref s, ref xd, ref dtape, ref Unsafe.Add(ref g, DecoderParameters), ref dy, ref Unsafe.Add(ref etape, EncoderOutput), ref dEnc{encoderMask}{decoderState});");
                    string encoderState = "";
                    if (m.Link is { } link)
                    {
                        w.Line("// The gradient of the decoder's initial states is the gradient of the encoder's final states.");
                        w.Line("ref float dstate = ref Unsafe.Add(ref s, EncoderState);");
                        w.Line("ref float fromDecoder = ref Unsafe.Add(ref s, DecoderState);");
                        w.Line($"MemoryMarshal.CreateSpan(ref dstate, {link.EncoderStateLength}).Clear();");
                        foreach (var (source, target, length) in link.Gradients)
                        {
                            w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref fromDecoder, {source}), {length}).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dstate, {target}), {length}));");
                        }
                        encoderState = ", ref dstate";
                    }
                    w.Line($"EncoderBackward(ref p, ref s, ref x, ref etape, ref g, ref dEnc{encoderState});");
                }
            }
            w.Line("return loss * scale;");
        }

        w.Line();
        w.Line("/// <summary>Teacher-forced next-token probabilities of <paramref name=\"count\"/> samples for given decoder inputs.</summary>");
        using (w.Block("public static void Predict(float[] parameters, float[] scratch, ReadOnlySpan<int> sources, ReadOnlySpan<int> decoderInputs, Span<float> outputs, int count)"))
        {
            Lines(Refs());
            using (w.Block("for (int sample = 0; sample < count; sample++)"))
            {
                w.Line($"Encode(ref p, ref s, ref Rows.Tokens(ref Unsafe.Add(ref s, SourceTokens), sources.Slice(sample * {spec.SourceLength}, {spec.SourceLength})){(spec.Encoder.UsesRandom ? ", null" : "")});");
                w.Line($"ref float xd = ref Rows.Tokens(ref Unsafe.Add(ref s, DecoderTokens), decoderInputs.Slice(sample * {t}, {t}));");
                w.Line($"DecoderForward(ref Unsafe.Add(ref p, DecoderParameters), ref xd, ref dtape, {memory}{(spec.Decoder.UsesRandom ? ", null" : "")});");
                using (w.Block($"for (int r = 0; r < {t}; r++)"))
                {
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref dtape, DecoderOutput + r * {stride}), {v}).CopyTo(outputs.Slice((sample * {t} + r) * {v}, {v}));");
                }
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Greedy decoding of <paramref name=\"count\"/> sources: each step runs the decoder's next step on the token before and");
        w.Line("/// feeds back its most probable token (never 0), until the end token or the decoder's length. Ids are written as floats.");
        w.Line("/// </summary>");
        using (w.Block("public static void Generate(float[] parameters, float[] scratch, ReadOnlySpan<int> sources, Span<float> outputs, int count)"))
        {
            Lines(Refs());
            w.Line("ref float pd = ref Unsafe.Add(ref p, DecoderParameters);");
            w.Line("ref float xd = ref Unsafe.Add(ref s, DecoderTokens);");
            using (w.Block("for (int sample = 0; sample < count; sample++)"))
            {
                w.Line($"Encode(ref p, ref s, ref Rows.Tokens(ref Unsafe.Add(ref s, SourceTokens), sources.Slice(sample * {spec.SourceLength}, {spec.SourceLength})){(spec.Encoder.UsesRandom ? ", null" : "")});");
                w.Line($"Span<float> generated = outputs.Slice(sample * {t}, {t});");
                w.Line("generated.Clear();");
                w.Line($"MemoryMarshal.CreateSpan(ref xd, {t}).Clear();");
                w.Line($"xd = {spec.StartToken};");
                using (w.Block($"for (int step = 0; step < {t}; step++)"))
                {
                    w.Line($"DecoderSteps(ref pd, ref xd, ref dtape, {memory}, step, step + 1);");
                    w.Line($"int token = VectorMath.ArgMax(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref dtape, DecoderOutput + step * {stride} + 1), {v - 1})) + 1; // never 0, the padding id");
                    w.Line("generated[step] = token;");
                    using (w.Block($"if (token == {spec.EndToken} || step == {t - 1})"))
                    {
                        w.Line("break;");
                    }
                    w.Line("Unsafe.Add(ref xd, step + 1) = token;");
                }
            }
        }

        w.Line();
        w.Line("/// <summary>A beam's decoder state before step 0, for the source encoded last on <paramref name=\"scratch\"/>: no ids yet, the decoder's tape with the encoder's final states.</summary>");
        using (w.Block("public static void BeamStart(float[] scratch, Span<float> state)"))
        {
            w.Line($"state.Slice(0, BeamTape).Clear();");
            w.Line($"scratch.AsSpan(DecoderTape, {m.DecoderPlan.TapeLength}).CopyTo(state.Slice(BeamTape));");
        }
        w.Line();
        w.Line("/// <summary>One beam-search step: the decoder's step <paramref name=\"step\"/> on <paramref name=\"token\"/> from a beam's state (its ids, then its decoder tape), then the next token's probabilities.</summary>");
        using (w.Block("public static void BeamStep(float[] parameters, float[] scratch, Span<float> state, int step, int token, Span<float> probabilities)"))
        {
            w.Line("ref float p = ref MemoryMarshal.GetArrayDataReference(parameters);");
            w.Line("ref float etape = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scratch), EncoderTape);");
            w.Line("ref float xd = ref MemoryMarshal.GetReference(state);");
            w.Line("ref float dtape = ref Unsafe.Add(ref xd, BeamTape);");
            w.Line("Unsafe.Add(ref xd, step) = token;");
            w.Line($"DecoderSteps(ref Unsafe.Add(ref p, DecoderParameters), ref xd, ref dtape, {memory}, step, step + 1);");
            w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref dtape, DecoderOutput + step * {stride}), {v}).CopyTo(probabilities);");
        }
    }

    /// <summary>Each stack's forward and backward pass over one sample.</summary>
    private static void EmitStackPasses(SourceWriter w, Model m)
    {
        Seq2SeqSpec spec = m.Spec;
        string randomParameter = ", global::StaticRnn.SeededRandom? random";
        w.Line();
        w.Line("/// <summary>One source through the encoder's layers; activations stay on its tape.</summary>");
        using (w.Block($"private static void EncoderForward(ref float p, ref float x, ref float tape{(spec.Encoder.UsesRandom ? randomParameter : "")})"))
        {
            StackCode.ForwardCalls(w, spec.Encoder, m.EncoderPlan, EncoderMethod, "EncoderMaskRow");
        }
        string memoryMask = m.MemoryMasked ? $", ref float {Names.MemoryMask}" : "";
        w.Line();
        w.Line("/// <summary>One decoder input row through the decoder's layers (<c>p</c> at the decoder's weights), attending over the encoder's output rows.</summary>");
        using (w.Block($"private static void DecoderForward(ref float p, ref float x, ref float tape, ref float {Names.Memory}{memoryMask}{(spec.Decoder.UsesRandom ? randomParameter : "")})"))
        {
            StackCode.ForwardCalls(w, spec.Decoder, m.DecoderPlan, DecoderMethod, "DecoderMaskRow");
        }
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Incremental decoding: the decoder's steps <paramref name=\"from\"/> … <paramref name=\"to\"/> - 1 (inference), the rows of the");
        w.Line("/// steps before already on its tape. Gives the same bits for those steps as <c>DecoderForward</c> on the same inputs.");
        w.Line("/// </summary>");
        using (w.Block($"private static void DecoderSteps(ref float p, ref float x, ref float tape, ref float {Names.Memory}{memoryMask}, int from, int to)"))
        {
            StackCode.StepCalls(w, spec.Decoder, m.DecoderPlan, DecoderMethod, "DecoderMaskRow");
        }
        string state = m.Link is null ? "" : $", ref float {Names.StateGradient}";
        w.Line();
        w.Line($"/// <summary>The decoder backward from <paramref name=\"dy\"/> (<c>p</c> and <c>g</c> at the decoder's weights): its parameter gradients, d loss / d the encoder's output added to <c>{Names.MemoryGradient}</c>{(m.Link is null ? "" : $", and d loss / d its initial states into <c>{Names.StateGradient}</c>")}.</summary>");
        using (w.Block($"private static void DecoderBackward(ref float p, ref float s, ref float x, ref float tape, ref float g, ref float dy, ref float {Names.Memory}, ref float {Names.MemoryGradient}{memoryMask}{state})"))
        {
            StackCode.BackwardCalls(w, spec.Decoder, m.DecoderPlan, DecoderMethod, "DecoderMaskRow", lastGradient: "dy");
        }
        w.Line();
        w.Line($"/// <summary>The encoder backward from <paramref name=\"dy\"/>, d loss / d its output{(m.Link is null ? "" : $", with the gradient of its final states in <c>{Names.StateGradient}</c>")}.</summary>");
        using (w.Block($"private static void EncoderBackward(ref float p, ref float s, ref float x, ref float tape, ref float g, ref float dy{state})"))
        {
            StackCode.BackwardCalls(w, spec.Encoder, m.EncoderPlan, EncoderMethod, "EncoderMaskRow", lastGradient: "dy");
        }
    }
}
