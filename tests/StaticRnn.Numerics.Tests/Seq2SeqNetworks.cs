using StaticRnn;

namespace StaticRnn.Numerics.Tests;

// Sequence-to-sequence models under test. S2sLstmAttention is also the model of the PyTorch fixture
// seq2seq_lstm_attention.json (tests/oracles/torch/make-seq2seq-fixtures.py).

/// <summary>A bidirectional LSTM encoder seeding an LSTM decoder with Luong attention ([context, query]), both masked.</summary>
[Seq2Seq(StartToken = 1, EndToken = 2, ExpectedParameters = 1470)]
public partial class S2sLstmAttention
{
    [Sequential(7)]
    [Embedding(11, 6, MaskZero = true)]
    [Lstm(5, ReturnSequences = true, Bidirectional = true)]
    public partial class Encoder;

    [Sequential(6)]
    [Embedding(9, 6, MaskZero = true)]
    [Lstm(10, ReturnSequences = true)]
    [Attention(UseScale = true, ConcatenateQuery = true)]
    [Dense(9, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary>The same layers on longer sequences: the extra steps are padding, which must change nothing.</summary>
[Seq2Seq(StartToken = 1, EndToken = 2)]
public partial class S2sLstmAttentionPadded
{
    [Sequential(10)]
    [Embedding(11, 6, MaskZero = true)]
    [Lstm(5, ReturnSequences = true, Bidirectional = true)]
    public partial class Encoder;

    [Sequential(9)]
    [Embedding(9, 6, MaskZero = true)]
    [Lstm(10, ReturnSequences = true)]
    [Attention(UseScale = true, ConcatenateQuery = true)]
    [Dense(9, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary>Two encoder layers (the last a GRU going backwards) seeding a GRU decoder with concat attention.</summary>
[Seq2Seq(StartToken = 1, EndToken = 2)]
public partial class S2sGruConcat
{
    [Sequential(6)]
    [Embedding(10, 5, MaskZero = true)]
    [SimpleRnn(4, ReturnSequences = true)]
    [Gru(6, ReturnSequences = true, GoBackwards = true)]
    public partial class Encoder;

    [Sequential(5)]
    [Embedding(8, 5, MaskZero = true)]
    [Gru(6, ReturnSequences = true)]
    [Attention(ScoreMode = ScoreMode.Concat, UseScale = true, ConcatenateQuery = true)]
    [Dense(8, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary>The plain encoder-decoder of Keras's recipe: only the final state crosses, no attention.</summary>
[Seq2Seq(StartToken = 3, EndToken = 1)]
public partial class S2sStateOnly
{
    [Sequential(6)]
    [Embedding(9, 4)]
    [SimpleRnn(5)]
    public partial class Encoder;

    [Sequential(5)]
    [Embedding(7, 4)]
    [SimpleRnn(5, ReturnSequences = true)]
    [Dense(7, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary>A Transformer encoder-decoder, post-norm, masked.</summary>
[Seq2Seq]
public partial class S2sTransformer
{
    [Sequential(6)]
    [TokenAndPositionEmbedding(12, 6, 8, MaskZero = true)]
    [TransformerEncoder(2, 4, 8, DropoutRate = 0)]
    public partial class Encoder;

    [Sequential(5)]
    [TokenAndPositionEmbedding(10, 5, 8, MaskZero = true)]
    [TransformerDecoder(2, 4, 8, DropoutRate = 0)]
    [Dense(10, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary>
/// A decoder with causal Transformer encoder blocks around its Transformer decoder block (post-norm, then pre-norm with
/// dropout), as GPT-style decoders stack self-attention blocks.
/// </summary>
[Seq2Seq]
public partial class S2sCausalBlocks
{
    [Sequential(6)]
    [TokenAndPositionEmbedding(12, 6, 8, MaskZero = true)]
    [TransformerEncoder(2, 4, 8, DropoutRate = 0)]
    public partial class Encoder;

    [Sequential(5)]
    [TokenAndPositionEmbedding(10, 5, 8, MaskZero = true)]
    [TransformerEncoder(2, 4, 8, Causal = true, DropoutRate = 0)]
    [TransformerDecoder(2, 4, 8, DropoutRate = 0)]
    [TransformerEncoder(2, 3, 6, Causal = true, NormalizeFirst = true, DropoutRate = 0.2)]
    [Dense(10, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary><see cref="S2sTransformer"/> with KerasHub's dropout in the decoder: on its sublayers' outputs and its attention weights.</summary>
[Seq2Seq]
public partial class S2sTransformerDropout
{
    [Sequential(6)]
    [TokenAndPositionEmbedding(12, 6, 8, MaskZero = true)]
    [TransformerEncoder(2, 4, 8, DropoutRate = 0)]
    public partial class Encoder;

    [Sequential(5)]
    [TokenAndPositionEmbedding(10, 5, 8, MaskZero = true)]
    [TransformerDecoder(2, 4, 8, DropoutRate = 0.3)]
    [Dense(10, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary>A Transformer encoder-decoder, pre-norm, a decoder wider than the encoder (cross-attention projects both).</summary>
[Seq2Seq]
public partial class S2sTransformerPreNorm
{
    [Sequential(6)]
    [TokenAndPositionEmbedding(12, 6, 6, MaskZero = true)]
    [TransformerEncoder(1, 4, 6, DropoutRate = 0, NormalizeFirst = true)]
    public partial class Encoder;

    [Sequential(5)]
    [TokenAndPositionEmbedding(10, 5, 8, MaskZero = true)]
    [TransformerDecoder(2, 3, 10, DropoutRate = 0, NormalizeFirst = true, Epsilon = 1e-3)]
    [Dense(10, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary>
/// A decoder with every layer kind that has a step kernel for incremental decoding between its recurrent layer and its
/// softmax (Dropout, LayerNormalization, Dense, attention over the encoder without a scale).
/// </summary>
[Seq2Seq(StartToken = 1, EndToken = 2)]
public partial class S2sStepKinds
{
    [Sequential(6)]
    [Embedding(10, 6, MaskZero = true)]
    [Gru(8, ReturnSequences = true)]
    public partial class Encoder;

    [Sequential(7)]
    [Embedding(9, 6, MaskZero = true)]
    [Gru(8, ReturnSequences = true)]
    [Dropout(0.25)]
    [LayerNormalization]
    [Dense(8, Activation = Activation.Tanh)]
    [Attention]
    [Dense(9, Activation = Activation.Softmax)]
    public partial class Decoder;
}
