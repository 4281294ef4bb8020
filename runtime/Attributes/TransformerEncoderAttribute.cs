namespace StaticRnn;

/// <summary>
/// A Transformer encoder block, the keras.io "Text classification with Transformer" block (post-norm):
/// <c>y = LN1(x + Dropout(MHA(x)))</c>, <c>out = LN2(y + Dropout(Dense(d)(Dense(ff, activation)(y))))</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TransformerEncoderAttribute(int numHeads, int keyDim, int feedForwardDim) : LayerAttribute
{
    /// <summary>Number of attention heads.</summary>
    public int NumHeads { get; } = numHeads;
    /// <summary>Size of each head for query and key.</summary>
    public int KeyDim { get; } = keyDim;
    /// <summary>Hidden size of the feed-forward sublayer.</summary>
    public int FeedForwardDim { get; } = feedForwardDim;
    /// <summary>Epsilon of both layer normalizations.</summary>
    public double Epsilon { get; set; } = 1e-6;
    /// <summary>Dropout after the attention and after the feed-forward sublayer, in training.</summary>
    public double DropoutRate { get; set; } = 0.1;
    /// <summary>Pre-norm: each layer normalization before its sublayer instead of after the residual.</summary>
    public bool NormalizeFirst { get; set; }
    /// <summary>Activation of the feed-forward hidden layer; default <see cref="StaticRnn.Activation.Relu"/>.</summary>
    public Activation Activation { get; set; } = Activation.Relu;
    /// <summary>Causal self-attention: step t attends only to steps up to t.</summary>
    public bool Causal { get; set; }
}
