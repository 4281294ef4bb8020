using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace StaticRnn.Samples.SensorFleet;

/// <summary>What a fleet run does; the defaults are the README's run.</summary>
public sealed record FleetOptions
{
    public int Silos { get; init; } = 3;
    public int Sensors { get; init; } = 2_000;
    /// <summary>Readings per sensor.</summary>
    public int Steps { get; init; } = 64;
    /// <summary>Readings per call (1: one call per reading).</summary>
    public int Chunk { get; init; } = 1;
    /// <summary>Calls in flight at once over all sensors.</summary>
    public int Concurrency { get; init; } = 64;
    /// <summary>Kill the last silo (SIGKILL) when this fraction of all readings is answered; null: no kill.</summary>
    public double? KillAt { get; init; } = 0.5;
    /// <summary>A running Redis (host:port); null starts redis-server for the run.</summary>
    public string? Redis { get; init; }
    /// <summary>A weights file of <see cref="SensorModel"/>; null trains the model first.</summary>
    public string? Weights { get; init; }
    public int TrainWindows { get; init; } = 2_000;
    public int Epochs { get; init; } = 4;
}

/// <summary>What a run measured; <see cref="Predictions"/> holds every sensor's answers, sensor after sensor.</summary>
public sealed record FleetResult(
    long Readings, long Calls, double Seconds, double ReadingsPerSecond, double P50Ms, double P99Ms, double P999Ms, double MaxMs,
    long Retries, long RetriesAlreadyApplied, int KilledSilo, long KilledAfter, int StreamsChecked, int StreamsDiffering, double SingleProcessNsPerReading,
    float[] Weights, float[] Predictions);

/// <summary>
/// The fleet: starts Redis and the silo processes, streams every sensor's readings through its grain with bounded
/// concurrency, kills one silo mid-run, then checks every stream against a single-process run of the same readings.
/// </summary>
public static class Fleet
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(120);

    public static async Task<FleetResult> Run(FleetOptions o, TextWriter log)
    {
        Check(o);
        string work = Directory.CreateTempSubdirectory("sensorfleet-").FullName;
        RedisServer? ownRedis = null;
        var silos = new List<SiloProcess>();
        try
        {
            float[] weights = Weights(o, work, log, out string weightsPath);
            if (o.Redis is null)
            {
                ownRedis = RedisServer.Start();
                log.WriteLine($"Redis: started redis-server on 127.0.0.1:{ownRedis.Port}");
            }
            string redis = o.Redis ?? ownRedis!.Connection;
            string cluster = $"fleet-{Environment.ProcessId}-{Stopwatch.GetTimestamp():x}";

            var started = Stopwatch.StartNew();
            for (int i = 0; i < o.Silos; i++)
            {
                silos.Add(SiloProcess.Start(i + 1, redis, cluster, weightsPath, work));
            }
            await Task.WhenAll(silos.Select(s => s.WaitReady(TimeSpan.FromSeconds(90))));
            log.WriteLine($"Cluster '{cluster}': {o.Silos} silos ready in {started.Elapsed.TotalSeconds:0.0} s (pids {string.Join(", ", silos.Select(s => s.Pid))})");

            using IHost client = await Connect(redis, cluster);
            var grains = client.Services.GetRequiredService<IClusterClient>();
            return await Stream(o, grains, silos, weights, log);
        }
        catch
        {
            foreach (SiloProcess silo in silos)
            {
                log.WriteLine($"--- silo {silo.Number} log (last lines) ---");
                log.WriteLine(silo.LogTail());
            }
            throw;
        }
        finally
        {
            foreach (SiloProcess silo in silos)
            {
                silo.Dispose();
            }
            ownRedis?.Dispose();
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Check(FleetOptions o)
    {
        if (o.Silos is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(o.Silos), o.Silos, "--silos must be 1 to 16.");
        if (o.Sensors < 1) throw new ArgumentOutOfRangeException(nameof(o.Sensors), o.Sensors, "--sensors must be at least 1.");
        if (o.Steps < 1) throw new ArgumentOutOfRangeException(nameof(o.Steps), o.Steps, "--steps must be at least 1.");
        if (o.Chunk < 1) throw new ArgumentOutOfRangeException(nameof(o.Chunk), o.Chunk, "--chunk must be at least 1.");
        if (o.Concurrency < 1) throw new ArgumentOutOfRangeException(nameof(o.Concurrency), o.Concurrency, "--concurrency must be at least 1.");
        if (o.KillAt is double k && (k <= 0 || k >= 1 || o.Silos < 2))
        {
            throw new ArgumentOutOfRangeException(nameof(o.KillAt), k, "--kill-at must be in (0, 1), with at least 2 silos (one must survive).");
        }
        if ((long)o.Sensors * o.Steps > 100_000_000)
        {
            // Every answer is kept for the check at the end: 400 MB of floats at most, and int offsets stay valid.
            throw new ArgumentOutOfRangeException(nameof(o.Steps), "--sensors × --steps must be at most 100,000,000.");
        }
    }

    private static float[] Weights(FleetOptions o, string work, TextWriter log, out string path)
    {
        var model = new SensorModel();
        if (o.Weights is not null)
        {
            model.LoadWeights(o.Weights);
            path = Path.GetFullPath(o.Weights);
            log.WriteLine($"Weights: {path}");
        }
        else
        {
            log.WriteLine($"Training the model on {o.TrainWindows:N0} windows of 64 readings, {o.Epochs} epochs:");
            Sensors.Train(o.TrainWindows, o.Epochs, log).CopyTo(model.Parameters);
            path = Path.Combine(work, "sensor.weights");
            model.SaveWeights(path);
        }
        return model.Parameters.ToArray();
    }

    private static async Task<IHost> Connect(string redis, string cluster)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(c =>
        {
            c.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster;
                o.ServiceId = FleetSilo.ServiceId;
            });
            c.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = FleetSilo.CallTimeout);
            c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        });
        IHost host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<FleetResult> Stream(FleetOptions o, IClusterClient grains, List<SiloProcess> silos, float[] weights, TextWriter log)
    {
        int callsPerSensor = (o.Steps + o.Chunk - 1) / o.Chunk;
        long total = (long)o.Sensors * o.Steps;
        var predictions = new float[total];
        var latencies = new long[(long)o.Sensors * callsPerSensor];
        long answered = 0, retries = 0;
        var gate = new SemaphoreSlim(o.Concurrency);
        log.WriteLine($"Streaming {o.Sensors:N0} sensors × {o.Steps:N0} readings ({o.Chunk} per call, {o.Concurrency} calls in flight){(o.KillAt is double k ? $"; silo {silos.Count} is killed at {k:P0}" : "")}");

        async Task Sensor(int sensor)
        {
            ISensorGrain grain = grains.GetGrain<ISensorGrain>(sensor);
            var readings = new float[o.Steps];
            Sensors.Readings(sensor, 0, readings);
            for (int call = 0; call < callsPerSensor; call++)
            {
                int first = call * o.Chunk, count = Math.Min(o.Chunk, o.Steps - first);
                float[] part = readings.AsSpan(first, count).ToArray();
                float[] answer;
                await gate.WaitAsync();
                try
                {
                    long start = Stopwatch.GetTimestamp();
                    answer = await Call(grain, sensor, first, part, () => Interlocked.Increment(ref retries));
                    latencies[(long)sensor * callsPerSensor + call] = Stopwatch.GetTimestamp() - start;
                }
                finally
                {
                    gate.Release();
                }
                if (answer.Length != count)
                {
                    throw new InvalidDataException($"sensor {sensor}: {answer.Length} predictions for {count} readings.");
                }
                answer.CopyTo(predictions, (long)sensor * o.Steps + first);
                Interlocked.Add(ref answered, count);
            }
        }

        var clock = Stopwatch.StartNew();
        Task all = Task.WhenAll(Enumerable.Range(0, o.Sensors).Select(s => Task.Run(() => Sensor(s))));
        int killed = 0;
        long killedAfter = 0;
        TimeSpan lastReport = TimeSpan.Zero;
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(10));
            long done = Volatile.Read(ref answered);
            if (o.KillAt is double at && killed == 0 && done >= at * total)
            {
                SiloProcess victim = silos[^1];
                victim.Kill();
                killed = victim.Number;
                killedAfter = done;
                log.WriteLine($"  killed silo {victim.Number} (pid {victim.Pid}, SIGKILL) after {done:N0} of {total:N0} readings");
            }
            if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(2))
            {
                lastReport = clock.Elapsed;
                log.WriteLine($"  {done:N0} / {total:N0} readings, {done / clock.Elapsed.TotalSeconds:N0} per second, {Volatile.Read(ref retries)} calls retried");
            }
        }
        await all;
        double seconds = clock.Elapsed.TotalSeconds;

        long repeats = await CheckStepNumbers(o, grains, callsPerSensor, predictions);

        // The cluster's work is done: stop it, so that the single-process figure has the machine to itself.
        foreach (SiloProcess silo in silos)
        {
            silo.Stop();
        }

        // The single-process run: one network streams every sensor's readings, state carried in the network.
        (int differing, double nsPerReading) = Differing(o, weights, predictions);

        Array.Sort(latencies);
        double Ms(double q) => latencies[(int)Math.Min(latencies.Length - 1, Math.Floor(q * latencies.Length))] * 1e3 / Stopwatch.Frequency;
        var result = new FleetResult(total, latencies.Length, seconds, total / seconds, Ms(0.5), Ms(0.99), Ms(0.999), Ms(1.0),
            retries, repeats, killed, killedAfter, o.Sensors, differing, nsPerReading, weights, predictions);
        log.WriteLine($"Fleet: {total:N0} readings ({result.Calls:N0} calls) in {seconds:0.0} s: {result.ReadingsPerSecond:N0} readings/s over {o.Silos} silos");
        log.WriteLine($"Call latency: p50 {result.P50Ms:0.00} ms, p99 {result.P99Ms:0.00} ms, p99.9 {result.P999Ms:0.0} ms, max {result.MaxMs:0.0} ms");
        log.WriteLine($"Retried calls: {retries:N0}; {repeats:N0} of them had been applied and stored before their answer was lost, and were answered again without being applied twice");
        log.WriteLine($"Single process, same readings: {nsPerReading:0} ns per reading ({1e9 / nsPerReading:N0} readings/s on one thread)");
        log.WriteLine($"Exact: {o.Sensors - differing:N0} of {o.Sensors:N0} streams equal the single-process run bit for bit; every stream applied {o.Steps} readings once");
        return result;
    }

    /// <summary>
    /// Checks that every stream applied each of its readings once and that step numbers are idempotent; returns the
    /// calls of the run that were answered as repeats of an applied call (retries whose first answer was lost).
    /// </summary>
    private static async Task<long> CheckStepNumbers(FleetOptions o, IClusterClient grains, int callsPerSensor, float[] predictions)
    {
        // Every stream applied each reading once: its step count is exactly the readings sent.
        long[] steps = await Task.WhenAll(Enumerable.Range(0, o.Sensors).Select(s => grains.GetGrain<ISensorGrain>(s).Steps()));
        int wrongCount = steps.Count(s => s != o.Steps);
        if (wrongCount > 0)
        {
            throw new InvalidDataException($"{wrongCount} streams report another step count than {o.Steps} (first: sensor {Array.FindIndex(steps, s => s != o.Steps)}).");
        }

        // Idempotent step numbers: every stream's last call sent again gets the same answer and changes nothing;
        // a step number past the next one is refused.
        int repeatsDiffering = 0;
        await Task.WhenAll(Enumerable.Range(0, o.Sensors).Select(async sensor =>
        {
            int first = (callsPerSensor - 1) * o.Chunk;
            var readings = new float[o.Steps - first];
            Sensors.Readings(sensor, first, readings);
            float[] again = await grains.GetGrain<ISensorGrain>(sensor).Step(first, readings);
            if (!again.AsSpan().SequenceEqual(predictions.AsSpan(sensor * o.Steps + first, readings.Length)))
            {
                Interlocked.Increment(ref repeatsDiffering);
            }
        }));
        long[] after = await Task.WhenAll(Enumerable.Range(0, o.Sensors).Select(s => grains.GetGrain<ISensorGrain>(s).Steps()));
        bool gapRefused = false;
        try
        {
            await grains.GetGrain<ISensorGrain>(0).Step(o.Steps + 1, [0f]);
        }
        catch (StepOutOfOrderException)
        {
            gapRefused = true;
        }
        if (repeatsDiffering > 0 || !after.SequenceEqual(steps) || !gapRefused)
        {
            throw new InvalidDataException($"step numbers are not idempotent: {repeatsDiffering} repeated calls answered differently, "
                + $"{after.Zip(steps).Count(p => p.First != p.Second)} streams moved on a repeat, a skipped step {(gapRefused ? "was" : "was not")} refused.");
        }
        int[] answeredFromStore = await Task.WhenAll(Enumerable.Range(0, o.Sensors).Select(s => grains.GetGrain<ISensorGrain>(s).RepeatsAnswered()));
        return answeredFromStore.Sum() - o.Sensors; // the check above repeated one call per stream
    }

    /// <summary>
    /// Streams whose predictions differ in any bit from one network streaming the same readings in one process, and
    /// that network's time per reading.
    /// </summary>
    public static (int Differing, double NsPerReading) Differing(FleetOptions o, float[] weights, float[] predictions)
    {
        var network = new SensorModel();
        weights.CopyTo(network.Parameters);
        var readings = new float[o.Steps];
        var expected = new float[o.Steps];
        int differing = 0;
        long ticks = 0;
        // Two passes: the first checks, the second is timed, after half a second of streaming in which .NET compiles
        // the network's code fully (tiered compilation), as a long-running process has.
        for (int pass = 0; pass < 2; pass++)
        {
            if (pass == 1)
            {
                for (long warm = Stopwatch.GetTimestamp(); Stopwatch.GetElapsedTime(warm).TotalMilliseconds < 500;)
                {
                    network.Predict(readings.AsSpan(0, 1), expected.AsSpan(0, 1));
                }
            }
            for (int sensor = 0; sensor < o.Sensors; sensor++)
            {
                Sensors.Readings(sensor, 0, readings);
                network.ResetStates();
                long start = Stopwatch.GetTimestamp();
                for (int t = 0; t < o.Steps; t++)
                {
                    network.Predict(readings.AsSpan(t, 1), expected.AsSpan(t, 1));
                }
                ticks += pass == 1 ? Stopwatch.GetTimestamp() - start : 0;
                ReadOnlySpan<float> got = predictions.AsSpan(sensor * o.Steps, o.Steps);
                differing += pass == 0 && !MemoryMarshal.AsBytes(got).SequenceEqual(MemoryMarshal.AsBytes(expected.AsSpan())) ? 1 : 0;
            }
        }
        return (differing, ticks * 1e9 / Stopwatch.Frequency / ((long)o.Sensors * o.Steps));
    }

    private static async Task<float[]> Call(ISensorGrain grain, int sensor, long first, float[] readings, Action retried)
    {
        var since = Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await grain.Step(first, readings);
            }
            catch (StepOutOfOrderException)
            {
                throw; // a lost or doubled step: the run is wrong, not slow
            }
            catch (Exception e) when (since.Elapsed < GiveUp)
            {
                // The silo of this grain died or the call timed out: send the same readings again (idempotent).
                retried();
                if (since.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Console.Error.WriteLine($"sensor {sensor}, step {first}: still failing after {since.Elapsed.TotalSeconds:0} s: {e.GetType().Name}: {e.Message}");
                }
                await Task.Delay(Math.Min(50 * attempt, 1_000));
            }
        }
    }
}
