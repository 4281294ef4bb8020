using System.Runtime.ExceptionServices;

namespace StaticRnn.Kernels;

/// <summary>What a generated network does for one shard of a batch (the samples it covers are its own business).</summary>
public interface IShardWork
{
    /// <summary>Runs shard <paramref name="shard"/> of the current call on the given (whole-batch) spans.</summary>
    void RunShard(int shard, ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, ReadOnlySpan<int> classes, Span<float> outputs);
}

/// <summary>
/// Runs the shards of a batch on the calling thread (even shards) and one persistent worker thread (odd shards: the
/// machine's second core), allocation-free after warm-up. What each shard computes does not depend on the thread that
/// runs it, and the networks reduce shard results in shard order, so results are bit-identical whatever
/// <see cref="Threads"/> is.
/// One call at a time uses the worker; a concurrent call (another network on another thread) runs its shards itself.
/// </summary>
public static unsafe class ShardRunner
{
    // 1 while a call uses the worker. An Interlocked flag rather than a lock: a contended Monitor inflates into a
    // managed lock object, an allocation on whichever thread lost the race.
    private static int s_busy;
    private static Worker? s_worker;

    /// <summary>Threads used for a batch: 1 runs every shard on the caller. Default: 2 when the machine has 2 cores or more.</summary>
    public static int Threads
    {
        get;
        set => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Threads must be at least 1.");
    } = Math.Min(Environment.ProcessorCount, 2);

    /// <summary>Shards the worker thread has run since the process started (diagnostics and tests).</summary>
    public static long WorkerShards => s_worker?.Shards ?? 0;

    /// <summary>Bytes the worker thread has allocated since the process started (diagnostics and tests).</summary>
    public static long WorkerAllocatedBytes => s_worker?.AllocatedBytes ?? 0;

    /// <summary>Runs shards 0 .. <paramref name="shards"/> - 1 of <paramref name="work"/> and returns when all are done.</summary>
    public static void Run(IShardWork work, int shards, ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, ReadOnlySpan<int> classes, Span<float> outputs)
    {
        if (shards <= 1 || Threads < 2 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int s = 0; s < shards; s++)
            {
                work.RunShard(s, inputs, tokens, targets, classes, outputs);
            }
            return;
        }
        try
        {
            fixed (float* i = inputs, g = targets, o = outputs)
            fixed (int* t = tokens, c = classes)
            {
                Worker worker = s_worker ??= new Worker();
                worker.Begin(work, shards, i, inputs.Length, t, tokens.Length, g, targets.Length, c, classes.Length, o, outputs.Length);
                // Static assignment: the caller runs the even shards, the worker the odd ones. Whatever happens on
                // this thread, the worker is waited for before the spans are unpinned and the gate opens.
                try
                {
                    for (int s = 0; s < shards; s += 2)
                    {
                        work.RunShard(s, inputs, tokens, targets, classes, outputs);
                    }
                }
                finally
                {
                    worker.Wait();
                }
                worker.ThrowIfFailed();
            }
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    /// <summary>The part of a whole-batch span that samples [first, first + count) own; empty stays empty.</summary>
    public static ReadOnlySpan<T> Part<T>(ReadOnlySpan<T> span, int first, int count, int perSample)
        => span.IsEmpty ? span : span.Slice(first * perSample, count * perSample);

    /// <summary><paramref name="target"/> += <paramref name="source"/>, element by element (the shard reduction).</summary>
    public static void AddInto(Span<float> target, ReadOnlySpan<float> source)
    {
        if (source.Length != target.Length)
        {
            throw new ArgumentException($"source has {source.Length} elements; expected {target.Length}.", nameof(source));
        }
        int i = 0;
        for (; i <= target.Length - System.Numerics.Vector<float>.Count; i += System.Numerics.Vector<float>.Count)
        {
            (new System.Numerics.Vector<float>(target[i..]) + new System.Numerics.Vector<float>(source[i..])).CopyTo(target[i..]);
        }
        for (; i < target.Length; i++)
        {
            target[i] += source[i];
        }
    }

    /// <summary>
    /// The worker thread. Hand-offs use a volatile generation counter, spun on briefly (back-to-back batches never
    /// block) and then waited for on kernel events. No Monitor-based primitive is involved: a contended Monitor, also
    /// the one inside SemaphoreSlim, can inflate into a managed object, an allocation in the middle of training.
    /// </summary>
    private sealed class Worker
    {
        private const int Spins = 4000;
        private readonly AutoResetEvent _wake = new(false), _finished = new(false);
        private IShardWork? _work;
        private int _shards, _generation, _done;
        private float* _inputs, _targets, _outputs;
        private int* _tokens, _classes;
        private int _inputLength, _tokenLength, _targetLength, _classLength, _outputLength;
        private ExceptionDispatchInfo? _error;

        public long Shards;
        public long AllocatedBytes;

        public Worker()
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "StaticRnn shard worker" };
            thread.Start();
        }

        public void Begin(IShardWork work, int shards, float* inputs, int inputLength, int* tokens, int tokenLength, float* targets, int targetLength,
            int* classes, int classLength, float* outputs, int outputLength)
        {
            _work = work;
            _shards = shards;
            _inputs = inputs;
            _inputLength = inputLength;
            _tokens = tokens;
            _tokenLength = tokenLength;
            _targets = targets;
            _targetLength = targetLength;
            _classes = classes;
            _classLength = classLength;
            _outputs = outputs;
            _outputLength = outputLength;
            _error = null;
            Interlocked.Increment(ref _generation); // publishes the fields above
            _wake.Set();
        }

        public void ThrowIfFailed() => _error?.Throw();

        public void Wait()
        {
            int generation = Volatile.Read(ref _generation);
            for (int spin = 0; Volatile.Read(ref _done) != generation; spin++)
            {
                if (spin < Spins)
                {
                    Thread.SpinWait(20);
                }
                else
                {
                    _finished.WaitOne();
                }
            }
            _work = null;
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                for (int spin = 0; Volatile.Read(ref _generation) == seen; spin++)
                {
                    if (spin < Spins)
                    {
                        Thread.SpinWait(20);
                    }
                    else
                    {
                        _wake.WaitOne();
                    }
                }
                seen = Volatile.Read(ref _generation);
                try
                {
                    for (int s = 1; s < _shards; s += 2)
                    {
                        _work!.RunShard(s, new ReadOnlySpan<float>(_inputs, _inputLength), new ReadOnlySpan<int>(_tokens, _tokenLength),
                            new ReadOnlySpan<float>(_targets, _targetLength), new ReadOnlySpan<int>(_classes, _classLength), new Span<float>(_outputs, _outputLength));
                        Shards++;
                    }
                }
                catch (Exception e)
                {
                    _error = ExceptionDispatchInfo.Capture(e);
                }
                AllocatedBytes = GC.GetAllocatedBytesForCurrentThread();
                Volatile.Write(ref _done, seen);
                _finished.Set();
            }
        }
    }
}
