using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace StaticRnn;

/// <summary>
/// A Keras-style callback: <c>Fit</c> calls it at the start and end of training, of each epoch and after each batch.
/// Epochs are counted from 0 here, as Keras passes them (messages print epoch + 1). Every method has an empty default.
/// </summary>
public interface ICallback
{
    /// <summary>Before the first epoch.</summary>
    void OnTrainBegin(FitContext fit) { }

    /// <summary>Before epoch <paramref name="epoch"/> (0-based).</summary>
    void OnEpochBegin(int epoch, FitContext fit) { }

    /// <summary>Before the step of batch <paramref name="batch"/> (0-based within the epoch).</summary>
    void OnBatchBegin(int batch, FitContext fit) { }

    /// <summary>After batch <paramref name="batch"/> (0-based within the epoch) with its loss (possibly not finite).</summary>
    void OnBatchEnd(int batch, float loss, FitContext fit) { }

    /// <summary>After epoch <paramref name="epoch"/>, with its logs: <c>loss</c>, the metrics, and <c>val_</c> ones with a validation split.</summary>
    void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs, FitContext fit) { }

    /// <summary>After the last epoch, or after a callback stopped training.</summary>
    void OnTrainEnd(FitContext fit) { }
}

/// <summary>What a callback sees of the running <c>Fit</c>: the model's weights, the optimizer, and the stop flag.</summary>
public sealed class FitContext
{
    internal delegate Span<float> ParametersAccessor();

    private readonly ParametersAccessor _parameters;

    internal FitContext(ParametersAccessor parameters, IReadOnlyList<WeightInfo> weights, IOptimizer optimizer, IReadOnlyList<string> keys, int epochs, int verbose, TextWriter log)
    {
        _parameters = parameters;
        Weights = weights;
        Optimizer = optimizer;
        Keys = keys;
        Epochs = epochs;
        Verbose = verbose;
        Log = log;
    }

    /// <summary>The model's weights, in place (Keras <c>get_weights()</c> order, as <c>Parameters</c>).</summary>
    public Span<float> Parameters => _parameters();

    /// <summary>The layout of <see cref="Parameters"/>.</summary>
    public IReadOnlyList<WeightInfo> Weights { get; }

    /// <summary>The optimizer of this <c>Fit</c>; callbacks may change its learning rate.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>The keys the epoch logs will have (<c>loss</c>, metrics, then the <c>val_</c> ones).</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>The epoch <c>Fit</c> ends at (its <c>epochs</c> argument).</summary>
    public int Epochs { get; }

    /// <summary><c>Fit</c>'s verbosity (0 silent).</summary>
    public int Verbose { get; }

    /// <summary>Where <c>Fit</c> writes its progress; callbacks write their messages here too.</summary>
    public TextWriter Log { get; }

    /// <summary>
    /// The epoch (0-based) the first trained epoch has: <c>Fit</c>'s <c>initialEpoch</c>. A callback may raise it in
    /// <see cref="ICallback.OnTrainBegin"/> to resume a run, as <see cref="BackupAndRestore"/> does (Keras
    /// <c>model._initial_epoch</c>); the shuffles of the skipped epochs are drawn and dropped, so the order stays that of
    /// a run straight through.
    /// </summary>
    public int InitialEpoch { get; set; }

    /// <summary>Set to stop training after the current batch (Keras <c>model.stop_training = True</c>).</summary>
    public bool StopTraining { get; set; }

    /// <summary>
    /// Writes a checkpoint with <see cref="WeightsFile.Save"/> (a temporary file renamed into place): the model's weights,
    /// and the optimizer's state when it derives from <see cref="StaticRnn.Optimizer"/>.
    /// </summary>
    public void SaveWeights(string path) => WeightsFile.Save(path, Weights, Parameters, Optimizer as Optimizer);

    /// <summary>
    /// Puts the weights of the checkpoint <paramref name="path"/> into the model and its optimizer state (when the file
    /// has one and the optimizer derives from <see cref="StaticRnn.Optimizer"/>) into the optimizer; a file that does
    /// not fit changes neither.
    /// </summary>
    internal void LoadCheckpoint(string path)
    {
        var weights = new float[Parameters.Length];
        WeightsFile.Load(path, Weights, weights);
        if (Optimizer is Optimizer optimizer)
        {
            WeightsFile.LoadOptimizerState(path, optimizer);
        }
        weights.CopyTo(Parameters);
    }

    internal void CheckMonitor(string monitor, string callback)
    {
        if (!Keys.Contains(monitor))
        {
            throw new ArgumentException($"{callback} monitors '{monitor}', which this Fit does not log; it logs {string.Join(", ", Keys.Select(k => $"'{k}'"))}."
                + (monitor.StartsWith("val_", StringComparison.Ordinal) ? " Validation values need validationSplit > 0." : ""), nameof(monitor));
        }
    }
}

/// <summary>Whether a monitored value improves by falling or rising; <see cref="Auto"/> rises for accuracies, falls otherwise.</summary>
public enum MonitorMode
{
    /// <summary>Keras <c>"auto"</c>: <see cref="Max"/> for a key ending in <c>accuracy</c> or <c>acc</c>, else <see cref="Min"/>.</summary>
    Auto,
    /// <summary>Lower is better.</summary>
    Min,
    /// <summary>Higher is better.</summary>
    Max,
}

/// <summary>The comparison shared by the monitoring callbacks.</summary>
internal static class Monitor
{
    public static bool Maximizes(string monitor, MonitorMode mode) => mode switch
    {
        MonitorMode.Max => true,
        MonitorMode.Min => false,
        _ => monitor.EndsWith("accuracy", StringComparison.Ordinal) || monitor.EndsWith("acc", StringComparison.Ordinal),
    };

    /// <summary>Whether <paramref name="value"/> beats <paramref name="reference"/> by more than <paramref name="minDelta"/>.</summary>
    public static bool Improves(double value, double reference, double minDelta, bool maximize)
        => maximize ? value - minDelta > reference : value + minDelta < reference;
}

/// <summary>
/// Keras <c>EarlyStopping</c>: stops training when <see cref="Monitor"/> has not improved by more than
/// <see cref="MinDelta"/> for <see cref="Patience"/> epochs; with <see cref="RestoreBestWeights"/> the weights of the best
/// epoch are put back when it stops (as in Keras, not when training runs to its last epoch).
/// </summary>
public sealed class EarlyStopping : ICallback
{
    private double _best;
    private int _wait, _stoppedEpoch, _bestEpoch;
    private float[]? _bestWeights;

    /// <summary>The logged value watched (default <c>val_loss</c>).</summary>
    public string Monitor { get; init; } = "val_loss";
    /// <summary>Smallest change that counts as an improvement.</summary>
    public double MinDelta { get; init; }
    /// <summary>Epochs without improvement before training stops.</summary>
    public int Patience { get; init; }
    /// <summary>Whether lower or higher is better.</summary>
    public MonitorMode Mode { get; init; }
    /// <summary>A value the monitor must beat for the patience to restart (Keras <c>baseline</c>).</summary>
    public double? Baseline { get; init; }
    /// <summary>Put back the weights of the best epoch when stopping.</summary>
    public bool RestoreBestWeights { get; init; }
    /// <summary>Epochs to wait before watching at all (Keras <c>start_from_epoch</c>).</summary>
    public int StartFromEpoch { get; init; }
    /// <summary>1 to print when stopping and restoring.</summary>
    public int Verbose { get; init; }

    /// <summary>The 0-based epoch training stopped after, or 0 when it did not stop early (Keras <c>stopped_epoch</c>).</summary>
    public int StoppedEpoch => _stoppedEpoch;
    /// <summary>The 0-based epoch of the best monitored value so far.</summary>
    public int BestEpoch => _bestEpoch;

    void ICallback.OnTrainBegin(FitContext fit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Patience, nameof(Patience));
        fit.CheckMonitor(Monitor, nameof(EarlyStopping));
        bool maximize = StaticRnn.Monitor.Maximizes(Monitor, Mode);
        _best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
        _wait = _stoppedEpoch = _bestEpoch = 0;
        _bestWeights = null;
    }

    void ICallback.OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs, FitContext fit)
    {
        if (epoch < StartFromEpoch || !logs.TryGetValue(Monitor, out float current))
        {
            return;
        }
        bool maximize = StaticRnn.Monitor.Maximizes(Monitor, Mode);
        double minDelta = Math.Abs(MinDelta);
        if (RestoreBestWeights && _bestWeights is null)
        {
            _bestWeights = fit.Parameters.ToArray(); // the first epoch's weights, until a better one
            _bestEpoch = epoch;
        }
        _wait++;
        if (StaticRnn.Monitor.Improves(current, _best, minDelta, maximize))
        {
            _best = current;
            _bestEpoch = epoch;
            if (RestoreBestWeights)
            {
                fit.Parameters.CopyTo(_bestWeights);
            }
            if (Baseline is not { } baseline || StaticRnn.Monitor.Improves(current, baseline, minDelta, maximize))
            {
                _wait = 0;
            }
            return;
        }
        if (_wait >= Patience && epoch > 0)
        {
            _stoppedEpoch = epoch;
            fit.StopTraining = true;
            if (RestoreBestWeights && _bestWeights is not null)
            {
                if (Verbose > 0)
                {
                    fit.Log.WriteLine($"Restoring model weights from the end of the best epoch: {_bestEpoch + 1}.");
                }
                _bestWeights.CopyTo(fit.Parameters);
            }
        }
    }

    void ICallback.OnTrainEnd(FitContext fit)
    {
        if (_stoppedEpoch > 0 && Verbose > 0)
        {
            fit.Log.WriteLine($"Epoch {_stoppedEpoch + 1}: early stopping");
        }
    }
}

/// <summary>
/// Keras <c>ReduceLROnPlateau</c>: multiplies the learning rate by <see cref="Factor"/> when <see cref="Monitor"/> has
/// not improved by more than <see cref="MinDelta"/> for <see cref="Patience"/> epochs, then waits
/// <see cref="Cooldown"/> epochs; never below <see cref="MinLearningRate"/>.
/// </summary>
public sealed class ReduceLROnPlateau : ICallback
{
    private double _best;
    private int _wait, _cooldownCounter;

    /// <summary>The logged value watched (default <c>val_loss</c>).</summary>
    public string Monitor { get; init; } = "val_loss";
    /// <summary>The factor the learning rate is multiplied by, in (0, 1).</summary>
    public float Factor { get; init; } = 0.1f;
    /// <summary>Epochs without improvement before the rate falls.</summary>
    public int Patience { get; init; } = 10;
    /// <summary>Whether lower or higher is better.</summary>
    public MonitorMode Mode { get; init; }
    /// <summary>Smallest change that counts as an improvement.</summary>
    public double MinDelta { get; init; } = 1e-4;
    /// <summary>Epochs after a reduction before watching again.</summary>
    public int Cooldown { get; init; }
    /// <summary>The lower bound of the learning rate.</summary>
    public float MinLearningRate { get; init; }
    /// <summary>1 to print each reduction.</summary>
    public int Verbose { get; init; }

    void ICallback.OnTrainBegin(FitContext fit)
    {
        if (!(Factor > 0 && Factor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Factor), Factor, "ReduceLROnPlateau does not support a factor outside (0, 1).");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(Patience, nameof(Patience));
        fit.CheckMonitor(Monitor, nameof(ReduceLROnPlateau));
        _best = StaticRnn.Monitor.Maximizes(Monitor, Mode) ? double.NegativeInfinity : double.PositiveInfinity;
        _wait = _cooldownCounter = 0;
    }

    void ICallback.OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs, FitContext fit)
    {
        if (!logs.TryGetValue(Monitor, out float current))
        {
            return;
        }
        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            _wait = 0;
        }
        if (StaticRnn.Monitor.Improves(current, _best, MinDelta, StaticRnn.Monitor.Maximizes(Monitor, Mode)))
        {
            _best = current;
            _wait = 0;
        }
        else if (_cooldownCounter == 0 && ++_wait >= Patience)
        {
            float old = fit.Optimizer.LearningRate;
            if (old > MinLearningRate)
            {
                float next = Math.Max(old * Factor, MinLearningRate);
                if (next > 0)
                {
                    fit.Optimizer.LearningRate = next;
                }
                if (Verbose > 0)
                {
                    fit.Log.WriteLine($"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {next.ToString(CultureInfo.InvariantCulture)}.");
                }
                _cooldownCounter = Cooldown;
                _wait = 0;
            }
        }
    }
}

/// <summary>Keras <c>LearningRateScheduler</c>: before each epoch, the learning rate becomes <c>schedule(epoch, rate)</c> (epoch 0-based).</summary>
public sealed class LearningRateScheduler(Func<int, float, float> schedule) : ICallback
{
    private readonly Func<int, float, float> _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));

    /// <summary>1 to print each rate set.</summary>
    public int Verbose { get; init; }

    void ICallback.OnEpochBegin(int epoch, FitContext fit)
    {
        float rate = _schedule(epoch, fit.Optimizer.LearningRate);
        if (!(rate > 0) || !float.IsFinite(rate))
        {
            throw new InvalidOperationException($"The schedule gave the learning rate {rate.ToString(CultureInfo.InvariantCulture)} for epoch {epoch}; it must be a positive finite number.");
        }
        fit.Optimizer.LearningRate = rate;
        if (Verbose > 0)
        {
            fit.Log.WriteLine($"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate.ToString(CultureInfo.InvariantCulture)}.");
        }
    }
}

/// <summary>
/// Keras <c>TerminateOnNaN</c>: stops training after a batch whose loss is NaN or infinite (without it, <c>Fit</c> throws
/// there). With <see cref="RestoreLastFiniteWeights"/> (the default) the weights go back to those before that batch's
/// step (the ones the last step with a finite loss left), which costs a copy of the weights per step; without it they
/// are those after the step, as in Keras.
/// </summary>
public sealed class TerminateOnNaN : ICallback
{
    private float[] _before = [];

    /// <summary>Put back the weights from before the step whose loss was not finite.</summary>
    public bool RestoreLastFiniteWeights { get; init; } = true;

    void ICallback.OnBatchBegin(int batch, FitContext fit)
    {
        if (!RestoreLastFiniteWeights)
        {
            return;
        }
        Span<float> weights = fit.Parameters;
        if (_before.Length != weights.Length)
        {
            _before = new float[weights.Length];
        }
        weights.CopyTo(_before);
    }

    void ICallback.OnBatchEnd(int batch, float loss, FitContext fit)
    {
        if (!float.IsFinite(loss))
        {
            fit.Log.WriteLine($"Batch {batch}: Invalid loss, terminating training");
            fit.StopTraining = true;
            if (RestoreLastFiniteWeights)
            {
                _before.CopyTo(fit.Parameters);
                fit.Log.WriteLine("Restored the weights from before that batch.");
            }
        }
    }
}

/// <summary>
/// Keras <c>ModelCheckpoint</c>: after each epoch, writes the weights and the optimizer's state (one file that
/// <c>LoadWeights</c> reads; <see cref="WeightsFile.LoadOptimizerState"/> reads the state) to <see cref="FilePath"/>, whose
/// <c>{epoch}</c> (1-based) and logged keys (<c>{val_loss}</c>) are filled in, with Python-style formats
/// (<c>{epoch:02d}</c>, <c>{val_loss:.4f}</c>); with <see cref="SaveBestOnly"/> only when <see cref="Monitor"/> improves. Each file is
/// written to a temporary file and renamed into place, so a crash never leaves a partial file.
/// </summary>
public sealed partial class ModelCheckpoint(string filePath) : ICallback
{
    private double _best;

    /// <summary>The path pattern.</summary>
    public string FilePath { get; } = string.IsNullOrEmpty(filePath) ? throw new ArgumentException("The checkpoint path is empty.", nameof(filePath)) : filePath;
    /// <summary>The logged value compared with <see cref="SaveBestOnly"/> (default <c>val_loss</c>).</summary>
    public string Monitor { get; init; } = "val_loss";
    /// <summary>Save only when the monitored value improves on the best so far.</summary>
    public bool SaveBestOnly { get; init; }
    /// <summary>Whether lower or higher is better.</summary>
    public MonitorMode Mode { get; init; }
    /// <summary>1 to print each save.</summary>
    public int Verbose { get; init; }

    void ICallback.OnTrainBegin(FitContext fit)
    {
        if (SaveBestOnly)
        {
            fit.CheckMonitor(Monitor, nameof(ModelCheckpoint));
        }
        foreach (Match m in Placeholder().Matches(FilePath))
        {
            string key = m.Groups["key"].Value;
            if (key != "epoch" && !fit.Keys.Contains(key))
            {
                throw new ArgumentException($"The checkpoint path names '{{{key}}}', which this Fit does not log; it logs epoch, {string.Join(", ", fit.Keys)}.", nameof(FilePath));
            }
        }
        _best = StaticRnn.Monitor.Maximizes(Monitor, Mode) ? double.NegativeInfinity : double.PositiveInfinity;
    }

    void ICallback.OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs, FitContext fit)
    {
        string path = Format(FilePath, epoch + 1, logs);
        if (SaveBestOnly)
        {
            float current = logs[Monitor];
            if (!StaticRnn.Monitor.Improves(current, _best, 0, StaticRnn.Monitor.Maximizes(Monitor, Mode)))
            {
                if (Verbose > 0)
                {
                    fit.Log.WriteLine($"Epoch {epoch + 1}: {Monitor} did not improve from {_best.ToString("0.00000", CultureInfo.InvariantCulture)}");
                }
                return;
            }
            if (Verbose > 0)
            {
                string from = double.IsInfinity(_best) ? (_best > 0 ? "inf" : "-inf") : _best.ToString("0.00000", CultureInfo.InvariantCulture);
                fit.Log.WriteLine($"Epoch {epoch + 1}: {Monitor} improved from {from} to {current.ToString("0.00000", CultureInfo.InvariantCulture)}, saving model to {path}");
            }
            _best = current;
        }
        else if (Verbose > 0)
        {
            fit.Log.WriteLine($"Epoch {epoch + 1}: saving model to {path}");
        }
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        fit.SaveWeights(path);
    }

    /// <summary>The path with <c>{epoch}</c> and logged keys filled in, Python formats <c>d</c> (zero-padded) and <c>.Nf</c> supported.</summary>
    internal static string Format(string pattern, int epoch, IReadOnlyDictionary<string, float> logs)
    {
        var result = new StringBuilder();
        int at = 0;
        foreach (Match m in Placeholder().Matches(pattern))
        {
            result.Append(pattern, at, m.Index - at);
            string key = m.Groups["key"].Value, format = m.Groups["format"].Value;
            double value = key == "epoch" ? epoch : logs.TryGetValue(key, out float v) ? v : throw new ArgumentException($"The checkpoint path names '{{{key}}}', which is not logged.");
            Match f = PythonFormat().Match(format);
            result.Append(!f.Success || format.Length == 0
                ? (key == "epoch" ? epoch.ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture))
                : f.Groups["type"].Value == "d"
                    ? ((long)value).ToString("D" + (f.Groups["width"].Success ? f.Groups["width"].Value : "1"), CultureInfo.InvariantCulture)
                    : value.ToString("F" + (f.Groups["precision"].Success ? f.Groups["precision"].Value : "6"), CultureInfo.InvariantCulture));
            at = m.Index + m.Length;
        }
        result.Append(pattern, at, pattern.Length - at);
        return result.ToString();
    }

    [GeneratedRegex(@"\{(?<key>[A-Za-z_][A-Za-z0-9_]*)(:(?<format>[^}]*))?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^0?(?<width>\d+)?(\.(?<precision>\d+))?(?<type>[df])$")]
    private static partial Regex PythonFormat();
}

/// <summary>
/// Keras <c>BackupAndRestore</c>: lets a training run that was killed (a crash, a preempted machine, SIGKILL) go on
/// where it stopped. At the end of every epoch it writes a checkpoint (weights and optimizer state, atomically: a
/// temporary file renamed into place) named by the epoch into <see cref="BackupDirectory"/>, then removes the older
/// one. When a <c>Fit</c> starts and a backup is there, it loads it and training resumes at the epoch after it, with the
/// shuffles of the done epochs skipped: the resumed run gives the bits of a run that was never interrupted. A finished
/// run deletes its backup (<see cref="DeleteCheckpoint"/>). State kept by other callbacks (patience counters, a
/// changed learning rate aside, which the optimizer state holds) starts afresh, as in Keras.
/// </summary>
public sealed partial class BackupAndRestore(string backupDirectory) : ICallback
{
    private const string Extension = ".weights";

    /// <summary>Where the backups live; a folder for this training run only.</summary>
    public string BackupDirectory { get; } = string.IsNullOrEmpty(backupDirectory) ? throw new ArgumentException("The backup directory is empty.", nameof(backupDirectory)) : backupDirectory;

    /// <summary>Delete the backups when training ends (Keras <c>delete_checkpoint</c>, default true).</summary>
    public bool DeleteCheckpoint { get; init; } = true;

    /// <summary>The epochs done by the run the last <c>Fit</c> resumed (0 when it started afresh).</summary>
    public int RestoredEpoch { get; private set; }

    void ICallback.OnTrainBegin(FitContext fit)
    {
        RestoredEpoch = 0;
        if (!Directory.Exists(BackupDirectory))
        {
            return;
        }
        RemoveLeftovers();
        var failures = new List<string>();
        foreach (var (epoch, path) in Backups().OrderByDescending(b => b.Epoch))
        {
            try
            {
                fit.LoadCheckpoint(path);
            }
            catch (InvalidDataException e)
            {
                failures.Add(e.Message);
                fit.Log.WriteLine($"BackupAndRestore: cannot use {path}: {e.Message}");
                continue;
            }
            RestoredEpoch = epoch;
            fit.InitialEpoch = Math.Min(epoch, fit.Epochs);
            if (fit.Verbose > 0)
            {
                fit.Log.WriteLine($"BackupAndRestore: resuming after epoch {epoch} from {path}");
            }
            return;
        }
        if (failures.Count > 0)
        {
            throw new InvalidDataException($"No backup in '{BackupDirectory}' could be loaded ({string.Join(" ", failures)}). Delete the folder to train from the start.");
        }
    }

    void ICallback.OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs, FitContext fit)
    {
        Directory.CreateDirectory(BackupDirectory);
        string path = Path.Combine(BackupDirectory, $"epoch{epoch + 1:D6}{Extension}");
        fit.SaveWeights(path);
        foreach (var (older, olderPath) in Backups())
        {
            if (older != epoch + 1)
            {
                File.Delete(olderPath);
            }
        }
    }

    void ICallback.OnTrainEnd(FitContext fit)
    {
        if (!DeleteCheckpoint || !Directory.Exists(BackupDirectory))
        {
            return;
        }
        foreach (var (_, path) in Backups())
        {
            File.Delete(path);
        }
        RemoveLeftovers();
        if (!Directory.EnumerateFileSystemEntries(BackupDirectory).Any())
        {
            Directory.Delete(BackupDirectory);
        }
    }

    /// <summary>The backups in the folder with the epoch each was written after.</summary>
    private List<(int Epoch, string Path)> Backups()
    {
        var found = new List<(int, string)>();
        foreach (string path in Directory.EnumerateFiles(BackupDirectory, "epoch*" + Extension))
        {
            Match m = BackupName().Match(Path.GetFileName(path));
            if (m.Success && int.TryParse(m.Groups["epoch"].Value, out int epoch))
            {
                found.Add((epoch, path));
            }
        }
        return found;
    }

    /// <summary>Temporary files of a write the process did not live to rename.</summary>
    private void RemoveLeftovers()
    {
        foreach (string path in Directory.EnumerateFiles(BackupDirectory, "epoch*" + Extension + ".*.tmp"))
        {
            File.Delete(path);
        }
    }

    [GeneratedRegex(@"^epoch(?<epoch>\d{6})\.weights$")]
    private static partial Regex BackupName();
}
