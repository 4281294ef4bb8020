using StaticRnn.Numerics.Tests;
using R = StaticRnn.Numerics.Tests.Seq2SeqReference;
using Xunit;

namespace StaticRnn.Fuzz.Tests;

/// <summary>What fuzz runs found, kept as named cases (checked the same way as the random stacks).</summary>
public class FuzzRegressionTests
{
    private static void Check(int[] inputShape, Loss loss, int classes, params FuzzLayer[] layers)
        => ValidStackFuzzTests.Check([new Stack(inputShape, 0, layers, loss, classes, CheckExpected: true)], new ValidStackFuzzTests.Counts());

    /// <summary>
    /// Found by the first fuzz run: <c>Bidirectional</c> around a layer with <c>GoBackwards = true</c> was refused (SRNN003,
    /// saying Keras 3 raises). Keras 3 only raises for an explicit backward layer with the same direction; built from the
    /// layer, the backward copy gets go_backwards negated, so the forward copy reads the sequence reversed and returns it
    /// reversed, the backward copy reads it in order and is flipped before the merge.
    /// </summary>
    [Theory]
    [InlineData("Lstm", MergeMode.Concat, true)]
    [InlineData("Gru", MergeMode.Sum, true)]
    [InlineData("SimpleRnn", MergeMode.Mul, false)]
    [InlineData("Lstm", MergeMode.Ave, false)]
    public void BidirectionalAroundAGoBackwardsLayer(string kind, MergeMode merge, bool returnSequences)
    {
        const int units = 3, features = 2;
        Reference.Layer inner = kind switch
        {
            "Lstm" => new Reference.LstmLayer(units, ReturnSequences: returnSequences, GoBackwards: true),
            "Gru" => new Reference.GruLayer(units, ReturnSequences: returnSequences, GoBackwards: true),
            _ => new Reference.RnnLayer(units, ReturnSequences: returnSequences, GoBackwards: true),
        };
        int gates = kind switch { "Lstm" => 4, "Gru" => 3, _ => 1 };
        int parameters = 2 * (gates * (features * units + units * units) + (kind == "Gru" ? 6 : gates) * units);
        int output = merge == MergeMode.Concat ? 2 * units : units;
        string sequences = returnSequences ? ", ReturnSequences = true" : "";
        Check([4, features], Loss.MeanSquaredError, 2,
            new FuzzLayer($"{kind}({units}, GoBackwards = true, Bidirectional = true, Merge = MergeMode.{merge}{sequences})", new Reference.BidirectionalLayer(inner, merge), parameters),
            new FuzzLayer("Dense(2)", new Reference.DenseLayer(2), output * 2 + 2));
    }

    /// <summary>
    /// Found by the Seq2Seq fuzzer in the test reference, not the generator: Seq2SeqReference's Dense knew only linear,
    /// tanh, ReLU and softmax, so a hidden sigmoid or hard-sigmoid Dense in a decoder was computed as linear there.
    /// </summary>
    [Theory]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.HardSigmoid)]
    public void Seq2SeqDecoderWithAHiddenSigmoidDense(Activation activation)
        => Seq2SeqNumericFuzzTests.CheckModels([new(
            $$"""
            [Seq2Seq(StartToken = 1, EndToken = 2)]
            public partial class S0
            {
                [Sequential(5)]
                [Embedding(7, 3)]
                [Gru(4)]
                public partial class Encoder;

                [Sequential(3)]
                [Embedding(6, 2, MaskZero = true)]
                [Gru(4, ReturnSequences = true)]
                [Dense(3, Activation = Activation.{{activation}})]
                [Dense(6, Activation = Activation.Softmax)]
                public partial class Decoder;
            }

            """,
            [new R.Embedding(7, 3), new R.Recurrent(R.Cell.Gru, 4, ReturnSequences: false)],
            [new R.Embedding(6, 2, MaskZero: true), new R.Recurrent(R.Cell.Gru, 4), new R.Dense(3, activation), new R.Dense(6, Activation.Softmax)],
            SourceLength: 5, TargetLength: 3, SourceVocabulary: 7, TargetVocabulary: 6, SourceMasked: false, TargetMasked: true)]);

    /// <summary>
    /// The fuzzer's first false alarm, kept because it pins a harness rule: LayerNormalization over one feature outputs β,
    /// which Keras initializes to 0, so a following ReLU sat exactly on its kink (Keras's derivative 0, a finite difference
    /// half the slope). The fuzzer moves every initial weight a little; with that, this network must check.
    /// </summary>
    [Fact]
    public void LayerNormalizationOverOneFeatureBeforeARelu()
        => Check([3, 1], Loss.MeanSquaredError, 1,
            new FuzzLayer("LayerNormalization", new Reference.LayerNormLayer(), 2),
            new FuzzLayer("Dense(1, Activation = Activation.Relu)", new Reference.DenseLayer(1, Activation.Relu), 2));
}
