using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Xunit;

namespace StaticRnn.Generator.Tests;

/// <summary>
/// Snapshot of the emitted file for the seed model, so that every change to the generated code is seen and reviewed
/// (readability counts). Rewrite the baselines with <c>STATICRNN_UPDATE_BASELINES=1 dotnet test</c>.
/// </summary>
public class GeneratorOutputTests
{
    public const string SeedModel = """
        using StaticRnn;

        namespace Demo;

        [Sequential(10, 8, ExpectedParameters = 137)]
        [SimpleRnn(5, ReturnSequences = true)]
        [SimpleRnn(3)]
        [Dense(10)]
        public partial class SeedModel;
        """;

    [Fact]
    public void SeedModelMatchesBaseline() => AssertBaselines("SeedModel", SeedModel);

    [Fact]
    public void WideSoftmaxSequenceModelMatchesBaseline() => AssertBaselines("WideSoftmax", """
        using StaticRnn;

        namespace Demo.Nested;

        public static partial class Holder
        {
            [Sequential(4, 6, Loss = Loss.SparseCategoricalCrossentropy)]
            [SimpleRnn(20, ReturnSequences = true, GoBackwards = true, Activation = Activation.Relu)]
            [Dense(3, Activation = Activation.Softmax)]
            public partial class WideSoftmax;
        }
        """);

    [Fact]
    public void LstmModelMatchesBaseline() => AssertBaselines("Lstm", """
        using StaticRnn;

        namespace Demo;

        [Sequential(10, 8)]
        [Lstm(12, ReturnSequences = true)]
        [Lstm(4, GoBackwards = true)]
        [Dense(1, Activation = Activation.Sigmoid)]
        public partial class Detector;
        """);

    [Theory]
    [InlineData("[Sequential(8)] [Dense(4, Activation = Activation.HardSigmoid)] [Dense(1, UseBias = false)]")]
    [InlineData("[Sequential(5, 60, Loss = Loss.BinaryCrossentropy)] [SimpleRnn(40, UseBias = false, ReturnSequences = true)] [Dense(7, Activation = Activation.Sigmoid)]")]
    [InlineData("[Sequential(3, 2, Loss = Loss.CategoricalCrossentropy)] [SimpleRnn(33, Activation = Activation.Sigmoid, ReturnSequences = true)] [SimpleRnn(1)] [Dense(2, Activation = Activation.Softmax)]")]
    [InlineData("[Sequential(7, 3)] [Dense(9)] [SimpleRnn(17, Activation = Activation.Linear, GoBackwards = true)]")]
    [InlineData("[Sequential(6, 4)] [Lstm(5, ReturnSequences = true)] [Lstm(3, GoBackwards = true)] [Dense(2)]")]
    [InlineData("[Sequential(6, 4)] [Gru(5, ReturnSequences = true)] [Gru(9, ResetAfter = false, GoBackwards = true)] [Dense(2)]")]
    [InlineData("[Sequential(3, 90)] [Gru(12, ResetAfter = false, UseBias = false)] [Dense(2)]")]
    [InlineData("[Sequential(20, Loss = Loss.SparseCategoricalCrossentropy)] [Embedding(50, 7)] [Lstm(6, Bidirectional = true)] [Dense(3, Activation = Activation.Softmax)]")]
    [InlineData("[Sequential(6, 4, Stateful = true)] [Dropout(0.3)] [Lstm(5, ReturnSequences = true)] [Dropout(0.2)] [Gru(3)] [Dense(1)]")]
    [InlineData("[Sequential(5, 3)] [Lstm(4, Bidirectional = true, ReturnSequences = true)] [Gru(9, Bidirectional = true, Merge = MergeMode.Mul)] [Dense(2)]")]
    [InlineData("[Sequential(4, 70, Loss = Loss.BinaryCrossentropy)] [Lstm(20, UseBias = false, Activation = Activation.Linear)] [Dense(1, Activation = Activation.Sigmoid)]")]
    [InlineData("[Sequential(7, 12)] [Lstm(16)] [RepeatVector(4)] [Lstm(16, ReturnSequences = true)] [LayerNormalization] [Dense(12, Activation = Activation.Softmax)]")]
    [InlineData("[Sequential(9, Loss = Loss.SparseCategoricalCrossentropy)] [TokenAndPositionEmbedding(30, 12, 8)] [TransformerEncoder(2, 8, 16)] [GlobalAveragePooling1D] [Dense(3, Activation = Activation.Softmax)]")]
    [InlineData("[Sequential(6, 5)] [PositionEmbedding] [TransformerEncoder(1, 4, 7, NormalizeFirst = true, Causal = true, DropoutRate = 0)] [Dense(2)]")]
    [InlineData("[Sequential(6, 5)] [MultiHeadAttention(3, 4, ValueDim = 5, UseBias = false, Causal = true)] [Attention(UseScale = true)] [Attention(ScoreMode = ScoreMode.Concat, Causal = true)] [Dense(1)]")]
    public void GeneratedCodeCompilesWithoutWarnings(string attributes)
    {
        var (files, diagnostics) = GeneratorTestHelper.Run($"using StaticRnn;\n{attributes}\npublic partial class Net;");
        Assert.Single(files);
        string[] problems = diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Seq2SeqModelMatchesBaseline() => AssertBaselines("Seq2Seq", """
        using StaticRnn;

        namespace Demo;

        [Seq2Seq(StartToken = 1, EndToken = 2)]
        public partial class Speller
        {
            [Sequential(6)]
            [Embedding(12, 4, MaskZero = true)]
            [Lstm(4, ReturnSequences = true, Bidirectional = true)]
            public partial class Encoder;

            [Sequential(5)]
            [Embedding(10, 4, MaskZero = true)]
            [Lstm(8, ReturnSequences = true)]
            [Attention(ConcatenateQuery = true)]
            [Dense(10, Activation = Activation.Softmax)]
            public partial class Decoder;
        }
        """);

    [Theory]
    [InlineData("[Embedding(12, 6, MaskZero = true)] [Dropout(0.2)] [Gru(8, ReturnSequences = true)]",
        "[Embedding(9, 6)] [Gru(8, ReturnSequences = true)] [Dropout(0.1)] [Attention(ScoreMode = ScoreMode.Concat)] [Dense(9, Activation = Activation.Softmax)]")]
    [InlineData("[Embedding(12, 6)] [SimpleRnn(5)]", "[Embedding(9, 6, MaskZero = true)] [Gru(5, ReturnSequences = true)] [Dense(9, Activation = Activation.Softmax)]")]
    [InlineData("[TokenAndPositionEmbedding(12, 7, 8, MaskZero = true)] [TransformerEncoder(2, 4, 8)]",
        "[TokenAndPositionEmbedding(9, 5, 8, MaskZero = true)] [TransformerDecoder(2, 4, 8)] [TransformerDecoder(2, 4, 8, NormalizeFirst = true)] [Dense(9, Activation = Activation.Softmax)]")]
    [InlineData("[Embedding(12, 6)] [Lstm(8, ReturnSequences = true, Bidirectional = true, Merge = MergeMode.Sum)]",
        "[TokenAndPositionEmbedding(9, 5, 12)] [TransformerDecoder(3, 4, 10, DropoutRate = 0)] [LayerNormalization] [Dense(9, Activation = Activation.Softmax)]")]
    public void Seq2SeqCodeCompilesWithoutWarnings(string encoder, string decoder)
    {
        var (files, diagnostics) = GeneratorTestHelper.Run($$"""
            using StaticRnn;
            [Seq2Seq]
            public partial class Model
            {
                [Sequential(7)] {{encoder}} public partial class Encoder;
                [Sequential(5)] {{decoder}} public partial class Decoder;
            }
            """);
        Assert.Single(files);
        string[] problems = diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems));
    }

    [Fact]
    public void GeneratedCodeSurvivesUserNamesThatShadowOurs()
    {
        // Namespaces and types named like the runtime's, members named like its classes, a keyword class name, and
        // no implicit usings: the generated file must bind to StaticRnn's own types regardless.
        var (files, diagnostics) = GeneratorTestHelper.Run("""
            namespace Acme.Training { public class Marker; }
            namespace Acme.Kernels { public class Marker; }
            namespace Acme
            {
                public class Guard;
                public class Losses;
                public class Vector256;
                public class Unsafe;
                public class VectorMath;
                public class MemoryMarshal;
                public class Span<T>;
                public class History;
                namespace System { public class Marker; }
            }
            namespace Acme.Models
            {
                using StaticRnn;

                public partial class Outer
                {
                    [Sequential(5, 3, Loss = Loss.SparseCategoricalCrossentropy)]
                    [Lstm(9, ReturnSequences = true)]
                    [Gru(4, ResetAfter = false, ReturnSequences = true)]
                    [Dense(3, Activation = Activation.Softmax)]
                    public partial class @event
                    {
                        public int Training => 1;
                        public int Guard => 2;
                        public int StaticRnn => 3;
                    }
                }
            }
            """);
        Assert.Single(files);
        string[] problems = diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// A machine whose culture writes minus as U+2212 and decimals with a comma builds the same code: negative strides
    /// (GoBackwards) and rates (Dropout) are formatted invariantly, as are the messages.
    /// </summary>
    [Fact]
    public void OutputDoesNotDependOnTheMachineCulture()
    {
        const string source = """
            using StaticRnn;
            [Sequential(6, 4, Loss = Loss.BinaryCrossentropy)]
            [Dropout(0.25)]
            [Lstm(5, GoBackwards = true, ReturnSequences = true)]
            [Gru(3, GoBackwards = true)]
            [Dense(1, Activation = Activation.Sigmoid)]
            public partial class Net;
            """;
        string Generate() => GeneratorTestHelper.Run(source).Files.Single().SourceText.ToString();
        string invariant = Generate();
        Assert.Contains("vectorStride: -", invariant);
        Assert.Contains(", 0.25, 1.3333334f);", invariant); // the dropout rate and its scale
        var odd = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        odd.NumberFormat.NegativeSign = "\u2212";
        odd.NumberFormat.NumberDecimalSeparator = ",";
        odd.NumberFormat.NumberGroupSeparator = ".";
        System.Globalization.CultureInfo previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = odd;
            Assert.Equal(invariant, Generate());
            Assert.Equal(odd, System.Globalization.CultureInfo.CurrentCulture);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData("[Sequential(10, 8)] [SimpleRnn(5)] [SimpleRnn(3)]")]
    [InlineData("[Sequential(10, 4, Stateful = true)] [Lstm(3, Bidirectional = true)]")]
    [InlineData("[Sequential(10, 8, ExpectedParameters = 1)] [Dense(3)]")]
    public void InvalidNetworksEmitNothing(string attributes)
    {
        var (files, diagnostics) = GeneratorTestHelper.Run($"using StaticRnn;\n{attributes}\npublic partial class Net;");
        Assert.Empty(files);
        Assert.Empty(diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("CS", StringComparison.Ordinal) && d.Location.SourceTree?.FilePath.Contains(".g.cs", StringComparison.Ordinal) == true));
    }

    private static void AssertBaselines(string testId, string source, [CallerFilePath] string thisFile = "")
    {
        var (files, diagnostics) = GeneratorTestHelper.Run(source);
        Assert.Empty(diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()));
        string directory = Path.Combine(Path.GetDirectoryName(thisFile)!, "Baselines", testId);
        bool update = Environment.GetEnvironmentVariable("STATICRNN_UPDATE_BASELINES") == "1";
        if (update)
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
            Directory.CreateDirectory(directory);
            foreach (GeneratedSourceResult file in files)
            {
                File.WriteAllText(Path.Combine(directory, file.HintName + ".txt"), Normalize(file.SourceText.ToString()));
            }
            return;
        }
        string[] baselines = Directory.Exists(directory) ? Directory.GetFiles(directory, "*.txt").Select(f => Path.GetFileName(f)).Order().ToArray() : [];
        Assert.Equal(baselines, files.Select(f => f.HintName + ".txt").Order().ToArray());
        foreach (GeneratedSourceResult file in files)
        {
            string expected = Normalize(File.ReadAllText(Path.Combine(directory, file.HintName + ".txt")));
            string actual = Normalize(file.SourceText.ToString());
            if (expected != actual)
            {
                string[] e = expected.Split('\n'), a = actual.Split('\n');
                int line = Enumerable.Range(0, Math.Min(e.Length, a.Length)).FirstOrDefault(i => e[i] != a[i], Math.Min(e.Length, a.Length));
                Assert.Fail($"{file.HintName} differs from its baseline at line {line + 1}:\n  expected: {(line < e.Length ? e[line] : "<end>")}\n  actual:   {(line < a.Length ? a[line] : "<end>")}\nRun with STATICRNN_UPDATE_BASELINES=1 to accept the new output.");
            }
        }
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").Replace($"\"{Emit.NetworkEmitter.GeneratorVersion}\"", "\"%VERSION%\"");
}
