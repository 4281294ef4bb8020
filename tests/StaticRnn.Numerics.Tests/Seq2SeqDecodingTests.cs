using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// Training and decoding of a small model on a toy task (each source reversed, its ids mapped into the target
/// vocabulary): Fit learns it, greedy Generate equals decoding step by step with Predict, beam search of width 1 is greedy
/// and a wider beam finds a sequence at least as probable; after warm-up nothing allocates; bad arguments throw before
/// anything changes.
/// </summary>
// Runs alone: with the finite-difference tests allocating heavily on other threads, about half of the runs measured
// 3-6 KB "allocated" here (none when those tests were left out, none in a loop with busy threads outside the test host):
// less than one allocation quantum, as if another thread's garbage collection counted the unused rest of this thread's
// allocation context.
[Collection(nameof(ParallelTests))]
public class Seq2SeqDecodingTests
{
    /// <summary>Sources of 2 to 5 ids in 3..10, targets their reversal mapped to 3..8, then the end token.</summary>
    private static (int[] Sources, int[] Targets) ReversalTask(int pairs, int seed)
    {
        var random = new SeededRandom(seed);
        int s = S2sLstmAttention.SourceLength, t = S2sLstmAttention.TargetLength;
        var sources = new int[pairs * s];
        var targets = new int[pairs * t];
        for (int p = 0; p < pairs; p++)
        {
            int length = 2 + random.NextInt(4);
            for (int i = 0; i < length; i++)
            {
                int id = 3 + random.NextInt(8);
                sources[p * s + i] = id;
                targets[p * t + length - 1 - i] = 3 + (id - 3) % 6;
            }
            targets[p * t + length] = S2sLstmAttention.EndToken;
        }
        return (sources, targets);
    }

    private static readonly Lazy<S2sLstmAttention> s_trained = new(() =>
    {
        var model = new S2sLstmAttention();
        var (sources, targets) = ReversalTask(1024, 1);
        model.Fit(sources, targets, epochs: 40, batchSize: 32, optimizer: new Adam(0.02f), verbose: 0, seed: 0);
        return model;
    });

    [Fact]
    public void FitLearnsTheTaskAndGreedyDecodingSolvesHeldOutPairs()
    {
        S2sLstmAttention model = s_trained.Value;
        var (sources, targets) = ReversalTask(200, 2);
        Assert.True(model.Evaluate(sources, targets) < 0.3f, $"held-out loss {model.Evaluate(sources, targets)}");
        var outputs = new int[targets.Length];
        model.Generate(sources, outputs, 200);
        int t = S2sLstmAttention.TargetLength, exact = 0;
        for (int p = 0; p < 200; p++)
        {
            exact += outputs.AsSpan(p * t, t).SequenceEqual(targets.AsSpan(p * t, t)) ? 1 : 0;
        }
        Assert.True(exact >= 180, $"{exact} of 200 held-out pairs decoded exactly");
    }

    [Fact]
    public void GreedyDecodingEqualsDecodingStepByStepWithPredict()
    {
        S2sLstmAttention model = s_trained.Value;
        var (sources, _) = ReversalTask(20, 3);
        int s = S2sLstmAttention.SourceLength, t = S2sLstmAttention.TargetLength;
        var generated = new int[20 * t];
        model.Generate(sources, generated, 20);
        for (int p = 0; p < 20; p++)
        {
            int[] expected = DecodingOracle.Greedy(model, sources.AsSpan(p * s, s), out _);
            Assert.Equal(expected, generated[(p * t)..((p + 1) * t)]);
        }
    }

    /// <summary>Σ log p of <paramref name="sequence"/> (up to its end token) under teacher forcing.</summary>
    private static double LogProbability(S2sLstmAttention model, ReadOnlySpan<int> source, int[] sequence)
    {
        int t = S2sLstmAttention.TargetLength, v = S2sLstmAttention.TargetVocabulary;
        var probabilities = new float[t * v];
        model.Predict(source, Seq2SeqReference.Shifted(sequence, S2sLstmAttention.StartToken), probabilities);
        double sum = 0;
        for (int step = 0; step < t && sequence[step] != 0; step++)
        {
            sum += Math.Log(probabilities[step * v + sequence[step]]);
        }
        return sum;
    }

    [Fact]
    public void BeamSearchOfWidthOneIsGreedyAndWiderBeamsFindSequencesAtLeastAsProbable()
    {
        var model = new S2sLstmAttention();
        var (sources, targets) = ReversalTask(256, 4);
        model.Fit(sources, targets, epochs: 3, batchSize: 32, optimizer: new Adam(0.02f), verbose: 0, seed: 0); // half-trained: greedy still errs
        int s = S2sLstmAttention.SourceLength, t = S2sLstmAttention.TargetLength;
        var greedy = new int[30 * t];
        model.Generate(sources.AsSpan(0, 30 * s), greedy, 30);
        int better = 0;
        for (int p = 0; p < 30; p++)
        {
            ReadOnlySpan<int> source = sources.AsSpan(p * s, s);
            int[] one = new int[t], four = new int[t];
            model.BeamSearch(source, one, 1);
            Assert.Equal(greedy[(p * t)..((p + 1) * t)], one);
            model.BeamSearch(source, four, 4);
            double g = LogProbability(model, source, one), b = LogProbability(model, source, four);
            Assert.True(b >= g - 1e-4, $"pair {p}: beam {b} < greedy {g}");
            better += b > g + 1e-4 ? 1 : 0;
        }
        Assert.True(better > 0, "a beam of 4 never beat greedy decoding on 30 pairs of a half-trained model");
    }

    [Fact]
    public void TrainingAndDecodingAllocateNothingAfterWarmUp()
    {
        var model = new S2sLstmAttention();
        var (sources, targets) = ReversalTask(16, 5);
        var adam = new Adam();
        var outputs = new int[targets.Length];
        var gradients = new float[S2sLstmAttention.ParameterCount];
        var one = new int[S2sLstmAttention.TargetLength];
        for (int i = 0; i < 5; i++)
        {
            model.TrainStep(sources, targets, 16, adam);
            model.Generate(sources, outputs, 16);
            model.BeamSearch(sources.AsSpan(0, S2sLstmAttention.SourceLength), one, 3);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            model.TrainStep(sources, targets, 16, adam);
            model.Gradients(sources, targets, 16, gradients);
        }
        long afterTraining = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            model.Generate(sources, outputs, 16);
            model.BeamSearch(sources.AsSpan(0, S2sLstmAttention.SourceLength), one, 3);
        }
        long afterDecoding = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, afterTraining - before);
        Assert.Equal(0, afterDecoding - afterTraining);
    }

    [Fact]
    public void BadArgumentsThrowAndChangeNothing()
    {
        var model = new S2sLstmAttention();
        float[] before = model.Parameters.ToArray();
        var (sources, targets) = ReversalTask(4, 6);
        var adam = new Adam();
        var outputs = new int[targets.Length];
        Assert.Contains("SourceLength", Assert.Throws<ArgumentException>(() => model.TrainStep(sources.AsSpan(1), targets, 4, adam)).Message);
        Assert.Contains("TargetLength", Assert.Throws<ArgumentException>(() => model.TrainStep(sources, targets.AsSpan(1), 4, adam)).Message);
        sources[3] = S2sLstmAttention.SourceVocabulary;
        Assert.Equal("sources", Assert.Throws<ArgumentException>(() => model.TrainStep(sources, targets, 4, adam)).ParamName);
        Assert.Equal("sources", Assert.Throws<ArgumentException>(() => model.Generate(sources, outputs, 4)).ParamName);
        sources[3] = 0;
        targets[2] = -1;
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => model.Fit(sources, targets, verbose: 0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(sources, outputs, 0));
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => model.Generate(sources, outputs.AsSpan(1), 4)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.BeamSearch(sources.AsSpan(0, 7), outputs.AsSpan(0, 6), 0));
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => model.BeamSearch(sources.AsSpan(0, 7), outputs.AsSpan(0, 5), 2)).ParamName);
        Assert.Equal(before, model.Parameters.ToArray());
    }
}
