using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace StaticRnn;

/// <summary>One kind of samples for the shared training loop: how to gather a batch, train on it, and evaluate a range.</summary>
internal interface IFitData
{
    /// <summary>Copies sample <paramref name="sample"/> into slot <paramref name="slot"/> of the batch.</summary>
    void Gather(int slot, int sample);

    /// <summary>One optimizer step on the first <paramref name="count"/> slots; returns the batch loss.</summary>
    float TrainStep(int count, IOptimizer optimizer);

    /// <summary>Mean loss over samples [first, first + count), in batches of <paramref name="batchSize"/>.</summary>
    float Evaluate(int first, int count, int batchSize);

    /// <summary>One optimizer step on the first <paramref name="count"/> slots that adds its outputs and targets to <paramref name="metrics"/>; returns the batch loss.</summary>
    float TrainStep(int count, IOptimizer optimizer, MetricSet metrics);

    /// <summary>Predicts samples [first, first + count) in batches of at most the batch size and adds them to <paramref name="metrics"/>.</summary>
    void AddMetrics(MetricSet metrics, int first, int count);
}

/// <summary>The model behind a <c>Fit</c>, as its callbacks see it.</summary>
internal sealed record FitModel(object Network, FitContext.ParametersAccessor Parameters, IReadOnlyList<WeightInfo> Weights);

/// <summary><c>Fit</c>'s options after the checks.</summary>
internal readonly record struct FitOptions(int Epochs, int BatchSize, IOptimizer? Optimizer, bool Shuffle, int Verbose, TextWriter? Log, int? Seed,
    MetricSet? Metrics, IReadOnlyList<ICallback> Callbacks, int InitialEpoch)
{
    public static FitOptions Checked(int epochs, int batchSize, IOptimizer? optimizer, bool shuffle, int verbose, TextWriter? log, int? seed,
        IReadOnlyList<Metric>? metrics, MetricLayout layout, IReadOnlyList<ICallback>? callbacks, int initialEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(initialEpoch);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(initialEpoch, epochs);
        var list = callbacks?.ToArray() ?? [];
        if (Array.IndexOf(list, null) >= 0)
        {
            throw new ArgumentNullException(nameof(callbacks), "callbacks holds a null entry.");
        }
        return new FitOptions(epochs, batchSize, optimizer, shuffle, verbose, log, seed,
            metrics is { Count: > 0 } ? new MetricSet(metrics, layout) : null, list, initialEpoch);
    }
}

/// <summary>The Keras-style training loop behind every generated network's <c>Fit</c> and <c>Evaluate</c>.</summary>
public static class Training
{
    // What Keras keeps in a compiled model between fit() calls: the default optimizer (and its moments) and the
    // position of the shuffling generator. Keyed weakly by network, so they go when the network goes.
    private static readonly ConditionalWeakTable<object, IOptimizer> s_defaultOptimizers = new();
    private static readonly ConditionalWeakTable<object, StrongBox<int>> s_fitCalls = new();

    /// <summary>
    /// Trains <paramref name="network"/> like Keras <c>model.fit</c>: the last <paramref name="validationSplit"/> of the
    /// samples (taken before shuffling, <c>floor</c> of the rest trains) is held out, the rest is shuffled each epoch
    /// and cut into batches (the last one may be smaller); progress goes to <paramref name="log"/> (see <c>verbose</c>).
    /// All inputs, targets and options are checked before the first step, so bad data changes no parameter.
    /// </summary>
    /// <param name="network">The network; its parameters are updated in place.</param>
    /// <param name="inputs">Samples, <c>InputSize</c> floats each, row-major.</param>
    /// <param name="targets">Targets, <c>TargetSize</c> floats each.</param>
    /// <param name="epochs">The epoch to train up to (Keras <c>epochs</c>).</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="optimizer">The optimizer; default an <see cref="RmsProp"/> (Keras <c>compile</c>'s default) kept with the network across calls.</param>
    /// <param name="validationSplit">Fraction in [0, 1) held out for <c>val_loss</c> and the <c>val_</c> metrics.</param>
    /// <param name="shuffle">Shuffle the training samples before each epoch.</param>
    /// <param name="verbose">0 silent; 1 a live progress bar on an interactive console, else one line per epoch; 2 one line per epoch.</param>
    /// <param name="log">Where progress goes; default <see cref="Console.Out"/>.</param>
    /// <param name="seed">Seed of the shuffling; by default each call on a network continues a fixed sequence (0, 1, 2, ...).</param>
    /// <param name="metrics">
    /// Metrics reported beside the loss and kept in the <see cref="History"/> under their Keras keys. A batch's
    /// training metrics come from the outputs of its step's own forward pass (dropout applied), as in Keras; every output
    /// row counts, masked steps included.
    /// </param>
    /// <param name="callbacks">Called at the start and end of training, of each epoch, and after each batch.</param>
    /// <param name="initialEpoch">The epoch to start at (Keras <c>initial_epoch</c>), to resume: the shuffles of the epochs before are drawn and skipped.</param>
    /// <param name="classWeight">
    /// Keras <c>class_weight</c>: each sample's loss counts the weight of its class (the class index of sparse targets, the
    /// largest target of one-hot targets, the rounded target of a single output; classes not listed weigh 1). Only for
    /// one output row per sample, as in Keras.
    /// </param>
    /// <param name="sampleWeights">Keras <c>sample_weight</c>: one weight per sample (multiplied by the class weight when both are given), for the validation loss too.</param>
    public static History Fit<TNet>(TNet network, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int epochs = 1, int batchSize = 32,
        IOptimizer? optimizer = null, double validationSplit = 0, bool shuffle = true, int verbose = 1, TextWriter? log = null, int? seed = null,
        IReadOnlyList<Metric>? metrics = null, IReadOnlyList<ICallback>? callbacks = null, int initialEpoch = 0,
        IReadOnlyDictionary<int, float>? classWeight = null, ReadOnlySpan<float> sampleWeights = default)
        where TNet : IStaticNetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        int samples = CountSamples<TNet>(inputs, targets);
        int classes = TNet.OutputShape[^1], rows = TNet.OutputSize / classes;
        var options = FitOptions.Checked(epochs, batchSize, optimizer, shuffle, verbose, log, seed, metrics,
            new MetricLayout(rows, classes, SparseTargets: TNet.TargetSize == rows && classes > 1, PaddingTargets: false), callbacks, initialEpoch);
        int trainCount = TrainCount(samples, validationSplit);
        if (TNet.Vocabulary > 0)
        {
            Kernels.Guard.Tokens(inputs, TNet.Vocabulary);
        }
        else
        {
            Losses.ValidateInputs(inputs, nameof(inputs));
        }
        Losses.ValidateTargets(TNet.Loss, targets, TNet.OutputShape[^1], nameof(targets));
        float[]? weights = SampleWeights<TNet>(targets, samples, classWeight, sampleWeights);
        var data = new NetworkBatches<TNet>(network, inputs, targets, weights, Math.Min(batchSize, trainCount), options.Metrics is not null);
        var model = new FitModel(network, () => network.Parameters, network.Weights);
        return Loop(model, ref data, trainCount, samples - trainCount, options);
    }

    /// <summary>
    /// The epochs of <c>Fit</c> over any kind of samples: shuffling, batching, metrics, callbacks, progress and the
    /// validation values.
    /// </summary>
    internal static History Loop<TData>(FitModel model, ref TData data, int trainCount, int validationCount, FitOptions o)
        where TData : IFitData, allows ref struct
    {
        IOptimizer optimizer = o.Optimizer ?? s_defaultOptimizers.GetValue(model.Network, static _ => new RmsProp());
        int fitCall = s_fitCalls.GetOrCreateValue(model.Network).Value++;
        TextWriter log = o.Log ?? Console.Out;
        int batch = Math.Min(o.BatchSize, trainCount);
        var order = new int[trainCount];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var random = new SeededRandom(o.Seed ?? fitCall);
        MetricSet? metrics = o.Metrics;
        string[] metricNames = metrics?.Names.ToArray() ?? [];
        string[] trainKeys = ["loss", .. metricNames];
        string[] keys = validationCount > 0 ? [.. trainKeys, .. trainKeys.Select(k => "val_" + k)] : trainKeys;
        var fit = new FitContext(model.Parameters, model.Weights, optimizer, keys, o.Epochs, o.Verbose, log);
        var history = new History();
        int steps = (trainCount + batch - 1) / batch;
        var progress = new Progress(log, o.Verbose, o.Epochs, steps);
        var logs = new Dictionary<string, float>();
        double lossSum = 0;
        int seen = 0;
        float Running(int i) => i == 0 ? (float)(lossSum / Math.Max(seen, 1)) : metrics!.Value(i - 1);
        fit.InitialEpoch = o.InitialEpoch;
        foreach (ICallback callback in o.Callbacks)
        {
            callback.OnTrainBegin(fit); // BackupAndRestore may move InitialEpoch on
        }
        if (fit.InitialEpoch < 0 || fit.InitialEpoch > o.Epochs)
        {
            throw new InvalidOperationException($"A callback set InitialEpoch to {fit.InitialEpoch}; it must lie in [0, {o.Epochs}] (the epochs of this Fit).");
        }
        for (int epoch = 0; epoch < fit.InitialEpoch && o.Shuffle; epoch++)
        {
            random.Shuffle(order); // the shuffles of the epochs a resumed run skips
        }
        for (int epoch = fit.InitialEpoch; epoch < o.Epochs && !fit.StopTraining; epoch++)
        {
            foreach (ICallback callback in o.Callbacks)
            {
                callback.OnEpochBegin(epoch, fit);
            }
            progress.EpochBegin(epoch);
            if (o.Shuffle)
            {
                random.Shuffle(order);
            }
            lossSum = 0;
            seen = 0;
            metrics?.Clear();
            int done = 0;
            while (done < steps && !fit.StopTraining)
            {
                int first = done * batch;
                int count = Math.Min(batch, trainCount - first);
                for (int k = 0; k < count; k++)
                {
                    data.Gather(k, order[first + k]);
                }
                foreach (ICallback callback in o.Callbacks)
                {
                    callback.OnBatchBegin(done, fit);
                }
                // Metrics from the outputs of the step's own forward pass, as Keras computes them.
                float loss = metrics is null ? data.TrainStep(count, optimizer) : data.TrainStep(count, optimizer, metrics);
                lossSum += (double)loss * count;
                seen += count;
                foreach (ICallback callback in o.Callbacks)
                {
                    callback.OnBatchEnd(done, loss, fit);
                }
                if (!float.IsFinite(loss) && !fit.StopTraining)
                {
                    throw new InvalidOperationException($"Epoch {epoch + 1}, step {done + 1}: the loss became {loss}. Lower the learning rate, check the data, or pass a TerminateOnNaN callback to stop instead.");
                }
                done++;
                progress.Step(done, trainKeys, Running);
            }
            logs.Clear();
            for (int i = 0; i < trainKeys.Length; i++)
            {
                logs[trainKeys[i]] = Running(i);
            }
            if (validationCount > 0)
            {
                logs["val_loss"] = data.Evaluate(trainCount, validationCount, o.BatchSize);
                if (metrics is not null)
                {
                    metrics.Clear();
                    data.AddMetrics(metrics, trainCount, validationCount);
                    for (int i = 0; i < metricNames.Length; i++)
                    {
                        logs["val_" + metricNames[i]] = metrics.Value(i);
                    }
                }
            }
            history.Add(keys, logs);
            progress.EpochEnd(epoch, done, keys, i => logs[keys[i]]);
            foreach (ICallback callback in o.Callbacks)
            {
                callback.OnEpochEnd(epoch, logs, fit);
            }
        }
        foreach (ICallback callback in o.Callbacks)
        {
            callback.OnTrainEnd(fit);
        }
        return history;
    }

    /// <summary>
    /// The weight of each sample from Keras's <c>class_weight</c> and <c>sample_weight</c> (their product when both are
    /// given), checked; null when neither is.
    /// </summary>
    private static float[]? SampleWeights<TNet>(ReadOnlySpan<float> targets, int samples, IReadOnlyDictionary<int, float>? classWeight, ReadOnlySpan<float> sampleWeights)
        where TNet : IStaticNetwork<TNet>
    {
        if (classWeight is null && sampleWeights.IsEmpty)
        {
            return null;
        }
        var weights = new float[samples];
        if (sampleWeights.IsEmpty)
        {
            weights.AsSpan().Fill(1f);
        }
        else
        {
            Kernels.Guard.Weights(sampleWeights, samples);
            sampleWeights.CopyTo(weights);
        }
        if (classWeight is null)
        {
            return weights;
        }
        int classes = TNet.OutputShape[^1], tSize = TNet.TargetSize;
        if (TNet.OutputSize != classes)
        {
            throw new ArgumentException($"classWeight needs one output row per sample; this network's output is ({string.Join(", ", TNet.OutputShape.ToArray())}). Pass sampleWeights instead.", nameof(classWeight));
        }
        int labels = Math.Max(classes, 2); // a single sigmoid output has the classes 0 and 1
        foreach (var (label, weight) in classWeight)
        {
            if (label < 0 || label >= labels)
            {
                // Keras 3 ignores such a key; it is always a mistake (often an off-by-one), so it is an error here.
                throw new ArgumentException($"classWeight has a weight for class {label}; this network's classes are [0, {labels}).", nameof(classWeight));
            }
            if (!(weight >= 0) || !float.IsFinite(weight))
            {
                throw new ArgumentException($"classWeight[{label}] is {weight}; class weights must be finite and not negative.", nameof(classWeight));
            }
        }
        for (int s = 0; s < samples; s++)
        {
            ReadOnlySpan<float> target = targets.Slice(s * tSize, tSize);
            // Keras: the class index of sparse targets, argmax of one-hot ones, the rounded value of a single output.
            int label = tSize == 1 && classes > 1 ? (int)target[0] : tSize == 1 ? (int)MathF.Round(target[0]) : Kernels.VectorMath.ArgMax(target);
            weights[s] *= classWeight.TryGetValue(label, out float w) ? w : 1f;
        }
        return weights;
    }

    /// <summary>The samples <c>Fit</c> trains a network on: float rows of inputs and targets, and the samples' weights when given.</summary>
    private ref struct NetworkBatches<TNet>(TNet network, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, float[]? weights, int batch, bool metrics) : IFitData
        where TNet : IStaticNetwork<TNet>
    {
        private readonly ReadOnlySpan<float> _inputs = inputs, _targets = targets;
        private readonly float[] _batchX = new float[batch * TNet.InputSize], _batchY = new float[batch * TNet.TargetSize];
        private readonly float[] _outputs = metrics ? new float[batch * TNet.OutputSize] : [];
        private readonly float[] _batchWeights = weights is null ? [] : new float[batch];

        public readonly void Gather(int slot, int sample)
        {
            int inSize = TNet.InputSize, tSize = TNet.TargetSize;
            _inputs.Slice(sample * inSize, inSize).CopyTo(_batchX.AsSpan(slot * inSize));
            _targets.Slice(sample * tSize, tSize).CopyTo(_batchY.AsSpan(slot * tSize));
            if (weights is not null)
            {
                _batchWeights[slot] = weights[sample];
            }
        }

        public readonly float TrainStep(int count, IOptimizer optimizer)
            => weights is null
                ? network.TrainStep(_batchX.AsSpan(0, count * TNet.InputSize), _batchY.AsSpan(0, count * TNet.TargetSize), count, optimizer)
                : network.TrainStep(_batchX.AsSpan(0, count * TNet.InputSize), _batchY.AsSpan(0, count * TNet.TargetSize), count, optimizer, _batchWeights.AsSpan(0, count));

        public readonly float Evaluate(int first, int count, int batchSize)
        {
            ReadOnlySpan<float> x = _inputs.Slice(first * TNet.InputSize, count * TNet.InputSize), y = _targets.Slice(first * TNet.TargetSize, count * TNet.TargetSize);
            return weights is null ? Training.Evaluate(network, x, y, batchSize) : Training.Evaluate(network, x, y, batchSize, weights.AsSpan(first, count));
        }

        public readonly float TrainStep(int count, IOptimizer optimizer, MetricSet metrics)
        {
            Span<float> outputs = _outputs.AsSpan(0, count * TNet.OutputSize);
            float loss = network.TrainStep(_batchX.AsSpan(0, count * TNet.InputSize), _batchY.AsSpan(0, count * TNet.TargetSize), count, optimizer,
                weights is null ? default : _batchWeights.AsSpan(0, count), outputs);
            metrics.Add(outputs, _batchY.AsSpan(0, count * TNet.TargetSize), count);
            return loss;
        }

        public readonly void AddMetrics(MetricSet metrics, int first, int count)
        {
            int inSize = TNet.InputSize, tSize = TNet.TargetSize, outSize = TNet.OutputSize;
            for (int at = first; at < first + count; at += batch)
            {
                int n = Math.Min(batch, first + count - at);
                Span<float> outputs = _outputs.AsSpan(0, n * outSize);
                network.Predict(_inputs.Slice(at * inSize, n * inSize), outputs, n);
                metrics.Add(outputs, _targets.Slice(at * tSize, n * tSize), n);
            }
        }
    }

    /// <summary>
    /// Mean loss over all samples (batches weighted by their size), like Keras <c>model.evaluate</c>; with
    /// <paramref name="sampleWeights"/>, the mean of each sample's loss times its weight.
    /// </summary>
    public static float Evaluate<TNet>(TNet network, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize = 32, ReadOnlySpan<float> sampleWeights = default)
        where TNet : IStaticNetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        int samples = CountSamples<TNet>(inputs, targets);
        if (!sampleWeights.IsEmpty)
        {
            Kernels.Guard.Weights(sampleWeights, samples);
        }
        int inSize = TNet.InputSize, tSize = TNet.TargetSize;
        double sum = 0;
        for (int first = 0; first < samples; first += batchSize)
        {
            int count = Math.Min(batchSize, samples - first);
            ReadOnlySpan<float> x = inputs.Slice(first * inSize, count * inSize), y = targets.Slice(first * tSize, count * tSize);
            float loss = sampleWeights.IsEmpty ? network.ComputeLoss(x, y, count) : network.ComputeLoss(x, y, count, sampleWeights.Slice(first, count));
            sum += (double)loss * count;
        }
        return (float)(sum / samples);
    }

    /// <summary>Token ids or class indices as the floats the training loop batches (the kernels read either).</summary>
    public static float[] ToFloats(ReadOnlySpan<int> targets)
    {
        var result = new float[targets.Length];
        for (int i = 0; i < targets.Length; i++)
        {
            result[i] = targets[i];
        }
        return result;
    }

    /// <summary>
    /// The samples that train: Keras holds out the last <paramref name="validationSplit"/> (taken before shuffling, the
    /// <c>floor</c> of the rest trains); both parts must be non-empty.
    /// </summary>
    internal static int TrainCount(int samples, double validationSplit)
    {
        if (!(validationSplit >= 0 && validationSplit < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1).");
        }
        int trainCount = (int)Math.Floor(samples * (1.0 - validationSplit));
        if (trainCount == 0 || (validationSplit > 0 && samples - trainCount == 0))
        {
            throw new ArgumentException($"{samples} samples are too few to split into training and validation sets with validationSplit = {validationSplit}.", nameof(validationSplit));
        }
        return trainCount;
    }

    private static int CountSamples<TNet>(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets) where TNet : IStaticNetwork<TNet>
    {
        int inSize = TNet.InputSize, tSize = TNet.TargetSize;
        if (inputs.Length == 0 || inputs.Length % inSize != 0)
        {
            throw new ArgumentException($"inputs has {inputs.Length} floats; expected a positive multiple of InputSize = {inSize}.", nameof(inputs));
        }
        int samples = inputs.Length / inSize;
        if (targets.Length != samples * tSize)
        {
            throw new ArgumentException($"targets has {targets.Length} floats; expected {samples * tSize} ({samples} samples × TargetSize {tSize}).", nameof(targets));
        }
        return samples;
    }
}
