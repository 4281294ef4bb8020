namespace StaticRnn;

/// <summary>
/// Token embedding plus a learned position embedding (KerasHub <c>TokenAndPositionEmbedding</c>): token ids first, as
/// <see cref="EmbeddingAttribute"/>; output <c>token[id_t] + position[t]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TokenAndPositionEmbeddingAttribute(int vocabularySize, int sequenceLength, int embeddingDim) : LayerAttribute
{
    /// <summary>Token ids are in <c>[0, VocabularySize)</c>.</summary>
    public int VocabularySize { get; } = vocabularySize;
    /// <summary>Rows of the position table: the longest sequence (at least the input's timesteps).</summary>
    public int SequenceLength { get; } = sequenceLength;
    /// <summary>Size of both embeddings.</summary>
    public int EmbeddingDim { get; } = embeddingDim;
    /// <summary>
    /// Keras <c>mask_zero=True</c>: token id 0 is padding. The mask flows through the later layers as Keras propagates it:
    /// recurrent layers skip padded steps (state and output carried over), attention ignores padded keys,
    /// <c>GlobalAveragePooling1D</c> averages the other steps, and the loss leaves out padded output steps.
    /// </summary>
    public bool MaskZero { get; set; }
}
