using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace StaticRnn;

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
        if (!(validationSplit >= 0 && validationSplit < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1).");
        }
        int trainCount = (int)Math.Floor(samples * (1.0 - validationSplit));
        int validationCount = samples - trainCount;
        if (trainCount == 0 || (validationSplit > 0 && validationCount == 0))
        {
            throw new ArgumentException($"{samples} samples are too few to split into training and validation sets with validationSplit = {validationSplit}.", nameof(validationSplit));
        }
        if (TNet.Vocabulary > 0)
        {
            Kernels.Guard.Tokens(inputs, TNet.Vocabulary);
        }
        else
        {
            Losses.ValidateInputs(inputs, nameof(inputs));
        }
        Losses.ValidateTargets(TNet.Loss, targets, TNet.OutputShape[^1], nameof(targets));
        optimizer ??= s_defaultOptimizers.GetValue(network, static _ => new RmsProp());
        int fitCall = s_fitCalls.GetOrCreateValue(network).Value++;
        log ??= Console.Out;
        int inSize = TNet.InputSize, tSize = TNet.TargetSize;
        int batch = Math.Min(batchSize, trainCount);
        var batchX = new float[batch * inSize];
        var batchY = new float[batch * tSize];
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
                    int s = order[first + k];
                    inputs.Slice(s * inSize, inSize).CopyTo(batchX.AsSpan(k * inSize));
                    targets.Slice(s * tSize, tSize).CopyTo(batchY.AsSpan(k * tSize));
                }
                float loss = network.TrainStep(batchX.AsSpan(0, count * inSize), batchY.AsSpan(0, count * tSize), count, optimizer);
                if (!float.IsFinite(loss))
                {
                    throw new InvalidOperationException($"Epoch {epoch}, step {step + 1}: the loss became {loss}. Lower the learning rate or check the data.");
                }
                lossSum += (double)loss * count;
            }
            float epochLoss = (float)(lossSum / trainCount);
            float? validationLoss = validationCount > 0
                ? Evaluate(network, inputs[(trainCount * inSize)..], targets[(trainCount * tSize)..], batchSize)
                : null;
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
