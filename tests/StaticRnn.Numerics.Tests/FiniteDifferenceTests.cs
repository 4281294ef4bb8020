using Xunit;
using static StaticRnn.Numerics.Tests.Reference;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// Every parameter gradient of the generated backward pass against central finite differences of an independent
/// float64 reference (Reference.cs), step 1e-5 (truncation error ~1e-10, far below the tolerance). The generated code
/// runs in float32, so its gradients carry rounding of ~1e-6 relative to the largest terms they sum; the tolerance,
/// 1e-4 relative plus 1e-5 of the largest gradient, leaves a tenfold margin over that and is still 100x tighter than
/// the smallest error a wrong formula gives on these networks (a dropped term or a wrong sign is O(gradient)).
/// </summary>
public class FiniteDifferenceTests
{
    [Fact]
    public void SigmoidAndHardSigmoidWithCategoricalCrossentropy() => Check<FdSigmoidHardSigmoid>(
        [new RnnLayer(20, Activation.Sigmoid, ReturnSequences: true), new RnnLayer(12, Activation.HardSigmoid, GoBackwards: true), new DenseLayer(3, Activation.Softmax)],
        [6, 4], Loss.CategoricalCrossentropy, batch: 3);

    [Fact]
    public void LoopedProductsReluWithBinaryCrossentropy() => Check<FdLoops>(
        [new RnnLayer(40, Activation.Relu, UseBias: false, ReturnSequences: true), new DenseLayer(7, Activation.Sigmoid)],
        [5, 60], Loss.BinaryCrossentropy, batch: 2);

    [Fact]
    public void LoopedInputGradientsOfDenseAndSimpleRnn() => Check<FdLoopedInputGradients>(
        [new DenseLayer(8, Activation.Tanh), new RnnLayer(56, GoBackwards: true, ReturnSequences: true), new DenseLayer(40, Activation.Tanh), new DenseLayer(1)],
        [3, 6], Loss.MeanSquaredError, batch: 2);

    [Fact]
    public void DenseTanhWithMeanSquaredError() => Check<FdDense>(
        [new DenseLayer(33, Activation.Tanh), new DenseLayer(4, UseBias: false)],
        [9], Loss.MeanSquaredError, batch: 4);

    [Fact]
    public void LinearBackwardsSequenceWithSparseCrossentropy() => Check<FdLinearSequenceSoftmax>(
        [new RnnLayer(9, Activation.Linear, GoBackwards: true, ReturnSequences: true), new DenseLayer(5, Activation.Softmax)],
        [4, 3], Loss.SparseCategoricalCrossentropy, batch: 3);

    [Fact]
    public void SeedModelWithMeanSquaredError() => Check<SeedModel>(
        [new RnnLayer(5, ReturnSequences: true), new RnnLayer(3), new DenseLayer(10)],
        [10, 8], Loss.MeanSquaredError, batch: 2);

    [Fact]
    public void LstmStackWithGoBackwards() => Check<FdLstmStack>(
        [new LstmLayer(5, ReturnSequences: true), new LstmLayer(3, GoBackwards: true), new DenseLayer(2)],
        [6, 4], Loss.MeanSquaredError, batch: 3);

    [Fact]
    public void LstmReluCellHardSigmoidGatesWithoutBias() => Check<FdLstmReluHardSigmoid>(
        [new LstmLayer(9, Activation.Relu, Activation.HardSigmoid, UseBias: false, ReturnSequences: true, GoBackwards: true), new DenseLayer(3, Activation.Softmax)],
        [5, 3], Loss.SparseCategoricalCrossentropy, batch: 2);

    [Fact]
    public void LstmLoopedProductsLinearCell() => Check<FdLstmLoops>(
        [new LstmLayer(20, Activation.Linear), new DenseLayer(1, Activation.Sigmoid)],
        [4, 70], Loss.BinaryCrossentropy, batch: 2);

    [Fact]
    public void GruResetAfterStackWithGoBackwards() => Check<FdGruResetAfter>(
        [new GruLayer(5, ReturnSequences: true), new GruLayer(3, GoBackwards: true), new DenseLayer(2)],
        [6, 4], Loss.MeanSquaredError, batch: 3);

    /// <summary>
    /// Five blocks of units, the last one partial: the forward step calls one method per block group, and a batch of 9
    /// runs as shards of 4 and 5, that is groups of two sample pairs plus a single sample.
    /// </summary>
    [Fact]
    public void WideLstmInGroupsOfSamples() => Check<FdWideLstm>(
        [new LstmLayer(33, GoBackwards: true), new DenseLayer(1)],
        [2, 3], Loss.MeanSquaredError, batch: 9);

    /// <summary>
    /// An LSTM that runs a group as batched products (backwards input, no bias) feeding one that runs pairs; a batch of
    /// 11 is one group of 8 and one of 3 in a shard, or groups of fewer samples when it splits into shards.
    /// </summary>
    [Fact]
    public void BatchedLstmProducts() => Check<FdBatchedLstm>(
        [new LstmLayer(64, ReturnSequences: true, GoBackwards: true, UseBias: false), new LstmLayer(8), new DenseLayer(2)],
        [4, 3], Loss.MeanSquaredError, batch: 11, every: 13);

    /// <summary>A batched LSTM after a paired one: its input gradient dx_t = dz_t·Wᵀ as one product per sample.</summary>
    [Fact]
    public void BatchedLstmProductsPassInputGradients() => Check<FdBatchedLstmAfterPairs>(
        [new LstmLayer(8, ReturnSequences: true), new LstmLayer(64, UseBias: false), new DenseLayer(2)],
        [4, 3], Loss.MeanSquaredError, batch: 11, every: 13);

    /// <summary>The same going backwards (the input gradient rows written last to first), after a Dense on each step.</summary>
    [Fact]
    public void BatchedLstmProductsPassInputGradientsGoingBackwards() => Check<FdBatchedLstmBackwardsAfterDense>(
        [new DenseLayer(8, Activation.Tanh), new LstmLayer(64, GoBackwards: true), new DenseLayer(1)],
        [3, 5], Loss.MeanSquaredError, batch: 9, every: 13);

    [Fact]
    public void WideGruInGroupsOfSamples() => Check<FdWideGru>(
        [new GruLayer(33, GoBackwards: true), new DenseLayer(1, Activation.Sigmoid)],
        [2, 3], Loss.BinaryCrossentropy, batch: 9);

    [Fact]
    public void GruResetBeforeReluHardSigmoidWithoutBias() => Check<FdGruResetBefore>(
        [new GruLayer(9, ResetAfter: false, GoBackwards: true, ReturnSequences: true),
         new GruLayer(4, Activation.Relu, Activation.HardSigmoid, UseBias: false, ResetAfter: false), new DenseLayer(1, Activation.Sigmoid)],
        [5, 3], Loss.BinaryCrossentropy, batch: 2);

    [Fact]
    public void GruLoopedProducts() => Check<FdGruLoops>(
        [new GruLayer(12, ResetAfter: false, ReturnSequences: true), new GruLayer(10, Activation.Linear, UseBias: false), new DenseLayer(2)],
        [3, 90], Loss.MeanSquaredError, batch: 2);

    /// <summary>Keras normalizes a row to sum 1 before categorical cross-entropy; with sigmoid outputs that matters.</summary>
    [Fact]
    public void CategoricalCrossentropyOnUnnormalizedOutputs() => Check<FdCategoricalOnSigmoid>(
        [new DenseLayer(4, Activation.Sigmoid)], [6], Loss.CategoricalCrossentropy, batch: 3);

    [Fact]
    public void BidirectionalLstmConcatSequence() => Check<FdBidiLstmConcat>(
        [new BidirectionalLayer(new LstmLayer(4, ReturnSequences: true)), new DenseLayer(2)],
        [5, 3], Loss.MeanSquaredError, batch: 3);

    [Fact]
    public void BidirectionalGruSumLastState() => Check<FdBidiGruSum>(
        [new BidirectionalLayer(new GruLayer(5), MergeMode.Sum), new DenseLayer(3, Activation.Softmax)],
        [6, 4], Loss.SparseCategoricalCrossentropy, batch: 2);

    [Fact]
    public void BidirectionalMulThenAveStacked() => Check<FdBidiMulAve>(
        [new BidirectionalLayer(new RnnLayer(6, ReturnSequences: true), MergeMode.Mul),
         new BidirectionalLayer(new GruLayer(3, ResetAfter: false), MergeMode.Ave), new DenseLayer(1, Activation.Sigmoid)],
        [4, 3], Loss.BinaryCrossentropy, batch: 2);

    [Fact]
    public void EmbeddingGruPoolingWithRepeatedTokens() => Check<FdEmbeddingGruPool>(
        [new EmbeddingLayer(20, 5), new GruLayer(6, ReturnSequences: true), new PoolingLayer(), new DenseLayer(1, Activation.Sigmoid)],
        [7], Loss.BinaryCrossentropy, batch: 3, vocabulary: 20);

    [Fact]
    public void EmbeddingPoolingSoftmax() => Check<FdEmbeddingPoolSoftmax>(
        [new EmbeddingLayer(12, 9), new PoolingLayer(), new DenseLayer(3, Activation.Softmax)],
        [6], Loss.SparseCategoricalCrossentropy, batch: 4, vocabulary: 12);

    [Fact]
    public void PoolingAsTheFirstLayer() => Check<FdPoolFirst>(
        [new PoolingLayer(), new DenseLayer(2)], [5, 4], Loss.MeanSquaredError, batch: 2);

    /// <param name="every">Checks parameters 0, every, 2·every, ...: with a stride prime to the row lengths, still every
    /// weight matrix, gate and row, at a fraction of the reference passes for the widest networks.</param>
    internal static void Check<TNet>(Layer[] layers, int[] inputShape, Loss loss, int batch, int vocabulary = 0, int every = 1) where TNet : IStaticNetwork<TNet>, new()
    {
        Assert.Equal(loss, TNet.Loss);
        var random = new SeededRandom(7);
        var network = new TNet();
        foreach (ref float v in network.Parameters)
        {
            v = (float)random.NextDouble(-0.5, 0.5);
        }
        var inputs = new float[batch * TNet.InputSize];
        for (int i = 0; i < inputs.Length; i++)
        {
            // Token ids from a small vocabulary repeat within a sample, which exercises gradient accumulation per row.
            inputs[i] = vocabulary > 0 ? random.NextInt(vocabulary) : (float)random.NextDouble(-1, 1);
        }
        int classes = TNet.OutputShape[^1];
        var targets = new float[batch * TNet.TargetSize];
        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = loss switch
            {
                Loss.SparseCategoricalCrossentropy => random.NextInt(classes),
                Loss.BinaryCrossentropy => random.NextInt(2),
                Loss.CategoricalCrossentropy => 0,
                _ => (float)random.NextDouble(-1, 1),
            };
        }
        if (loss == Loss.CategoricalCrossentropy)
        {
            for (int r = 0; r < targets.Length / classes; r++)
            {
                targets[r * classes + random.NextInt(classes)] = 1;
            }
        }

        double[] p = network.Parameters.ToArray().Select(v => (double)v).ToArray();

        // Forward and loss against the reference first: a gradient check of the wrong function proves nothing.
        var output = new float[batch * TNet.OutputSize];
        network.Predict(inputs, output, batch);
        int inSize = TNet.InputSize;
        var expected = Enumerable.Range(0, batch)
            .SelectMany(s => Forward(layers, p, inputs.AsSpan(s * inSize, inSize), inputShape).SelectMany(row => row))
            .Select(v => (float)v).ToArray();
        Tolerance.Close(expected, output, 1e-5, 1e-6, "output");

        var gradients = new float[TNet.ParameterCount];
        float ours = network.Gradients(inputs, targets, batch, gradients);
        double reference = Reference.Loss(layers, p, inputs, targets, batch, inputShape, loss);
        Tolerance.Close([(float)reference], [ours], 1e-5, 1e-6, "loss");

        const double h = 1e-5;
        var numeric = new double[p.Length];
        for (int j = 0; j < p.Length; j += every)
        {
            double keep = p[j];
            p[j] = keep + h;
            double up = Reference.Loss(layers, p, inputs, targets, batch, inputShape, loss);
            p[j] = keep - h;
            double down = Reference.Loss(layers, p, inputs, targets, batch, inputShape, loss);
            p[j] = keep;
            numeric[j] = (up - down) / (2 * h);
        }
        double largest = numeric.Max(Math.Abs);
        Assert.True(largest > 1e-3, "the check needs gradients that are not all ~0");
        for (int j = 0; j < p.Length; j += every)
        {
            double allowed = 1e-4 * Math.Abs(numeric[j]) + 1e-5 * largest;
            WeightInfo owner = network.Weights.Last(w => w.Offset <= j);
            Assert.True(Math.Abs(gradients[j] - numeric[j]) <= allowed,
                $"d loss/d {owner.Name}[{j - owner.Offset}]: generated {gradients[j]:R}, finite difference {numeric[j]:R} (allowed {allowed:E2})");
        }
    }
}
