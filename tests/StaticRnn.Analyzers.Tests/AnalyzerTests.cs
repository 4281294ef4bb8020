using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace StaticRnn.Analyzers.Tests;

/// <summary>Each diagnostic fires where it should, with a message that says how to fix it, and nowhere else.</summary>
public class AnalyzerTests
{
    [Fact]
    public Task ValidSeedModelHasNoDiagnostics() => Verify.Analyzer("""
        [Sequential(10, 8, ExpectedParameters = 137)]
        [SimpleRnn(5, ReturnSequences = true)]
        [SimpleRnn(3)]
        [Dense(10)]
        public partial class SeedModel;
        """);

    [Fact]
    public Task Srnn100SummarySaysTheCounts() => Verify.Analyzer("""
        [{|#0:Sequential(10, 8)|}]
        [SimpleRnn(5, ReturnSequences = true)]
        [SimpleRnn(3)]
        [Dense(10)]
        public partial class SeedModel;
        """, withSummary: true,
        new DiagnosticResult("SRNN100", DiagnosticSeverity.Info).WithLocation(0)
            .WithArguments("'SeedModel': 137 parameters (simple_rnn 70, simple_rnn_1 27, dense 40); input (10, 8), output (10,)"));

    [Fact]
    public Task Srnn001NotPartial() => Verify.Analyzer("""
        [Sequential(4)]
        [Dense(2)]
        public class {|#0:Plain|};
        """, false,
        new DiagnosticResult("SRNN001", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("'Plain' must be declared 'partial' so that the generator can add the network's members: write 'public partial class Plain'"));

    [Fact]
    public Task Srnn001AdviceKeepsTheClassModifiersAndNamesAGenericOuterType() => Verify.Analyzer("""
        [Sequential(4)]
        [Dense(2)]
        internal sealed class {|#0:Sealed|};

        public partial class Box<T>
        {
            [Sequential(4)]
            [Dense(2)]
            public partial class {|#1:Inside|};
        }
        """, false,
        new DiagnosticResult("SRNN001", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("'Sealed' must be declared 'partial' so that the generator can add the network's members: write 'internal sealed partial class Sealed'"),
        new DiagnosticResult("SRNN001", DiagnosticSeverity.Error).WithLocation(1)
            .WithArguments("'Inside' is nested in the generic type 'Box'; a network's shape is fixed, so declare it outside generic types"));

    [Fact]
    public Task Srnn001NestedInNonPartialOrGeneric() => Verify.Analyzer("""
        public class Outer
        {
            [Sequential(4)]
            [Dense(2)]
            public partial class {|#0:Inner|};
        }

        [Sequential(4)]
        [Dense(2)]
        public partial class {|#1:Generic|}<T>;
        """, false,
        new DiagnosticResult("SRNN001", DiagnosticSeverity.Error).WithLocation(0).WithArguments("'Inner' is nested in 'Outer', which must be declared 'partial' too"),
        new DiagnosticResult("SRNN001", DiagnosticSeverity.Error).WithLocation(1).WithArguments("'Generic' is generic; a network's shape is fixed, so declare it as a non-generic partial class"));

    [Fact]
    public Task Srnn002RecurrentAfterLastStateNamesBothLayersAndTheFix() => Verify.Analyzer("""
        [Sequential(10, 8)]
        [SimpleRnn(5)]
        [{|#0:SimpleRnn(3)|}]
        [Dense(10)]
        public partial class RankError;
        """, false,
        new DiagnosticResult("SRNN002", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 2 'simple_rnn_1' (SimpleRNN) expects a 3-D input (batch, timesteps, features) but layer 1 'simple_rnn' (SimpleRNN) outputs (None, 5) (Keras: expected ndim=3, found ndim=2); set ReturnSequences = true on layer 1 so that it returns every time step"));

    [Fact]
    public Task Srnn002ReachesBackThroughLayersThatKeepTheRank() => Verify.Analyzer("""
        [Sequential(10, 8)]
        [Gru(3)]
        [Dropout(0.2)]
        [LayerNormalization]
        [{|#0:Gru(2)|}]
        public partial class RankError;
        """, false,
        new DiagnosticResult("SRNN002", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 4 'gru_1' (GRU) expects a 3-D input (batch, timesteps, features) but layer 3 'layer_normalization' (LayerNormalization) outputs (None, 3) (Keras: expected ndim=3, found ndim=2); set ReturnSequences = true on layer 1 so that it returns every time step"));

    [Fact]
    public Task Srnn015ConstructorsAndBaseClassThatConflictWithTheGeneratedConstructor() => Verify.Analyzer("""
        [Sequential(4)]
        [Dense(2)]
        public partial class {|#0:OwnConstructor|}
        {
            public OwnConstructor() { }
        }

        [Sequential(4)]
        [Dense(2)]
        public partial class {|#1:NoChain|}
        {
            private readonly int _tag;
            public NoChain(int tag) { _tag = tag; }
            public int Tag => _tag;
        }

        [Sequential(4)]
        [Dense(2)]
        public partial class Chained
        {
            private readonly int _tag;
            public Chained(int tag) : this() { _tag = tag; }
            public int Tag => _tag;
        }

        public class Base
        {
            protected Base(int size) { }
        }

        public class Defaulted
        {
            protected Defaulted(int size = 3) { }
        }

        [Sequential(4)]
        [Dense(2)]
        public partial class {|#2:Derived|} : Base;

        [Sequential(4)]
        [Dense(2)]
        public partial class FromDefaulted : Defaulted;
        """, false,
        new DiagnosticResult("SRNN015", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("'OwnConstructor' declares a parameterless constructor, but the generator writes that one (it allocates the network's buffers and initializes its weights): remove it, or give it parameters and chain ': this()'"),
        new DiagnosticResult("SRNN015", DiagnosticSeverity.Error).WithLocation(1)
            .WithArguments("the constructor 'NoChain(int)' does not call ': this()', so the network's buffers would never be allocated: add ': this()' to it"),
        new DiagnosticResult("SRNN015", DiagnosticSeverity.Error).WithLocation(2)
            .WithArguments("'Derived' derives from 'Base', which has no parameterless constructor for the generated one to call: add one to 'Base', or derive from another class"),
        DiagnosticResult.CompilerError("CS7036").WithLocation(2).WithArguments("size", "Base.Base(int)"),
        // Without the generator in this harness, ': this()' has no parameterless constructor to call.
        DiagnosticResult.CompilerError("CS7036").WithSpan(23, 31, 23, 35).WithArguments("tag", "Chained.Chained(int)"));

    [Fact]
    public Task Srnn002InputWithoutTimeAxis() => Verify.Analyzer("""
        [Sequential(8)]
        [{|#0:SimpleRnn(3)|}]
        public partial class NoTime;
        """, false,
        new DiagnosticResult("SRNN002", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 1 'simple_rnn' (SimpleRNN) expects a 3-D input (batch, timesteps, features) but the input shape (8,) gives (None, 8) (Keras: expected ndim=3, found ndim=2); declare the input with a time axis: [Sequential(timesteps, 8)]"));

    [Fact]
    public Task Srnn003BadArguments() => Verify.Analyzer("""
        [Sequential(10, 8)]
        [{|#0:SimpleRnn(0)|}]
        [{|#1:Dropout(1.5)|}]
        [{|#2:Dense(3, Name = "dense_out")|}]
        [{|#3:Dense(3, Name = "dense_out")|}]
        public partial class BadArgs;
        """, false,
        new DiagnosticResult("SRNN003", DiagnosticSeverity.Error).WithLocation(0).WithArguments("Layer 1 'simple_rnn' (SimpleRNN): units is 0; it must be between 1 and 1048576"),
        new DiagnosticResult("SRNN003", DiagnosticSeverity.Error).WithLocation(1).WithArguments("Layer 2 'dropout' (Dropout): rate is 1.5; it must be in [0, 1)"),
        new DiagnosticResult("SRNN003", DiagnosticSeverity.Error).WithLocation(3).WithArguments("Layer 4 'dense_out' (Dense): the name 'dense_out' is already used by layer 3; layer names must be unique"));

    [Fact]
    public Task Srnn003EnumValuesOutsideTheirRangeAndOversizedShapes() => Verify.Analyzer("""
        [{|#0:Sequential(10, 8, Loss = (Loss)7)|}]
        [{|#1:Dense(3, Activation = (Activation)9)|}]
        public partial class BadEnums;

        [{|#2:Sequential(65536, 65537)|}]
        [Dense(1)]
        public partial class Huge;
        """, false,
        new DiagnosticResult("SRNN003", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("'BadEnums': Loss = 7 is not a Loss value; use MeanSquaredError, BinaryCrossentropy, SparseCategoricalCrossentropy or CategoricalCrossentropy"),
        new DiagnosticResult("SRNN003", DiagnosticSeverity.Error).WithLocation(1)
            .WithArguments("Layer 1 'dense' (Dense): an activation value outside the Activation enum; use Linear, Tanh, Sigmoid, Relu, Softmax or HardSigmoid"),
        new DiagnosticResult("SRNN003", DiagnosticSeverity.Error).WithLocation(2)
            .WithArguments("'Huge' declares the input shape (65536, 65537): 4295032832 floats per sample, over the limit of 16777216"));

    [Fact]
    public Task GoBackwardsInsideBidirectionalIsAcceptedAsInKeras3() => Verify.Analyzer("""
        [Sequential(10, 8)]
        [Lstm(4, Bidirectional = true, GoBackwards = true)]
        public partial class Backwards;
        """, false);

    [Fact]
    public Task Srnn003SoftmaxOnRecurrentLayer() => Verify.Analyzer("""
        [Sequential(10, 8)]
        [{|#0:SimpleRnn(4, Activation = Activation.Softmax)|}]
        public partial class SoftRnn;
        """, false,
        new DiagnosticResult("SRNN003", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 1 'simple_rnn' (SimpleRNN): Activation = Softmax is supported on Dense layers only; use Tanh, Sigmoid, Relu, HardSigmoid or Linear"));

    [Fact]
    public Task Srnn004TotalGivesTheBreakdown() => Verify.Analyzer("""
        [{|#0:Sequential(10, 8, ExpectedParameters = 140)|}]
        [SimpleRnn(5, ReturnSequences = true)]
        [SimpleRnn(3)]
        [{|#1:Dense(10, ExpectedParameters = 30)|}]
        public partial class WrongCount;
        """, false,
        new DiagnosticResult("SRNN004", DiagnosticSeverity.Error).WithLocation(1)
            .WithArguments("Layer 3 'dense' (Dense) has 40 parameters, not the expected 30: dense/kernel (3, 10) = 30 + dense/bias (10,) = 10 = 40"),
        new DiagnosticResult("SRNN004", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("'WrongCount' has 137 parameters, not the expected 140: simple_rnn 70 + simple_rnn_1 27 + dense 40 = 137"));

    [Fact]
    public Task Srnn005NoInputShapeNoLayers() => Verify.Analyzer("""
        [{|#0:Sequential|}]
        [Dense(3)]
        public partial class NoShape;

        [{|#1:Sequential(4)|}]
        public partial class NoLayers;

        [{|#2:Dense(3)|}]
        public partial class NoSequential;
        """, false,
        new DiagnosticResult("SRNN005", DiagnosticSeverity.Error).WithLocation(0).WithArguments("'NoShape' has no input shape: write [Sequential(timesteps, features)] for sequences or [Sequential(features)] for vectors"),
        new DiagnosticResult("SRNN005", DiagnosticSeverity.Error).WithLocation(1).WithArguments("'NoLayers' has no layers: add layer attributes such as [SimpleRnn(16)] and [Dense(1)] after [Sequential]"),
        new DiagnosticResult("SRNN005", DiagnosticSeverity.Error).WithLocation(2).WithArguments("'NoSequential' has layer attributes but no [Sequential(...)] with its input shape: add e.g. [Sequential(timesteps, features)] above the layers"));

    [Fact]
    public Task Srnn005NullShapeIsReportedNotACrash() => Verify.Analyzer("""
        [{|#0:Sequential(null)|}]
        [Dense(3)]
        public partial class NullShape;
        """, false,
        new DiagnosticResult("SRNN005", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("'NullShape' has no input shape: write [Sequential(timesteps, features)] for sequences or [Sequential(features)] for vectors"));

    [Fact]
    public Task Srnn001PointsAtTheDeclarationWithoutPartialAndRejectsFileTypes() => Verify.Analyzer("""
        [Sequential(4)]
        [Dense(2)]
        public partial class Twice;

        public class {|#0:Twice|};

        [Sequential(4)]
        [Dense(2)]
        file partial class {|#1:Local|};
        """, false,
        new DiagnosticResult("SRNN001", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("'Twice' must be declared 'partial' so that the generator can add the network's members: write 'public partial class Twice'"),
        DiagnosticResult.CompilerError("CS0260").WithLocation(0).WithArguments("Twice"),
        new DiagnosticResult("SRNN001", DiagnosticSeverity.Error).WithLocation(1)
            .WithArguments("'Local' is a file-local type; the generated members live in another file, so remove the 'file' modifier"));

    [Fact]
    public Task Srnn006LayersOnTwoDeclarations() => Verify.Analyzer("""
        [Sequential(10, 8)]
        [SimpleRnn(5)]
        public partial class {|#0:Split|};

        [Dense(1)]
        public partial class Split;
        """, false,
        new DiagnosticResult("SRNN006", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("'Split' has layer attributes on 2 partial declarations, so their order is undefined; put all layer attributes on one declaration"));

    [Fact]
    public Task Srnn007EmbeddingPlacement() => Verify.Analyzer("""
        [Sequential(10, 8)]
        [{|#0:Embedding(100, 8)|}]
        public partial class TwoDTokens;

        [Sequential(10)]
        [Dense(4)]
        [{|#1:Embedding(100, 8)|}]
        public partial class NotFirst;
        """, false,
        new DiagnosticResult("SRNN007", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 1 'embedding' (Embedding) needs a 1-D input of token ids, (timesteps), but the input shape is (10, 8): write [Sequential(10)]"),
        new DiagnosticResult("SRNN007", DiagnosticSeverity.Error).WithLocation(1)
            .WithArguments("Layer 2 'embedding' (Embedding) must be the first layer: it turns token ids into vectors, and only the network input holds token ids"));

    [Fact]
    public Task Srnn008LargeLayerIsAWarning() => Verify.Analyzer("""
        [Sequential(5, 60)]
        [{|#0:SimpleRnn(40)|}]
        public partial class Big;
        """, false,
        new DiagnosticResult("SRNN008", DiagnosticSeverity.Warning).WithLocation(0)
            .WithArguments("Layer 1 'simple_rnn' (SimpleRNN) needs 300 vector multiply-adds per step when unrolled, over the budget of 256; its products are emitted as loops"));

    [Fact]
    public Task Srnn008LongAttentionSaysHowMuchMemoryItNeeds() => Verify.Analyzer("""
        [Sequential(1000, 16)]
        [{|#0:MultiHeadAttention(4, 4)|}]
        public partial class LongContext;
        """, false,
        new DiagnosticResult("SRNN008", DiagnosticSeverity.Warning).WithLocation(0)
            .WithArguments("Layer 1 'multi_head_attention' (MultiHeadAttention) needs 5152016 floats of tape and backward scratch per sample (19.7 MiB), over the budget of 16 MiB; each network instance allocates it once per shard when it is constructed"));

    [Fact]
    public Task Srnn003AttentionTooLongToHold() => Verify.Analyzer("""
        [Sequential(20000, 8)]
        [{|#0:TransformerEncoder(2, 4, 8)|}]
        public partial class TooLong;
        """, false,
        new DiagnosticResult("SRNN003", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 1 'transformer_encoder' (TransformerEncoder): 2 × 20000 × 20000 attention weights per sample (800000000 floats) pass the limit of 268435456; shorten the sequence"));

    private const string Encoder = """
            [Sequential(12)]
            [Embedding(30, 16, MaskZero = true)]
            [Lstm(8, ReturnSequences = true, Bidirectional = true)]
            public partial class Encoder;
        """;

    [Fact]
    public Task ValidSeq2SeqHasNoDiagnosticsButItsSummary() => Verify.Analyzer($$"""
        [{|#0:Seq2Seq(StartToken = 1, EndToken = 2)|}]
        public partial class Speller
        {
        {{Encoder}}
            [{|#1:Sequential(10)|}]
            [Embedding(40, 16, MaskZero = true)]
            [Lstm(16, ReturnSequences = true)]
            [Attention(ConcatenateQuery = true)]
            [Dense(40, Activation = Activation.Softmax)]
            public partial class Decoder;
        }
        """, true,
        new DiagnosticResult("SRNN100", DiagnosticSeverity.Info).WithLocation(0)
            .WithArguments("'Speller': 6152 parameters, encoder 2080 (embedding 480, bidirectional 1600) + decoder 4072 (embedding_1 640, lstm_1 2112, attention 0, dense 1320)"),
        new DiagnosticResult("SRNN100", DiagnosticSeverity.Info).WithSpan(5, 6, 5, 20)
            .WithArguments("'Encoder': 2080 parameters (embedding 480, bidirectional 1600); input (12,), output (12, 16)"),
        new DiagnosticResult("SRNN100", DiagnosticSeverity.Info).WithLocation(1)
            .WithArguments("'Decoder': 4072 parameters (embedding_1 640, lstm_1 2112, attention 0, dense 1320); input (10,), output (10, 40)"));

    [Fact]
    public Task Srnn010MissingDecoderStack() => Verify.Analyzer($$"""
        [{|#0:Seq2Seq|}]
        public partial class Speller
        {
        {{Encoder}}
        }
        """, false,
        new DiagnosticResult("SRNN010", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("'Speller' has no nested class Decoder; declare its stack inside 'Speller', e.g. [Sequential(targetLength)] [Embedding(targetVocabulary, 64, MaskZero = true)] [Lstm(128, ReturnSequences = true)] [Attention] [Dense(targetVocabulary, Activation = Activation.Softmax)] public partial class Decoder;"));

    [Fact]
    public Task Srnn011StateSizeNamesBothLayersAndTheUnits() => Verify.Analyzer($$"""
        [Seq2Seq]
        public partial class Speller
        {
        {{Encoder}}
            [Sequential(10)]
            [Embedding(40, 16)]
            [{|#0:Lstm(12, ReturnSequences = true)|}]
            [Dense(40, Activation = Activation.Softmax)]
            public partial class Decoder;
        }
        """, false,
        new DiagnosticResult("SRNN011", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 2 'lstm_1' (LSTM) has 12 units but starts from the final states of the encoder's layer 2 'bidirectional' (Bidirectional), which are 16 wide (both directions of 8, concatenated); give it 16 units"));

    [Fact]
    public Task Srnn011StateKindsDiffer() => Verify.Analyzer($$"""
        [Seq2Seq]
        public partial class Speller
        {
        {{Encoder}}
            [Sequential(10)]
            [Embedding(40, 16)]
            [{|#0:Gru(16, ReturnSequences = true)|}]
            [Attention]
            [Dense(40, Activation = Activation.Softmax)]
            public partial class Decoder;
        }
        """, false,
        new DiagnosticResult("SRNN011", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 2 'gru' (GRU) starts from the final states of the encoder's layer 2 'bidirectional' (Bidirectional), but an LSTM carries h and c while a GRU carries only h; use the same kind of layer on both sides (LSTM with LSTM; GRU or SimpleRNN with GRU or SimpleRNN)"));

    [Fact]
    public Task Srnn011AttentionWidthsDiffer() => Verify.Analyzer("""
        [Seq2Seq]
        public partial class Speller
        {
            [Sequential(12)]
            [Embedding(30, 16)]
            [Gru(24, ReturnSequences = true)]
            public partial class Encoder;

            [Sequential(10)]
            [Embedding(40, 16)]
            [{|#0:Attention|}]
            [Dense(40, Activation = Activation.Softmax)]
            public partial class Decoder;
        }
        """, false,
        new DiagnosticResult("SRNN011", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 2 'attention' (Attention) attends over the encoder's output of 24 features with queries of 16 features; dot scores need equal widths: give the layer before it 24 units, or the encoder's last layer 16"));

    [Fact]
    public Task Srnn012AttentionOverAnEncoderThatReturnsItsLastState() => Verify.Analyzer("""
        [Seq2Seq]
        public partial class Speller
        {
            [Sequential(12)]
            [Embedding(30, 16)]
            [Gru(24)]
            public partial class Encoder;

            [Sequential(10)]
            [Embedding(40, 16)]
            [Gru(24, ReturnSequences = true)]
            [{|#0:Attention|}]
            [Dense(40, Activation = Activation.Softmax)]
            public partial class Decoder;
        }
        """, false,
        new DiagnosticResult("SRNN012", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 3 'attention' (Attention) attends over the encoder's output sequence, but the encoder's layer 2 'gru' (GRU) returns only its last state (None, 24); set ReturnSequences = true on it"));

    [Fact]
    public Task Srnn012TransformerDecoderOutsideASeq2SeqModel() => Verify.Analyzer("""
        [Sequential(10)]
        [Embedding(40, 16)]
        [{|#0:TransformerDecoder(2, 8, 32)|}]
        public partial class Alone;
        """, false,
        new DiagnosticResult("SRNN012", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 2 'transformer_decoder' (TransformerDecoder) attends over an encoder's output, so it belongs in the Decoder of a [Seq2Seq] model; in a [Sequential] network use [TransformerEncoder(..., Causal = true)]"));

    [Fact]
    public Task Srnn013DecoderWithoutPerStepClasses() => Verify.Analyzer($$"""
        [Seq2Seq]
        public partial class Speller
        {
        {{Encoder}}
            [Sequential(10)]
            [Embedding(40, 16)]
            [Lstm(16, ReturnSequences = true)]
            [Attention]
            [{|#0:Dense(39, Activation = Activation.Softmax)|}]
            public partial class Decoder;
        }
        """, false,
        new DiagnosticResult("SRNN013", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 4 'dense' (Dense) ends the decoder with (None, 10, 39), but each step predicts one of the 40 target tokens that Layer 1 'embedding_1' (Embedding) reads; end the decoder with [Dense(40, Activation = Activation.Softmax)] after layers that return every step"));

    [Fact]
    public Task Srnn014BidirectionalDecoderLayer() => Verify.Analyzer($$"""
        [Seq2Seq]
        public partial class Speller
        {
            [Sequential(12)]
            [Embedding(30, 16)]
            [Gru(16, ReturnSequences = true)]
            public partial class Encoder;

            [Sequential(10)]
            [Embedding(40, 16)]
            [{|#0:Gru(8, ReturnSequences = true, Bidirectional = true)|}]
            [Attention]
            [Dense(40, Activation = Activation.Softmax)]
            public partial class Decoder;
        }
        """, false,
        new DiagnosticResult("SRNN014", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 2 'bidirectional' (Bidirectional) cannot be in a decoder: its backward direction reads the steps after each one; remove Bidirectional = true. Each decoder step may depend only on the steps before it, because decoding produces the target one step at a time"));

    /// <summary>
    /// Found by the Seq2Seq declaration fuzzer: a bidirectional decoder layer doubles its width, and the attention after
    /// it was reported (SRNN011, "give the layer before it 1 units") instead of the bidirectional layer itself.
    /// </summary>
    [Fact]
    public Task Srnn014BidirectionalDecoderLayerIsReportedBeforeTheWidthsItChanges() => Verify.Analyzer("""
        [Seq2Seq]
        public partial class Speller
        {
            [Sequential(8)]
            [Embedding(14, 2, MaskZero = true)]
            [Gru(1, ReturnSequences = true)]
            public partial class Encoder;

            [Sequential(10)]
            [Embedding(22, 2, MaskZero = true)]
            [{|#0:Gru(1, ReturnSequences = true, Bidirectional = true)|}]
            [Attention]
            [Dense(22, Activation = Activation.Softmax)]
            public partial class Decoder;
        }
        """, false,
        new DiagnosticResult("SRNN014", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 2 'bidirectional' (Bidirectional) cannot be in a decoder: its backward direction reads the steps after each one; remove Bidirectional = true. Each decoder step may depend only on the steps before it, because decoding produces the target one step at a time"));

    [Fact]
    public Task Srnn009StatefulBidirectionalIsNotGeneratedYet() => Verify.Analyzer("""
        [Sequential(10, 4, Stateful = true)]
        [{|#0:Lstm(3, Bidirectional = true)|}]
        public partial class Later;
        """, false,
        new DiagnosticResult("SRNN009", DiagnosticSeverity.Error).WithLocation(0)
            .WithArguments("Layer 1 'bidirectional' (Bidirectional): a stateful Bidirectional layer is not generated yet; use one direction, or Stateful = false"));
}
