namespace StaticRnn;

/// <summary>Element-wise activation functions, as Keras names them.</summary>
/// <remarks>The numeric values are part of the generator's contract; do not reorder.</remarks>
public enum Activation
{
    /// <summary><c>a(x) = x</c>.</summary>
    Linear = 0,
    /// <summary><c>a(x) = tanh(x)</c>.</summary>
    Tanh = 1,
    /// <summary><c>a(x) = 1 / (1 + exp(-x))</c>.</summary>
    Sigmoid = 2,
    /// <summary><c>a(x) = max(x, 0)</c>.</summary>
    Relu = 3,
    /// <summary>Softmax over the last axis (Dense only).</summary>
    Softmax = 4,
    /// <summary>Keras 3 <c>hard_sigmoid</c>: <c>clip(x / 6 + 0.5, 0, 1)</c>.</summary>
    HardSigmoid = 5,
}

/// <summary>Training losses; all reduce as Keras <c>sum_over_batch_size</c>.</summary>
public enum Loss
{
    /// <summary>Mean over every output element of the batch of <c>(prediction - target)^2</c>.</summary>
    MeanSquaredError = 0,
    /// <summary>Binary cross-entropy on probabilities (sigmoid outputs); targets 0 or 1; mean over every output element.</summary>
    BinaryCrossentropy = 1,
    /// <summary>Categorical cross-entropy on softmax outputs with class-index targets; mean over samples (and time steps).</summary>
    SparseCategoricalCrossentropy = 2,
    /// <summary>Categorical cross-entropy on softmax outputs with one-hot (or soft) targets; mean over samples (and time steps).</summary>
    CategoricalCrossentropy = 3,
}

/// <summary>How a bidirectional layer combines its forward and backward outputs.</summary>
public enum MergeMode
{
    /// <summary>Concatenate along the feature axis (Keras default).</summary>
    Concat = 0,
    /// <summary>Element-wise sum.</summary>
    Sum = 1,
    /// <summary>Element-wise product.</summary>
    Mul = 2,
    /// <summary>Element-wise mean.</summary>
    Ave = 3,
}

/// <summary>How <see cref="AttentionAttribute"/> scores a query against a key (Keras <c>score_mode</c>).</summary>
public enum ScoreMode
{
    /// <summary>The dot product <c>q·k</c>.</summary>
    Dot = 0,
    /// <summary><c>concat_score_weight · Σ tanh(q + k)</c>.</summary>
    Concat = 1,
}
