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
    /// and cut into batches (the last one may be smaller); one progress line per epoch goes to <paramref name="log"/>.
    /// All inputs and targets are checked before the first step, so bad data changes no parameter.
    /// </summary>
    /// <param name="network">The network; its parameters are updated in place.</param>
    /// <param name="inputs">Samples, <c>InputSize</c> floats each, row-major.</param>
    /// <param name="targets">Targets, <c>TargetSize</c> floats each.</param>
    /// <param name="epochs">Passes over the training samples.</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="optimizer">The optimizer; default an <see cref="RmsProp"/> (Keras <c>compile</c>'s default) kept with the network across calls.</param>
    /// <param name="validationSplit">Fraction in [0, 1) held out for <c>val_loss</c>.</param>
    /// <param name="shuffle">Shuffle the training samples before each epoch.</param>
    /// <param name="verbose">0 silent, 1 one line per epoch.</param>
    /// <param name="log">Where progress goes; default <see cref="Console.Out"/>.</param>
    /// <param name="seed">Seed of the shuffling; by default each call on a network continues a fixed sequence (0, 1, 2, ...).</param>
    public static History Fit<TNet>(TNet network, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int epochs = 1, int batchSize = 32,
        IOptimizer? optimizer = null, double validationSplit = 0, bool shuffle = true, int verbose = 1, TextWriter? log = null, int? seed = null)
        where TNet : IStaticNetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        int samples = CountSamples<TNet>(inputs, targets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
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
        var data = new NetworkBatches<TNet>(network, inputs, targets, Math.Min(batchSize, trainCount));
        return Loop(network, ref data, trainCount, samples - trainCount, epochs, batchSize, optimizer, shuffle, verbose, log, seed);
    }

    /// <summary>The epochs of <c>Fit</c> over any kind of samples: shuffling, batching, progress lines and the validation loss.</summary>
    internal static History Loop<TData>(object network, ref TData data, int trainCount, int validationCount, int epochs, int batchSize,
        IOptimizer? optimizer, bool shuffle, int verbose, TextWriter? log, int? seed)
        where TData : IFitData, allows ref struct
    {
        optimizer ??= s_defaultOptimizers.GetValue(network, static _ => new RmsProp());
        int fitCall = s_fitCalls.GetOrCreateValue(network).Value++;
        log ??= Console.Out;
        int batch = Math.Min(batchSize, trainCount);
        var order = new int[trainCount];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var random = new SeededRandom(seed ?? fitCall);
        var history = new History();
        int steps = (trainCount + batch - 1) / batch;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            long start = Stopwatch.GetTimestamp();
            if (shuffle)
            {
                random.Shuffle(order);
            }
            double lossSum = 0;
            for (int step = 0; step < steps; step++)
            {
                int first = step * batch;
                int count = Math.Min(batch, trainCount - first);
                for (int k = 0; k < count; k++)
                {
                    data.Gather(k, order[first + k]);
                }
                float loss = data.TrainStep(count, optimizer);
                if (!float.IsFinite(loss))
                {
                    throw new InvalidOperationException($"Epoch {epoch}, step {step + 1}: the loss became {loss}. Lower the learning rate or check the data.");
                }
                lossSum += (double)loss * count;
            }
            float epochLoss = (float)(lossSum / trainCount);
            float? validationLoss = validationCount > 0 ? data.Evaluate(trainCount, validationCount, batchSize) : null;
            history.Add(epochLoss, validationLoss);
            if (verbose > 0)
            {
                double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                string val = validationLoss is { } v ? $" - val_loss: {v:0.0000}" : "";
                log.WriteLine($"Epoch {epoch}/{epochs} - {steps}/{steps} - loss: {epochLoss:0.0000}{val} - {ms:0} ms");
            }
        }
        return history;
    }

    /// <summary>The samples <c>Fit</c> trains a network on: float rows of inputs and targets.</summary>
    private ref struct NetworkBatches<TNet>(TNet network, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch) : IFitData
        where TNet : IStaticNetwork<TNet>
    {
        private readonly ReadOnlySpan<float> _inputs = inputs, _targets = targets;
        private readonly float[] _batchX = new float[batch * TNet.InputSize], _batchY = new float[batch * TNet.TargetSize];

        public readonly void Gather(int slot, int sample)
        {
            int inSize = TNet.InputSize, tSize = TNet.TargetSize;
            _inputs.Slice(sample * inSize, inSize).CopyTo(_batchX.AsSpan(slot * inSize));
            _targets.Slice(sample * tSize, tSize).CopyTo(_batchY.AsSpan(slot * tSize));
        }

        public readonly float TrainStep(int count, IOptimizer optimizer)
            => network.TrainStep(_batchX.AsSpan(0, count * TNet.InputSize), _batchY.AsSpan(0, count * TNet.TargetSize), count, optimizer);

        public readonly float Evaluate(int first, int count, int batchSize)
            => Training.Evaluate(network, _inputs.Slice(first * TNet.InputSize, count * TNet.InputSize), _targets.Slice(first * TNet.TargetSize, count * TNet.TargetSize), batchSize);
    }

    /// <summary>Mean loss over all samples (batches weighted by their size), like Keras <c>model.evaluate</c>.</summary>
    public static float Evaluate<TNet>(TNet network, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize = 32)
        where TNet : IStaticNetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        int samples = CountSamples<TNet>(inputs, targets);
        int inSize = TNet.InputSize, tSize = TNet.TargetSize;
        double sum = 0;
        for (int first = 0; first < samples; first += batchSize)
        {
            int count = Math.Min(batchSize, samples - first);
            sum += (double)network.ComputeLoss(inputs.Slice(first * inSize, count * inSize), targets.Slice(first * tSize, count * tSize), count) * count;
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
