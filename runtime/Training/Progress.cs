using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace StaticRnn;

/// <summary>
/// <c>Fit</c>'s progress output. On an interactive console (verbose 1, the log is the console, not redirected) a Keras 3
/// progress bar is redrawn within each epoch (<c>26/26 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: 0.0812</c>), at most ten
/// times a second; otherwise one line per epoch (<c>Epoch 3/8 - 10/10 - loss: 0.0812 - val_loss: 0.0920 - 41 ms</c>).
/// </summary>
/// <param name="log">Where the output goes.</param>
/// <param name="verbose">0 nothing, 1 the bar on an interactive console (else lines), 2 lines.</param>
/// <param name="epochs">The last epoch, for "Epoch 3/8".</param>
/// <param name="steps">Batches per epoch.</param>
/// <param name="live">Whether to draw the bar; by default when the log is an interactive console and verbose is 1.</param>
internal sealed class Progress(TextWriter log, int verbose, int epochs, int steps, bool? live = null)
{
    private const int BarWidth = 20;
    private static readonly long s_redraw = Stopwatch.Frequency / 10;
    private readonly bool _live = live ?? (verbose == 1 && ReferenceEquals(log, Console.Out) && !Console.IsOutputRedirected);
    private readonly StringBuilder _line = new();
    private long _start, _drawn;

    public void EpochBegin(int epoch)
    {
        _start = _drawn = Stopwatch.GetTimestamp();
        if (_live)
        {
            log.WriteLine($"Epoch {epoch + 1}/{epochs}");
        }
    }

    /// <summary>After step <paramref name="done"/> of the epoch, with the running values so far.</summary>
    public void Step(int done, IReadOnlyList<string> keys, Func<int, float> values)
    {
        long now = Stopwatch.GetTimestamp();
        if (!_live || now - _drawn < s_redraw)
        {
            return;
        }
        _drawn = now;
        double perStep = Stopwatch.GetElapsedTime(_start, now).TotalSeconds / done;
        Draw(done, perStep * (steps - done), perStep, keys, values);
        log.Write(_line.ToString());
        log.Flush();
    }

    public void EpochEnd(int epoch, int done, IReadOnlyList<string> keys, Func<int, float> values)
    {
        if (verbose == 0)
        {
            return;
        }
        TimeSpan elapsed = Stopwatch.GetElapsedTime(_start);
        if (_live)
        {
            Draw(done, elapsed.TotalSeconds, elapsed.TotalSeconds / Math.Max(done, 1), keys, values);
            log.WriteLine(_line.ToString());
            return;
        }
        _line.Clear().Append(CultureInfo.InvariantCulture, $"Epoch {epoch + 1}/{epochs} - {done}/{steps}");
        Values(keys, values);
        _line.Append(CultureInfo.InvariantCulture, $" - {elapsed.TotalMilliseconds:0} ms");
        log.WriteLine(_line.ToString());
    }

    private void Draw(int done, double seconds, double perStep, IReadOnlyList<string> keys, Func<int, float> values)
    {
        int filled = (int)((long)done * BarWidth / steps);
        _line.Clear().Append('\r').Append(CultureInfo.InvariantCulture, $"{done}/{steps} ")
            .Append('━', filled).Append("\x1b[2m").Append('━', BarWidth - filled).Append("\x1b[0m")
            .Append(CultureInfo.InvariantCulture, $" {seconds:0}s ")
            .Append(perStep >= 1e-3 ? string.Create(CultureInfo.InvariantCulture, $"{perStep * 1e3:0}ms/step") : string.Create(CultureInfo.InvariantCulture, $"{perStep * 1e6:0}us/step"));
        Values(keys, values);
        _line.Append("\x1b[K"); // clear what a longer line drawn before left
    }

    private void Values(IReadOnlyList<string> keys, Func<int, float> values)
    {
        for (int i = 0; i < keys.Count; i++)
        {
            _line.Append(CultureInfo.InvariantCulture, $" - {keys[i]}: {values(i):0.0000}");
        }
    }
}
