using System.Globalization;
using CsCheck;
using Xunit.Abstractions;

namespace StaticRnn.Fuzz.Tests;

/// <summary>
/// How many cases a fuzz test runs and from which seeds. Default (CI): a fixed list of seeds, so every run checks the
/// same cases. <c>STATICRNN_FUZZ_CASES=N</c> sets the count; <c>STATICRNN_FUZZ_RANDOM=1</c> (tests/fuzz.sh) draws
/// fresh seeds. Either way a failing case is shrunk by CsCheck and reported with the seed that reproduces it
/// (<c>STATICRNN_FUZZ_SEED</c>).
/// </summary>
internal static class FuzzRun
{
    public static int Cases { get; } = int.TryParse(Environment.GetEnvironmentVariable("STATICRNN_FUZZ_CASES"), out int n) && n > 0 ? n : 240;

    private static bool RandomSeeds => Environment.GetEnvironmentVariable("STATICRNN_FUZZ_RANDOM") == "1";

    private static string? Replay => Environment.GetEnvironmentVariable("STATICRNN_FUZZ_SEED") is { Length: > 0 } s ? s : null;

    /// <summary>A hash of a declaration that is the same in every process (string.GetHashCode is not): the seed of its data.</summary>
    public static long StableHash(string text) => (long)(text.Aggregate(14695981039346656037UL, (h, c) => (h ^ c) * 1099511628211UL) >> 1);

    /// <summary>A file the long run appends progress lines to (tests/fuzz.sh shows it while the tests run).</summary>
    private static string? ProgressFile => Environment.GetEnvironmentVariable("STATICRNN_FUZZ_PROGRESS") is { Length: > 0 } p ? p : null;

    private static void Progress(int done, int total, TimeSpan elapsed)
    {
        if (ProgressFile is { } file && (done == total || done % Math.Max(1, total / 20) == 0))
        {
            File.AppendAllText(file, string.Create(CultureInfo.InvariantCulture, $"  {done}/{total} samples, {elapsed.TotalSeconds:0} s\n"));
        }
    }

    /// <summary>
    /// Runs <paramref name="check"/> on <paramref name="samples"/> generated values. A failure is reported with its
    /// seed and with what <paramref name="explain"/> makes of the failing value (the fuzz tests shrink it there).
    /// </summary>
    public static void Sample<T>(Gen<T> gen, Action<T> check, Func<T, string> print, Func<T, string> explain, ITestOutputHelper output, int samples)
    {
        T? failing = default;
        int done = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Checked(T value)
        {
            try
            {
                check(value);
                Progress(++done, samples, clock.Elapsed);
            }
            catch
            {
                failing = value;
                throw;
            }
        }
        void Run(string? seed, long iterations)
        {
            try
            {
                gen.Sample(Checked, seed: seed, iter: iterations, threads: 1, print: print);
            }
            catch (CsCheckException e)
            {
                throw new InvalidOperationException($"{e.Message.Split('\n')[0]}\n{e.InnerException?.Message}\n\n{explain(failing!)}", e.InnerException);
            }
        }
        if (Replay is { } replay)
        {
            Run(replay, 1);
        }
        else if (RandomSeeds)
        {
            Run(null, samples);
        }
        else
        {
            for (int i = 0; i < samples; i++)
            {
                Run(new PCG((uint)(i + 1), 20261202UL + (ulong)i).ToString(), 1);
            }
        }
        output.WriteLine($"{samples} samples ({(Replay is not null ? "replayed seed" : RandomSeeds ? "random seeds" : "the fixed seeds")})");
    }
}
