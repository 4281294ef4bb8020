namespace StaticRnn.Kernels;

/// <summary>
/// Argument checks shared by every generated network. They run before any work, so that a bad call throws an
/// <see cref="ArgumentException"/> naming the expected size and changes neither outputs nor parameters.
/// Messages are built only when a check fails: the passing path allocates nothing.
/// </summary>
public static class Guard
{
    /// <summary>Checks the sizes of a <c>Predict</c> call.</summary>
    public static void Predict(int inputLength, int outputLength, int batchSize, int inputSize, int outputSize)
    {
        BatchSize(batchSize);
        PerSample(inputLength, batchSize, inputSize, "inputs", "InputSize");
        PerSample(outputLength, batchSize, outputSize, "outputs", "OutputSize");
    }

    /// <summary>Checks the sizes of a training or loss call.</summary>
    public static void Batch(int inputLength, int targetLength, int batchSize, int inputSize, int targetSize)
    {
        BatchSize(batchSize);
        PerSample(inputLength, batchSize, inputSize, "inputs", "InputSize");
        PerSample(targetLength, batchSize, targetSize, "targets", "TargetSize");
    }

    /// <summary>Checks the sizes of a stateful network's <c>GetStates</c> / <c>SetStates</c> call.</summary>
    public static void States(int length, int batchSize, int stateSize)
    {
        BatchSize(batchSize);
        PerSample(length, batchSize, stateSize, "states", "StateSize");
    }

    /// <summary>Every value of <paramref name="values"/> finite; the exception names <paramref name="paramName"/>.</summary>
    public static void Finite(ReadOnlySpan<float> values, string paramName) => Losses.ValidateInputs(values, paramName);

    /// <summary>Every input finite (where a loss is computed).</summary>
    public static void Finite(ReadOnlySpan<float> inputs) => Finite(inputs, nameof(inputs));

    /// <summary>Every token id (given as a float) an integer in [0, <paramref name="vocabulary"/>).</summary>
    public static void Tokens(ReadOnlySpan<float> inputs, int vocabulary)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            float v = inputs[i];
            if (!(v >= 0 && v < vocabulary) || v != MathF.Floor(v))
            {
                throw new ArgumentException($"inputs[{i}] is {v}; token ids must be integers in [0, {vocabulary}).", nameof(inputs));
            }
        }
    }

    /// <summary>Every token id in [0, <paramref name="vocabulary"/>).</summary>
    public static void Tokens(ReadOnlySpan<int> inputs, int vocabulary) => Tokens(inputs, vocabulary, nameof(inputs));

    /// <summary>Every token id of <paramref name="paramName"/> in [0, <paramref name="vocabulary"/>).</summary>
    public static void Tokens(ReadOnlySpan<int> ids, int vocabulary, string paramName)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocabulary)
            {
                throw new ArgumentException($"{paramName}[{i}] is {ids[i]}; token ids must be in [0, {vocabulary}).", paramName);
            }
        }
    }

    /// <summary>
    /// Checks a sequence-to-sequence call: the batch size, <paramref name="sourceLength"/> ids per source and
    /// <paramref name="targetLength"/> per target (or decoder input, or output), each id within its vocabulary.
    /// </summary>
    public static void Sequences(ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, int batchSize, int sourceLength, int targetLength,
        int sourceVocabulary, int targetVocabulary, string targetsName = "targets")
    {
        BatchSize(batchSize);
        PerSample(sources.Length, batchSize, sourceLength, "sources", "SourceLength");
        PerSample(targets.Length, batchSize, targetLength, targetsName, "TargetLength");
        Tokens(sources, sourceVocabulary, "sources");
        Tokens(targets, targetVocabulary, targetsName);
    }

    /// <summary>Checks the sizes of a call that writes <paramref name="perSample"/> values per sample of a batch into <paramref name="paramName"/>.</summary>
    public static void Output(int length, int batchSize, int perSample, string paramName, string sizeName)
    {
        BatchSize(batchSize);
        PerSample(length, batchSize, perSample, paramName, sizeName);
    }

    /// <summary>Targets valid for <paramref name="loss"/>: finite; class indices in range for the sparse loss.</summary>
    public static void Targets(ReadOnlySpan<float> targets, Loss loss, int classes) => Losses.ValidateTargets(loss, targets, classes, nameof(targets));

    /// <summary>Class-index targets in [0, <paramref name="classes"/>).</summary>
    public static void Targets(ReadOnlySpan<int> targets, int classes) => Losses.ValidateClasses(targets, classes, nameof(targets));

    /// <summary>How many token ids are not 0 (padding): the steps a masked loss averages over.</summary>
    public static int NonZero(ReadOnlySpan<int> ids)
    {
        int count = 0;
        foreach (int id in ids)
        {
            count += id != 0 ? 1 : 0;
        }
        return count;
    }

    /// <summary>How many token ids (given as floats) are not 0 (padding).</summary>
    public static int NonZero(ReadOnlySpan<float> ids)
    {
        int count = 0;
        foreach (float id in ids)
        {
            count += id != 0 ? 1 : 0;
        }
        return count;
    }

    /// <summary>One sample weight per sample of the batch, each finite and not negative (Keras <c>sample_weight</c>).</summary>
    public static void Weights(ReadOnlySpan<float> sampleWeights, int batchSize, string paramName = "sampleWeights")
    {
        if (sampleWeights.Length != batchSize)
        {
            throw new ArgumentException($"{paramName} has {sampleWeights.Length} elements; expected {batchSize} (one per sample of the batch).", paramName);
        }
        for (int i = 0; i < sampleWeights.Length; i++)
        {
            if (!(sampleWeights[i] >= 0) || !float.IsFinite(sampleWeights[i]))
            {
                throw new ArgumentException($"{paramName}[{i}] is {sampleWeights[i]}; sample weights must be finite and not negative.", paramName);
            }
        }
    }

    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void Length(int actual, int expected, string paramName, string what)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{paramName} has {actual} elements; expected {expected} ({what}).", paramName);
        }
    }

    private static void PerSample(int actual, int batchSize, int perSample, string paramName, string sizeName)
    {
        long expected = (long)batchSize * perSample;
        if (actual != expected)
        {
            throw new ArgumentException($"{paramName} has {actual} elements; expected {expected} (batchSize {batchSize} × {sizeName} {perSample}).", paramName);
        }
    }

    private static void BatchSize(int batchSize)
    {
        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        }
    }
}
