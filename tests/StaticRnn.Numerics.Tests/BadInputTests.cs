using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// Bad input, one row per case, over the public members of generated networks (plain, sparse-class, token and
/// <c>[Seq2Seq]</c>), the optimizers, <see cref="WeightsFile"/> and <c>Fit</c>/<c>Evaluate</c>. Every row must throw
/// the expected exception, naming the argument and what was expected, and leave every network's parameters, every
/// optimizer's state and every output buffer byte for byte as they were.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    /// <summary>Everything a bad call could damage, set up the same way for every row.</summary>
    private sealed class World : IDisposable
    {
        public readonly SeedModel Net = new(); // (10, 8) -> 10, MSE
        public readonly RnnSigmoidNoBiasSoftmax Classes = new(); // (5, 3) -> 4 classes, sparse targets
        public readonly EmbeddingLstmDense Tokens = new(); // 8 ids of a vocabulary of 6 -> 1, binary
        public readonly S2sLstmAttention Speller = new(); // 7 source ids (vocabulary 11) -> 6 target ids (vocabulary 9)
        public readonly Adam Adam = new(0.01f);
        public readonly Adam SpellerAdam = new(0.01f);
        public readonly float[] X, Y, Outputs, Gradients, ClassX, ClassY, TokenX, TokenY;
        public readonly int[] Sources, Targets;
        public readonly int[] Generated;
        public readonly string Folder, WeightsPath;

        public World()
        {
            X = TestData.Random(4 * SeedModel.InputSize, 1, r => (float)r.NextDouble(-1, 1));
            Y = TestData.Random(4 * SeedModel.TargetSize, 2, r => (float)r.NextDouble(-1, 1));
            ClassX = TestData.Random(4 * RnnSigmoidNoBiasSoftmax.InputSize, 3, r => (float)r.NextDouble(-1, 1));
            ClassY = [0, 3, 1, 2];
            TokenX = TestData.Random(4 * EmbeddingLstmDense.InputSize, 4, r => r.NextInt(6));
            TokenY = [0, 1, 1, 0];
            Sources = [3, 4, 5, 6, 0, 0, 0, 7, 8, 9, 10, 4, 0, 0];
            Targets = [3, 4, 5, 2, 0, 0, 6, 7, 8, 3, 2, 0];
            // Trained a step each, so the optimizers hold state that a bad call could damage.
            Net.TrainStep(X, Y, 4, Adam);
            Speller.TrainStep(Sources, Targets, 2, SpellerAdam);
            Outputs = Enumerable.Repeat(12345f, 4 * SeedModel.OutputSize).ToArray();
            Gradients = Enumerable.Repeat(-777f, SeedModel.ParameterCount).ToArray();
            Generated = Enumerable.Repeat(99, 2 * S2sLstmAttention.TargetLength).ToArray();
            Folder = Path.Combine(Path.GetTempPath(), "srnn-bad-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Folder);
            WeightsPath = Path.Combine(Folder, "net.weights");
            WeightsFile.Save(WeightsPath, Net.Weights, Net.Parameters, Adam);
        }

        public string File(string name, byte[] bytes)
        {
            string path = Path.Combine(Folder, name);
            System.IO.File.WriteAllBytes(path, bytes);
            return path;
        }

        /// <summary>Parameters and optimizer state of every network (as checkpoint bytes), then every output buffer.</summary>
        public byte[] Snapshot()
        {
            var all = new MemoryStream();
            void Add(string name, IReadOnlyList<WeightInfo> weights, ReadOnlySpan<float> parameters, Optimizer? optimizer)
            {
                string path = Path.Combine(Folder, name + ".snapshot");
                WeightsFile.Save(path, weights, parameters, optimizer);
                all.Write(System.IO.File.ReadAllBytes(path));
            }
            Add("net", Net.Weights, Net.Parameters, Adam);
            Add("classes", Classes.Weights, Classes.Parameters, null);
            Add("tokens", Tokens.Weights, Tokens.Parameters, null);
            Add("speller", Speller.Weights, Speller.Parameters, SpellerAdam);
            all.Write(MemoryMarshalBytes(Outputs));
            all.Write(MemoryMarshalBytes(Gradients));
            all.Write(MemoryMarshalBytes(Generated.Select(i => (float)i).ToArray()));
            return all.ToArray();
        }

        private static byte[] MemoryMarshalBytes(float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    /// <summary>
    /// One row: the call, the exception it must throw, the argument it must name (ParamName of an ArgumentException;
    /// null for other exceptions) and a piece of the message saying what was expected.
    /// </summary>
    private sealed record Row(Action<World> Call, Type Exception, string? Argument, string Expected);

    private static Row Arg(Action<World> call, string argument, string expected) => new(call, typeof(ArgumentException), argument, expected);
    private static Row Range(Action<World> call, string argument, string expected) => new(call, typeof(ArgumentOutOfRangeException), argument, expected);
    private static Row Data(Action<World> call, string expected) => new(call, typeof(InvalidDataException), null, expected);

    private static void Discard(object created) => GC.KeepAlive(created);

    private static float[] With(float[] values, int index, float value)
    {
        float[] copy = (float[])values.Clone();
        copy[index] = value;
        return copy;
    }

    private static int[] With(int[] values, int index, int value)
    {
        int[] copy = (int[])values.Clone();
        copy[index] = value;
        return copy;
    }

    private static readonly Dictionary<string, Row> s_rows = new()
    {
        // Predict
        ["Predict: inputs one short"] = Arg(w => w.Net.Predict(w.X.AsSpan(1), w.Outputs, 4), "inputs", "expected 320"),
        ["Predict: outputs one short"] = Arg(w => w.Net.Predict(w.X, w.Outputs.AsSpan(1), 4), "outputs", "expected 40"),
        ["Predict: batch 0"] = Range(w => w.Net.Predict(w.X, w.Outputs, 0), "batchSize", "at least 1"),
        ["Predict: batch -3"] = Range(w => w.Net.Predict(w.X, w.Outputs, -3), "batchSize", "at least 1"),
        ["Predict: batch int.MaxValue"] = Arg(w => w.Net.Predict(w.X, w.Outputs, int.MaxValue), "inputs", "expected 171798691760"),
        ["Predict: token id = vocabulary"] = Arg(w => w.Tokens.Predict(With(w.TokenX, 5, 6), new float[4], 4), "inputs", "[0, 6)"),
        ["Predict: token id -1"] = Arg(w => w.Tokens.Predict(With(w.TokenX, 0, -1), new float[4], 4), "inputs", "[0, 6)"),
        ["Predict: token id 2.5"] = Arg(w => w.Tokens.Predict(With(w.TokenX, 3, 2.5f), new float[4], 4), "inputs", "integer"),
        ["Predict: token id NaN"] = Arg(w => w.Tokens.Predict(With(w.TokenX, 3, float.NaN), new float[4], 4), "inputs", "integer"),
        // ComputeLoss, Gradients, TrainStep
        ["ComputeLoss: NaN input"] = Arg(w => w.Net.ComputeLoss(With(w.X, 17, float.NaN), w.Y, 4), "inputs", "finite"),
        ["ComputeLoss: infinite target"] = Arg(w => w.Net.ComputeLoss(w.X, With(w.Y, 3, float.PositiveInfinity), 4), "targets", "finite"),
        ["ComputeLoss: targets one short"] = Arg(w => w.Net.ComputeLoss(w.X, w.Y.AsSpan(1), 4), "targets", "expected 40"),
        ["ComputeLoss: batch 0"] = Range(w => w.Net.ComputeLoss(w.X, w.Y, 0), "batchSize", "at least 1"),
        ["ComputeLoss: class id = classes"] = Arg(w => w.Classes.ComputeLoss(w.ClassX, With(w.ClassY, 1, 4), 4), "targets", "[0, 4)"),
        ["ComputeLoss: class id -1"] = Arg(w => w.Classes.ComputeLoss(w.ClassX, With(w.ClassY, 1, -1), 4), "targets", "[0, 4)"),
        ["ComputeLoss: class id 1.5"] = Arg(w => w.Classes.ComputeLoss(w.ClassX, With(w.ClassY, 2, 1.5f), 4), "targets", "class"),
        ["Gradients: gradients one short"] = Arg(w => w.Net.Gradients(w.X, w.Y, 4, w.Gradients.AsSpan(1)), "gradients", "expected 137"),
        ["Gradients: NaN target"] = Arg(w => w.Net.Gradients(w.X, With(w.Y, 0, float.NaN), 4, w.Gradients), "targets", "finite"),
        ["TrainStep: null optimizer"] = new(w => w.Net.TrainStep(w.X, w.Y, 4, null!), typeof(ArgumentNullException), "optimizer", "optimizer"),
        ["TrainStep: infinite input"] = Arg(w => w.Net.TrainStep(With(w.X, 5, float.NegativeInfinity), w.Y, 4, w.Adam), "inputs", "finite"),
        ["TrainStep: NaN target"] = Arg(w => w.Net.TrainStep(w.X, With(w.Y, 39, float.NaN), 4, w.Adam), "targets", "finite"),
        ["TrainStep: sample weights one short"] = Arg(w => w.Net.TrainStep(w.X, w.Y, 4, w.Adam, [1, 1, 1]), "sampleWeights", "expected 4"),
        ["TrainStep: negative sample weight"] = Arg(w => w.Net.TrainStep(w.X, w.Y, 4, w.Adam, [1, -1, 1, 1]), "sampleWeights", "not negative"),
        ["TrainStep: NaN sample weight"] = Arg(w => w.Net.TrainStep(w.X, w.Y, 4, w.Adam, [1, 1, float.NaN, 1]), "sampleWeights", "finite"),
        ["TrainStep: batch int.MaxValue"] = Arg(w => w.Net.TrainStep(w.X, w.Y, int.MaxValue, w.Adam), "inputs", "expected 171798691760"),
        // Fit and Evaluate
        ["Fit: epochs 0"] = Range(w => w.Net.Fit(w.X, w.Y, epochs: 0, optimizer: w.Adam, verbose: 0), "epochs", "0"),
        ["Fit: batch size 0"] = Range(w => w.Net.Fit(w.X, w.Y, batchSize: 0, optimizer: w.Adam, verbose: 0), "batchSize", "0"),
        ["Fit: batch size -1"] = Range(w => w.Net.Fit(w.X, w.Y, batchSize: -1, optimizer: w.Adam, verbose: 0), "batchSize", "-1"),
        ["Fit: validation split -0.1"] = Range(w => w.Net.Fit(w.X, w.Y, validationSplit: -0.1, optimizer: w.Adam, verbose: 0), "validationSplit", "[0, 1)"),
        ["Fit: validation split 1"] = Range(w => w.Net.Fit(w.X, w.Y, validationSplit: 1, optimizer: w.Adam, verbose: 0), "validationSplit", "[0, 1)"),
        ["Fit: validation split NaN"] = Range(w => w.Net.Fit(w.X, w.Y, validationSplit: double.NaN, optimizer: w.Adam, verbose: 0), "validationSplit", "[0, 1)"),
        ["Fit: validation split leaves nothing to train"] = Arg(w => w.Net.Fit(w.X, w.Y, validationSplit: 0.9, optimizer: w.Adam, verbose: 0), "validationSplit", "too few"),
        ["Fit: empty data"] = Arg(w => w.Net.Fit([], [], optimizer: w.Adam, verbose: 0), "inputs", "positive multiple of InputSize = 80"),
        ["Fit: inputs not whole samples"] = Arg(w => w.Net.Fit(w.X.AsSpan(1), w.Y, optimizer: w.Adam, verbose: 0), "inputs", "positive multiple of InputSize = 80"),
        ["Fit: targets of another count"] = Arg(w => w.Net.Fit(w.X, w.Y.AsSpan(10), optimizer: w.Adam, verbose: 0), "targets", "expected 40"),
        ["Fit: NaN target"] = Arg(w => w.Net.Fit(w.X, With(w.Y, 7, float.NaN), optimizer: w.Adam, verbose: 0), "targets", "finite"),
        ["Fit: NaN input"] = Arg(w => w.Net.Fit(With(w.X, 7, float.NaN), w.Y, optimizer: w.Adam, verbose: 0), "inputs", "finite"),
        ["Fit: initial epoch = epochs"] = Range(w => w.Net.Fit(w.X, w.Y, epochs: 2, initialEpoch: 2, optimizer: w.Adam, verbose: 0), "initialEpoch", "2"),
        ["Fit: a null callback"] = new(w => w.Net.Fit(w.X, w.Y, optimizer: w.Adam, verbose: 0, callbacks: [null!]), typeof(ArgumentNullException), "callbacks", "null"),
        ["Fit: sample weights of another count"] = Arg(w => w.Net.Fit(w.X, w.Y, optimizer: w.Adam, verbose: 0, sampleWeights: [1, 1]), "sampleWeights", "expected 4"),
        ["Fit: class weight for a class that is not there"] = Arg(w => w.Classes.Fit(w.ClassX, w.ClassY, optimizer: new Adam(), verbose: 0, classWeight: new Dictionary<int, float> { [4] = 2 }), "classWeight", "[0, 4)"),
        ["Fit: negative class weight"] = Arg(w => w.Classes.Fit(w.ClassX, w.ClassY, optimizer: new Adam(), verbose: 0, classWeight: new Dictionary<int, float> { [1] = -2 }), "classWeight", "not negative"),
        ["Fit: monitor that is not logged"] = Arg(w => w.Net.Fit(w.X, w.Y, optimizer: w.Adam, verbose: 0, callbacks: [new EarlyStopping { Monitor = "val_loss" }]), "monitor", "validationSplit"),
        ["Fit: token id = vocabulary"] = Arg(w => w.Tokens.Fit(With(w.TokenX, 9, 6), w.TokenY, optimizer: new Adam(), verbose: 0), "inputs", "[0, 6)"),
        ["Evaluate: batch size 0"] = Range(w => w.Net.Evaluate(w.X, w.Y, batchSize: 0), "batchSize", "0"),
        ["Evaluate: empty data"] = Arg(w => w.Net.Evaluate([], []), "inputs", "positive multiple of InputSize = 80"),
        ["Evaluate: NaN input"] = Arg(w => w.Net.Evaluate(With(w.X, 70, float.NaN), w.Y), "inputs", "finite"),
        // Sequence to sequence
        ["Seq2Seq TrainStep: target id = vocabulary"] = Arg(w => w.Speller.TrainStep(w.Sources, With(w.Targets, 1, 9), 2, w.SpellerAdam), "targets", "[0, 9)"),
        ["Seq2Seq TrainStep: source id -1"] = Arg(w => w.Speller.TrainStep(With(w.Sources, 2, -1), w.Targets, 2, w.SpellerAdam), "sources", "[0, 11)"),
        ["Seq2Seq TrainStep: sources one short"] = Arg(w => w.Speller.TrainStep(w.Sources.AsSpan(1), w.Targets, 2, w.SpellerAdam), "sources", "expected 14"),
        ["Seq2Seq TrainStep: sample weights one short"] = Arg(w => w.Speller.TrainStep(w.Sources, w.Targets, 2, w.SpellerAdam, [1]), "sampleWeights", "expected 2"),
        ["Seq2Seq Generate: source id = vocabulary"] = Arg(w => w.Speller.Generate(With(w.Sources, 9, 11), w.Generated, 2), "sources", "[0, 11)"),
        ["Seq2Seq Generate: outputs one short"] = Arg(w => w.Speller.Generate(w.Sources, w.Generated.AsSpan(1), 2), "outputs", "expected 12"),
        ["Seq2Seq Generate: batch 0"] = Range(w => w.Speller.Generate(w.Sources, w.Generated, 0), "batchSize", "at least 1"),
        ["Seq2Seq BeamSearch: beam width 0"] = Range(w => w.Speller.BeamSearch(w.Sources.AsSpan(0, 7), w.Generated.AsSpan(0, 6), 0), "beamWidth", "0"),
        ["Seq2Seq Fit: validation split 1"] = Range(w => w.Speller.Fit(w.Sources, w.Targets, validationSplit: 1, optimizer: w.SpellerAdam, verbose: 0), "validationSplit", "[0, 1)"),
        ["Seq2Seq Fit: targets of another count"] = Arg(w => w.Speller.Fit(w.Sources, w.Targets.AsSpan(6), optimizer: w.SpellerAdam, verbose: 0), "targets", "expected 12"),
        // Optimizers
        ["Adam: learning rate NaN"] = Range(_ => Discard(new Adam(float.NaN)), "learningRate", "positive finite"),
        ["Adam: learning rate 0"] = Range(_ => Discard(new Adam(0)), "learningRate", "positive finite"),
        ["Adam: learning rate infinite"] = Range(w => w.Adam.LearningRate = float.PositiveInfinity, "LearningRate", "positive finite"),
        ["Adam: beta1 1"] = Range(_ => Discard(new Adam(0.001f, beta1: 1)), "beta1", "[0, 1)"),
        ["Adam: epsilon 0"] = Range(_ => Discard(new Adam(0.001f, epsilon: 0)), "epsilon", "positive"),
        ["Sgd: momentum -0.5"] = Range(_ => Discard(new Sgd(0.01f, momentum: -0.5f)), "momentum", "[0, 1]"),
        ["RmsProp: rho NaN"] = Range(_ => Discard(new RmsProp(0.001f, rho: float.NaN)), "rho", "[0, 1)"),
        ["Optimizer: ClipNorm 0"] = Range(w => w.Adam.ClipNorm = 0, "ClipNorm", "positive finite"),
        ["Optimizer: GlobalClipNorm NaN"] = Range(w => w.Adam.GlobalClipNorm = float.NaN, "GlobalClipNorm", "positive finite"),
        ["Optimizer: ClipValue -1"] = Range(w => w.Adam.ClipValue = -1, "ClipValue", "positive finite"),
        ["Optimizer: gradients of another length"] = Arg(w => w.Adam.Apply(w.Net.Parameters, w.Gradients.AsSpan(1)), "gradients", "expected 137"),
        ["Optimizer: parameters of another network"] = new(w => w.Adam.Apply(w.Classes.Parameters, new float[w.Classes.Parameters.Length]), typeof(InvalidOperationException), null, "state for 137 parameters"),
        // Weights files
        ["LoadWeights: null path"] = new(w => w.Net.LoadWeights(null!), typeof(ArgumentNullException), "path", "path"),
        ["LoadWeights: missing file"] = new(w => w.Net.LoadWeights(Path.Combine(w.Folder, "none.weights")), typeof(FileNotFoundException), null, "none.weights"),
        ["LoadWeights: empty file"] = Data(w => w.Net.LoadWeights(w.File("empty.weights", [])), "SRNNWTS1"),
        ["LoadWeights: another network's file"] = Data(w =>
        {
            string path = Path.Combine(w.Folder, "classes.weights");
            w.Classes.SaveWeights(path);
            w.Net.LoadWeights(path);
        }, "simple_rnn"),
        ["LoadWeights: a header claiming 4 TiB"] = Data(w => w.Net.LoadWeights(w.File("huge.weights", Forged(8, "simple_rnn/kernel", [1 << 20, 1 << 20]))), "simple_rnn/kernel"),
        ["LoadWeights: a header claiming int.MaxValue arrays"] = Data(w => w.Net.LoadWeights(w.File("many.weights", Forged(int.MaxValue, "simple_rnn/kernel", [8, 5]))), "2147483647"),
        ["LoadWeights: a name of int.MaxValue bytes"] = Data(w => w.Net.LoadWeights(w.File("name.weights", ForgedName(int.MaxValue))), "malformed"),
        ["LoadWeights: a negative dimension"] = Data(w => w.Net.LoadWeights(w.File("negative.weights", Forged(8, "simple_rnn/kernel", [-8, -5]))), "simple_rnn/kernel"),
        ["LoadOptimizerState: a file without optimizer state"] = Data(w =>
        {
            string path = Path.Combine(w.Folder, "plain.weights");
            w.Net.SaveWeights(path);
            WeightsFile.LoadOptimizerState(path, w.Adam);
        }, "no optimizer state"),
        ["LoadOptimizerState: an Sgd checkpoint into Adam"] = Data(w =>
        {
            string path = Path.Combine(w.Folder, "sgd.weights");
            var sgd = new Sgd(0.1f, momentum: 0.9f);
            sgd.Apply(new float[SeedModel.ParameterCount], new float[SeedModel.ParameterCount]);
            WeightsFile.Save(path, w.Net.Weights, w.Net.Parameters, sgd);
            WeightsFile.LoadOptimizerState(path, w.Adam);
        }, "Sgd"),
        ["LoadOptimizerState: another network's checkpoint"] = Data(w => WeightsFile.LoadOptimizerState(w.WeightsPath, w.SpellerAdam), "parameters"),
        ["LoadKerasWeights: not an npz file"] = Data(w => w.Net.LoadKerasWeights(w.WeightsPath), "zip"),
        ["LoadPyTorchWeights: empty file"] = Data(w => w.Net.LoadPyTorchWeights(w.File("empty.npz", [])), "zip"),
    };

    /// <summary>A weights file with a valid checksum whose first array header says what the arguments say.</summary>
    private static byte[] Forged(int arrays, string name, int[] dims)
    {
        var s = new MemoryStream();
        var w = new BinaryWriter(s, Encoding.UTF8);
        w.Write("SRNNWTS1"u8);
        w.Write(arrays);
        w.Write(Encoding.UTF8.GetByteCount(name));
        w.Write(Encoding.UTF8.GetBytes(name));
        w.Write(dims.Length);
        foreach (int d in dims)
        {
            w.Write(d);
        }
        w.Write(new byte[64]);
        return WithChecksum(s.ToArray());
    }

    private static byte[] ForgedName(int length)
    {
        var s = new MemoryStream();
        var w = new BinaryWriter(s, Encoding.UTF8);
        w.Write("SRNNWTS1"u8);
        w.Write(8);
        w.Write(length);
        w.Write(new byte[64]);
        return WithChecksum(s.ToArray());
    }

    private static byte[] WithChecksum(byte[] body)
    {
        byte[] file = new byte[body.Length + 4];
        body.CopyTo(file, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(body.Length), Crc32(body));
        return file;
    }

    /// <summary>CRC-32 as zip computes it, written here again so that the test does not lean on the reader's own.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }

    private readonly World _world = new();

    public static TheoryData<string> Rows => new(s_rows.Keys);

    [Theory]
    [MemberData(nameof(Rows))]
    public void ABadCallThrowsNamingTheArgumentAndChangesNothing(string row)
    {
        Row r = s_rows[row];
        byte[] before = _world.Snapshot();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Exception e = Assert.ThrowsAny<Exception>(() => r.Call(_world));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.True(e.GetType() == r.Exception, $"{row}: threw {e.GetType().Name} ({e.Message}); expected {r.Exception.Name}");
        if (r.Argument is not null)
        {
            Assert.True(r.Argument == ((ArgumentException)e).ParamName, $"{row}: names '{((ArgumentException)e).ParamName}', expected '{r.Argument}' ({e.Message})");
        }
        Assert.True(e.Message.Contains(r.Expected, StringComparison.OrdinalIgnoreCase), $"{row}: the message does not say '{r.Expected}': {e.Message}");
        Assert.True(allocated < 64 << 20, $"{row}: {allocated:N0} bytes allocated");
        Assert.True(before.AsSpan().SequenceEqual(_world.Snapshot()), $"{row}: parameters, optimizer state or outputs changed");
    }

    [Fact]
    public void AWeightsFileCutAtAnyByteOrWithAnyBitFlippedIsRefusedAndChangesNothing()
    {
        byte[] file = File.ReadAllBytes(_world.WeightsPath);
        byte[] before = _world.Snapshot();
        string path = Path.Combine(_world.Folder, "damaged.weights");
        int refused = 0;
        for (int length = 0; length < file.Length; length++)
        {
            File.WriteAllBytes(path, file[..length]);
            Assert.Throws<InvalidDataException>(() => _world.Net.LoadWeights(path));
            Assert.Throws<InvalidDataException>(() => WeightsFile.LoadOptimizerState(path, _world.Adam));
            refused++;
        }
        byte[] flipped = (byte[])file.Clone();
        for (int bit = 0; bit < file.Length * 8; bit++)
        {
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            File.WriteAllBytes(path, flipped);
            Assert.Throws<InvalidDataException>(() => _world.Net.LoadWeights(path));
            Assert.Throws<InvalidDataException>(() => WeightsFile.LoadOptimizerState(path, _world.Adam));
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            refused++;
        }
        Assert.True(before.AsSpan().SequenceEqual(_world.Snapshot()), "a damaged file changed the network or the optimizer");
        Assert.Equal(file.Length * 9, refused);
        // And the intact file still loads.
        File.WriteAllBytes(path, file);
        _world.Net.LoadWeights(path);
        WeightsFile.LoadOptimizerState(path, _world.Adam);
    }

    public void Dispose() => _world.Dispose();
}
