namespace StaticRnn.Kernels;

/// <summary>
/// Argument checks shared by every generated network. They run before any work, so that a bad call throws an
/// <see cref="ArgumentException"/> naming the expected size and changes neither outputs nor parameters.
/// Messages are built only when a check fails: the passing path allocates nothing.
/// </summary>
public static class Guard
{
    /// <summary>Checks a <c>Predict</c> call.</summary>
    public static void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize, int inputSize, int outputSize)
    {
        BatchSize(batchSize);
        PerSample(inputs.Length, batchSize, inputSize, nameof(inputs), "InputSize");
        PerSample(outputs.Length, batchSize, outputSize, nameof(outputs), "OutputSize");
    }

    /// <summary>Checks a training or loss call: sizes, finite inputs, valid targets for <paramref name="loss"/>.</summary>
    public static void Batch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, int inputSize, int targetSize, Loss loss, int classes)
    {
        BatchSize(batchSize);
        PerSample(inputs.Length, batchSize, inputSize, nameof(inputs), "InputSize");
        PerSample(targets.Length, batchSize, targetSize, nameof(targets), "TargetSize");
        Losses.ValidateInputs(inputs, nameof(inputs));
        Losses.ValidateTargets(loss, targets, classes, nameof(targets));
    }

    /// <summary>Checks a training or loss call with class-index targets (the sparse loss).</summary>
    public static void Batch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets, int batchSize, int inputSize, int targetSize, int classes)
    {
        BatchSize(batchSize);
        PerSample(inputs.Length, batchSize, inputSize, nameof(inputs), "InputSize");
        PerSample(targets.Length, batchSize, targetSize, nameof(targets), "TargetSize");
        Losses.ValidateInputs(inputs, nameof(inputs));
        Losses.ValidateClasses(targets, classes, nameof(targets));
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
