using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// S2sLstmAttention against PyTorch (tests/oracles/torch/make-seq2seq-fixtures.py): a bidirectional LSTM encoder whose
/// final states seed an LSTM decoder with dot attention, the weights mapped from the Keras layout, run in float64. Every
/// teacher-forced probability (padded rows too), the loss and every gradient.
/// </summary>
public class Seq2SeqOracleTests
{
    private sealed class Seq2SeqFixture
    {
        [JsonPropertyName("generator")] public string Generator { get; set; } = "";
        [JsonPropertyName("start_token")] public int StartToken { get; set; }
        [JsonPropertyName("end_token")] public int EndToken { get; set; }
        [JsonPropertyName("source_length")] public int SourceLength { get; set; }
        [JsonPropertyName("target_length")] public int TargetLength { get; set; }
        [JsonPropertyName("parameter_count")] public int ParameterCount { get; set; }
        [JsonPropertyName("batch")] public int Batch { get; set; }
        [JsonPropertyName("sources")] public int[] Sources { get; set; } = [];
        [JsonPropertyName("targets")] public int[] Targets { get; set; } = [];
        [JsonPropertyName("weights")] public List<FixtureWeight> Weights { get; set; } = [];
        [JsonPropertyName("probabilities")] public float[] Probabilities { get; set; } = [];
        [JsonPropertyName("loss")] public float Loss { get; set; }
        [JsonPropertyName("gradients")] public List<FixtureWeight> Gradients { get; set; } = [];
    }

    [Fact]
    public void LstmEncoderDecoderWithDotAttentionMatchesPyTorch()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch", "seq2seq_lstm_attention.json");
        Seq2SeqFixture f = JsonSerializer.Deserialize<Seq2SeqFixture>(File.ReadAllText(path))!;
        Assert.StartsWith("PyTorch", f.Generator);
        Assert.Equal((S2sLstmAttention.StartToken, S2sLstmAttention.EndToken), (f.StartToken, f.EndToken));
        Assert.Equal((S2sLstmAttention.SourceLength, S2sLstmAttention.TargetLength), (f.SourceLength, f.TargetLength));
        Assert.Equal(S2sLstmAttention.ParameterCount, f.ParameterCount);

        var model = new S2sLstmAttention();
        Assert.Equal(f.Weights.Select(w => (w.Name, string.Join(",", w.Shape))), model.Weights.Select(w => (w.Name, string.Join(",", w.Shape))));
        float[] parameters = f.Weights.SelectMany(w => w.Values).ToArray();
        parameters.CopyTo(model.Parameters);

        int t = f.TargetLength;
        int[] decoderInputs = Enumerable.Range(0, f.Batch).SelectMany(b => Seq2SeqReference.Shifted(f.Targets[(b * t)..((b + 1) * t)], f.StartToken)).ToArray();
        var probabilities = new float[f.Probabilities.Length];
        model.Predict(f.Sources, decoderInputs, probabilities, f.Batch);
        Tolerance.Close(f.Probabilities, probabilities, 1e-5, 1e-6, "probabilities");

        var gradients = new float[S2sLstmAttention.ParameterCount];
        float loss = model.Gradients(f.Sources, f.Targets, f.Batch, gradients);
        Tolerance.Close([f.Loss], [loss], 1e-5, 1e-6, "loss");
        float[] expected = f.Gradients.SelectMany(g => g.Values).ToArray();
        Tolerance.Close(expected, gradients, 1e-4, 1e-5 * expected.Max(Math.Abs), "gradients");
    }
}
