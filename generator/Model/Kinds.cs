namespace StaticRnn.Generator.Model;

// Mirrors of the runtime's public enums; the numeric values are the contract between the two.

internal enum ActivationKind
{
    Linear = 0,
    Tanh = 1,
    Sigmoid = 2,
    Relu = 3,
    Softmax = 4,
    HardSigmoid = 5,
}

internal enum LossKind
{
    MeanSquaredError = 0,
    BinaryCrossentropy = 1,
    SparseCategoricalCrossentropy = 2,
    CategoricalCrossentropy = 3,
}

internal static class KerasNames
{
    /// <summary>The Keras name of an activation (<c>"tanh"</c>, <c>"hard_sigmoid"</c>, ...).</summary>
    public static string Keras(this ActivationKind activation) => activation switch
    {
        ActivationKind.Tanh => "tanh",
        ActivationKind.Sigmoid => "sigmoid",
        ActivationKind.Relu => "relu",
        ActivationKind.Softmax => "softmax",
        ActivationKind.HardSigmoid => "hard_sigmoid",
        _ => "linear",
    };

    /// <summary>A bool as Keras configs print it.</summary>
    public static string Keras(this bool value) => value ? "true" : "false";
}

internal enum MergeKind
{
    Concat = 0,
    Sum = 1,
    Mul = 2,
    Ave = 3,
}

internal enum ScoreModeKind
{
    Dot = 0,
    Concat = 1,
}

/// <summary>The Keras default initializer of a weight array.</summary>
internal enum WeightInit
{
    /// <summary><c>glorot_uniform</c> with Keras's fans for the weight's shape.</summary>
    GlorotUniform,
    /// <summary><c>orthogonal</c> over (rows, columns) of a 2-D recurrent kernel.</summary>
    Orthogonal,
    Zeros,
    Ones,
    /// <summary><c>uniform(-0.05, 0.05)</c>, the Embedding default.</summary>
    EmbeddingUniform,
    /// <summary>An LSTM bias: zeros, except the forget gate's quarter, which is ones.</summary>
    UnitForgetBias,
}
