using StaticRnn.Kernels;
using Xunit;

namespace StaticRnn.Runtime.Tests;

public class ShardRunnerTests
{
    private sealed class Work(int throwOn) : IShardWork
    {
        public volatile bool WorkerShardFinished;

        public void RunShard(int shard, ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, ReadOnlySpan<int> classes, Span<float> outputs)
        {
            if (shard == throwOn)
            {
                throw new InvalidOperationException($"shard {shard} failed");
            }
            if (shard == 1)
            {
                Thread.Sleep(50); // the worker's shard outlives the caller's
                outputs[1] = inputs[1] * 2;
                WorkerShardFinished = true;
            }
            else
            {
                outputs[shard] = inputs[shard] * 2;
            }
        }
    }

    [Fact]
    public void RunsEveryShardAndPropagatesFailuresAfterTheWorkerIsDone()
    {
        if (ShardRunner.Threads < 2)
        {
            return; // a one-core machine runs shards on the caller only; nothing here to test
        }
        float[] inputs = [1, 2, 3];
        var outputs = new float[3];
        ShardRunner.Run(new Work(throwOn: -1), 3, inputs, default, default, default, outputs);
        Assert.Equal([2f, 4f, 6f], outputs);

        var e = Assert.Throws<InvalidOperationException>(() => ShardRunner.Run(new Work(throwOn: 1), 2, inputs, default, default, default, new float[3]));
        Assert.Equal("shard 1 failed", e.Message);

        var callerFails = new Work(throwOn: 0);
        Assert.Throws<InvalidOperationException>(() => ShardRunner.Run(callerFails, 2, inputs, default, default, default, new float[3]));
        Assert.True(callerFails.WorkerShardFinished, "the caller waited for the worker before unpinning the spans");

        // The runner is usable again after failures.
        ShardRunner.Run(new Work(throwOn: -1), 2, inputs, default, default, default, outputs);
    }
}
