using StaticRnn;

namespace StaticRnn.Numerics.Tests;

// Networks of the attention family and its neighbours for the float64 finite-difference checks: every layer and option,
// as first layer (reading the caller's unpadded rows) and after another layer, widths that are and are not multiples of 8.

[Sequential(6, Loss = Loss.SparseCategoricalCrossentropy)]
[LayerNormalization(Epsilon = 0.01)]
[Dense(3, Activation = Activation.Softmax)]
public partial class FdLayerNormFirst;

[Sequential(5, 3)]
[SimpleRnn(9, ReturnSequences = true)]
[LayerNormalization]
[Dense(2)]
public partial class FdLayerNormSequence;

[Sequential(4, 3)]
[Lstm(5)]
[RepeatVector(3)]
[Gru(4, ReturnSequences = true)]
[Dense(2)]
public partial class FdRepeatVector;

[Sequential(5, 3)]
[PositionEmbedding]
[SimpleRnn(4)]
[Dense(2)]
public partial class FdPositionEmbedding;

[Sequential(6, Loss = Loss.SparseCategoricalCrossentropy)]
[TokenAndPositionEmbedding(11, 8, 5)]
[GlobalAveragePooling1D]
[Dense(3, Activation = Activation.Softmax)]
public partial class FdTokenAndPosition;

[Sequential(5, 6)]
[Dense(6, Activation = Activation.Tanh)]
[Attention]
[GlobalAveragePooling1D]
[Dense(1)]
public partial class FdAttentionDot;

[Sequential(4, 5)]
[Attention(UseScale = true, Causal = true)]
[Dense(2)]
public partial class FdAttentionScaledCausalFirst;

[Sequential(5, 3)]
[SimpleRnn(9, ReturnSequences = true)]
[Attention(ScoreMode = ScoreMode.Concat, UseScale = true)]
[Dense(2)]
public partial class FdAttentionConcatScaled;

[Sequential(4, 3, Loss = Loss.BinaryCrossentropy)]
[Attention(ScoreMode = ScoreMode.Concat, Causal = true)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class FdAttentionConcatCausalFirst;

[Sequential(5, 6)]
[MultiHeadAttention(2, 3)]
[Dense(2)]
public partial class FdMultiHeadFirst;

[Sequential(7, 4, Loss = Loss.BinaryCrossentropy)]
[Dense(9)]
[MultiHeadAttention(3, 4, ValueDim = 5, UseBias = false, Causal = true)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class FdMultiHeadCausalValueDim;

[Sequential(6, 8, Loss = Loss.SparseCategoricalCrossentropy)]
[TransformerEncoder(2, 4, 16, DropoutRate = 0)]
[GlobalAveragePooling1D]
[Dense(3, Activation = Activation.Softmax)]
public partial class FdTransformerFirst;

[Sequential(5, 4)]
[Dense(8)]
[TransformerEncoder(2, 3, 5, NormalizeFirst = true, Causal = true, DropoutRate = 0, Activation = Activation.Tanh)]
[Dense(1)]
public partial class FdTransformerPreNormCausal;

[Sequential(7, Loss = Loss.SparseCategoricalCrossentropy)]
[TokenAndPositionEmbedding(13, 9, 8)]
[TransformerEncoder(2, 8, 8, DropoutRate = 0)]
[GlobalAveragePooling1D]
[Dense(2, Activation = Activation.Softmax)]
public partial class FdTokenTransformer;

// PyTorch fixtures (tests/oracles/torch/make-attention-fixtures.py): nn.MultiheadAttention, nn.TransformerEncoderLayer
// (post-norm and norm_first), nn.LayerNorm and the LSTM kernel, with the Keras-layout weights mapped; dropout 0.

[Sequential(5, 6)]
[LayerNormalization]
[Dense(2)]
public partial class TorchLayerNormDense;

[Sequential(4, 3)]
[Lstm(5)]
[RepeatVector(3)]
[Lstm(4, ReturnSequences = true)]
[Dense(2)]
public partial class TorchLstmRepeatLstm;

[Sequential(6, 8)]
[MultiHeadAttention(2, 4)]
[Dense(3)]
public partial class TorchMhaSelf;

[Sequential(7, 6, Loss = Loss.BinaryCrossentropy)]
[Dense(6, Activation = Activation.Tanh)]
[MultiHeadAttention(3, 2, UseBias = false, Causal = true)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class TorchMhaCausalNoBias;

[Sequential(5, 4)]
[Dense(6, Activation = Activation.Tanh)]
[Attention(UseScale = true, Causal = true)]
[Dense(2)]
public partial class TorchAttentionScaledCausal;

[Sequential(4, 3, Loss = Loss.BinaryCrossentropy)]
[Attention(UseScale = true, ScoreMode = ScoreMode.Concat)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class TorchAttentionConcat;

[Sequential(6, 8, Loss = Loss.SparseCategoricalCrossentropy)]
[TransformerEncoder(2, 4, 16, DropoutRate = 0)]
[GlobalAveragePooling1D]
[Dense(3, Activation = Activation.Softmax)]
public partial class TorchTransformerPost;

[Sequential(5, 4)]
[Dense(8)]
[TransformerEncoder(2, 4, 8, NormalizeFirst = true, Causal = true, DropoutRate = 0)]
[Dense(1)]
public partial class TorchTransformerPreCausal;

[Sequential(7, Loss = Loss.SparseCategoricalCrossentropy)]
[TokenAndPositionEmbedding(13, 9, 8)]
[TransformerEncoder(2, 4, 16, DropoutRate = 0)]
[GlobalAveragePooling1D]
[Dense(2, Activation = Activation.Softmax)]
public partial class TorchTokenPositionTransformer;

// Dropout inside the Transformer block (training only), and its rate-0 twin.

[Sequential(4, 8)]
[TransformerEncoder(2, 4, 8, DropoutRate = 0.3, Activation = Activation.Tanh)]
[GlobalAveragePooling1D]
[Dense(1)]
public partial class TransformerWithDropout;

[Sequential(4, 8)]
[TransformerEncoder(2, 4, 8, DropoutRate = 0, Activation = Activation.Tanh)]
[GlobalAveragePooling1D]
[Dense(1)]
public partial class TransformerWithoutDropout;

[Sequential(5, 4)]
[PositionEmbedding]
[Lstm(3, ReturnSequences = true)]
[Dense(2)]
public partial class TorchPositionEmbedding;
