using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using StaticRnn;
using StaticRnn.Onnx;
using Xunit;

namespace StaticRnn.Onnx.Tests;

[Sequential(7, 4)]
[Lstm(6, ReturnSequences = true)]
[Gru(5, ReturnSequences = true, Bidirectional = true)]
[SimpleRnn(4, Activation = Activation.Relu)]
[Dense(3, Activation = Activation.Softmax)]
public partial class OnnxStack;

[Sequential(9)]
[Embedding(20, 6)]
[Lstm(8, ReturnSequences = true, Bidirectional = true)]
[LayerNormalization]
[Lstm(5, UseBias = false)]
[Dense(3)]
public partial class OnnxTokens;

[Sequential(6, 3)]
[SimpleRnn(5, ReturnSequences = true, GoBackwards = true)]
[Gru(4, ReturnSequences = true, ResetAfter = false, Bidirectional = true, Merge = MergeMode.Sum)]
[Dropout(0.2)]
[GlobalAveragePooling1D]
[Dense(2, Activation = Activation.Tanh)]
public partial class OnnxMixed;

[Sequential(5, 4)]
[Lstm(6, ReturnSequences = true, GoBackwards = true, RecurrentActivation = Activation.HardSigmoid)]
[Lstm(3, Bidirectional = true, Merge = MergeMode.Ave)]
[Dense(4, Activation = Activation.Sigmoid)]
public partial class OnnxBackwards;

[Sequential(8, Loss = Loss.SparseCategoricalCrossentropy)]
[Embedding(12, 4, MaskZero = true)]
[Gru(3)]
[Dense(2, Activation = Activation.Softmax)]
public partial class OnnxMasked;

/// <summary>
/// Exported graphs run by ONNX Runtime (the tool that reads them) give <c>Predict</c>'s outputs: every exported layer
/// kind and option, with every weight and bias random (so that a misplaced gate or bias shows), at a batch other than 1.
/// </summary>
public class OnnxExportTests
{
    private static void Randomize<T>(T network, int seed) where T : IStaticNetwork<T>
    {
        var random = new SeededRandom(seed);
        Span<float> p = network.Parameters;
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = (float)random.NextDouble(-0.6, 0.6);
        }
    }

    private static float[] RunOnnx(string path, NamedOnnxValue input)
    {
        using var session = new InferenceSession(path);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run([input]);
        return results.Single(r => r.Name == "y").AsTensor<float>().ToArray();
    }

    private static void Check<T>(int seed) where T : IStaticNetwork<T>, new()
    {
        const int batch = 5;
        var network = new T();
        Randomize(network, seed);
        var random = new SeededRandom(seed + 1);
        int[] shape = [batch, .. T.InputShape.ToArray()];
        string path = Path.Combine(Path.GetTempPath(), $"srnn-{typeof(T).Name}-{Guid.NewGuid():N}.onnx");
        try
        {
            network.ExportOnnx(path);
            var expected = new float[batch * T.OutputSize];
            NamedOnnxValue input;
            if (T.Vocabulary > 0)
            {
                int[] ids = Enumerable.Range(0, batch * T.InputSize).Select(_ => random.NextInt(T.Vocabulary)).ToArray();
                network.Predict(ids.Select(i => (float)i).ToArray(), expected, batch); // token ids as floats, as the generic member takes them
                input = NamedOnnxValue.CreateFromTensor("x", new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), shape));
            }
            else
            {
                float[] x = Enumerable.Range(0, batch * T.InputSize).Select(_ => (float)random.NextDouble(-1, 1)).ToArray();
                network.Predict(x, expected, batch);
                input = NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, shape));
            }
            float[] actual = RunOnnx(path, input);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-5, $"{typeof(T).Name} output {i}: ONNX Runtime {actual[i]}, Predict {expected[i]}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LstmBidirectionalGruReluRnnAndSoftmaxDense() => Check<OnnxStack>(1);

    [Fact]
    public void TokensBidirectionalLstmLayerNormalizationAndABiaslessLstm() => Check<OnnxTokens>(2);

    [Fact]
    public void GoBackwardsSequencesGruResetBeforeSumMergeDropoutAndPooling() => Check<OnnxMixed>(3);

    [Fact]
    public void HardSigmoidGatesAndAnAveragedBidirectionalLastState() => Check<OnnxBackwards>(4);

    [Fact]
    public void WhatIsNotExportedThrowsBeforeWritingAFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"srnn-masked-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<NotSupportedException>(() => new OnnxMasked().ExportOnnx(path));
        Assert.Contains("embedding", e.Message);
        Assert.Contains("masking", e.Message);
        Assert.False(File.Exists(path));
    }
}
