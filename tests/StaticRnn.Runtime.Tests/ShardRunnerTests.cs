using System.Collections.Concurrent;
using StaticRnn.Kernels;
using Xunit;

namespace StaticRnn.Runtime.Tests;

[CollectionDefinition(nameof(ShardRunnerTests), DisableParallelization = true)]
public sealed class ShardRunnerCollection;

/// <summary>The shard runner: every shard runs once whatever the thread count, failures propagate after in-flight shards finish.</summary>
[Collection(nameof(ShardRunnerTests))]
public class ShardRunnerTests
{
    /// <summary>Doubles input s into output s; shard <c>throwOn</c> fails, shard 1 can be made slow and observed.</summary>
    private sealed class Work(int throwOn, bool slowShardOne = false) : IShardWork
    {
        public readonly ConcurrentDictionary<int, int> Runs = new();
        public readonly ManualResetEventSlim ShardOneStarted = new(false);
        public volatile bool ShardOneFinished;

        public void RunShard(int shard, ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, ReadOnlySpan<int> classes, Span<float> outputs)
        {
            Runs.AddOrUpdate(shard, 1, (_, n) => n + 1);
            if (shard == 1 && slowShardOne)
            {
                ShardOneStarted.Set();
                Thread.Sleep(50); // outlives the failing shard 0 on the other thread
                outputs[1] = inputs[1] * 2;
                ShardOneFinished = true;
                return;
            }
            if (shard == throwOn)
            {
                if (slowShardOne)
                {
                    // Fail only once another thread has started shard 1, so the caller has something to wait for.
                    Assert.True(ShardOneStarted.Wait(TimeSpan.FromSeconds(10)), "shard 1 started on another thread");
                }
                throw new InvalidOperationException($"shard {shard} failed");
            }
            outputs[shard] = inputs[shard] * 2;
        }
    }

    private static T WithThreads<T>(int threads, Func<T> run)
    {
        int saved = ShardRunner.Threads;
        try
        {
            ShardRunner.Threads = threads;
            return run();
        }
        finally
        {
            ShardRunner.Threads = saved;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void EveryShardRunsExactlyOnce(int threads)
    {
        float[] inputs = Enumerable.Range(1, ShardRunner.MaxShards).Select(i => (float)i).ToArray();
        for (int call = 0; call < 200; call++)
        {
            var outputs = new float[inputs.Length];
            var work = new Work(throwOn: -1);
            WithThreads(threads, () => { ShardRunner.Run(work, inputs.Length, inputs, default, default, default, outputs); return 0; });
            Assert.Equal(inputs.Select(x => x * 2), outputs);
            Assert.Equal(inputs.Length, work.Runs.Count);
            Assert.All(work.Runs.Values, n => Assert.Equal(1, n));
        }
    }

    [Fact]
    public void FailuresPropagateAfterTheShardsInFlightAreDone()
    {
        float[] inputs = [1, 2, 3];
        WithThreads(2, () =>
        {
            var e = Assert.Throws<InvalidOperationException>(() => ShardRunner.Run(new Work(throwOn: 2), 3, inputs, default, default, default, new float[3]));
            Assert.Equal("shard 2 failed", e.Message);

            // Shard 0 fails on one thread while shard 1 runs on the other: Run returns (throws) only after shard 1 ended.
            var callerFails = new Work(throwOn: 0, slowShardOne: true);
            Assert.Throws<InvalidOperationException>(() => ShardRunner.Run(callerFails, 2, inputs, default, default, default, new float[3]));
            Assert.True(callerFails.ShardOneFinished, "the call waited for the shard in flight before unpinning the spans");

            // The runner is usable again after failures.
            var outputs = new float[3];
            ShardRunner.Run(new Work(throwOn: -1), 3, inputs, default, default, default, outputs);
            Assert.Equal([2f, 4f, 6f], outputs);
            return 0;
        });
    }

    [Theory]
    // batch, multiply-adds per sample, parameters, shards
    [InlineData(1, 1_000_000, 100, 1)]
    [InlineData(2, 1_000_000, 100, 2)]       // small batches still use two shards
    [InlineData(7, 1_000_000, 100, 2)]
    [InlineData(32, 51_000, 1_300, 4)]       // at least eight samples per shard
    [InlineData(64, 3_500_000, 70_000, 8)]
    [InlineData(1000, 3_500_000, 70_000, 16)] // at most MaxShards
    [InlineData(32, 3_300_000, 673_000, 4)]  // a large embedding: adding gradients costs, so few shards (3, rounded up to even)
    [InlineData(32, 3_300_000, 0, 4)]        // a forward pass sums no gradients: eight samples per shard
    [InlineData(32, 2_000_000, 657_758, 2)]
    [InlineData(4, 1_000, 1_000_000, 1)]     // not worth a second gradient buffer
    public void ShardCountFollowsTheBatchAndTheNetworkOnly(int batch, long multiplyAdds, int parameters, int expected)
    {
        Assert.Equal(expected, WithThreads(1, () => ShardRunner.Shards(batch, multiplyAdds, parameters)));
        Assert.Equal(expected, WithThreads(7, () => ShardRunner.Shards(batch, multiplyAdds, parameters)));
    }
}
