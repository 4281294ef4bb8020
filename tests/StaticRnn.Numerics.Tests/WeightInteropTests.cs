using System.IO.Compression;
using Xunit;

namespace StaticRnn.Numerics.Tests;

// The networks of tests/oracles/torch/make-weights-fixtures.py, layer for layer.

[Sequential(7, 4)]
[Lstm(6, ReturnSequences = true)]
[Gru(5, ReturnSequences = true, Bidirectional = true)]
[SimpleRnn(4, Activation = Activation.Relu)]
[Dense(3, Activation = Activation.Softmax)]
public partial class TorchMappedStack;

[Sequential(9)]
[Embedding(20, 6)]
[Lstm(8, ReturnSequences = true, Bidirectional = true)]
[LayerNormalization]
[Lstm(5, UseBias = false)]
[Dense(3)]
public partial class TorchMappedTokens;

/// <summary>
/// Weights from PyTorch and Keras as .npz files, checked against the tool that made them: PyTorch's own outputs for the
/// same weights (float64, from tests/oracles/torch/make-weights-fixtures.py) equal <c>Predict</c> after
/// <c>LoadPyTorchWeights</c> of the state_dict and after <c>LoadKerasWeights</c> of the same weights in Keras order
/// (converted by the script). A file that does not fit throws and changes nothing.
/// </summary>
public class WeightInteropTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "interop", name);

    private static (float[] X, float[] Y) InputsAndOutputs(string name)
    {
        IReadOnlyList<NpzArray> io = Npz.Read(Fixture(name + ".io.npz"));
        return (io.Single(a => a.Name == "x").Values, io.Single(a => a.Name == "y").Values);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"output {i}: {actual[i]} against PyTorch's {expected[i]}");
        }
    }

    [Fact]
    public void PyTorchAndKerasWeightsGivePyTorchsOutputs()
    {
        var (x, y) = InputsAndOutputs("torch-stack");
        int batch = x.Length / TorchMappedStack.InputSize;
        var fromTorch = new TorchMappedStack();
        fromTorch.LoadPyTorchWeights(Fixture("torch-stack.state.npz"));
        var outputs = new float[batch * TorchMappedStack.OutputSize];
        fromTorch.Predict(x, outputs, batch);
        AssertClose(y, outputs);
        var fromKeras = new TorchMappedStack();
        fromKeras.LoadKerasWeights(Fixture("torch-stack.keras.npz"));
        Assert.Equal(fromTorch.Parameters.ToArray(), fromKeras.Parameters.ToArray());
    }

    [Fact]
    public void TokensBidirectionalLayerNormAndBiaslessLstmMapToo()
    {
        var (x, y) = InputsAndOutputs("torch-tokens");
        int batch = x.Length / TorchMappedTokens.InputSize;
        int[] ids = x.Select(v => (int)v).ToArray();
        var fromTorch = new TorchMappedTokens();
        fromTorch.LoadPyTorchWeights(Fixture("torch-tokens.state.npz"));
        var outputs = new float[batch * TorchMappedTokens.OutputSize];
        fromTorch.Predict(ids, outputs, batch);
        AssertClose(y, outputs);
        var fromKeras = new TorchMappedTokens();
        fromKeras.LoadKerasWeights(Fixture("torch-tokens.keras.npz"));
        Assert.Equal(fromTorch.Parameters.ToArray(), fromKeras.Parameters.ToArray());
    }

    [Fact]
    public void FilesThatDoNotFitThrowAndChangeNothing()
    {
        var net = new TorchMappedTokens();
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => net.LoadPyTorchWeights(Fixture("torch-stack.state.npz")));
        Assert.Contains("module 'lstm (layer 0)'", e.Message); // the stack's first module is an LSTM where an Embedding is expected
        e = Assert.Throws<InvalidDataException>(() => net.LoadKerasWeights(Fixture("torch-stack.keras.npz")));
        Assert.Contains("arrays", e.Message);
        Assert.Throws<InvalidDataException>(() => new TorchMappedStack().LoadKerasWeights(Fixture("torch-stack.state.npz")));
        string dir = Path.Combine(Path.GetTempPath(), "srnn-npz-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // Not a zip; a zip cut short; an array with a shape its data does not fill; a weight of the wrong shape.
            string text = Path.Combine(dir, "text.npz");
            File.WriteAllText(text, "not an npz");
            Assert.Throws<InvalidDataException>(() => net.LoadKerasWeights(text));
            byte[] whole = File.ReadAllBytes(Fixture("torch-tokens.keras.npz"));
            string cut = Path.Combine(dir, "cut.npz");
            File.WriteAllBytes(cut, whole[..(whole.Length / 2)]);
            Assert.Throws<InvalidDataException>(() => net.LoadKerasWeights(cut));
            string odd = Path.Combine(dir, "odd.npz");
            using (ZipArchive zip = ZipFile.Open(odd, ZipArchiveMode.Create))
            {
                using Stream s = zip.CreateEntry("arr_0.npy").Open();
                byte[] header = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];
                string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (20, 6), }".PadRight(117) + "\n";
                s.Write(header);
                s.Write(BitConverter.GetBytes((ushort)dict.Length));
                s.Write(System.Text.Encoding.ASCII.GetBytes(dict));
                s.Write(new byte[7 * 4]); // 7 floats for 120
            }
            e = Assert.Throws<InvalidDataException>(() => net.LoadKerasWeights(odd));
            Assert.Contains("needs 480", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        Assert.Equal(before, net.Parameters.ToArray());
    }
}
