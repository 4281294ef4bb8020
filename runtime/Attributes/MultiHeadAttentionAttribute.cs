namespace StaticRnn;

/// <summary>
/// Keras <c>MultiHeadAttention(num_heads, key_dim)</c> as self-attention: per head <c>softmax(q·kᵀ / sqrt(keyDim)) · v</c>,
/// with query, key and value projections <c>(d, heads, dim)</c> and an output projection <c>(heads, valueDim, d)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MultiHeadAttentionAttribute(int numHeads, int keyDim) : LayerAttribute
{
    /// <summary>Number of attention heads.</summary>
    public int NumHeads { get; } = numHeads;
    /// <summary>Size of each head for query and key.</summary>
    public int KeyDim { get; } = keyDim;
    /// <summary>Size of each head for value; 0 (default) means <see cref="KeyDim"/>.</summary>
    public int ValueDim { get; set; }
    /// <summary>Whether the four projections have biases.</summary>
    public bool UseBias { get; set; } = true;
    /// <summary>Keras <c>use_causal_mask</c>: step t attends only to steps up to t.</summary>
    public bool Causal { get; set; }
}
