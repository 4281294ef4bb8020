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
    public void GetStatesGivesHThenCOfTheLstmAsTheKerasCellDefinesThem()
    {
        // Oracle: the Keras LSTM cell, h = o * tanh(c) with o = sigmoid(x W_o + h_prev U_o + b_o); kernel (3, 24),
        // recurrent kernel (6, 24), bias (24), gates in the order i, f, c, o. h is also the network's output.
        const int Units = 6, Inputs = 3, Gates = 4 * Units;
        var net = new StreamLstmAlone();
        Assert.Equal(2 * Units, StreamLstmAlone.StateSize);
        Random(StreamLstmAlone.ParameterCount, 7).CopyTo(net.Parameters);
        float[] p = net.Parameters.ToArray(), x = Random(5 * Inputs, 8);
        var state = new float[StreamLstmAlone.StateSize];
        net.GetStates(state);
        Assert.All(state, v => Assert.Equal(0f, v)); // zero before the first call
        var output = new float[Units];
        for (int t = 0; t < 5; t++)
        {
            float[] previous = state.ToArray();
            net.Predict(x.AsSpan(t * Inputs, Inputs), output);
            net.GetStates(state);
            Assert.Equal(output, state.AsSpan(0, Units).ToArray());
            for (int j = 0; j < Units; j++)
            {
                double z = p[Inputs * Gates + Units * Gates + 3 * Units + j];
                for (int i = 0; i < Inputs; i++)
                {
                    z += x[t * Inputs + i] * (double)p[i * Gates + 3 * Units + j];
                }
                for (int k = 0; k < Units; k++)
                {
                    z += previous[k] * (double)p[Inputs * Gates + k * Gates + 3 * Units + j];
                }
                double h = 1 / (1 + Math.Exp(-z)) * Math.Tanh(state[Units + j]);
                Assert.True(Math.Abs(h - state[j]) < 1e-5, $"step {t}, unit {j}: h {state[j]}, o * tanh(c) {h}");
            }
        }
    }

    [Fact]
    public void StatesSetOnAnotherInstanceContinueTheStreamBitForBit()
    {
        var first = new StreamGruRnn();
        var second = new StreamGruRnn();
        Assert.Equal(5 + 4, StreamGruRnn.StateSize); // GRU h, then SimpleRNN h
        Random(StreamGruRnn.ParameterCount, 9).CopyTo(first.Parameters);
        first.Parameters.CopyTo(second.Parameters);
        float[] x = Random(12 * 2, 10);
        var a = new float[1];
        var b = new float[1];
        for (int t = 0; t < 6; t++)
        {
            first.Predict(x.AsSpan(t * 2, 2), a);
        }
        var state = new float[StreamGruRnn.StateSize];
        first.GetStates(state);
        second.Predict(x.AsSpan(0, 2), b); // a state of its own, replaced below
        second.SetStates(state);
        for (int t = 6; t < 12; t++)
        {
            first.Predict(x.AsSpan(t * 2, 2), a);
            second.Predict(x.AsSpan(t * 2, 2), b);
            Assert.Equal(a[0], b[0]);
        }

        // Two samples: each its own state; the batch size then holds until ResetStates or SetStates.
        float[] pair = [.. state, .. new float[StreamGruRnn.StateSize]];
        second.SetStates(pair, batchSize: 2);
        var back = new float[2 * StreamGruRnn.StateSize];
        second.GetStates(back, batchSize: 2);
        Assert.Equal(pair, back);
        var wrongBatch = Assert.Throws<ArgumentException>(() => second.GetStates(state));
        Assert.Contains("call ResetStates() before using a batch of 1", wrongBatch.Message);
    }

    [Fact]
    public void BadStatesAreRefusedWithNothingChanged()
    {
        var net = new StreamGruRnn();
        var x = new float[2] { 0.3f, -0.2f };
        var y = new float[1];
        net.Predict(x, y);
        var before = new float[StreamGruRnn.StateSize];
        net.GetStates(before);
        var shortStates = Assert.Throws<ArgumentException>(() => net.SetStates(new float[StreamGruRnn.StateSize - 1]));
        Assert.Equal("states", shortStates.ParamName);
        Assert.Contains("expected 9 (batchSize 1 × StateSize 9)", shortStates.Message);
        var nan = new float[StreamGruRnn.StateSize];
        nan[3] = float.NaN;
        Assert.Equal("states", Assert.Throws<ArgumentException>(() => net.SetStates(nan)).ParamName);
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => net.GetStates(before, batchSize: 0)).ParamName);
        var after = new float[StreamGruRnn.StateSize];
        net.GetStates(after);
        Assert.Equal(before, after);
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
