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

/// <summary>
/// The runner's choice between sharing a call's shards with the workers and running them alone, driven here by given
/// times (the runner feeds it measured ones).
/// </summary>
public class ModeChooserTests
{
    /// <summary>The modes chosen for <paramref name="calls"/> calls of one shape, each "taking" the time its mode takes.</summary>
    private static string Modes(ShardRunner.ModeChooser chooser, long key, int calls, long sharedTicks, long aloneTicks)
    {
        var modes = new System.Text.StringBuilder();
        for (int i = 0; i < calls; i++)
        {
            bool share = chooser.Share(key);
            chooser.Record(key, share, share ? sharedTicks : aloneTicks);
            modes.Append(share ? 'S' : 'A');
        }
        return modes.ToString();
    }

    [Fact]
    public void AnIdleMachineSharesAndNeverTriesAloneAgain()
    {
        var chooser = new ShardRunner.ModeChooser();
        string modes = Modes(chooser, 1, 200, sharedTicks: 45, aloneTicks: 87);
        // Each mode measured once; then sharing runs at its best time, so running alone is never tried again.
        Assert.Equal("SA" + new string('S', 198), modes);
    }

    [Fact]
    public void ABusyCoreMakesTheCallerRunAloneAndAFreedOneBringsTheWorkersBack()
    {
        var chooser = new ShardRunner.ModeChooser();
        Modes(chooser, 7, 100, sharedTicks: 45, aloneTicks: 87); // idle: sharing
        // Another process takes a core: sharing now takes 1.7x the caller alone, measured on every shared call.
        string busy = Modes(chooser, 7, 300, sharedTicks: 150, aloneTicks: 88);
        Assert.InRange(busy.IndexOf("AAAAA", StringComparison.Ordinal), 0, 16); // within a few calls the caller runs alone
        Assert.True(busy.Count(c => c == 'A') >= 260, busy); // and shares only in rare tries, four calls each
        // The core is free again: the next probe of sharing wins and sharing stays.
        string idle = Modes(chooser, 7, 1100, sharedTicks: 45, aloneTicks: 87);
        int back = idle.IndexOf('S');
        Assert.InRange(back, 0, 1024);
        Assert.Equal(new string('S', 4), idle.Substring(back, 4));
        Assert.True(idle[back..].Count(c => c == 'A') <= 4 * 5, idle[back..]);
        Assert.True(idle[(back + 200)..].Count(c => c == 'S') >= idle.Length - back - 200 - 8, idle[back..]);
    }

    [Fact]
    public void CallShapesKeepTheirOwnTimes()
    {
        var chooser = new ShardRunner.ModeChooser();
        // A training step that gains from sharing alternates with a prediction that does not.
        var train = new System.Text.StringBuilder();
        var predict = new System.Text.StringBuilder();
        for (int i = 0; i < 100; i++)
        {
            bool share = chooser.Share(10);
            chooser.Record(10, share, share ? 100 : 190);
            train.Append(share ? 'S' : 'A');
            share = chooser.Share(20);
            chooser.Record(20, share, share ? 30 : 20);
            predict.Append(share ? 'S' : 'A');
        }
        Assert.Equal("SA" + new string('S', 98), train.ToString());
        Assert.True(predict.ToString().Count(c => c == 'A') >= 90, predict.ToString());
        Assert.NotEqual(ShardRunner.ModeChooser.Key(chooser, 2, 10, 0, 10, 0, 0), ShardRunner.ModeChooser.Key(chooser, 2, 10, 0, 0, 0, 10));
    }
}
