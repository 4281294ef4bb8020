// A training run for the kill test (tests/StaticRnn.Numerics.Tests/CheckpointKillTests.cs), deterministic from fixed
// seeds. It trains either with BackupAndRestore, so that a run killed at any moment and started again goes on from its
// last backup, or straight through, writing the checkpoint of every epoch for the test to compare with.
//
//   StaticRnn.CrashTrainer backup BACKUP_DIR FINAL_WEIGHTS [EPOCHS]
//   StaticRnn.CrashTrainer record CHECKPOINT_DIR FINAL_WEIGHTS [EPOCHS]
using System.Globalization;
using StaticRnn;

if (args.Length is < 3 or > 4 || args[0] is not ("backup" or "record"))
{
    Console.Error.WriteLine("usage: StaticRnn.CrashTrainer backup|record DIR FINAL_WEIGHTS [EPOCHS]");
    return 2;
}
int epochs = args.Length == 4 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 30;

const int samples = 2048;
var random = new SeededRandom(2026);
var x = new float[samples * CrashModel.InputSize];
var y = new float[samples * CrashModel.TargetSize];
for (int i = 0; i < x.Length; i++)
{
    x[i] = (float)random.NextDouble(-1, 1);
}
for (int s = 0; s < samples; s++)
{
    // Targets: running sums of two features, squashed; something to learn over the whole sequence.
    float a = 0, b = 0;
    for (int t = 0; t < 20; t++)
    {
        a += x[(s * 20 + t) * 6];
        b += x[(s * 20 + t) * 6 + 1] * (t % 2 == 0 ? 1 : -1);
    }
    y[s * 2] = MathF.Tanh(a / 4);
    y[s * 2 + 1] = MathF.Tanh(b / 4);
}

var model = new CrashModel();
ICallback callback = args[0] == "backup"
    ? new BackupAndRestore(args[1])
    : new ModelCheckpoint(Path.Combine(args[1], "epoch{epoch:06d}.weights"));
model.Fit(x, y, epochs: epochs, batchSize: 32, optimizer: new Adam(0.005f), validationSplit: 0.125, seed: 7, verbose: 2, callbacks: [callback]);
model.SaveWeights(args[2]);
Console.WriteLine("done");
return 0;

/// <summary>Two recurrent kinds and a head: 20 steps of 6 features to 2 values.</summary>
[Sequential(20, 6)]
[Lstm(48, ReturnSequences = true)]
[Gru(24)]
[Dense(2, Activation = Activation.Tanh)]
public partial class CrashModel;
