using StaticRnn.Generator.Model;
using Xunit;

namespace StaticRnn.Generator.Tests;

/// <summary>Shape inference, Keras names and parameter counts, checked against published Keras summaries.</summary>
public class NetworkBuilderTests
{
    /// <summary>The built network of a declaration such as <c>"[Sequential(10, 8)]", "[Lstm(4)]"</c>, parsed as the generator parses it.</summary>
    internal static NetworkSpec Spec(params string[] attributes)
    {
        BuildResult result = Build(attributes);
        Assert.Empty(result.Problems.Where(p => p.IsError).Select(p => p.Message));
        return result.Spec!;
    }

    internal static BuildResult Build(params string[] attributes)
    {
        var compilation = GeneratorTestHelper.Compilation($"using StaticRnn;\n{string.Join("\n", attributes)}\npublic partial class Net;");
        var type = compilation.GetTypeByMetadataName("Net")!;
        var parsed = StaticRnn.Generator.Parsing.NetworkParser.Parse(type, CancellationToken.None);
        Assert.NotNull(parsed.Network);
        return NetworkBuilder.Build(parsed.Network!);
    }

    /// <summary>(name, Keras output shape, parameters) of each layer, as model.summary() prints them.</summary>
    private static (string Name, string Shape, int Params)[] Rows(params string[] attributes)
        => Spec(attributes).Layers.Select(l => (l.Name, NetworkBuilder.KerasShape(l.OutputShape), l.ParamCount)).ToArray();

    [Fact]
    public void SeedModelCountsNamesAndShapes()
    {
        NetworkSpec spec = Spec("[Sequential(10, 8)]", "[SimpleRnn(5, ReturnSequences = true)]",
            "[SimpleRnn(3)]",
            "[Dense(10)]");
        Assert.Equal(137, spec.ParameterCount);
        Assert.Equal(["simple_rnn", "simple_rnn_1", "dense"], spec.Layers.Select(l => l.Name));
        Assert.Equal([70, 27, 40], spec.Layers.Select(l => l.ParamCount));
        Assert.Equal(["(None, 10, 5)", "(None, 3)", "(None, 10)"], spec.Layers.Select(l => NetworkBuilder.KerasShape(l.OutputShape)));
        Assert.Equal(["simple_rnn/kernel", "simple_rnn/recurrent_kernel", "simple_rnn/bias"], spec.Layers[0].Weights.Select(w => w.Name));
        Assert.Equal([0, 40, 65, 70, 85, 94, 97, 127], spec.Layers.SelectMany(l => l.Weights).Select(w => w.Offset));
    }

    // Source: Keras guide "Working with RNNs" (keras.io/guides/working_with_rnns), model.summary() outputs.
    [Fact]
    public void KerasGuideEmbeddingLstmDense()
        => Assert.Equal([("embedding", "(None, 100, 64)", 64000), ("lstm", "(None, 128)", 98816), ("dense", "(None, 10)", 1290)],
            Rows("[Sequential(100)]", "[Embedding(1000, 64)]", "[Lstm(128)]", "[Dense(10)]"));

    // Source: same guide, "Built-in RNN layers" second model: GRU(256, return_sequences) then SimpleRNN(128).
    [Fact]
    public void KerasGuideEmbeddingGruSimpleRnnDense()
        => Assert.Equal([("embedding", "(None, 100, 64)", 64000), ("gru", "(None, 100, 256)", 247296), ("simple_rnn", "(None, 128)", 49280), ("dense", "(None, 10)", 1290)],
            Rows("[Sequential(100)]", "[Embedding(1000, 64)]", "[Gru(256, ReturnSequences = true)]",
                "[SimpleRnn(128)]", "[Dense(10)]"));

    // Source: same guide, "Bidirectional RNNs": Bidirectional(LSTM(64, return_sequences)) on (5, 10), Bidirectional(LSTM(32)), Dense(10).
    [Fact]
    public void KerasGuideBidirectionalLstm()
        => Assert.Equal([("bidirectional", "(None, 5, 128)", 38400), ("bidirectional_1", "(None, 64)", 41216), ("dense", "(None, 10)", 650)],
            Rows("[Sequential(5, 10)]", "[Lstm(64, ReturnSequences = true, Bidirectional = true)]",
                "[Lstm(32, Bidirectional = true)]", "[Dense(10)]"));

    [Fact]
    public void SecondBidirectionalNamesItsInnerLayerLikeKeras()
    {
        NetworkSpec spec = Spec("[Sequential(5, 10)]", "[Lstm(64, ReturnSequences = true, Bidirectional = true)]",
            "[Lstm(32, ReturnSequences = true, Bidirectional = true)]", "[Lstm(8)]");
        Assert.Equal(["bidirectional/forward_lstm/kernel", "bidirectional/forward_lstm/recurrent_kernel", "bidirectional/forward_lstm/bias",
            "bidirectional/backward_lstm/kernel", "bidirectional/backward_lstm/recurrent_kernel", "bidirectional/backward_lstm/bias"],
            spec.Layers[0].Weights.Select(w => w.Name));
        Assert.Equal("bidirectional_1/forward_lstm_1/kernel", spec.Layers[1].Weights[0].Name);
        Assert.Equal("bidirectional_1/backward_lstm_1/kernel", spec.Layers[1].Weights[3].Name);
        Assert.Equal("lstm_2", spec.Layers[2].Name);
    }

    // Published Keras model.summary() outputs. Each row: the source, then (name, output shape, parameters) as printed
    // there (output shapes here have our fixed time axis where the source printed None).

    // Source: fchollet/deep-learning-with-python-notebooks, first_edition/6.2-understanding-recurrent-neural-networks.ipynb, cell 3.
    [Fact]
    public void DeepLearningWithPythonEmbeddingSimpleRnn()
        => Assert.Equal([("embedding", "(None, 500, 32)", 320000), ("simple_rnn", "(None, 32)", 2080)],
            Rows("[Sequential(500)]", "[Embedding(10000, 32)]", "[SimpleRnn(32)]"));

    // Source: same notebook, cell 4 (return_sequences=True: same counts, a sequence out).
    [Fact]
    public void DeepLearningWithPythonEmbeddingSimpleRnnSequence()
        => Assert.Equal([("embedding", "(None, 500, 32)", 320000), ("simple_rnn", "(None, 500, 32)", 2080)],
            Rows("[Sequential(500)]", "[Embedding(10000, 32)]", "[SimpleRnn(32, ReturnSequences = true)]"));

    // Source: same notebook, cell 5: four stacked SimpleRNN(32), total 328,320.
    [Fact]
    public void DeepLearningWithPythonStackedSimpleRnn()
    {
        var rows = Rows("[Sequential(500)]", "[Embedding(10000, 32)]", "[SimpleRnn(32, ReturnSequences = true)]",
            "[SimpleRnn(32, ReturnSequences = true)]", "[SimpleRnn(32, ReturnSequences = true)]", "[SimpleRnn(32)]");
        Assert.Equal(["embedding", "simple_rnn", "simple_rnn_1", "simple_rnn_2", "simple_rnn_3"], rows.Select(r => r.Name));
        Assert.Equal([320000, 2080, 2080, 2080, 2080], rows.Select(r => r.Params));
        Assert.Equal(328320, rows.Sum(r => r.Params));
    }

    // Source: keras-team/keras-io examples/nlp/md/bidirectional_lstm_imdb.md (keras.io/examples/nlp/bidirectional_lstm_imdb), total 2,757,761.
    [Fact]
    public void KerasExampleBidirectionalLstmImdb()
    {
        var rows = Rows("[Sequential(200)]", "[Embedding(20000, 128)]", "[Lstm(64, ReturnSequences = true, Bidirectional = true)]",
            "[Lstm(64, Bidirectional = true)]", "[Dense(1)]");
        Assert.Equal([("embedding", "(None, 200, 128)", 2560000), ("bidirectional", "(None, 200, 128)", 98816), ("bidirectional_1", "(None, 128)", 98816), ("dense", "(None, 1)", 129)], rows);
        Assert.Equal(2757761, rows.Sum(r => r.Params));
    }

    // Source: keras-team/keras-io examples/timeseries/md/timeseries_weather_forecasting.md (Jena climate), total 5,153.
    [Fact]
    public void KerasExampleJenaClimateLstm()
        => Assert.Equal([("lstm", "(None, 32)", 5120), ("dense", "(None, 1)", 33)],
            Rows("[Sequential(120, 7)]", "[Lstm(32)]", "[Dense(1)]"));

    // Source: keras-team/keras-io examples/nlp/md/addition_rnn.md: LSTM, RepeatVector, LSTM, Dense over time, total 205,324.
    [Fact]
    public void KerasExampleAdditionRnn()
        => Assert.Equal([("lstm", "(None, 128)", 72192), ("repeat_vector", "(None, 4, 128)", 0), ("lstm_1", "(None, 4, 128)", 131584), ("dense", "(None, 4, 12)", 1548)],
            Rows("[Sequential(7, 12)]", "[Lstm(128)]", "[RepeatVector(4)]", "[Lstm(128, ReturnSequences = true)]", "[Dense(12)]"));

    // Source: github.com/tensorflow/tensorflow/issues/43960, standalone Keras GRU(5) on (10, 4): 150 parameters, i.e. reset_after=False.
    [Fact]
    public void PublishedGruResetBefore()
        => Assert.Equal([("gru", "(None, 5)", 150)], Rows("[Sequential(10, 4)]", "[Gru(5, ResetAfter = false)]"));

    [Fact]
    public void GruWithoutResetAfterHasOneBiasRow()
        => Assert.Equal([("gru", "(None, 16)", 3 * 16 * (8 + 16 + 1))], Rows("[Sequential(10, 8)]", "[Gru(16, ResetAfter = false)]"));

    [Fact]
    public void DropoutPoolingRepeatAndNormalizationShapes()
    {
        var rows = Rows("[Sequential(10, 8)]", "[SimpleRnn(6, ReturnSequences = true)]", "[Dropout(0.2)]",
            "[LayerNormalization]", "[GlobalAveragePooling1D]", "[RepeatVector(3)]");
        Assert.Equal([("simple_rnn", "(None, 10, 6)", 90), ("dropout", "(None, 10, 6)", 0), ("layer_normalization", "(None, 10, 6)", 12), ("global_average_pooling1d", "(None, 6)", 0), ("repeat_vector", "(None, 3, 6)", 0)], rows);
    }

    // Source: keras-team/keras-io examples/nlp/text_classification_with_transformer.py (maxlen 200, vocab_size 20,000,
    // embed_dim 32, num_heads 2, ff_dim 32): TokenAndPositionEmbedding 20,000·32 + 200·32, the block 10,656, then
    // pooling, dropout, Dense(20, relu), dropout, Dense(2, softmax): 657,758 in total. The block creates its sublayers
    // first, so Keras's counters make the head's layers dropout_2, dense_2, dropout_3 and dense_3.
    [Fact]
    public void KerasExampleTransformerTextClassifier()
    {
        var rows = Rows("[Sequential(200)]", "[TokenAndPositionEmbedding(20000, 200, 32)]", "[TransformerEncoder(2, 32, 32)]", "[GlobalAveragePooling1D]",
            "[Dropout(0.1)]", "[Dense(20, Activation = Activation.Relu)]", "[Dropout(0.1)]", "[Dense(2, Activation = Activation.Softmax)]");
        Assert.Equal([("token_and_position_embedding", "(None, 200, 32)", 646400), ("transformer_encoder", "(None, 200, 32)", 10656),
            ("global_average_pooling1d", "(None, 32)", 0), ("dropout_2", "(None, 32)", 0), ("dense_2", "(None, 20)", 660),
            ("dropout_3", "(None, 20)", 0), ("dense_3", "(None, 2)", 42)], rows);
        Assert.Equal(657758, rows.Sum(r => r.Params));
    }

    /// <summary>The block's weights in the Keras tracking order: attention (query, key, value, output), dense, dense_1, then the two norms.</summary>
    [Fact]
    public void TransformerEncoderWeightsComeInTheBlocksTrackingOrder()
    {
        NetworkSpec spec = Spec("[Sequential(10, 32)]", "[TransformerEncoder(2, 32, 32)]");
        string[] expected =
        [
            "query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias", "attention_output/kernel", "attention_output/bias",
        ];
        Assert.Equal(expected.Select(n => "transformer_encoder/multi_head_attention/" + n)
            .Concat(["transformer_encoder/dense/kernel", "transformer_encoder/dense/bias", "transformer_encoder/dense_1/kernel", "transformer_encoder/dense_1/bias",
                "transformer_encoder/layer_normalization/gamma", "transformer_encoder/layer_normalization/beta",
                "transformer_encoder/layer_normalization_1/gamma", "transformer_encoder/layer_normalization_1/beta"]),
            spec.Layers[0].Weights.Select(w => w.Name));
        Assert.Equal(["(32, 2, 32)", "(2, 32)"], spec.Layers[0].Weights.Take(2).Select(w => NetworkBuilder.Shape(w.Shape.ToArray())));
        Assert.Equal("(2, 32, 32)", NetworkBuilder.Shape(spec.Layers[0].Weights[6].Shape.ToArray()));
        Assert.Equal(10656, spec.ParameterCount);
    }

    [Fact]
    public void MultiHeadAttentionCountsAndValueDim()
    {
        // Keras MultiHeadAttention(2, 32) on width 32: 3 · (32·2·32 + 2·32) + 2·32·32 + 32 = 8,416.
        Assert.Equal([("multi_head_attention", "(None, 10, 32)", 8416)], Rows("[Sequential(10, 32)]", "[MultiHeadAttention(2, 32)]"));
        // value_dim 5, no biases: 2 · 6·3·4 + 6·3·5 + 3·5·6 = 324.
        Assert.Equal([("multi_head_attention", "(None, 7, 6)", 324)], Rows("[Sequential(7, 6)]", "[MultiHeadAttention(3, 4, ValueDim = 5, UseBias = false)]"));
    }

    [Fact]
    public void AttentionScalarsAndPositionTables()
    {
        NetworkSpec spec = Spec("[Sequential(6, 4)]", "[Attention(UseScale = true, ScoreMode = ScoreMode.Concat)]", "[PositionEmbedding]", "[Attention]");
        Assert.Equal(["attention/scale", "attention/concat_score_weight", "position_embedding/embeddings"], spec.Layers.SelectMany(l => l.Weights).Select(w => w.Name));
        Assert.Equal(["()", "()", "(6, 4)"], spec.Layers.SelectMany(l => l.Weights).Select(w => NetworkBuilder.Shape(w.Shape.ToArray())));
        Assert.Equal("attention_1", spec.Layers[2].Name);
    }

    [Fact]
    public void ASequenceLongerThanThePositionTableIsRefused()
    {
        BuildResult result = Build("[Sequential(12)]", "[TokenAndPositionEmbedding(100, 10, 8)]");
        Assert.Null(result.Spec);
        Assert.Contains(result.Problems, p => p.Id == DiagnosticIds.BadArgument && p.Message.Contains("the input has 12 tokens but sequenceLength is 10", StringComparison.Ordinal));
    }

    [Fact]
    public void LoopsBeyondTheUnrollingBudgetAreFlagged()
    {
        NetworkSpec spec = Spec("[Sequential(5, 60)]", "[SimpleRnn(40)]", "[Dense(8)]");
        Assert.False(spec.Layers[0].Unrolled);
        Assert.True(spec.Layers[1].Unrolled);
    }

    [Fact]
    public void SummaryTableMatchesKerasLayout()
    {
        NetworkSpec spec = Spec("[Sequential(10, 8)]", "[SimpleRnn(5, ReturnSequences = true)]", "[SimpleRnn(3)]", "[Dense(10)]");
        string summary = SummaryFormatter.Format(spec);
        Assert.Contains("│ simple_rnn (SimpleRNN)          │ (None, 10, 5)          │            70 │", summary);
        Assert.Contains("│ dense (Dense)                   │ (None, 10)             │            40 │", summary);
        Assert.EndsWith(" Total params: 137 (548.00 B)\n Trainable params: 137 (548.00 B)\n Non-trainable params: 0 (0.00 B)\n", summary);
    }
}
