using Xunit;
using static StaticRnn.Numerics.Tests.Seq2SeqReference;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// Generated sequence-to-sequence models against the float64 reference (Seq2SeqReference.cs): teacher-forced
/// probabilities and loss, and every parameter gradient against central finite differences of the reference (step
/// 1e-5, tolerances as in FiniteDifferenceTests). Sources and targets mix full sequences with padding at the end, at the
/// start and in between, so the masks, the state link and the encoder gradient from attention are all exercised.
/// </summary>
public class Seq2SeqTests
{
    internal static (int[] Sources, int[] Targets) Pairs<TModel>(SeededRandom random, int batch) where TModel : ISeq2SeqNetwork<TModel>
    {
        int s = TModel.SourceLength, t = TModel.TargetLength;
        var sources = new int[batch * s];
        var targets = new int[batch * t];
        for (int b = 0; b < batch; b++)
        {
            // Sample 0 is full; the others are shorter, padded at the end, the start, or both.
            int length = b == 0 ? s : 1 + random.NextInt(s - 1);
            int lead = b % 3 == 2 ? random.NextInt(s - length + 1) : 0;
            for (int i = 0; i < length; i++)
            {
                sources[b * s + lead + i] = 1 + random.NextInt(TModel.SourceVocabulary - 1);
            }
            int real = b == 0 ? t - 1 : random.NextInt(t);
            for (int i = 0; i < real; i++)
            {
                int id;
                do
                {
                    id = 1 + random.NextInt(TModel.TargetVocabulary - 1);
                }
                while (id == TModel.EndToken);
                targets[b * t + i] = id;
            }
            targets[b * t + real] = TModel.EndToken;
        }
        return (sources, targets);
    }

    internal static void Randomize(Span<float> parameters, int seed)
    {
        var random = new SeededRandom(seed);
        foreach (ref float v in parameters)
        {
            v = (float)random.NextDouble(-0.5, 0.5);
        }
    }

    private static void Check<TModel>(Layer[] encoder, Layer[] decoder, int batch = 3) where TModel : ISeq2SeqNetwork<TModel>, new()
    {
        var model = new TModel();
        Randomize(model.Parameters, 11);
        var (sources, targets) = Pairs<TModel>(new SeededRandom(5), batch);
        int s = TModel.SourceLength, t = TModel.TargetLength, v = TModel.TargetVocabulary;
        double[] p = model.Parameters.ToArray().Select(x => (double)x).ToArray();

        // Teacher-forced probabilities and the loss first: a gradient check of the wrong function proves nothing.
        int[] decoderInputs = Enumerable.Range(0, batch).SelectMany(b => Shifted(targets[(b * t)..((b + 1) * t)], TModel.StartToken)).ToArray();
        var probabilities = new float[batch * t * v];
        model.Predict(sources, decoderInputs, probabilities, batch);
        var expected = Enumerable.Range(0, batch)
            .SelectMany(b => Probabilities(encoder, decoder, p, sources.AsSpan(b * s, s), decoderInputs.AsSpan(b * t, t)).SelectMany(row => row))
            .Select(x => (float)x).ToArray();
        Tolerance.Close(expected, probabilities, 1e-5, 1e-6, "probabilities");

        var gradients = new float[TModel.ParameterCount];
        float loss = model.Gradients(sources, targets, batch, gradients);
        double reference = Loss(encoder, decoder, p, sources, targets, batch, TModel.StartToken);
        Tolerance.Close([(float)reference], [loss], 1e-5, 1e-6, "loss");
        Assert.Equal(loss, model.ComputeLoss(sources, targets, batch));

        const double h = 1e-5;
        var numeric = new double[p.Length];
        for (int j = 0; j < p.Length; j++)
        {
            double keep = p[j];
            p[j] = keep + h;
            double up = Loss(encoder, decoder, p, sources, targets, batch, TModel.StartToken);
            p[j] = keep - h;
            double down = Loss(encoder, decoder, p, sources, targets, batch, TModel.StartToken);
            p[j] = keep;
            numeric[j] = (up - down) / (2 * h);
        }
        double largest = numeric.Max(Math.Abs);
        Assert.True(largest > 1e-3, "the gradient is too small to check anything");
        Tolerance.Close(numeric.Select(x => (float)x).ToArray(), gradients, 1e-4, 1e-5 * largest, "gradients");
        // Every weight array gets a gradient: the encoder's too, through the state link and the attention.
        foreach (WeightInfo weight in model.Weights)
        {
            Assert.True(gradients.AsSpan(weight.Offset, weight.Length).ToArray().Any(g => g != 0), $"{weight.Name} has no gradient");
        }
    }

    [Fact]
    public void BidirectionalLstmEncoderLstmDecoderWithLuongAttention() => Check<S2sLstmAttention>(
        [new Embedding(11, 6, MaskZero: true), new Recurrent(Cell.Lstm, 5, Bidirectional: true)],
        [new Embedding(9, 6, MaskZero: true), new Recurrent(Cell.Lstm, 10), new CrossAttention(UseScale: true, ConcatenateQuery: true), new Dense(9, Activation.Softmax)]);

    [Fact]
    public void BackwardsGruEncoderGruDecoderWithConcatAttention() => Check<S2sGruConcat>(
        [new Embedding(10, 5, MaskZero: true), new Recurrent(Cell.SimpleRnn, 4), new Recurrent(Cell.Gru, 6, GoBackwards: true)],
        [new Embedding(8, 5, MaskZero: true), new Recurrent(Cell.Gru, 6), new CrossAttention(UseScale: true, Concat: true, ConcatenateQuery: true), new Dense(8, Activation.Softmax)],
        batch: 4);

    [Fact]
    public void PlainEncoderDecoderLinkedByTheFinalStateOnly() => Check<S2sStateOnly>(
        [new Embedding(9, 4), new Recurrent(Cell.SimpleRnn, 5, ReturnSequences: false)],
        [new Embedding(7, 4), new Recurrent(Cell.SimpleRnn, 5), new Dense(7, Activation.Softmax)]);

    [Fact]
    public void TransformerEncoderDecoder() => Check<S2sTransformer>(
        [new TokenPosition(12, 6, 8, MaskZero: true), new TransformerEncoder(2, 4, 8)],
        [new TokenPosition(10, 5, 8, MaskZero: true), new TransformerDecoder(2, 4, 8), new Dense(10, Activation.Softmax)]);

    [Fact]
    public void PreNormTransformerWithADecoderWiderThanTheEncoder() => Check<S2sTransformerPreNorm>(
        [new TokenPosition(12, 6, 6, MaskZero: true), new TransformerEncoder(1, 4, 6, NormalizeFirst: true)],
        [new TokenPosition(10, 5, 8, MaskZero: true), new TransformerDecoder(2, 3, 10, NormalizeFirst: true, Epsilon: 1e-3), new Dense(10, Activation.Softmax)]);

    [Fact]
    public void PaddingChangesNothing()
    {
        // The same weights on sequences padded to longer lengths: loss, gradients, probabilities and decoding all agree.
        var model = new S2sLstmAttention();
        var padded = new S2sLstmAttentionPadded();
        Assert.Equal(S2sLstmAttention.ParameterCount, S2sLstmAttentionPadded.ParameterCount);
        Randomize(model.Parameters, 3);
        model.Parameters.CopyTo(padded.Parameters);
        const int batch = 4;
        var (sources, targets) = Pairs<S2sLstmAttention>(new SeededRandom(9), batch);
        int[] Pad(int[] ids, int from, int to) => Enumerable.Range(0, batch).SelectMany(b => ids.Skip(b * from).Take(from).Concat(new int[to - from])).ToArray();
        int[] paddedSources = Pad(sources, 7, 10), paddedTargets = Pad(targets, 6, 9);

        var g1 = new float[S2sLstmAttention.ParameterCount];
        var g2 = new float[S2sLstmAttention.ParameterCount];
        float l1 = model.Gradients(sources, targets, batch, g1);
        float l2 = padded.Gradients(paddedSources, paddedTargets, batch, g2);
        Tolerance.Close([l1], [l2], 1e-6, 1e-7, "loss");
        Tolerance.Close(g1, g2, 1e-5, 1e-6, "gradients");

        var o1 = new int[batch * 6];
        var o2 = new int[batch * 9];
        model.Generate(sources, o1, batch);
        padded.Generate(paddedSources, o2, batch);
        for (int b = 0; b < batch; b++)
        {
            int[] a = o1[(b * 6)..((b + 1) * 6)], c = o2[(b * 9)..((b + 1) * 9)];
            // Up to the shorter model's length the same tokens; the longer one may go on where the shorter had to stop.
            Assert.Equal(a, c[..6]);
        }
    }
}
