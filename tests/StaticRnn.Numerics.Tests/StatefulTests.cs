using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// Stateful networks (Keras stateful=True): feeding a sequence one step per Predict call must give, step by step,
/// what the same weights give on the whole sequence at once.
/// </summary>
// Runs alone: with the finite-difference tests allocating heavily on other threads, about half of the runs measured
// 3-6 KB "allocated" here (none when those tests were left out, none in a loop with busy threads outside the test host):
// less than one allocation quantum, as if another thread's garbage collection counted the unused rest of this thread's
// allocation context.
[Collection(nameof(ParallelTests))]
public class StatefulTests
{
    private static float[] Random(int n, int seed)
    {
        var r = new SeededRandom(seed);
        return Enumerable.Range(0, n).Select(_ => (float)r.NextDouble(-1, 1)).ToArray();
    }

    private static void AssertStreamingEqualsSequence<TStream, TSequence>(int steps, int features, int outputs)
        where TStream : IStaticNetwork<TStream>, new() where TSequence : IStaticNetwork<TSequence>, new()
    {
        var stream = new TStream();
        var sequence = new TSequence();
        Assert.Equal(TSequence.ParameterCount, TStream.ParameterCount);
        Random(TStream.ParameterCount, 1).CopyTo(stream.Parameters);
        stream.Parameters.CopyTo(sequence.Parameters);

        float[] x = Random(steps * features, 2);
        var whole = new float[steps * outputs];
        sequence.Predict(x, whole);
        var step = new float[outputs];
        for (int pass = 0; pass < 2; pass++)
        {
            for (int t = 0; t < steps; t++)
            {
                stream.Predict(x.AsSpan(t * features, features), step);
                Tolerance.Close(whole.AsSpan(t * outputs, outputs), step, 1e-6, 1e-7, $"pass {pass}, step {t}");
            }
            stream.ResetStates(); // the second pass starts from zero state again and must repeat the first
        }
    }

    [Fact]
    public void LstmStreamingEqualsTheWholeSequence() => AssertStreamingEqualsSequence<StreamLstm, SequenceLstm>(12, 3, 2);

    [Fact]
    public void StackedGruAndSimpleRnnStreamingEqualsTheWholeSequence() => AssertStreamingEqualsSequence<StreamGruRnn, SequenceGruRnn>(9, 2, 1);

    [Fact]
    public void EachSampleOfABatchCarriesItsOwnState()
    {
        var batched = new StreamLstm();
        var single = new StreamLstm();
        Random(StreamLstm.ParameterCount, 3).CopyTo(batched.Parameters);
        batched.Parameters.CopyTo(single.Parameters);
        float[] a = Random(5 * 3, 4), b = Random(5 * 3, 5);
        var two = new float[4];
        var one = new float[2];
        var expectedB = new float[5 * 2];
        for (int t = 0; t < 5; t++)
        {
            single.Predict(b.AsSpan(t * 3, 3), one);
            one.CopyTo(expectedB.AsSpan(t * 2));
        }
        for (int t = 0; t < 5; t++)
        {
            float[] pair = [.. a.AsSpan(t * 3, 3), .. b.AsSpan(t * 3, 3)];
            batched.Predict(pair, two, batchSize: 2);
            Tolerance.Close(expectedB.AsSpan(t * 2, 2), two.AsSpan(2, 2), 1e-6, 1e-7, $"stream b, step {t}");
        }
        var e = Assert.Throws<ArgumentException>(() => batched.Predict(a.AsSpan(0, 3), one));
        Assert.Contains("call ResetStates() before using a batch of 1", e.Message);
        batched.ResetStates();
        batched.Predict(a.AsSpan(0, 3), one);
    }

    [Fact]
    public void StreamingAllocatesNothing()
    {
        var net = new StreamLstm();
        var x = new float[3];
        var y = new float[2];
        for (int i = 0; i < 10; i++) net.Predict(x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            x[0] = MathF.Sin(i * 0.01f);
            net.Predict(x, y);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void StatefulTrainingCarriesStateAcrossSteps()
    {
        var net = new StreamLstm();
        float[] x = Random(3, 6);
        float[] y = [0.5f, -0.5f];
        float first = net.ComputeLoss(x, y, 1);
        float second = net.ComputeLoss(x, y, 1);
        Assert.NotEqual(first, second); // the second call starts from the state the first one left
        net.ResetStates();
        Assert.Equal(first, net.ComputeLoss(x, y, 1));
        var adam = new Adam(0.01f);
        for (int i = 0; i < 50; i++)
        {
            net.ResetStates();
            net.TrainStep(x, y, 1, adam);
        }
        net.ResetStates();
        Assert.True(net.ComputeLoss(x, y, 1) < 0.1f * first);
    }
}
