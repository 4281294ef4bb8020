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
            var (code, log) = Run(["record", reference, referenceFinal, Epochs], killAfter: null);
            Assert.True(code == 0, log);

            var random = new Random(20261202);
            var resumedAfter = new List<int>();
            int kills = 0, checkedBackups = 0;
            for (int run = 0; ; run++)
            {
                Assert.True(run < Kills + 5, "the training process never finished");
                // An epoch takes about 50 ms here and start-up about 300 ms: the kills land in start-up, in an epoch, in
                // the validation pass or in a save, a few epochs apart.
                TimeSpan? killAfter = run < Kills ? TimeSpan.FromMilliseconds(random.Next(150, 1000)) : null;
                (code, log) = Run(["backup", backups, final, Epochs], killAfter);
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

    /// <summary>Runs the trainer; with <paramref name="killAfter"/>, sends it SIGKILL then if it is still running.</summary>
    private (int ExitCode, string Output) Run(string[] args, TimeSpan? killAfter)
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
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (killAfter is { } delay && !process.WaitForExit(delay))
        {
            process.Kill(); // SIGKILL on Unix: no finally blocks, no flushing
        }
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the trainer did not finish in 3 minutes");
        process.WaitForExit();
        string text = stdout.Result + stderr.Result;
        output.WriteLine($"--- {string.Join(' ', args)} (exit {process.ExitCode})");
        output.WriteLine(text.Length > 600 ? "..." + text[^600..] : text);
        return (process.ExitCode, text);
    }

    [GeneratedRegex(@"resuming after epoch (\d+)")]
    private static partial Regex Resumed();
}
