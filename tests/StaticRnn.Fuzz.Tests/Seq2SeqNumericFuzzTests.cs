using System.Globalization;
using System.Text;
using CsCheck;
using StaticRnn.Numerics.Tests;
using Xunit;
using Xunit.Abstractions;
using R = StaticRnn.Numerics.Tests.Seq2SeqReference;

namespace StaticRnn.Fuzz.Tests;

/// <summary>What the Seq2Seq fuzzer calls on a compiled model.</summary>
public interface ISeq2SeqProbe
{
    int ParameterCount { get; }
    float[] Parameters { get; set; }
    float Gradients(int[] sources, int[] targets, int batchSize, float[] gradients);
}

/// <summary>
/// Random <c>[Seq2Seq]</c> models run: an encoder of 1-2 recurrent layers (SimpleRNN, GRU, LSTM; one or two directions;
/// GoBackwards; masked or not) seeding a decoder recurrent layer, with or without attention over the encoder's outputs
/// (dot or concat scores, scaled, with the query concatenated), an optional hidden Dense, and the softmax head. The
/// teacher-forced loss and its gradients (central differences) must equal the float64 Seq2Seq reference of the numeric
/// tests on a batch with padding.
/// </summary>
public sealed class Seq2SeqNumericFuzzTests(ITestOutputHelper output)
{
    private const int PerCompilation = 4;

    internal sealed record Model(string Declaration, R.Layer[] Encoder, R.Layer[] Decoder, int SourceLength, int TargetLength,
        int SourceVocabulary, int TargetVocabulary, bool SourceMasked, bool TargetMasked);

    internal static Model Make(int[] tape, string name)
    {
        int at = 0;
        int Choose(int n) => at < tape.Length ? tape[at++] % n : 0;
        static string Kind(R.Cell c) => c switch { R.Cell.Lstm => "Lstm", R.Cell.Gru => "Gru", _ => "SimpleRnn" };
        int vs = 4 + Choose(10), vt = 4 + Choose(8), ls = 2 + Choose(5), lt = 2 + Choose(5), ds = 1 + Choose(5), dt = 1 + Choose(5);
        bool maskSource = Choose(3) != 0, maskTarget = Choose(3) != 0, attention = Choose(3) != 0;
        if (Choose(4) == 0)
        {
            return Transformer(name, Choose, vs, vt, ls, lt, maskSource, maskTarget);
        }
        var enc = new List<R.Layer> { new R.Embedding(vs, ds, maskSource) };
        var s = new StringBuilder();
        s.AppendLine("[Seq2Seq(StartToken = 1, EndToken = 2)]").AppendLine(CultureInfo.InvariantCulture, $"public partial class {name}").AppendLine("{");
        s.AppendLine(CultureInfo.InvariantCulture, $"    [Sequential({ls})]").AppendLine(CultureInfo.InvariantCulture, $"    [Embedding({vs}, {ds}{(maskSource ? ", MaskZero = true" : "")})]");
        int layers = 1 + Choose(2);
        R.Cell last = R.Cell.Lstm;
        int width = 0;
        for (int i = 0; i < layers; i++)
        {
            last = (R.Cell)Choose(3);
            int units = 1 + Choose(6);
            bool bidirectional = Choose(3) == 0, backwards = !bidirectional && Choose(4) == 0;
            bool sequences = i < layers - 1 || attention || Choose(2) == 0;
            enc.Add(new R.Recurrent(last, units, sequences, bidirectional, backwards));
            s.AppendLine(CultureInfo.InvariantCulture, $"    [{Kind(last)}({units}{(sequences ? ", ReturnSequences = true" : "")}{(bidirectional ? ", Bidirectional = true" : "")}{(backwards ? ", GoBackwards = true" : "")})]");
            width = bidirectional ? 2 * units : units;
        }
        s.AppendLine("    public partial class Encoder;").AppendLine();
        // The decoder's recurrent layer takes the encoder's last states: LSTM after LSTM, GRU or SimpleRNN after either.
        R.Cell cell = last == R.Cell.Lstm ? R.Cell.Lstm : Choose(2) == 0 ? R.Cell.Gru : R.Cell.SimpleRnn;
        var dec = new List<R.Layer> { new R.Embedding(vt, dt, maskTarget), new R.Recurrent(cell, width) };
        s.AppendLine(CultureInfo.InvariantCulture, $"    [Sequential({lt})]").AppendLine(CultureInfo.InvariantCulture, $"    [Embedding({vt}, {dt}{(maskTarget ? ", MaskZero = true" : "")})]");
        s.AppendLine(CultureInfo.InvariantCulture, $"    [{Kind(cell)}({width}, ReturnSequences = true)]");
        if (attention)
        {
            bool scale = Choose(2) == 0, concat = Choose(3) == 0, query = Choose(2) == 0;
            dec.Add(new R.CrossAttention(scale, concat, query));
            var options = new List<string>();
            if (scale) options.Add("UseScale = true");
            if (concat) options.Add("ScoreMode = ScoreMode.Concat");
            if (query) options.Add("ConcatenateQuery = true");
            s.AppendLine(options.Count == 0 ? "    [Attention]" : $"    [Attention({string.Join(", ", options)})]");
        }
        if (Choose(3) == 0)
        {
            int hidden = 1 + Choose(6);
            Activation activation = new[] { Activation.Linear, Activation.Tanh, Activation.Sigmoid, Activation.Relu, Activation.HardSigmoid }[Choose(5)];
            dec.Add(new R.Dense(hidden, activation));
            s.AppendLine(CultureInfo.InvariantCulture, $"    [Dense({hidden}, Activation = Activation.{activation})]");
        }
        dec.Add(new R.Dense(vt, Activation.Softmax));
        s.AppendLine(CultureInfo.InvariantCulture, $"    [Dense({vt}, Activation = Activation.Softmax)]").AppendLine("    public partial class Decoder;").AppendLine("}");
        return new Model(s.ToString(), [.. enc], [.. dec], ls, lt, vs, vt, maskSource, maskTarget);
    }

    /// <summary>A Transformer encoder-decoder: position-aware or plain embeddings, 1-2 encoder blocks, one decoder block.</summary>
    private static Model Transformer(string name, Func<int, int> choose, int vs, int vt, int ls, int lt, bool maskSource, bool maskTarget)
    {
        var s = new StringBuilder();
        s.AppendLine("[Seq2Seq(StartToken = 1, EndToken = 2)]").AppendLine(CultureInfo.InvariantCulture, $"public partial class {name}").AppendLine("{");
        (R.Layer Layer, string Attribute) Embedding(int vocabulary, int length, bool masked)
        {
            int dims = 1 + choose(8);
            string mask = masked ? ", MaskZero = true" : "";
            if (choose(2) == 0)
            {
                return (new R.Embedding(vocabulary, dims, masked), $"Embedding({vocabulary}, {dims}{mask})");
            }
            int table = length + choose(3);
            return (new R.TokenPosition(vocabulary, table, dims, masked), $"TokenAndPositionEmbedding({vocabulary}, {table}, {dims}{mask})");
        }
        string Options(bool first, double epsilon) => "DropoutRate = 0" + (first ? ", NormalizeFirst = true" : "") + (epsilon == 1e-6 ? "" : ", Epsilon = 0.001");
        var (sourceEmbedding, sourceText) = Embedding(vs, ls, maskSource);
        var enc = new List<R.Layer> { sourceEmbedding };
        s.AppendLine(CultureInfo.InvariantCulture, $"    [Sequential({ls})]").AppendLine(CultureInfo.InvariantCulture, $"    [{sourceText}]");
        for (int i = 0, blocks = 1 + choose(2); i < blocks; i++)
        {
            int heads = 1 + choose(2), keyDim = 1 + choose(4), ff = 1 + choose(8);
            bool first = choose(2) == 0;
            double epsilon = choose(2) == 0 ? 1e-6 : 1e-3;
            enc.Add(new R.TransformerEncoder(heads, keyDim, ff, first, epsilon));
            s.AppendLine(CultureInfo.InvariantCulture, $"    [TransformerEncoder({heads}, {keyDim}, {ff}, {Options(first, epsilon)})]");
        }
        s.AppendLine("    public partial class Encoder;").AppendLine();
        var (targetEmbedding, targetText) = Embedding(vt, lt, maskTarget);
        var dec = new List<R.Layer> { targetEmbedding };
        s.AppendLine(CultureInfo.InvariantCulture, $"    [Sequential({lt})]").AppendLine(CultureInfo.InvariantCulture, $"    [{targetText}]");
        {
            int heads = 1 + choose(2), keyDim = 1 + choose(4), ff = 1 + choose(8);
            bool first = choose(2) == 0;
            double epsilon = choose(2) == 0 ? 1e-6 : 1e-3;
            dec.Add(new R.TransformerDecoder(heads, keyDim, ff, first, epsilon));
            s.AppendLine(CultureInfo.InvariantCulture, $"    [TransformerDecoder({heads}, {keyDim}, {ff}, {Options(first, epsilon)})]");
        }
        dec.Add(new R.Dense(vt, Activation.Softmax));
        s.AppendLine(CultureInfo.InvariantCulture, $"    [Dense({vt}, Activation = Activation.Softmax)]").AppendLine("    public partial class Decoder;").AppendLine("}");
        return new Model(s.ToString(), [.. enc], [.. dec], ls, lt, vs, vt, maskSource, maskTarget);
    }

    [Fact]
    public void RandomSeq2SeqModelsMatchTheReference()
    {
        int models = 0, entries = 0;
        Gen<int[][]> gen = Gen.Int[0, 1 << 16].Array[40].Array[PerCompilation];
        string Print(int[][] tapes) => string.Join("\n", tapes.Select((t, i) => Make(t, "S" + i).Declaration));
        FuzzRun.Sample(gen, tapes => (models, entries) = (models + tapes.Length, entries + Check([.. tapes.Select((t, i) => Make(t, "S" + i))])),
            Print, Print, output, (FuzzRun.Cases / 4 + PerCompilation - 1) / PerCompilation);
        output.WriteLine($"{models} Seq2Seq models, {entries} gradient entries checked");
    }

    internal static int CheckModels(Model[] models) => Check(models);

    private static int Check(Model[] models)
    {
        var source = new StringBuilder("using StaticRnn;\nnamespace Fuzz;\n");
        for (int i = 0; i < models.Length; i++)
        {
            source.Append(models[i].Declaration);
            source.Append(CultureInfo.InvariantCulture, $$"""
                public sealed class S{{i}}Probe : StaticRnn.Fuzz.Tests.ISeq2SeqProbe
                {
                    private readonly S{{i}} _model = new();
                    public int ParameterCount => S{{i}}.ParameterCount;
                    public float[] Parameters { get => _model.Parameters.ToArray(); set => global::System.MemoryExtensions.CopyTo(value, _model.Parameters); }
                    public float Gradients(int[] sources, int[] targets, int batchSize, float[] gradients) => _model.Gradients(sources, targets, batchSize, gradients);
                }

                """);
        }
        InMemoryCompiler.Result compiled = InMemoryCompiler.Compile(source.ToString(), emit: true);
        int entries = 0;
        try
        {
            ValidStackFuzzTests.AssertCompiledCleanly(compiled);
            for (int i = 0; i < models.Length; i++)
            {
                Model m = models[i];
                var probe = (ISeq2SeqProbe)Activator.CreateInstance(compiled.Assembly!.GetType($"Fuzz.S{i}Probe")!)!;
                var random = new SeededRandom(FuzzRun.StableHash(m.Declaration));
                probe.Parameters = [.. probe.Parameters.Select(v => v + (float)random.NextDouble(-0.05, 0.05))];
                double[] p = [.. probe.Parameters.Select(v => (double)v)];
                const int batch = 2;
                // Real ids from 3 on (1 and 2 are the start and end tokens); padding at the end where a stack masks.
                int[] Sequence(int length, int vocabulary, bool masked, bool end)
                {
                    int real = masked ? 1 + random.NextInt(length) : length;
                    return [.. Enumerable.Range(0, length).Select(k => k < real ? (end && k == real - 1 ? 2 : 3 + random.NextInt(vocabulary - 3)) : 0)];
                }
                int[] sources = [.. Enumerable.Range(0, batch).SelectMany(_ => Sequence(m.SourceLength, m.SourceVocabulary, m.SourceMasked, end: false))];
                int[] targets = [.. Enumerable.Range(0, batch).SelectMany(_ => Sequence(m.TargetLength, m.TargetVocabulary, m.TargetMasked, end: true))];
                var gradients = new float[probe.ParameterCount];
                float loss = probe.Gradients(sources, targets, batch, gradients);
                double reference = R.Loss(m.Encoder, m.Decoder, p, sources, targets, batch, start: 1);
                Assert.True(Math.Abs(loss - reference) <= 1e-5 + 1e-3 * Math.Abs(reference), $"S{i}: loss {loss:R}, reference {reference:R}");
                entries += FiniteDifferences.Check(p, gradients, () => R.Loss(m.Encoder, m.Decoder, p, sources, targets, batch, 1), 120, $"S{i}");
            }
            return entries;
        }
        finally
        {
            compiled.Context?.Unload();
        }
    }
}
