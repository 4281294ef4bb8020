namespace StaticRnn;

/// <summary>Keras <c>Embedding(input_dim, output_dim)</c>: token ids to vectors; must be the first layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EmbeddingAttribute(int inputDim, int outputDim) : LayerAttribute
{
    /// <summary>Vocabulary size: token ids are in <c>[0, InputDim)</c>.</summary>
    public int InputDim { get; } = inputDim;
    /// <summary>Embedding vector size.</summary>
    public int OutputDim { get; } = outputDim;
    /// <summary>
    /// Keras <c>mask_zero=True</c>: token id 0 is padding. The mask flows through the later layers as Keras propagates it:
    /// recurrent layers skip padded steps (state and output carried over), attention ignores padded keys,
    /// <c>GlobalAveragePooling1D</c> averages the other steps, and the loss leaves out padded output steps.
    /// </summary>
    public bool MaskZero { get; set; }
}
