using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// The crash campaign: a training process (tests/StaticRnn.CrashTrainer, with <see cref="BackupAndRestore"/>) is killed
/// with SIGKILL at random moments and started again, a dozen times, then left to finish. After every kill each backup
/// in the folder must load and be byte for byte the checkpoint an uninterrupted run wrote after the same epoch (same
/// weights, same optimizer state); the final weights must be the uninterrupted run's bits.
/// </summary>
public partial class CheckpointKillTests(ITestOutputHelper output)
{
    private const int Kills = 12;
    private const string Epochs = "60";

    [Fact]
    public void TrainingKilledAtRandomMomentsResumesToTheBitsOfAnUninterruptedRun()
    {
        string root = Path.Combine(Path.GetTempPath(), "srnn-kill-" + Guid.NewGuid().ToString("N"));
        try
        {
            string reference = Path.Combine(root, "reference"), backups = Path.Combine(root, "backup");
            string referenceFinal = Path.Combine(root, "reference.weights"), final = Path.Combine(root, "final.weights");
            var (code, log) = Run(["record", reference, referenceFinal, Epochs], kill: null);
            Assert.True(code == 0, log);

            var random = new Random(20261202);
            var resumedAfter = new List<int>();
            int kills = 0, checkedBackups = 0;
            for (int run = 0; ; run++)
            {
                Assert.True(run < Kills + 5, "the training process never finished");
                // Kills are placed by progress, not by the clock, so that a slow or busy machine kills as often: the
                // first run during start-up, the others after 1 to 6 more epochs than it resumed from, then 0 to 60 ms
                // on, which lands anywhere in an epoch: a step, the validation pass, or the backup being written.
                Kill? kill = run < Kills ? new Kill(run == 0 ? 0 : random.Next(1, 7), random.Next(0, 61)) : null;
                (code, log) = Run(["backup", backups, final, Epochs], kill);
                foreach (Match m in Resumed().Matches(log))
                {
                    resumedAfter.Add(int.Parse(m.Groups[1].Value));
                }
                if (code == 0 && log.Contains("done", StringComparison.Ordinal))
                {
                    break;
                }
                kills++;
                foreach (string backup in Directory.Exists(backups) ? Directory.GetFiles(backups, "epoch*.weights") : [])
                {
                    string name = Path.GetFileName(backup);
                    Assert.Equal(File.ReadAllBytes(Path.Combine(reference, name)), File.ReadAllBytes(backup));
                    var model = new CrashModel();
                    model.LoadWeights(backup);
                    WeightsFile.LoadOptimizerState(backup, new Adam());
                    checkedBackups++;
                }
            }
            output.WriteLine($"{kills} kills, resumed after epochs {string.Join(", ", resumedAfter)}, {checkedBackups} backups checked");
            Assert.True(kills >= Kills / 2, $"only {kills} of the runs were killed before they finished");
            Assert.True(resumedAfter.Distinct().Count() >= 3, $"resumed after epochs {string.Join(", ", resumedAfter)} only");
            Assert.Equal(File.ReadAllBytes(referenceFinal), File.ReadAllBytes(final));
            Assert.False(Directory.Exists(backups), "a finished run deletes its backups");
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>When to kill a run: after it has printed <paramref name="Epochs"/> epoch lines, then <paramref name="DelayMs"/> later.</summary>
    private sealed record Kill(int Epochs, int DelayMs);

    /// <summary>Runs the trainer; with <paramref name="kill"/>, sends it SIGKILL at that point if it is still running.</summary>
    private (int ExitCode, string Output) Run(string[] args, Kill? kill)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StaticRnn.CrashTrainer.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        var text = new System.Text.StringBuilder();
        int epochs = 0;
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (text)
            {
                text.AppendLine(e.Data);
            }
            if (e.Data.StartsWith("Epoch ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref epochs);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (text)
            {
                text.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (kill is not null)
        {
            var clock = Stopwatch.StartNew();
            while (!process.HasExited && Volatile.Read(ref epochs) < kill.Epochs && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                Thread.Sleep(1);
            }
            Thread.Sleep(kill.Epochs == 0 ? 5 * kill.DelayMs : kill.DelayMs);
            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL on Unix: no finally blocks, no flushing
            }
        }
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the trainer did not finish in 3 minutes");
        process.WaitForExit(); // the output events have all been raised after this
        string all;
        lock (text)
        {
            all = text.ToString();
        }
        output.WriteLine($"--- {string.Join(' ', args)} (exit {process.ExitCode}{(kill is null ? "" : $", kill after {kill.Epochs} epochs + {kill.DelayMs} ms")})");
        output.WriteLine(all.Length > 600 ? "..." + all[^600..] : all);
        return (process.ExitCode, all);
    }

    [GeneratedRegex(@"resuming after epoch (\d+)")]
    private static partial Regex Resumed();
}
