namespace StaticRnn;

/// <summary>The Keras-style training loop behind every generated sequence-to-sequence model's <c>Fit</c> and <c>Evaluate</c>.</summary>
public static class Seq2SeqTraining
{
    /// <summary>
    /// Trains <paramref name="model"/> with teacher forcing, as <see cref="Training.Fit{TNet}"/> trains a network: the last
    /// <paramref name="validationSplit"/> of the pairs is held out, the rest shuffled each epoch and cut into batches; one
    /// progress line per epoch. All ids are checked before the first step, so bad data changes no parameter.
    /// </summary>
    /// <param name="model">The model; its parameters are updated in place.</param>
    /// <param name="sources">Source sequences, <c>SourceLength</c> ids each (0 is padding).</param>
    /// <param name="targets">Target sequences, <c>TargetLength</c> ids each, normally ending with <c>EndToken</c>, then 0.</param>
    /// <param name="epochs">Passes over the training pairs.</param>
    /// <param name="batchSize">Pairs per step.</param>
    /// <param name="optimizer">The optimizer; default an <see cref="RmsProp"/> kept with the model across calls.</param>
    /// <param name="validationSplit">Fraction in [0, 1) held out for <c>val_loss</c>.</param>
    /// <param name="shuffle">Shuffle the training pairs before each epoch.</param>
    /// <param name="verbose">0 silent; 1 a live progress bar on an interactive console, else one line per epoch; 2 one line per epoch.</param>
    /// <param name="log">Where progress goes; default <see cref="Console.Out"/>.</param>
    /// <param name="seed">Seed of the shuffling; by default each call on a model continues a fixed sequence (0, 1, 2, ...).</param>
    /// <param name="metrics">
    /// Metrics over the target ids that are not padding (<see cref="Metric.Accuracy"/> and
    /// <see cref="Metric.SparseCategoricalAccuracy"/>: the teacher-forced most probable token is the target), from
    /// <c>Predict</c> on each batch just before its step (without dropout, unlike Keras's training pass).
    /// </param>
    /// <param name="callbacks">Called at the start and end of training, of each epoch, and after each batch.</param>
    /// <param name="initialEpoch">The epoch to start at (Keras <c>initial_epoch</c>).</param>
    /// <param name="sampleWeights">Keras <c>sample_weight</c>: one weight per pair, for the validation loss too (Keras has no <c>class_weight</c> for sequence targets).</param>
    public static History Fit<TNet>(TNet model, ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, int epochs = 1, int batchSize = 32,
        IOptimizer? optimizer = null, double validationSplit = 0, bool shuffle = true, int verbose = 1, TextWriter? log = null, int? seed = null,
        IReadOnlyList<Metric>? metrics = null, IReadOnlyList<ICallback>? callbacks = null, int initialEpoch = 0, ReadOnlySpan<float> sampleWeights = default)
        where TNet : ISeq2SeqNetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(model);
        int samples = CountPairs<TNet>(sources, targets);
        var options = FitOptions.Checked(epochs, batchSize, optimizer, shuffle, verbose, log, seed, metrics,
            new MetricLayout(TNet.TargetLength, TNet.TargetVocabulary, SparseTargets: true, PaddingTargets: true), callbacks, initialEpoch);
        int trainCount = Training.TrainCount(samples, validationSplit);
        Kernels.Guard.Sequences(sources, targets, samples, TNet.SourceLength, TNet.TargetLength, TNet.SourceVocabulary, TNet.TargetVocabulary);
        if (!sampleWeights.IsEmpty)
        {
            Kernels.Guard.Weights(sampleWeights, samples);
        }
        var data = new PairBatches<TNet>(model, sources, targets, sampleWeights.IsEmpty ? null : sampleWeights.ToArray(), Math.Min(batchSize, trainCount), options.Metrics is not null);
        return Training.Loop(new FitModel(model, () => model.Parameters, model.Weights), ref data, trainCount, samples - trainCount, options);
    }

    /// <summary>
    /// Teacher-forced mean loss over all pairs (batches weighted by their size), like Keras <c>model.evaluate</c>; with
    /// <paramref name="sampleWeights"/>, each pair's ids count its weight.
    /// </summary>
    public static float Evaluate<TNet>(TNet model, ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, int batchSize = 32, ReadOnlySpan<float> sampleWeights = default)
        where TNet : ISeq2SeqNetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        int samples = CountPairs<TNet>(sources, targets);
        if (!sampleWeights.IsEmpty)
        {
            Kernels.Guard.Weights(sampleWeights, samples);
        }
        int s = TNet.SourceLength, t = TNet.TargetLength;
        double sum = 0;
        for (int first = 0; first < samples; first += batchSize)
        {
            int count = Math.Min(batchSize, samples - first);
            ReadOnlySpan<int> x = sources.Slice(first * s, count * s), y = targets.Slice(first * t, count * t);
            float loss = sampleWeights.IsEmpty ? model.ComputeLoss(x, y, count) : model.ComputeLoss(x, y, count, sampleWeights.Slice(first, count));
            sum += (double)loss * count;
        }
        return (float)(sum / samples);
    }

    private static int CountPairs<TNet>(ReadOnlySpan<int> sources, ReadOnlySpan<int> targets) where TNet : ISeq2SeqNetwork<TNet>
    {
        int s = TNet.SourceLength, t = TNet.TargetLength;
        if (sources.Length == 0 || sources.Length % s != 0)
        {
            throw new ArgumentException($"sources has {sources.Length} ids; expected a positive multiple of SourceLength = {s}.", nameof(sources));
        }
        int samples = sources.Length / s;
        if (targets.Length != (long)samples * t)
        {
            throw new ArgumentException($"targets has {targets.Length} ids; expected {(long)samples * t} ({samples} pairs × TargetLength {t}).", nameof(targets));
        }
        return samples;
    }

    /// <summary>The pairs <c>Fit</c> trains on: rows of source and target ids.</summary>
    private ref struct PairBatches<TNet>(TNet model, ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, float[]? weights, int batch, bool metrics) : IFitData
        where TNet : ISeq2SeqNetwork<TNet>
    {
        private readonly ReadOnlySpan<int> _sources = sources, _targets = targets;
        private readonly int[] _batchSources = new int[batch * TNet.SourceLength], _batchTargets = new int[batch * TNet.TargetLength];
        private readonly float[] _batchWeights = weights is null ? [] : new float[batch];
        // For metrics: the decoder inputs (targets shifted right behind the start token), the outputs, the targets as floats.
        private readonly int[] _decoderInputs = metrics ? new int[batch * TNet.TargetLength] : [];
        private readonly float[] _outputs = metrics ? new float[batch * TNet.TargetLength * TNet.TargetVocabulary] : [];
        private readonly float[] _targetFloats = metrics ? new float[batch * TNet.TargetLength] : [];

        public readonly void Gather(int slot, int sample)
        {
            int s = TNet.SourceLength, t = TNet.TargetLength;
            _sources.Slice(sample * s, s).CopyTo(_batchSources.AsSpan(slot * s));
            _targets.Slice(sample * t, t).CopyTo(_batchTargets.AsSpan(slot * t));
            if (weights is not null)
            {
                _batchWeights[slot] = weights[sample];
            }
        }

        public readonly float TrainStep(int count, IOptimizer optimizer)
            => weights is null
                ? model.TrainStep(_batchSources.AsSpan(0, count * TNet.SourceLength), _batchTargets.AsSpan(0, count * TNet.TargetLength), count, optimizer)
                : model.TrainStep(_batchSources.AsSpan(0, count * TNet.SourceLength), _batchTargets.AsSpan(0, count * TNet.TargetLength), count, optimizer, _batchWeights.AsSpan(0, count));

        public readonly float Evaluate(int first, int count, int batchSize)
            => Seq2SeqTraining.Evaluate(model, _sources.Slice(first * TNet.SourceLength, count * TNet.SourceLength), _targets.Slice(first * TNet.TargetLength, count * TNet.TargetLength), batchSize,
                weights is null ? default : weights.AsSpan(first, count));

        /// <summary>The batch's teacher-forced metrics from <c>Predict</c> just before the step (no dropout), then the step.</summary>
        public readonly float TrainStep(int count, IOptimizer optimizer, MetricSet metrics)
        {
            Add(metrics, _batchSources.AsSpan(0, count * TNet.SourceLength), _batchTargets.AsSpan(0, count * TNet.TargetLength), count);
            return TrainStep(count, optimizer);
        }

        public readonly void AddMetrics(MetricSet metrics, int first, int count)
        {
            int s = TNet.SourceLength, t = TNet.TargetLength;
            for (int at = first; at < first + count; at += batch)
            {
                int n = Math.Min(batch, first + count - at);
                Add(metrics, _sources.Slice(at * s, n * s), _targets.Slice(at * t, n * t), n);
            }
        }

        /// <summary>Teacher-forced probabilities of <paramref name="count"/> pairs, added with their targets.</summary>
        private readonly void Add(MetricSet metrics, ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, int count)
        {
            int t = TNet.TargetLength;
            Span<int> inputs = _decoderInputs.AsSpan(0, count * t);
            for (int p = 0; p < count; p++)
            {
                inputs[p * t] = TNet.StartToken;
                targets.Slice(p * t, t - 1).CopyTo(inputs.Slice(p * t + 1));
            }
            Span<float> outputs = _outputs.AsSpan(0, count * t * TNet.TargetVocabulary);
            model.Predict(sources, inputs, outputs, count);
            metrics.Add(outputs, targets, count, _targetFloats);
        }
    }
}
