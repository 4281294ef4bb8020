using StaticRnn;

namespace StaticRnn.Numerics.Tests;

// The networks of the tfjs fixtures (tests/oracles/tfjs/make-fixtures.mjs), declared exactly as the script builds them.

[Sequential(10, 8, ExpectedParameters = 137)]
[SimpleRnn(5, ReturnSequences = true)]
[SimpleRnn(3)]
[Dense(10)]
public partial class SeedModel;

[Sequential(8, ExpectedParameters = 75)]
[Dense(6, Activation = Activation.Relu)]
[Dense(3)]
public partial class DenseMlp;

[Sequential(6, 4, Loss = Loss.BinaryCrossentropy, ExpectedParameters = 46)]
[SimpleRnn(4, Activation = Activation.Relu, ReturnSequences = true, GoBackwards = true)]
[Dense(2, Activation = Activation.Sigmoid)]
public partial class RnnReluBackwardsSeq;

[Sequential(5, 3, Loss = Loss.SparseCategoricalCrossentropy, ExpectedParameters = 82)]
[SimpleRnn(6, Activation = Activation.Sigmoid, UseBias = false, GoBackwards = true)]
[Dense(4, Activation = Activation.Softmax)]
public partial class RnnSigmoidNoBiasSoftmax;

[Sequential(4, 3, ExpectedParameters = 24)]
[SimpleRnn(3, Activation = Activation.Linear)]
[Dense(1, UseBias = false)]
public partial class RnnLinearLast;

[Sequential(7, 5, Loss = Loss.SparseCategoricalCrossentropy, ExpectedParameters = 304)]
[SimpleRnn(8, ReturnSequences = true, GoBackwards = true)]
[SimpleRnn(9, Activation = Activation.Relu, ReturnSequences = true)]
[Dense(3, Activation = Activation.Softmax)]
public partial class RnnStackSeqSoftmax;

[Sequential(3, 11, ExpectedParameters = 471)]
[SimpleRnn(13)]
[Dense(9, Activation = Activation.Tanh)]
[Dense(2)]
public partial class RnnWideTail;

[Sequential(6, 4)]
[Lstm(5, ReturnSequences = true)]
[Lstm(3, GoBackwards = true)]
[Dense(2)]
public partial class LstmStack;

[Sequential(5, 3, Loss = Loss.SparseCategoricalCrossentropy)]
[Lstm(9, Activation = Activation.Relu, UseBias = false, GoBackwards = true, ReturnSequences = true)]
[Dense(3, Activation = Activation.Softmax)]
public partial class LstmReluNoBiasSeqSoftmax;

[Sequential(3, 10)]
[Lstm(12)]
[Dense(4, Activation = Activation.Tanh)]
public partial class LstmWide;

[Sequential(6, 4, Loss = Loss.BinaryCrossentropy)]
[Gru(7, ResetAfter = false, ReturnSequences = true)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class GruResetBefore;

[Sequential(5, 3)]
[Lstm(4, Bidirectional = true, ReturnSequences = true)]
[Dense(2)]
public partial class BidiLstmConcatSeq;

[Sequential(6, 4, Loss = Loss.SparseCategoricalCrossentropy)]
[Lstm(5, Bidirectional = true, Merge = MergeMode.Sum)]
[Dense(3, Activation = Activation.Softmax)]
public partial class BidiLstmSumLast;

[Sequential(4, 3, Loss = Loss.BinaryCrossentropy)]
[Gru(6, ResetAfter = false, Bidirectional = true, Merge = MergeMode.Mul, ReturnSequences = true)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class BidiGruMulSeq;

[Sequential(7, 2)]
[SimpleRnn(3, Bidirectional = true, ReturnSequences = true)]
[SimpleRnn(4, Activation = Activation.Relu, Bidirectional = true, Merge = MergeMode.Ave)]
[Dense(2)]
public partial class BidiSimpleRnnAveLastStack;

[Sequential(8, Loss = Loss.BinaryCrossentropy)]
[Embedding(6, 5)]
[Lstm(4)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class EmbeddingLstmDense;

[Sequential(6, Loss = Loss.SparseCategoricalCrossentropy)]
[Embedding(9, 4)]
[Gru(3, ResetAfter = false, Bidirectional = true, ReturnSequences = true)]
[GlobalAveragePooling1D]
[Dense(3, Activation = Activation.Softmax)]
public partial class EmbeddingBidiGruPool;

// PyTorch nn.GRU fixtures (tests/oracles/torch/make-gru-fixtures.py): reset_after=True, the Keras 3 default.

[Sequential(6, 4)]
[Gru(5)]
[Dense(3)]
public partial class GruResetAfter;

[Sequential(5, 3)]
[Gru(10, GoBackwards = true, ReturnSequences = true)]
[Dense(2)]
public partial class GruResetAfterBackwardsSeq;

// Networks for the float64 finite-difference checks: every activation, every loss, multi-block and multi-group
// units, and a layer past the unrolling budget (its products are emitted as loops).

[Sequential(6, 4, Loss = Loss.CategoricalCrossentropy)]
[SimpleRnn(20, Activation = Activation.Sigmoid, ReturnSequences = true)]
[SimpleRnn(12, Activation = Activation.HardSigmoid, GoBackwards = true)]
[Dense(3, Activation = Activation.Softmax)]
public partial class FdSigmoidHardSigmoid;

#pragma warning disable SRNN008 // intended: this network exercises the loop form of the products
[Sequential(5, 60, Loss = Loss.BinaryCrossentropy)]
[SimpleRnn(40, Activation = Activation.Relu, ReturnSequences = true, UseBias = false)]
[Dense(7, Activation = Activation.Sigmoid)]
public partial class FdLoops;

// Looped products that pass a gradient on: a looped SimpleRNN after a Dense and a looped Dense after it (their dx and
// the SimpleRNN's dh are Products.DotRows calls), so both looped input gradients are checked.
[Sequential(3, 6)]
[Dense(8, Activation = Activation.Tanh)]
[SimpleRnn(56, GoBackwards = true, ReturnSequences = true)]
[Dense(40, Activation = Activation.Tanh)]
[Dense(1)]
public partial class FdLoopedInputGradients;
#pragma warning restore SRNN008

[Sequential(9)]
[Dense(33, Activation = Activation.Tanh)]
[Dense(4, UseBias = false)]
public partial class FdDense;

[Sequential(4, 3, Loss = Loss.SparseCategoricalCrossentropy)]
[SimpleRnn(9, Activation = Activation.Linear, GoBackwards = true, ReturnSequences = true)]
[Dense(5, Activation = Activation.Softmax)]
public partial class FdLinearSequenceSoftmax;

[Sequential(6, 4)]
[Lstm(5, ReturnSequences = true)]
[Lstm(3, GoBackwards = true)]
[Dense(2)]
public partial class FdLstmStack;

[Sequential(5, 3, Loss = Loss.SparseCategoricalCrossentropy)]
[Lstm(9, Activation = Activation.Relu, RecurrentActivation = Activation.HardSigmoid, UseBias = false, GoBackwards = true, ReturnSequences = true)]
[Dense(3, Activation = Activation.Softmax)]
public partial class FdLstmReluHardSigmoid;

#pragma warning disable SRNN008 // intended: this network exercises the loop form of the LSTM products
[Sequential(4, 70, Loss = Loss.BinaryCrossentropy)]
[Lstm(20, Activation = Activation.Linear, RecurrentActivation = Activation.Sigmoid)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class FdLstmLoops;
#pragma warning restore SRNN008

[Sequential(6, 4)]
[Gru(5, ReturnSequences = true)]
[Gru(3, GoBackwards = true)]
[Dense(2)]
public partial class FdGruResetAfter;

#pragma warning disable SRNN008 // intended: wide layers, whose steps call one method per block group
[Sequential(2, 3)]
[Lstm(33, GoBackwards = true)]
[Dense(1)]
public partial class FdWideLstm;

[Sequential(2, 3, Loss = Loss.BinaryCrossentropy)]
[Gru(33, GoBackwards = true)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class FdWideGru;
#pragma warning restore SRNN008

[Sequential(5, 3, Loss = Loss.BinaryCrossentropy)]
[Gru(9, ResetAfter = false, GoBackwards = true, ReturnSequences = true)]
[Gru(4, ResetAfter = false, Activation = Activation.Relu, RecurrentActivation = Activation.HardSigmoid, UseBias = false)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class FdGruResetBefore;

#pragma warning disable SRNN008 // intended: this network exercises the loop form of the GRU products
[Sequential(3, 90)]
[Gru(12, ResetAfter = false, ReturnSequences = true)]
[Gru(10, Activation = Activation.Linear, UseBias = false)]
[Dense(2)]
public partial class FdGruLoops;
#pragma warning restore SRNN008

[Sequential(6, Loss = Loss.CategoricalCrossentropy)]
[Dense(4, Activation = Activation.Sigmoid)]
public partial class FdCategoricalOnSigmoid;

[Sequential(5, 3)]
[Lstm(4, Bidirectional = true, ReturnSequences = true)]
[Dense(2)]
public partial class FdBidiLstmConcat;

[Sequential(6, 4, Loss = Loss.SparseCategoricalCrossentropy)]
[Gru(5, Bidirectional = true, Merge = MergeMode.Sum)]
[Dense(3, Activation = Activation.Softmax)]
public partial class FdBidiGruSum;

[Sequential(4, 3, Loss = Loss.BinaryCrossentropy)]
[SimpleRnn(6, Bidirectional = true, Merge = MergeMode.Mul, ReturnSequences = true)]
[Gru(3, ResetAfter = false, Bidirectional = true, Merge = MergeMode.Ave)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class FdBidiMulAve;

[Sequential(7, Loss = Loss.BinaryCrossentropy)]
[Embedding(20, 5)]
[Gru(6, ReturnSequences = true)]
[GlobalAveragePooling1D]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class FdEmbeddingGruPool;

[Sequential(6, Loss = Loss.SparseCategoricalCrossentropy)]
[Embedding(12, 9)]
[GlobalAveragePooling1D]
[Dense(3, Activation = Activation.Softmax)]
public partial class FdEmbeddingPoolSoftmax;

[Sequential(5, 4)]
[GlobalAveragePooling1D]
[Dense(2)]
public partial class FdPoolFirst;

// Stateful streaming networks and their whole-sequence twins (same weight layout: weights do not depend on T).

[Sequential(1, 3, Stateful = true)]
[Lstm(6)]
[Dense(2)]
public partial class StreamLstm;

[Sequential(12, 3)]
[Lstm(6, ReturnSequences = true)]
[Dense(2)]
public partial class SequenceLstm;

[Sequential(1, 3, Stateful = true)]
[Lstm(6)]
public partial class StreamLstmAlone;

[Sequential(1, 2, Stateful = true)]
[Gru(5, ReturnSequences = true)]
[SimpleRnn(4)]
[Dense(1)]
public partial class StreamGruRnn;

[Sequential(9, 2)]
[Gru(5, ReturnSequences = true)]
[SimpleRnn(4, ReturnSequences = true)]
[Dense(1)]
public partial class SequenceGruRnn;

[Sequential(6)]
[Dense(10, Activation = Activation.Tanh)]
[Dropout(0.4)]
[Dense(1)]
public partial class WithDropout;

[Sequential(6)]
[Dense(10, Activation = Activation.Tanh)]
[Dense(1)]
public partial class WithoutDropout;

// Batched products: LSTM layers of whole 8-unit blocks from 64 units run a group of samples as products over the group
// (input projection of every step first, then one h·U product per step for the group); the LSTM(8) after it runs pairs.
#pragma warning disable SRNN008 // intended: the one-sample backward of these layers runs as loops
[Sequential(4, 3)]
[Lstm(64, ReturnSequences = true, GoBackwards = true, UseBias = false)]
[Lstm(8)]
[Dense(2)]
public partial class FdBatchedLstm;

// The other way round: pairs first, then a batched layer that passes its input gradient back (dx = dz·Wᵀ as one
// product per sample), forwards and, after a Dense on each step, backwards.
[Sequential(4, 3)]
[Lstm(8, ReturnSequences = true)]
[Lstm(64, UseBias = false)]
[Dense(2)]
public partial class FdBatchedLstmAfterPairs;

[Sequential(3, 5)]
[Dense(8, Activation = Activation.Tanh)]
[Lstm(64, GoBackwards = true)]
[Dense(1)]
public partial class FdBatchedLstmBackwardsAfterDense;
#pragma warning restore SRNN008
