// Real-time signal processing, one sample per call: a small LSTM predicts the next sample of a noisy 16 kHz
// signal. It is trained on 64-sample windows (WindowModel), then its weights run in a stateful network with input
// shape (1, 1) (StreamModel) that carries its state from call to call, as Keras stateful=True does.
using System.Diagnostics;
using StaticRnn;

const int Rate = 16_000, Window = 64;
int trainWindows = args.Length > 0 && int.TryParse(args[0], out int w) ? w : 3000;

var training = Signal(seconds: 20, seed: 1);
var heldOut = Signal(seconds: 10, seed: 2);

// 1. Train on windows: input x[t..t+64), target x[t+1..t+65), from random places in 20 s of signal.
var random = new SeededRandom(3);
var x = new float[trainWindows * Window];
var y = new float[trainWindows * Window];
for (int i = 0; i < trainWindows; i++)
{
    int start = random.NextInt(training.Length - Window - 1);
    training.AsSpan(start, Window).CopyTo(x.AsSpan(i * Window));
    training.AsSpan(start + 1, Window).CopyTo(y.AsSpan(i * Window));
}
var windowModel = new WindowModel();
windowModel.Fit(x, y, epochs: 6, batchSize: 32, optimizer: new Adam(0.005f), validationSplit: 0.1);

// 2. Stream the held-out 10 s through the stateful network, one sample per Predict call.
var stream = new StreamModel();
windowModel.Parameters.CopyTo(stream.Parameters); // same layers, same weight layout: weights do not depend on T
var input = new float[1];
var output = new float[1];
double squared = 0, naive = 0;
// Warm-up for half a second: .NET compiles the kernels first quickly, then optimized once they are hot (tiered
// compilation), which a long-running stream reaches within its first second. Then start from zero state.
long warmStart = Stopwatch.GetTimestamp();
while (Stopwatch.GetElapsedTime(warmStart).TotalMilliseconds < 500)
{
    stream.Predict(input, output);
}
stream.ResetStates();
long startTicks = Stopwatch.GetTimestamp();
for (int t = 0; t < heldOut.Length - 1; t++)
{
    input[0] = heldOut[t];
    stream.Predict(input, output);
    double e = output[0] - heldOut[t + 1], n = heldOut[t] - heldOut[t + 1];
    squared += e * e;
    naive += n * n;
}
double seconds = Stopwatch.GetElapsedTime(startTicks).TotalSeconds;
int steps = heldOut.Length - 1;
Console.WriteLine($"Streamed {steps:N0} samples ({steps / (double)Rate:0.0} s of 16 kHz audio) one call each: {seconds * 1e9 / steps:0} ns per sample, {steps / (double)Rate / seconds:0} x real time");
Console.WriteLine($"next-sample RMSE {Math.Sqrt(squared / steps):0.0000} vs {Math.Sqrt(naive / steps):0.0000} for repeating the last sample (noise floor 0.0500)");

// Two tones with a slow tremolo and white noise (sigma 0.05): the part an LSTM can learn is the tones.
static float[] Signal(int seconds, int seed)
{
    var r = new SeededRandom(seed);
    var s = new float[seconds * Rate];
    double phase = r.NextDouble(0, 2 * Math.PI);
    for (int i = 0; i < s.Length; i++)
    {
        double t = (double)i / Rate;
        double tremolo = 0.75 + 0.25 * Math.Sin(2 * Math.PI * 3 * t + phase);
        s[i] = (float)(tremolo * (0.6 * Math.Sin(2 * Math.PI * 220 * t + phase) + 0.3 * Math.Sin(2 * Math.PI * 330 * t)) + 0.05 * r.NextNormal());
    }
    return s;
}

/// <summary>The training network: 64-sample windows, one prediction per step.</summary>
[Sequential(64, 1, Seed = 5)]
[Lstm(32, ReturnSequences = true)]
[Dense(1)]
public partial class WindowModel;

/// <summary>The streaming network: one sample per call, state carried between calls.</summary>
[Sequential(1, 1, Stateful = true)]
[Lstm(32)]
[Dense(1)]
public partial class StreamModel;
