using System.Runtime.ExceptionServices;

namespace StaticRnn.Kernels;

/// <summary>What a generated network does for one shard of a batch (the samples it covers are its own business).</summary>
public interface IShardWork
{
    /// <summary>Runs shard <paramref name="shard"/> of the current call on the given (whole-batch) spans.</summary>
    void RunShard(int shard, ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, ReadOnlySpan<int> classes, Span<float> outputs);
}

/// <summary>
/// Runs the shards of a batch on the calling thread and up to <see cref="Threads"/> - 1 persistent worker threads,
/// allocation-free after warm-up. The number of shards comes from the batch and the network (<see cref="Shards"/>), never
/// from the thread count; what a shard computes does not depend on the thread that runs it; and the networks reduce
/// shard results in shard order. So results are bit-identical whatever <see cref="Threads"/> is.
/// <para>
/// Shards are claimed, not assigned: the caller and every worker take the next unclaimed shard until none is left, and
/// the caller then waits only for shards a worker has already started. A worker that the operating system does not
/// schedule (another process holds its core) claims nothing, and the caller runs the batch alone, so a call never waits
/// for a thread that is not running.
/// </para>
/// One call at a time uses the workers; a concurrent call (another network on another thread) runs its shards itself.
/// </summary>
public static unsafe class ShardRunner
{
    /// <summary>The most shards a batch is cut into; a network keeps one scratch buffer per shard it has used.</summary>
    public const int MaxShards = 16;

    // 1 while a call uses the workers. An Interlocked flag rather than a lock: a contended Monitor inflates into a
    // managed lock object, an allocation on whichever thread lost the race.
    private static int s_busy;
    private static Worker[] s_workers = [];
    private static readonly Call s_call = new();
    // Used only by the call that holds s_busy.
    private static readonly ModeChooser s_chooser = new();
    // Whether idle workers spin for the next call (false while calls run alone: then they sleep at once).
    private static bool s_workersSpin = true;

    // Rounds of Thread.SpinWait(20) a thread spins on a changing counter before it sleeps on an event.
    private const int Spins = 4000;

    /// <summary>Threads used for a batch, the caller included: 1 runs every shard on the caller. Default: the machine's processor count.</summary>
    public static int Threads
    {
        get;
        set => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Threads must be at least 1.");
    } = Environment.ProcessorCount;

    /// <summary>
    /// Whether each call shape uses the workers or the caller alone, whichever it has measured faster (default). False:
    /// every call with more than one shard shares its shards with the workers, as fast or slow as the machine lets them
    /// be. The results are the same bits either way.
    /// </summary>
    public static bool Adaptive { get; set; } = true;

    /// <summary>Shards the worker threads have run since the process started (diagnostics and tests).</summary>
    public static long WorkerShards
    {
        get
        {
            long sum = 0;
            foreach (Worker w in Volatile.Read(ref s_workers)) sum += Volatile.Read(ref w.Shards);
            return sum;
        }
    }

    /// <summary>Bytes the worker threads have allocated since the process started (diagnostics and tests).</summary>
    public static long WorkerAllocatedBytes
    {
        get
        {
            long sum = 0;
            foreach (Worker w in Volatile.Read(ref s_workers)) sum += Volatile.Read(ref w.AllocatedBytes);
            return sum;
        }
    }

    /// <summary>
    /// How many shards a batch of <paramref name="batchSize"/> samples runs as, for a network of
    /// <paramref name="parameters"/> parameters whose matrix products take about <paramref name="multiplyAddsPerSample"/>
    /// multiply-adds per sample. At most <see cref="MaxShards"/>; at least eight samples per shard beyond two shards
    /// (fewer, larger shards cost less to hand out and keep each thread in fewer scratch buffers); and few enough that
    /// adding the shards' gradients (one pass over the parameters per extra shard, memory-bound) stays small beside the
    /// products (about 1/64 of their multiply-adds), rounded up to an even count (case e's training, 3 shards on 2 cores,
    /// took 9.3-11.5 ms; as 4 shards 8.0-8.5 ms). <paramref name="parameters"/> is 0 for a call that sums no gradients
    /// (a forward pass), which then takes as many shards as the first two rules allow.
    /// Depends on nothing else, in particular not on <see cref="Threads"/>.
    /// </summary>
    public static int Shards(int batchSize, long multiplyAddsPerSample, int parameters)
    {
        if (batchSize <= 1)
        {
            return 1;
        }
        long byGroups = Math.Max(batchSize / 8, 2);
        long byReduction = 1 + (long)batchSize * Math.Max(multiplyAddsPerSample, 0) / (64L * Math.Max(parameters, 1));
        if (byReduction > 1)
        {
            byReduction += byReduction & 1; // even: an odd count leaves a core of an even-cored machine idle for a shard's time
        }
        return (int)Math.Min(Math.Min(byGroups, byReduction), Math.Min(batchSize, MaxShards));
    }

    /// <summary>Runs shards 0 .. <paramref name="shards"/> - 1 of <paramref name="work"/> and returns when all are done.</summary>
    public static void Run(IShardWork work, int shards, ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, ReadOnlySpan<int> classes, Span<float> outputs)
    {
        int helpers = Math.Min(Threads, shards) - 1;
        if (helpers <= 0 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int s = 0; s < shards; s++)
            {
                work.RunShard(s, inputs, tokens, targets, classes, outputs);
            }
            return;
        }
        try
        {
            // Shared or alone, whichever this call's shape has measured faster (see ModeChooser).
            long key = ModeChooser.Key(work, shards, inputs.Length, tokens.Length, targets.Length, classes.Length, outputs.Length);
            bool share = !Adaptive || s_chooser.Share(key);
            // A worker that spins for the next call would take the core a caller running alone needs: it sleeps instead.
            Volatile.Write(ref s_workersSpin, share);
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            if (!share)
            {
                for (int s = 0; s < shards; s++)
                {
                    work.RunShard(s, inputs, tokens, targets, classes, outputs);
                }
                s_chooser.Record(key, shared: false, System.Diagnostics.Stopwatch.GetTimestamp() - started);
                return;
            }
            Worker[] workers = Workers(helpers);
            fixed (float* i = inputs, g = targets, o = outputs)
            fixed (int* t = tokens, c = classes)
            {
                s_call.Begin(work, shards, helpers, i, inputs.Length, t, tokens.Length, g, targets.Length, c, classes.Length, o, outputs.Length);
                for (int w = 0; w < helpers; w++)
                {
                    workers[w].Wake();
                }
                // Whatever happens on this thread, the shards workers started are waited for before the spans are
                // unpinned and the gate opens.
                bool running = false;
                try
                {
                    for (int s; (s = s_call.Claim()) >= 0;)
                    {
                        running = true;
                        work.RunShard(s, inputs, tokens, targets, classes, outputs);
                        running = false;
                        s_call.Completed(1);
                    }
                }
                finally
                {
                    // After a failure here, the failed shard and the unclaimed ones count as done.
                    s_call.Completed((running ? 1 : 0) + s_call.CloseClaims());
                    s_call.WaitAll();
                }
                s_call.ThrowIfFailed();
            }
            s_chooser.Record(key, shared: true, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    /// <summary>The workers, at least <paramref name="count"/> of them (started once; allocates only when more are needed).</summary>
    private static Worker[] Workers(int count)
    {
        Worker[] workers = s_workers;
        if (workers.Length < count)
        {
            var more = new Worker[count];
            workers.CopyTo(more, 0);
            for (int w = workers.Length; w < count; w++)
            {
                more[w] = new Worker(s_call, w);
            }
            Volatile.Write(ref s_workers, more);
            workers = more;
        }
        return workers;
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
    /// For each recent call shape (the network, its shard count and span lengths), the measured time of running its
    /// shards with the workers and of running them alone, and which to use. On an idle machine sharing wins; when
    /// another process holds a core, the workers get too little of it (and a spinning worker takes the caller's core),
    /// so a shared call took up to 1.7 times as long as the caller alone: then the caller runs alone. The mode in use
    /// keeps a moving average of its times. Running alone is tried, four calls in a row, only while sharing is 25% slower
    /// than its best (an idle machine never pays for a try); sharing, while the caller runs alone, is tried after 16
    /// calls, then after twice as many each time it loses (at most 1,024), so a machine that becomes free is used again.
    /// A mode must be 10% faster to take over, so that noise does not make the choice flap. Either way the shards and
    /// their order are the same: the mode changes only the time, never the bits.
    /// </summary>
    internal sealed class ModeChooser
    {
        private const int Slots = 4, FirstProbe = 16, LastProbe = 1024, ProbeCalls = 4;
        private const double Margin = 0.9, Contention = 1.25;
        private readonly Entry[] _entries = new Entry[Slots];
        private long _clock;

        private struct Entry
        {
            public long Key, LastUsed;
            public double Shared, Alone; // Stopwatch ticks per call; 0: not measured yet
            public double SharedBest; // the fastest shared call seen: sharing slower than this by far means contention
            public bool UseShared;
            public int UntilProbe, ProbeInterval, ProbeLeft;
            public double ProbeSum;
        }

        /// <summary>A shape key: the work object's identity, the shard count and the span lengths, mixed.</summary>
        public static long Key(object work, int shards, int inputs, int tokens, int targets, int classes, int outputs)
        {
            ulong h = (ulong)(uint)System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(work);
            foreach (int v in stackalloc[] { shards, inputs, tokens, targets, classes, outputs })
            {
                h = (h ^ (uint)v) * 0x100000001B3UL;
            }
            return (long)h;
        }

        /// <summary>Whether the call of shape <paramref name="key"/> shares its shards with the workers.</summary>
        public bool Share(long key)
        {
            ref Entry e = ref Find(key);
            if (e.Shared == 0 || e.Alone == 0)
            {
                return e.Shared == 0; // first measure sharing, the usual winner, then running alone
            }
            // While sharing runs near its best time, running alone is not tried: an idle machine pays nothing.
            bool suspect = !e.UseShared || e.Shared > Contention * e.SharedBest;
            if (e.UntilProbe > 0)
            {
                e.UntilProbe--; // stops at 0: a process that runs for days does not wrap it around
            }
            if (e.ProbeLeft == 0 && e.UntilProbe == 0 && suspect)
            {
                e.ProbeLeft = ProbeCalls;
                e.ProbeSum = 0;
            }
            return e.ProbeLeft > 0 ? !e.UseShared : e.UseShared;
        }

        /// <summary>Records the time of a call of shape <paramref name="key"/> run in the given mode.</summary>
        public void Record(long key, bool shared, long ticks)
        {
            ref Entry e = ref Find(key);
            if (shared)
            {
                e.SharedBest = e.SharedBest == 0 ? ticks : Math.Min(e.SharedBest, ticks);
            }
            ref double mode = ref shared ? ref e.Shared : ref e.Alone;
            ref double other = ref shared ? ref e.Alone : ref e.Shared;
            if (mode == 0)
            {
                mode = ticks;
                e.UseShared = other == 0 || e.Shared <= e.Alone;
                return;
            }
            if (e.ProbeLeft > 0 && shared != e.UseShared)
            {
                // A probe of the mode not in use: its time last measured long ago is replaced by the mean of the probe.
                e.ProbeSum += ticks;
                if (--e.ProbeLeft == 0)
                {
                    mode = e.ProbeSum / ProbeCalls;
                    bool switching = mode < Margin * other;
                    e.UseShared = switching ? shared : e.UseShared;
                    e.ProbeInterval = switching ? FirstProbe : Math.Min(2 * e.ProbeInterval, LastProbe);
                    e.UntilProbe = e.ProbeInterval;
                }
                return;
            }
            // One slow call (a collection, a preemption) moves the average by at most 10%; lasting contention moves it all the way.
            mode = 0.9 * mode + 0.1 * Math.Min(ticks, 2 * mode);
            if (shared == e.UseShared && other < Margin * mode)
            {
                // The mode in use got slower (another process took a core, or left one): change, and check back soon.
                e.UseShared = !shared;
                e.ProbeInterval = e.UntilProbe = FirstProbe;
            }
        }

        /// <summary>The entry of <paramref name="key"/>, taking over the least recently used one for a new shape.</summary>
        private ref Entry Find(long key)
        {
            _clock++;
            int oldest = 0;
            for (int i = 0; i < Slots; i++)
            {
                if (_entries[i].Key == key && _entries[i].ProbeInterval != 0)
                {
                    _entries[i].LastUsed = _clock;
                    return ref _entries[i];
                }
                if (_entries[i].LastUsed < _entries[oldest].LastUsed)
                {
                    oldest = i;
                }
            }
            _entries[oldest] = new Entry { Key = key, LastUsed = _clock, UntilProbe = FirstProbe, ProbeInterval = FirstProbe };
            return ref _entries[oldest];
        }
    }

    /// <summary>
    /// The call in progress: its work and pinned spans, and one 64-bit claim word (the call's generation in the high
    /// half, the next unclaimed shard in the low half), so a worker that wakes late can claim nothing of a finished call.
    /// </summary>
    private sealed class Call
    {
        private readonly AutoResetEvent _finished = new(false);
        private IShardWork? _work;
        private int _shards, _helpers, _completed, _waiting;
        private long _claim;
        private float* _inputs, _targets, _outputs;
        private int* _tokens, _classes;
        private int _inputLength, _tokenLength, _targetLength, _classLength, _outputLength;
        private ExceptionDispatchInfo? _error;

        /// <summary>The current call's generation; workers sleep until it changes.</summary>
        public int Generation => (int)(Volatile.Read(ref _claim) >> 32);

        /// <summary>Workers with an index below this take part in the current call.</summary>
        public int Helpers => Volatile.Read(ref _helpers);

        public void Begin(IShardWork work, int shards, int helpers, float* inputs, int inputLength, int* tokens, int tokenLength, float* targets, int targetLength,
            int* classes, int classLength, float* outputs, int outputLength)
        {
            _work = work;
            _shards = shards;
            _helpers = helpers;
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
            _completed = 0;
            long generation = (Volatile.Read(ref _claim) >> 32) + 1;
            Interlocked.Exchange(ref _claim, generation << 32); // publishes the fields above
        }

        /// <summary>The next unclaimed shard of the current call, or -1 when none is left.</summary>
        public int Claim()
        {
            while (true)
            {
                long claim = Volatile.Read(ref _claim);
                int next = (int)claim;
                if (next >= Volatile.Read(ref _shards))
                {
                    return -1;
                }
                if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) == claim)
                {
                    return next;
                }
            }
        }

        /// <summary>Claims every shard left (after a failure on the caller) and returns how many there were.</summary>
        public int CloseClaims()
        {
            while (true)
            {
                long claim = Volatile.Read(ref _claim);
                int next = (int)claim, left = _shards - next;
                if (left <= 0)
                {
                    return 0;
                }
                if (Interlocked.CompareExchange(ref _claim, claim + left, claim) == claim)
                {
                    return left;
                }
            }
        }

        public void Completed(int shards)
        {
            // The event is set only when the caller sleeps on it (the full fences of Add and Exchange order the flag
            // against the count), so a call whose shards finish while it spins makes no kernel call.
            if (shards > 0 && Interlocked.Add(ref _completed, shards) == _shards && Volatile.Read(ref _waiting) == 1)
            {
                _finished.Set();
            }
        }

        /// <summary>Waits until every shard is done: spins briefly (shards in flight usually finish soon), then sleeps.</summary>
        public void WaitAll()
        {
            for (int spin = 0; Volatile.Read(ref _completed) < _shards; spin++)
            {
                if (spin < Spins)
                {
                    Thread.SpinWait(20);
                }
                else
                {
                    Interlocked.Exchange(ref _waiting, 1);
                    if (Volatile.Read(ref _completed) < _shards)
                    {
                        _finished.WaitOne();
                    }
                    Volatile.Write(ref _waiting, 0);
                }
            }
            _work = null;
        }

        public void ThrowIfFailed() => _error?.Throw();

        /// <summary>On a worker: runs shards of the current call until none is left; returns how many it ran.</summary>
        public int Help()
        {
            int ran = 0;
            for (int s; (s = Claim()) >= 0;)
            {
                // A successful claim means the call is still running (the caller waits for this shard), so the fields
                // read below are the ones its Begin published.
                try
                {
                    _work!.RunShard(s, new ReadOnlySpan<float>(_inputs, _inputLength), new ReadOnlySpan<int>(_tokens, _tokenLength),
                        new ReadOnlySpan<float>(_targets, _targetLength), new ReadOnlySpan<int>(_classes, _classLength), new Span<float>(_outputs, _outputLength));
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
                }
                ran++;
                Completed(1);
            }
            return ran;
        }
    }

    /// <summary>
    /// A worker thread. It spins briefly on the call's generation (back-to-back batches never block), then sleeps on its
    /// own kernel event. No Monitor-based primitive is involved: a contended Monitor, also the one inside SemaphoreSlim,
    /// can inflate into a managed object, an allocation in the middle of training.
    /// </summary>
    private sealed class Worker
    {
        private readonly AutoResetEvent _wake = new(false);
        private readonly Call _call;
        private readonly int _index;
        private int _sleeping;

        public long Shards;
        public long AllocatedBytes;

        public Worker(Call call, int index)
        {
            (_call, _index) = (call, index);
            var thread = new Thread(Loop) { IsBackground = true, Name = $"StaticRnn shard worker {index + 1}" };
            thread.Start();
        }

        /// <summary>Wakes the worker if it sleeps (called after the call's generation is published); a spinning one sees the generation.</summary>
        public void Wake()
        {
            if (Volatile.Read(ref _sleeping) == 1)
            {
                _wake.Set();
            }
        }

        private void Loop()
        {
            int seen = _call.Generation;
            while (true)
            {
                for (int spin = 0; _call.Generation == seen; spin++)
                {
                    if (spin < Spins && Volatile.Read(ref s_workersSpin))
                    {
                        Thread.SpinWait(20);
                    }
                    else
                    {
                        Interlocked.Exchange(ref _sleeping, 1);
                        if (_call.Generation == seen)
                        {
                            _wake.WaitOne();
                        }
                        Volatile.Write(ref _sleeping, 0);
                    }
                }
                seen = _call.Generation;
                if (_index < _call.Helpers)
                {
                    Volatile.Write(ref Shards, Shards + _call.Help());
                }
                Volatile.Write(ref AllocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            }
        }
    }
}
