using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>After warm-up, Predict, Gradients and TrainStep allocate nothing on the managed heap.</summary>
// Runs alone: with the finite-difference tests allocating heavily on other threads, about half of the runs measured
// 3-6 KB "allocated" here (none when those tests were left out, none in a loop with busy threads outside the test host):
// less than one allocation quantum, as if another thread's garbage collection counted the unused rest of this thread's
// allocation context.
[Collection(nameof(ParallelTests))]
public class AllocationTests
{
    /// <summary>.ci/run repeats the numeric tests with DOTNET_EnableAVX2=0; this proves that run really is without AVX2.</summary>
    [Fact]
    public void TheNoAvx2RunHasNoAvx2()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
        {
            Assert.False(System.Runtime.Intrinsics.X86.Avx2.IsSupported);
            Assert.False(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated);
        }
        else if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            Assert.True(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated);
        }
    }

    [Fact]
    public void SeedModelPassesAllocateNothing()
    {
        const int batch = 16;
        var net = new SeedModel();
        var x = new float[batch * SeedModel.InputSize];
        var y = new float[batch * SeedModel.TargetSize];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(i);
        var outputs = new float[batch * SeedModel.OutputSize];
        var gradients = new float[SeedModel.ParameterCount];
        var adam = new Adam();
        for (int i = 0; i < 10; i++)
        {
            net.Predict(x, outputs, batch);
            net.Gradients(x, y, batch, gradients);
            net.TrainStep(x, y, batch, adam);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            net.Predict(x, outputs, batch);
        }
        long afterPredict = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            net.Gradients(x, y, batch, gradients);
        }
        long afterGradients = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            net.TrainStep(x, y, batch, adam);
        }
        long afterTrain = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, afterPredict - before);
        Assert.Equal(0, afterGradients - afterPredict);
        Assert.Equal(0, afterTrain - afterGradients);
    }

    [Fact]
    public void LoopedSoftmaxAndLstmNetworksAllocateNothing()
    {
        var loops = new FdLoops();
        var softmax = new RnnStackSeqSoftmax();
        var x1 = new float[2 * FdLoops.InputSize];
        var y1 = new float[2 * FdLoops.TargetSize];
        var x2 = new float[3 * RnnStackSeqSoftmax.InputSize];
        var y2 = new float[3 * RnnStackSeqSoftmax.TargetSize];
        var lstm = new FdLstmStack();
        var x3 = new float[4 * FdLstmStack.InputSize];
        var y3 = new float[4 * FdLstmStack.TargetSize];
        var sgd1 = new Sgd(0.01f, momentum: 0.9f);
        var sgd2 = new RmsProp();
        var adam = new Adam();
        loops.TrainStep(x1, y1, 2, sgd1);
        softmax.TrainStep(x2, y2, 3, sgd2);
        lstm.TrainStep(x3, y3, 4, adam);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            loops.TrainStep(x1, y1, 2, sgd1);
            softmax.TrainStep(x2, y2, 3, sgd2);
            lstm.TrainStep(x3, y3, 4, adam);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void GruBidirectionalEmbeddingAndDropoutNetworksAllocateNothing()
    {
        var gru = new FdGruResetBefore();
        var bidi = new FdBidiMulAve();
        var tokens = new FdEmbeddingGruPool();
        var dropout = new WithDropout();
        var x1 = new float[2 * FdGruResetBefore.InputSize];
        var y1 = new float[2 * FdGruResetBefore.TargetSize];
        var x2 = new float[2 * FdBidiMulAve.InputSize];
        var y2 = new float[2 * FdBidiMulAve.TargetSize];
        var ids = new int[3 * FdEmbeddingGruPool.InputSize];
        var y3 = new float[3 * FdEmbeddingGruPool.TargetSize];
        var x4 = new float[4 * WithDropout.InputSize];
        var y4 = new float[4 * WithDropout.TargetSize];
        var o3 = new float[3 * FdEmbeddingGruPool.OutputSize];
        IOptimizer a = new Adam(), b = new Adam(), c = new Adam(), d = new Adam();
        void Step()
        {
            gru.TrainStep(x1, y1, 2, a);
            bidi.TrainStep(x2, y2, 2, b);
            tokens.TrainStep(ids, y3, 3, c);
            tokens.Predict(ids, o3, 3);
            dropout.TrainStep(x4, y4, 4, d);
        }
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Step();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void AttentionTransformerAndTokenNetworksAllocateNothing()
    {
        var transformer = new TransformerWithDropout();
        var tokens = new FdTokenTransformer();
        var attention = new FdAttentionConcatScaled();
        var mha = new FdMultiHeadCausalValueDim();
        var repeat = new FdRepeatVector();
        var x1 = new float[3 * TransformerWithDropout.InputSize];
        var y1 = new float[3 * TransformerWithDropout.TargetSize];
        var ids = new int[3 * FdTokenTransformer.InputSize];
        var y2 = new int[3 * FdTokenTransformer.TargetSize];
        var o2 = new float[3 * FdTokenTransformer.OutputSize];
        var x3 = new float[2 * FdAttentionConcatScaled.InputSize];
        var y3 = new float[2 * FdAttentionConcatScaled.TargetSize];
        var x4 = new float[5 * FdMultiHeadCausalValueDim.InputSize];
        var y4 = new float[5 * FdMultiHeadCausalValueDim.TargetSize];
        var x5 = new float[2 * FdRepeatVector.InputSize];
        var y5 = new float[2 * FdRepeatVector.TargetSize];
        IOptimizer a = new Adam(), b = new Adam(), c = new Adam(), d = new Adam(), e = new Adam();
        void Step()
        {
            transformer.TrainStep(x1, y1, 3, a);
            tokens.TrainStep(ids, y2, 3, b);
            tokens.Predict(ids, o2, 3);
            attention.TrainStep(x3, y3, 2, c);
            mha.TrainStep(x4, y4, 5, d);
            repeat.TrainStep(x5, y5, 2, e);
        }
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 300; i++)
        {
            Step();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
