using StaticRnn.Kernels;
using Xunit;

namespace StaticRnn.Numerics.Tests;

[CollectionDefinition(nameof(ParallelTests), DisableParallelization = true)]
public sealed class SerialCollection;

/// <summary>
/// Batches run as shards that any thread may claim. The shards are fixed by the batch and the network, not by the thread
/// count, and are reduced in order, so one, two and four threads give bit-identical training (four on this 2-core
/// machine oversubscribes it, which changes which thread runs which shard); the worker threads allocate nothing.
/// These tests run alone (ShardRunner.Threads is process-wide).
/// </summary>
[Collection(nameof(ParallelTests))]
public class ParallelTests
{
    private static float[] Train<TNet>(int threads, int batch, int steps) where TNet : IStaticNetwork<TNet>, new()
    {
        int saved = ShardRunner.Threads;
        try
        {
            ShardRunner.Threads = threads;
            var net = new TNet();
            var r = new SeededRandom(9);
            var x = new float[batch * TNet.InputSize];
            var y = new float[batch * TNet.TargetSize];
            for (int i = 0; i < x.Length; i++) x[i] = TNet.Vocabulary > 0 ? r.NextInt(TNet.Vocabulary) : (float)r.NextDouble(-1, 1);
            for (int i = 0; i < y.Length; i++) y[i] = TNet.Loss == Loss.SparseCategoricalCrossentropy ? r.NextInt(TNet.OutputShape[^1]) : (float)r.NextDouble(0, 1);
            var adam = new Adam(0.01f);
            for (int s = 0; s < steps; s++)
            {
                net.TrainStep(x, y, batch, adam);
            }
            return net.Parameters.ToArray();
        }
        finally
        {
            ShardRunner.Threads = saved;
        }
    }

    private static void Identical<TNet>(int batch) where TNet : IStaticNetwork<TNet>, new()
    {
        float[] one = Train<TNet>(1, batch, 15);
        foreach (int threads in new[] { 2, 4 })
        {
            float[] more = Train<TNet>(threads, batch, 15);
            Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), more.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact] public void SeedModelTrainsBitIdenticallyOnOneTwoAndFourThreads() => Identical<SeedModel>(17);
    [Fact] public void SixteenShardsTrainBitIdenticallyOnOneTwoAndFourThreads() => Identical<SeedModel>(128);
    [Fact] public void LstmStackTrainsBitIdenticallyOnOneTwoAndFourThreads() => Identical<FdLstmStack>(8);
    [Fact] public void DropoutNetworkTrainsBitIdenticallyOnOneTwoAndFourThreads() => Identical<WithDropout>(12);
    [Fact] public void TokenBidirectionalNetworkTrainsBitIdenticallyOnOneTwoAndFourThreads() => Identical<EmbeddingBidiGruPool>(6);
    [Fact] public void TransformerWithDropoutTrainsBitIdenticallyOnOneTwoAndFourThreads() => Identical<TransformerWithDropout>(7);
    [Fact] public void TokenTransformerTrainsBitIdenticallyOnOneTwoAndFourThreads() => Identical<FdTokenTransformer>(5);
    [Fact] public void BatchedLstmTrainsBitIdenticallyOnOneTwoAndFourThreads() => Identical<FdBatchedLstm>(40);

    /// <summary>
    /// A sample's outputs do not depend on the batch around it: in groups of 8, 3 or alone, the batched products give
    /// each sample the same bits (every tile keeps one chain of FMAs per element).
    /// </summary>
    [Fact]
    public void BatchedLstmGivesEachSampleTheSameBitsAloneAndInAGroup()
    {
        var net = new FdBatchedLstm();
        var r = new SeededRandom(4);
        const int batch = 11;
        var x = new float[batch * FdBatchedLstm.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = (float)r.NextDouble(-1, 1);
        var together = new float[batch * FdBatchedLstm.OutputSize];
        net.Predict(x, together, batch);
        var alone = new float[FdBatchedLstm.OutputSize];
        for (int s = 0; s < batch; s++)
        {
            net.Predict(x.AsSpan(s * FdBatchedLstm.InputSize, FdBatchedLstm.InputSize), alone, 1);
            Assert.Equal(alone.Select(BitConverter.SingleToInt32Bits), together.AsSpan(s * alone.Length, alone.Length).ToArray().Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact] public void AttentionNetworksTrainBitIdenticallyOnOneTwoAndFourThreads()
    {
        Identical<FdMultiHeadCausalValueDim>(5);
        Identical<FdAttentionConcatScaled>(3);
    }

    /// <summary>Trains a Seq2Seq model, then decodes greedily; returns the parameters and the decoded ids.</summary>
    private static (float[] Parameters, int[] Decoded) TrainAndDecode<TNet>(int threads, int batch, int steps) where TNet : ISeq2SeqNetwork<TNet>, new()
    {
        int saved = ShardRunner.Threads;
        try
        {
            ShardRunner.Threads = threads;
            var net = new TNet();
            var r = new SeededRandom(11);
            var sources = new int[batch * TNet.SourceLength];
            var targets = new int[batch * TNet.TargetLength];
            for (int i = 0; i < sources.Length; i++) sources[i] = 1 + r.NextInt(TNet.SourceVocabulary - 1);
            for (int i = 0; i < targets.Length; i++) targets[i] = 1 + r.NextInt(TNet.TargetVocabulary - 1);
            var adam = new Adam(0.01f);
            for (int s = 0; s < steps; s++)
            {
                net.TrainStep(sources, targets, batch, adam);
            }
            var decoded = new int[batch * TNet.TargetLength];
            net.Generate(sources, decoded, batch);
            return (net.Parameters.ToArray(), decoded);
        }
        finally
        {
            ShardRunner.Threads = saved;
        }
    }

    [Fact]
    public void Seq2SeqTrainsAndDecodesBitIdenticallyOnOneTwoAndFourThreads()
    {
        var one = TrainAndDecode<S2sLstmAttention>(1, 40, 10);
        foreach (int threads in new[] { 2, 4 })
        {
            var more = TrainAndDecode<S2sLstmAttention>(threads, 40, 10);
            Assert.Equal(one.Parameters.Select(BitConverter.SingleToInt32Bits), more.Parameters.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(one.Decoded, more.Decoded);
        }
    }

    [Fact]
    public void TheWorkerThreadAllocatesNothing()
    {
        // Every call shares its shards, also when this machine is busy enough that running alone would be faster.
        ShardRunner.Adaptive = false;
        try
        {
            WorkerAllocatesNothing();
        }
        finally
        {
            ShardRunner.Adaptive = true;
        }
    }

    private static void WorkerAllocatesNothing()
    {
        var net = new SeedModel();
        var x = new float[32 * SeedModel.InputSize];
        var y = new float[32 * SeedModel.TargetSize];
        var outputs = new float[32 * SeedModel.OutputSize];
        var adam = new Adam();
        for (int i = 0; i < 2000; i++) // warm-up
        {
            net.TrainStep(x, y, 32, adam);
            net.Predict(x, outputs, 32);
        }
        long shards = ShardRunner.WorkerShards, worker = ShardRunner.WorkerAllocatedBytes, caller = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            net.TrainStep(x, y, 32, adam);
            net.Predict(x, outputs, 32);
        }
        for (int i = 0; i < 1000; i++)
        {
            net.TrainStep(x, y, 32, adam);
            net.Predict(x, outputs, 32);
        }
        Assert.True(ShardRunner.WorkerShards - shards > 0, "the worker ran shards");
        // 2,000 calls of each kind: one allocation per call, even the smallest object (24 bytes), would add 48,000
        // bytes or more. The runtime itself has been seen to allocate a few hundred bytes once in such a window on
        // either thread (wait-handle and tiering bookkeeping), so the bound is 1,024 bytes, not 0.
        Assert.InRange(ShardRunner.WorkerAllocatedBytes - worker, 0, 1024);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - caller, 0, 1024);
    }
}
