namespace StaticRnn.Samples.SensorFleet;

/// <summary>
/// The Streaming sample's model: an LSTM that predicts a sensor's next reading from the readings so far, one reading
/// per call, its recurrent state carried from call to call (Keras stateful=True). In the fleet the state of each
/// sensor lives in its grain, not in the network: a silo runs every sensor on a few shared instances.
/// </summary>
[Sequential(1, 1, Stateful = true, Seed = 5)]
[Lstm(32)]
[Dense(1)]
public partial class SensorModel;

/// <summary>The same layers over 64-reading windows, for training (weights do not depend on the number of steps).</summary>
[Sequential(64, 1, Seed = 5)]
[Lstm(32, ReturnSequences = true)]
[Dense(1)]
public partial class SensorWindowModel;

/// <summary>Readings of the simulated sensors: every sensor its own two tones, tremolo and noise, fixed by its number.</summary>
public static class Sensors
{
    public const int Rate = 16_000;

    /// <summary>Readings <paramref name="first"/> .. first + count of sensor <paramref name="sensor"/>, the same on every call and process.</summary>
    public static void Readings(int sensor, long first, Span<float> readings)
    {
        var r = new SeededRandom(1_000 + sensor);
        var noise = new SeededRandom(0);
        double low = r.NextDouble(150, 300), high = r.NextDouble(300, 500), phase = r.NextDouble(0, 2 * Math.PI);
        for (int i = 0; i < readings.Length; i++)
        {
            long n = first + i;
            double t = (double)n / Rate;
            double tremolo = 0.75 + 0.25 * Math.Sin(2 * Math.PI * 3 * t + phase);
            // The noise of reading n has its own seed, so that any range of readings can be made alone.
            noise.Reseed(sensor * 1_000_000_007L + n);
            readings[i] = (float)(tremolo * (0.6 * Math.Sin(2 * Math.PI * low * t + phase) + 0.3 * Math.Sin(2 * Math.PI * high * t)) + 0.05 * noise.NextNormal());
        }
    }

    /// <summary>Trains the window model on <paramref name="windows"/> 64-reading windows of the first sensors and returns its weights.</summary>
    public static float[] Train(int windows, int epochs, TextWriter log)
    {
        const int Window = 64;
        var x = new float[windows * Window];
        var y = new float[windows * Window];
        var next = new float[Window + 1];
        var r = new SeededRandom(3);
        for (int i = 0; i < windows; i++)
        {
            Readings(r.NextInt(64), r.NextInt(Rate * 10), next);
            next.AsSpan(0, Window).CopyTo(x.AsSpan(i * Window));
            next.AsSpan(1, Window).CopyTo(y.AsSpan(i * Window));
        }
        var model = new SensorWindowModel();
        model.Fit(x, y, epochs: epochs, batchSize: 32, optimizer: new Adam(0.005f), validationSplit: 0.1, log: log);
        return model.Parameters.ToArray();
    }
}
