using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// Keras masking (<c>mask_zero=True</c>), checked against the unpadded network: a padded batch gives, for every sample,
/// the outputs of its real tokens run alone through the same layers without a mask (already checked against the oracles),
/// and the loss and every gradient of the batch equal those of the unpadded batch. Padding goes at the end, the start or
/// in between where the layers allow it (positions and causal order need it at the end).
/// </summary>
public class MaskingTests
{
    private static readonly int[][] s_real = [[3, 7, 1, 9, 4, 11], [2, 2, 8, 5, 13, 6], [10, 1, 12, 3, 3, 7]];

    /// <summary>The real tokens of sample <paramref name="sample"/> placed among padding by <paramref name="layout"/> ('x' token, '.' padding).</summary>
    private static int[] Pad(int[] real, string layout)
    {
        var padded = new int[layout.Length];
        int next = 0;
        for (int t = 0; t < layout.Length; t++)
        {
            padded[t] = layout[t] == 'x' ? real[next++] : 0;
        }
        Assert.Equal(layout.Count(c => c == 'x'), next);
        return padded;
    }

    private static void Equivalent<TPadded, TPlain>(string[] layouts, int vocabulary, float[] targets, bool sequenceOutput = false)
        where TPadded : IStaticNetwork<TPadded>, new() where TPlain : IStaticNetwork<TPlain>, new()
    {
        Assert.Equal(TPlain.ParameterCount, TPadded.ParameterCount);
        int batch = layouts.Length, length = TPlain.InputSize;
        var random = new SeededRandom(17);
        var padded = new TPadded();
        var plain = new TPlain();
        foreach (ref float v in padded.Parameters)
        {
            v = (float)random.NextDouble(-0.5, 0.5);
        }
        padded.Parameters.CopyTo(plain.Parameters);
        int[] real = Enumerable.Range(0, batch).SelectMany(s => s_real[s].Take(length).Select(id => id % vocabulary == 0 ? 1 : id % vocabulary)).ToArray();
        int[] paddedIds = Enumerable.Range(0, batch).SelectMany(s => Pad(real[(s * length)..((s + 1) * length)], layouts[s])).ToArray();

        // Targets: the plain network's; a sequence output's padded steps get targets that must not count.
        float[] plainTargets = targets;
        float[] paddedTargets = targets;
        if (sequenceOutput)
        {
            int rows = TPadded.TargetSize;
            paddedTargets = new float[batch * rows];
            for (int s = 0; s < batch; s++)
            {
                for (int r = 0; r < rows; r++)
                {
                    paddedTargets[s * rows + r] = r < length ? targets[s * length + r] : 2; // padding at the end
                }
            }
        }

        var a = new float[batch * TPadded.OutputSize];
        var b = new float[batch * TPlain.OutputSize];
        padded.Predict(paddedIds.Select(i => (float)i).ToArray(), a, batch);
        plain.Predict(real.Select(i => (float)i).ToArray(), b, batch);
        if (sequenceOutput)
        {
            int units = TPlain.OutputShape[^1];
            a = Enumerable.Range(0, batch).SelectMany(s => a.Skip(s * TPadded.OutputSize).Take(length * units)).ToArray();
        }
        Tolerance.Close(b, a, 1e-5, 1e-6, "outputs of the real steps");

        var gp = new float[TPadded.ParameterCount];
        var gq = new float[TPlain.ParameterCount];
        float lp = padded.Gradients(paddedIds.Select(i => (float)i).ToArray(), paddedTargets, batch, gp);
        float lq = plain.Gradients(real.Select(i => (float)i).ToArray(), plainTargets, batch, gq);
        Tolerance.Close([lq], [lp], 1e-5, 1e-6, "loss");
        Tolerance.Close(gq, gp, 1e-4, 1e-6, "gradients");
    }

    [Fact]
    public void RecurrentLayersSkipPaddingAtTheEndTheStartAndInBetween() => Equivalent<PaddedLstmGru, PlainLstmGru>(
        ["xxxxx...", "...xxxxx", "x.xx..xx"], 20, [0.3f, -0.2f, 0.5f, 0.1f, -0.7f, 0.4f]);

    [Fact]
    public void BidirectionalLayerAndPoolingSkipPadding() => Equivalent<PaddedBidiPool, PlainBidiPool>(
        ["xxxx...", ".x.x.xx", "..xxxx."], 15, [2, 0, 1]);

    [Fact]
    public void PaddedOutputStepsLeaveTheLoss() => Equivalent<PaddedSequenceOutput, PlainSequenceOutput>(
        ["xxxx..", "xxxx..", "xxxx.."], 12, [0, 1, 2, 1, 2, 2, 0, 0, 1, 0, 2, 1], sequenceOutput: true);

    [Fact]
    public void BackwardsRecurrentLayerSkipsPadding() => Equivalent<PaddedBackwardsGru, PlainBackwardsGru>(
        ["xxxx...", "...xxxx", "x.x.x.x"], 12, [1, 0, 1]);

    [Fact]
    public void TransformerIgnoresPaddedKeys() => Equivalent<PaddedTransformer, PlainTransformer>(
        ["xxxxxx...", "xxxxxx...", "xxxxxx..."], 16, [1, 0, 1]);

    [Fact]
    public void AttentionIgnoresPaddedKeysAndPoolingPaddedQueries() => Equivalent<PaddedAttention, PlainAttention>(
        ["xxxx...", "..x.xxx", "x...xxx"], 14, [0.5f, -0.5f, 0.2f, 0.9f, -0.1f, 0.3f]);

    [Fact]
    public void CausalMultiHeadAttentionIgnoresPaddedKeys() => Equivalent<PaddedMultiHead, PlainMultiHead>(
        ["xxxxx...", "x.x.x.xx", "...xxxxx"], 14, [0.4f, -0.6f, 0.1f]);

    [Fact]
    public void AllPaddingGivesZeroLossAndGradient()
    {
        var net = new PaddedSequenceOutput();
        var gradients = new float[PaddedSequenceOutput.ParameterCount];
        gradients.AsSpan().Fill(3);
        float loss = net.Gradients(new float[2 * PaddedSequenceOutput.InputSize], new float[2 * PaddedSequenceOutput.TargetSize], 2, gradients);
        Assert.Equal(0, loss);
        Assert.All(gradients, g => Assert.Equal(0, g));
    }
}
