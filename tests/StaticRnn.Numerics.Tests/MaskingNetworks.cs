using StaticRnn;

namespace StaticRnn.Numerics.Tests;

// Pairs for the masking oracle: the padded network (MaskZero = true, a longer input) and the same layers on the real
// tokens only (no mask). The parameter counts do not depend on the length, so both share one parameter vector.

[Sequential(8)]
[Embedding(20, 6, MaskZero = true)]
[Lstm(5, ReturnSequences = true)]
[Gru(4)]
[Dense(2)]
public partial class PaddedLstmGru;

[Sequential(5)]
[Embedding(20, 6)]
[Lstm(5, ReturnSequences = true)]
[Gru(4)]
[Dense(2)]
public partial class PlainLstmGru;

[Sequential(7, Loss = Loss.SparseCategoricalCrossentropy)]
[Embedding(15, 5, MaskZero = true)]
[Lstm(4, Bidirectional = true, ReturnSequences = true)]
[GlobalAveragePooling1D]
[Dense(3, Activation = Activation.Softmax)]
public partial class PaddedBidiPool;

[Sequential(4, Loss = Loss.SparseCategoricalCrossentropy)]
[Embedding(15, 5)]
[Lstm(4, Bidirectional = true, ReturnSequences = true)]
[GlobalAveragePooling1D]
[Dense(3, Activation = Activation.Softmax)]
public partial class PlainBidiPool;

[Sequential(6, Loss = Loss.SparseCategoricalCrossentropy)]
[Embedding(12, 4, MaskZero = true)]
[SimpleRnn(6, ReturnSequences = true)]
[Dense(3, Activation = Activation.Softmax)]
public partial class PaddedSequenceOutput;

[Sequential(4, Loss = Loss.SparseCategoricalCrossentropy)]
[Embedding(12, 4)]
[SimpleRnn(6, ReturnSequences = true)]
[Dense(3, Activation = Activation.Softmax)]
public partial class PlainSequenceOutput;

[Sequential(7, Loss = Loss.BinaryCrossentropy)]
[Embedding(12, 4, MaskZero = true)]
[Gru(5, GoBackwards = true, ResetAfter = false)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class PaddedBackwardsGru;

[Sequential(4, Loss = Loss.BinaryCrossentropy)]
[Embedding(12, 4)]
[Gru(5, GoBackwards = true, ResetAfter = false)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class PlainBackwardsGru;

[Sequential(9, Loss = Loss.SparseCategoricalCrossentropy)]
[TokenAndPositionEmbedding(16, 9, 8, MaskZero = true)]
[TransformerEncoder(2, 4, 8, DropoutRate = 0)]
[GlobalAveragePooling1D]
[Dense(2, Activation = Activation.Softmax)]
public partial class PaddedTransformer;

[Sequential(6, Loss = Loss.SparseCategoricalCrossentropy)]
[TokenAndPositionEmbedding(16, 9, 8)]
[TransformerEncoder(2, 4, 8, DropoutRate = 0)]
[GlobalAveragePooling1D]
[Dense(2, Activation = Activation.Softmax)]
public partial class PlainTransformer;

[Sequential(7)]
[Embedding(14, 6, MaskZero = true)]
[Attention(UseScale = true)]
[Attention(ScoreMode = ScoreMode.Concat)]
[GlobalAveragePooling1D]
[Dense(2)]
public partial class PaddedAttention;

[Sequential(4)]
[Embedding(14, 6)]
[Attention(UseScale = true)]
[Attention(ScoreMode = ScoreMode.Concat)]
[GlobalAveragePooling1D]
[Dense(2)]
public partial class PlainAttention;

[Sequential(8)]
[Embedding(14, 8, MaskZero = true)]
[MultiHeadAttention(2, 3, Causal = true)]
[GlobalAveragePooling1D]
[Dense(1)]
public partial class PaddedMultiHead;

[Sequential(5)]
[Embedding(14, 8)]
[MultiHeadAttention(2, 3, Causal = true)]
[GlobalAveragePooling1D]
[Dense(1)]
public partial class PlainMultiHead;
