namespace StaticRnn.Generator.Model;

// Mirrors of the runtime's public enums; the numeric values are the contract between the two.

internal enum LayerKind
{
    Dense,
    SimpleRnn,
    Lstm,
    Gru,
    Embedding,
    Dropout,
    Attention,
    MultiHeadAttention,
    LayerNormalization,
    GlobalAveragePooling1D,
    RepeatVector,
    TransformerEncoder,
}

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

internal enum MergeKind
{
    Concat = 0,
    Sum = 1,
    Mul = 2,
    Ave = 3,
}

internal enum WeightRole
{
    Kernel,
    RecurrentKernel,
    Bias,
    Embeddings,
    Gamma,
    Beta,
}
