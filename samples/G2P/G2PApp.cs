using StaticRnn.Plots;
using System.Diagnostics;
using System.Globalization;

namespace StaticRnn.Samples.G2P;

/// <summary>
/// Grapheme-to-phoneme: an attention encoder-decoder (Luong) that spells a word's pronunciation in ARPAbet. A
/// bidirectional LSTM reads the letters; its final states (both directions, concatenated) start the decoder LSTM, which
/// attends over the letters at every step and predicts the next phoneme from [context, its own state].
/// </summary>
[Seq2Seq(StartToken = CmuDict.Start, EndToken = CmuDict.End, Seed = 42)]
public partial class G2PModel
{
    [Sequential(G2PApp.MaxLetters)]
    [Embedding(CmuDict.Letters, 64, MaskZero = true)]
    [Lstm(64, ReturnSequences = true, Bidirectional = true)]
    public partial class Encoder;

    [Sequential(G2PApp.MaxPhonemes + 1)]
    [Embedding(CmuDict.Phonemes, 64, MaskZero = true)]
    [Lstm(128, ReturnSequences = true)]
    [Attention(ConcatenateQuery = true)]
    [Dense(CmuDict.Phonemes, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary>Trains <see cref="G2PModel"/> on CMUdict and reports word and phoneme error rates on the held-out words.</summary>
public static class G2PApp
{
    /// <summary>Longest spelling and pronunciation kept (a few dozen of the 125,000 words are longer).</summary>
    public const int MaxLetters = 18, MaxPhonemes = 18;

    /// <summary>What a run measured.</summary>
    public sealed record Result(int TrainWords, int TrainPairs, int TestWords, double WordErrorRate, double PhonemeErrorRate, double Seconds, double SamplesPerSecond, IReadOnlyList<float> Loss);

    private const string Usage = """
        usage: dotnet run -c Release --project samples/G2P [-- [--epochs N] [--beam K] [--limit N]]
               dotnet run -c Release --project samples/G2P -- evaluate [--beam K]
               dotnet run -c Release --project samples/G2P -- predict WORD [WORD ...]
        Trains on 90% of CMUdict's words, prints WER and PER on the other 10%, and saves the weights for 'predict'.
        """;

    public static int Run(string[] args, TextWriter log)
    {
        try
        {
            string cache = NpmDataset.DefaultCache("G2P");
            if (args.Length > 0 && args[0] == "predict")
            {
                return Predict(cache, args[1..], log);
            }
            bool evaluateOnly = args.Length > 0 && args[0] == "evaluate";
            if (evaluateOnly)
            {
                args = args[1..];
            }
            int epochs = DefaultEpochs, beam = 1;
            int? limit = null;
            for (int i = 0; i < args.Length; i++)
            {
                string value = i + 1 < args.Length ? args[i + 1] : "";
                switch (args[i])
                {
                    case "--epochs" when int.TryParse(value, out int e) && e > 0: epochs = e; i++; break;
                    case "--beam" when int.TryParse(value, out int b) && b > 0: beam = b; i++; break;
                    case "--limit" when int.TryParse(value, out int l) && l > 0: limit = l; i++; break;
                    default:
                        log.WriteLine($"error: unexpected argument '{args[i]}'");
                        log.Write(Usage);
                        return 2;
                }
            }
            if (evaluateOnly)
            {
                return EvaluateSaved(cache, beam, log);
            }
            Result r = Train(cache, epochs, beam, limit, log, Pictures.Directory("G2P"));
            return double.IsFinite(r.WordErrorRate) ? 0 : 1;
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException)
        {
            log.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Epochs of a default run: about a quarter of an hour on a 2-core machine.</summary>
    public const int DefaultEpochs = 30;

    /// <summary>The weights a full run saves, next to the cached dictionary.</summary>
    public static string WeightsPath(string cache) => Path.Combine(cache, "g2p.weights");

    /// <summary>Fetches CMUdict (cached), trains, evaluates the held-out words and saves the weights (and with <paramref name="pictures"/>, the loss curve as a PNG).</summary>
    public static Result Train(string cache, int epochs, int beam, int? limit, TextWriter log, string? pictures = null)
    {
        CmuDict.Data data = CmuDict.Load(cache, MaxLetters, MaxPhonemes, limit, log);
        var (sources, targets) = Pairs(data.Train);
        int pairs = sources.Length / G2PModel.SourceLength;
        log.Write(G2PModel.Summary());
        var model = new G2PModel();
        var adam = new Adam();
        var clock = Stopwatch.StartNew();
        var loss = new List<float>();
        var curves = new History(); // loss and learning rate per epoch, for the picture
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            // One epoch at a time: the learning rate decays, and the log shows time spent so far.
            adam.LearningRate = 0.002f * MathF.Pow(0.9f, epoch - 1);
            History h = model.Fit(sources, targets, epochs: 1, batchSize: 32, optimizer: adam, verbose: 0, seed: epoch);
            loss.Add(h.Loss[0]);
            curves.Append(new Dictionary<string, float> { ["loss"] = h.Loss[0], ["learning_rate"] = adam.LearningRate });
            log.WriteLine($"Epoch {epoch}/{epochs} - loss: {h.Loss[0].ToString("0.0000", CultureInfo.InvariantCulture)} - learning rate {adam.LearningRate.ToString("0.######", CultureInfo.InvariantCulture)} - {clock.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s");
        }
        double seconds = clock.Elapsed.TotalSeconds, perSecond = pairs * (double)epochs / seconds;
        if (pictures is not null)
        {
            string path = Path.Combine(pictures, "training.png");
            curves.SavePlot(path);
            log.WriteLine($"training curves: {path}");
        }
        if (limit is null)
        {
            model.SaveWeights(WeightsPath(cache));
        }

        var (wer, per) = Report(model, data.Test, beam, log);
        log.WriteLine($"Training: {seconds.ToString("0", CultureInfo.InvariantCulture)} s for {epochs} epochs of {pairs:N0} pairs, {perSecond.ToString("N0", CultureInfo.InvariantCulture)} samples/s");
        foreach (string word in new[] { "SPEECH", "NEURAL", "STATIC", "RECURRENT" })
        {
            log.WriteLine($"  {word,-10} {Say(model, word, beam, data.Symbols)}");
        }
        return new Result(data.Train.Count, pairs, data.Test.Count, wer, per, seconds, perSecond, loss);
    }

    /// <summary>Decodes the held-out words and prints their WER and PER lines.</summary>
    private static (double Wer, double Per) Report(G2PModel model, IReadOnlyList<CmuDict.Entry> test, int beam, TextWriter log)
    {
        var decoding = Stopwatch.StartNew();
        var (wer, per) = Evaluate(model, test, beam);
        log.WriteLine($"Test: {test.Count:N0} held-out words, {(beam == 1 ? "greedy decoding" : $"beam search of width {beam}")}, {(test.Count / decoding.Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture)} words/s");
        log.WriteLine($"WER: {(wer * 100).ToString("0.0", CultureInfo.InvariantCulture)}%");
        log.WriteLine($"PER: {(per * 100).ToString("0.0", CultureInfo.InvariantCulture)}%");
        return (wer, per);
    }

    /// <summary>Evaluates the weights of the last full run on the held-out words.</summary>
    private static int EvaluateSaved(string cache, int beam, TextWriter log)
    {
        G2PModel? model = Saved(cache, log);
        if (model is null)
        {
            return 1;
        }
        CmuDict.Data data = CmuDict.Load(cache, MaxLetters, MaxPhonemes, limit: null, log);
        Report(model, data.Test, beam, log);
        return 0;
    }

    /// <summary>The model with the weights of the last full run, or null after saying how to train it.</summary>
    private static G2PModel? Saved(string cache, TextWriter log)
    {
        string weights = WeightsPath(cache);
        if (!File.Exists(weights))
        {
            log.WriteLine($"error: no trained weights at {weights}; train first: dotnet run -c Release --project samples/G2P");
            return null;
        }
        var model = new G2PModel();
        model.LoadWeights(weights);
        return model;
    }

    /// <summary>Every pronunciation of every word as a (letters, phonemes + end token) pair.</summary>
    public static (int[] Sources, int[] Targets) Pairs(IReadOnlyList<CmuDict.Entry> entries)
    {
        int count = entries.Sum(e => e.Pronunciations.Count);
        int s = G2PModel.SourceLength, t = G2PModel.TargetLength;
        var sources = new int[count * s];
        var targets = new int[count * t];
        int k = 0;
        foreach (CmuDict.Entry entry in entries)
        {
            foreach (int[] pronunciation in entry.Pronunciations)
            {
                CmuDict.Spell(entry.Word, sources.AsSpan(k * s, s));
                pronunciation.CopyTo(targets.AsSpan(k * t));
                targets[k * t + pronunciation.Length] = CmuDict.End;
                k++;
            }
        }
        return (sources, targets);
    }

    /// <summary>
    /// Word error rate (a word is right when its decoding equals any of its pronunciations) and phoneme error rate (edit
    /// distance to the closest pronunciation over that pronunciation's length, summed over the words).
    /// </summary>
    public static (double Wer, double Per) Evaluate(G2PModel model, IReadOnlyList<CmuDict.Entry> words, int beam)
    {
        int s = G2PModel.SourceLength, t = G2PModel.TargetLength;
        var sources = new int[words.Count * s];
        for (int i = 0; i < words.Count; i++)
        {
            CmuDict.Spell(words[i].Word, sources.AsSpan(i * s, s));
        }
        var outputs = new int[words.Count * t];
        if (beam == 1)
        {
            model.Generate(sources, outputs, words.Count);
        }
        else
        {
            for (int i = 0; i < words.Count; i++)
            {
                model.BeamSearch(sources.AsSpan(i * s, s), outputs.AsSpan(i * t, t), beam);
            }
        }
        int wrong = 0;
        long errors = 0, length = 0;
        for (int i = 0; i < words.Count; i++)
        {
            ReadOnlySpan<int> output = outputs.AsSpan(i * t, t);
            int end = output.IndexOf(CmuDict.End);
            ReadOnlySpan<int> phones = end >= 0 ? output[..end] : output.TrimEnd(0);
            int best = int.MaxValue, bestLength = 0;
            foreach (int[] reference in words[i].Pronunciations)
            {
                int d = CmuDict.EditDistance(phones, reference);
                if (d < best)
                {
                    (best, bestLength) = (d, reference.Length);
                }
            }
            wrong += best == 0 ? 0 : 1;
            errors += best;
            length += bestLength;
        }
        return ((double)wrong / words.Count, (double)errors / length);
    }

    private static string Say(G2PModel model, string word, int beam, IReadOnlyList<string> symbols)
    {
        var source = new int[G2PModel.SourceLength];
        if (!CmuDict.Spell(word, source))
        {
            return $"(only letters and apostrophes, at most {MaxLetters} of them)";
        }
        var output = new int[G2PModel.TargetLength];
        if (beam == 1)
        {
            model.Generate(source, output);
        }
        else
        {
            model.BeamSearch(source, output, beam);
        }
        return CmuDict.Pronounce(output, symbols);
    }

    /// <summary>Pronounces each word with the weights of the last full training run (beam search of width 4).</summary>
    private static int Predict(string cache, string[] words, TextWriter log)
    {
        if (words.Length == 0)
        {
            log.Write(Usage);
            return 2;
        }
        G2PModel? model = Saved(cache, log);
        if (model is null)
        {
            return 1;
        }
        CmuDict.Data data = CmuDict.Load(cache, MaxLetters, MaxPhonemes, limit: 1, TextWriter.Null);
        foreach (string word in words)
        {
            log.WriteLine($"{word.ToUpperInvariant()}  {Say(model, word, 4, data.Symbols)}");
        }
        return 0;
    }
}
