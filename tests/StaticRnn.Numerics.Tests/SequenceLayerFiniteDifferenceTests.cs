using Xunit;
using static StaticRnn.Numerics.Tests.Reference;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// The attention family, layer normalization, RepeatVector and the position embeddings: outputs and loss against the
/// float64 reference and every parameter gradient against its central finite differences, at batch 1 and an odd batch
/// (the same method and tolerances as <see cref="FiniteDifferenceTests"/>).
/// </summary>
public class SequenceLayerFiniteDifferenceTests
{
    [Theory, InlineData(1), InlineData(3)]
    public void LayerNormalizationAsFirstLayer(int batch) => FiniteDifferenceTests.Check<FdLayerNormFirst>(
        [new LayerNormLayer(0.01), new DenseLayer(3, Activation.Softmax)], [6], Loss.SparseCategoricalCrossentropy, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void LayerNormalizationOfASequence(int batch) => FiniteDifferenceTests.Check<FdLayerNormSequence>(
        [new RnnLayer(9, ReturnSequences: true), new LayerNormLayer(), new DenseLayer(2)], [5, 3], Loss.MeanSquaredError, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void RepeatVectorBetweenRecurrentLayers(int batch) => FiniteDifferenceTests.Check<FdRepeatVector>(
        [new LstmLayer(5), new RepeatLayer(3), new GruLayer(4, ReturnSequences: true), new DenseLayer(2)], [4, 3], Loss.MeanSquaredError, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void PositionEmbeddingOnTheInput(int batch) => FiniteDifferenceTests.Check<FdPositionEmbedding>(
        [new PositionLayer(), new RnnLayer(4), new DenseLayer(2)], [5, 3], Loss.MeanSquaredError, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void TokenAndPositionEmbeddingWithRepeatedTokens(int batch) => FiniteDifferenceTests.Check<FdTokenAndPosition>(
        [new TokenPositionLayer(11, 8, 5), new PoolingLayer(), new DenseLayer(3, Activation.Softmax)], [6], Loss.SparseCategoricalCrossentropy, batch, vocabulary: 11);

    [Theory, InlineData(1), InlineData(3)]
    public void DotAttention(int batch) => FiniteDifferenceTests.Check<FdAttentionDot>(
        [new DenseLayer(6, Activation.Tanh), new AttentionLayer(), new PoolingLayer(), new DenseLayer(1)], [5, 6], Loss.MeanSquaredError, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void ScaledCausalDotAttentionOnTheInput(int batch) => FiniteDifferenceTests.Check<FdAttentionScaledCausalFirst>(
        [new AttentionLayer(UseScale: true, Causal: true), new DenseLayer(2)], [4, 5], Loss.MeanSquaredError, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void ConcatAttentionWithScale(int batch) => FiniteDifferenceTests.Check<FdAttentionConcatScaled>(
        [new RnnLayer(9, ReturnSequences: true), new AttentionLayer(UseScale: true, Concat: true), new DenseLayer(2)], [5, 3], Loss.MeanSquaredError, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void CausalConcatAttentionOnTheInput(int batch) => FiniteDifferenceTests.Check<FdAttentionConcatCausalFirst>(
        [new AttentionLayer(Concat: true, Causal: true), new DenseLayer(1, Activation.Sigmoid)], [4, 3], Loss.BinaryCrossentropy, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void MultiHeadAttentionOnTheInput(int batch) => FiniteDifferenceTests.Check<FdMultiHeadFirst>(
        [new MhaLayer(2, 3), new DenseLayer(2)], [5, 6], Loss.MeanSquaredError, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void CausalMultiHeadAttentionWithValueDimWithoutBias(int batch) => FiniteDifferenceTests.Check<FdMultiHeadCausalValueDim>(
        [new DenseLayer(9), new MhaLayer(3, 4, ValueDim: 5, UseBias: false, Causal: true), new DenseLayer(1, Activation.Sigmoid)], [7, 4], Loss.BinaryCrossentropy, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void TransformerEncoderPostNorm(int batch) => FiniteDifferenceTests.Check<FdTransformerFirst>(
        [new TransformerLayer(2, 4, 16), new PoolingLayer(), new DenseLayer(3, Activation.Softmax)], [6, 8], Loss.SparseCategoricalCrossentropy, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void TransformerEncoderPreNormCausal(int batch) => FiniteDifferenceTests.Check<FdTransformerPreNormCausal>(
        [new DenseLayer(8), new TransformerLayer(2, 3, 5, NormalizeFirst: true, Activation: Activation.Tanh, Causal: true), new DenseLayer(1)], [5, 4], Loss.MeanSquaredError, batch);

    [Theory, InlineData(1), InlineData(3)]
    public void TokenAndPositionEmbeddingIntoATransformer(int batch) => FiniteDifferenceTests.Check<FdTokenTransformer>(
        [new TokenPositionLayer(13, 9, 8), new TransformerLayer(2, 8, 8), new PoolingLayer(), new DenseLayer(2, Activation.Softmax)], [7], Loss.SparseCategoricalCrossentropy, batch, vocabulary: 13);
}
