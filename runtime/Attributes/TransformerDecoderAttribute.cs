namespace StaticRnn;

/// <summary>
/// A Transformer decoder block (KerasHub <c>TransformerDecoder</c> semantics, post-norm by default), for the decoder of a
/// <c>[Seq2Seq]</c> model: causal self-attention, cross-attention over the encoder's output sequence, and a feed-forward
/// sublayer, each followed by dropout, a residual sum and a layer normalization.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TransformerDecoderAttribute(int numHeads, int keyDim, int feedForwardDim) : LayerAttribute
{
    /// <summary>Number of attention heads (both attentions).</summary>
    public int NumHeads { get; } = numHeads;
    /// <summary>Size of each head for query and key.</summary>
    public int KeyDim { get; } = keyDim;
    /// <summary>Hidden size of the feed-forward sublayer.</summary>
    public int FeedForwardDim { get; } = feedForwardDim;
    /// <summary>Epsilon of the three layer normalizations.</summary>
    public double Epsilon { get; set; } = 1e-6;
    /// <summary>Dropout after each sublayer, in training.</summary>
    public double DropoutRate { get; set; } = 0.1;
    /// <summary>Pre-norm: each layer normalization before its sublayer instead of after the residual.</summary>
    public bool NormalizeFirst { get; set; }
    /// <summary>Activation of the feed-forward hidden layer; default <see cref="StaticRnn.Activation.Relu"/>.</summary>
    public Activation Activation { get; set; } = Activation.Relu;
}
