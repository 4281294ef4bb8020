namespace StaticRnn.Kernels;

/// <summary>
/// Argument checks shared by every generated network. They run before any work, so that a bad call throws an
/// <see cref="ArgumentException"/> naming the expected size and changes neither outputs nor parameters.
/// </summary>
public static class Guard
{
    /// <summary>Checks a <c>Predict</c> call.</summary>
    public static void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize, int inputSize, int outputSize)
    {
        BatchSize(batchSize);
        Length(inputs.Length, (long)batchSize * inputSize, nameof(inputs), $"batchSize {batchSize} × InputSize {inputSize}");
        Length(outputs.Length, (long)batchSize * outputSize, nameof(outputs), $"batchSize {batchSize} × OutputSize {outputSize}");
    }

    /// <summary>Checks a training or loss call: sizes, finite inputs, valid targets for <paramref name="loss"/>.</summary>
    public static void Batch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, int inputSize, int targetSize, Loss loss, int classes)
    {
        BatchSize(batchSize);
        Length(inputs.Length, (long)batchSize * inputSize, nameof(inputs), $"batchSize {batchSize} × InputSize {inputSize}");
        Length(targets.Length, (long)batchSize * targetSize, nameof(targets), $"batchSize {batchSize} × TargetSize {targetSize}");
        Losses.ValidateInputs(inputs, nameof(inputs));
        Losses.ValidateTargets(loss, targets, classes, nameof(targets));
    }

    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void Length(int actual, long expected, string paramName, string what)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{paramName} has {actual} elements; expected {expected} ({what}).", paramName);
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
