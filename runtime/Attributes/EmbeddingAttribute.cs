namespace StaticRnn;

/// <summary>Keras <c>Embedding(input_dim, output_dim)</c>: token ids to vectors; must be the first layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EmbeddingAttribute(int inputDim, int outputDim) : LayerAttribute
{
    /// <summary>Vocabulary size: token ids are in <c>[0, InputDim)</c>.</summary>
    public int InputDim { get; } = inputDim;
    /// <summary>Embedding vector size.</summary>
    public int OutputDim { get; } = outputDim;
}
