using StaticRnn.Plots;
using System.Diagnostics;
using System.Text;

namespace StaticRnn.Samples.Addition;

/// <summary>
/// The keras.io "Sequence to sequence learning for performing number addition" model: the reversed question, one-hot
/// characters, read by an LSTM whose last state is repeated for each answer character and decoded by a second LSTM.
/// 205,324 parameters, as the example's summary shows.
/// </summary>
[Sequential(AdditionApp.QuestionLength, AdditionApp.Symbols, Loss = Loss.SparseCategoricalCrossentropy, Seed = 5, ExpectedParameters = 205_324)]
[Lstm(128)]
[RepeatVector(AdditionApp.AnswerLength)]
[Lstm(128, ReturnSequences = true)]
[Dense(AdditionApp.Symbols, Activation = Activation.Softmax)]
public partial class AdditionModel;

/// <summary>Generates the questions, trains, and reports per-character and exact-match accuracy on the held-out 10 %.</summary>
public static class AdditionApp
{
    public const int Digits = 3;
    /// <summary>"123+456", padded with spaces: at most 3 + 1 + 3 characters.</summary>
    public const int QuestionLength = Digits + 1 + Digits;
    /// <summary>The sum has at most 4 digits, padded with spaces.</summary>
    public const int AnswerLength = Digits + 1;
    public const string Alphabet = "0123456789+ ";
    public const int Symbols = 12;

    /// <summary>What a run measured on the held-out questions.</summary>
    public sealed record Result(int TrainCount, int ValidationCount, double CharacterAccuracy, double ExactMatch, TimeSpan Elapsed, IReadOnlyList<float> Loss);

    public static int Run(string[] args, TextWriter log)
    {
        int epochs = args.Length > 0 && int.TryParse(args[0], out int e) && e > 0 ? e : 30;
        int questions = args.Length > 1 && int.TryParse(args[1], out int q) && q >= 20 ? q : 50_000;
        Result r = Train(questions, epochs, log, Pictures.Directory("Addition"));
        return r.CharacterAccuracy > 0 ? 0 : 1;
    }

    /// <summary>
    /// Makes <paramref name="count"/> distinct questions a + b (each number 1 to 3 random digits, a pair counted once
    /// whatever its order, as the example does), holds out the last 10 % after a seeded shuffle, and trains; with
    /// <paramref name="pictures"/>, writes the loss and validation accuracy curves there (PNG).
    /// </summary>
    public static Result Train(int count, int epochs, TextWriter log, string? pictures = null)
    {
        var clock = Stopwatch.StartNew();
        var random = new SeededRandom(1337);
        var seen = new HashSet<(int, int)>();
        var pairs = new List<(int A, int B)>(count);
        int Number() => random.NextInt(Pow10(1 + random.NextInt(Digits)));
        while (pairs.Count < count)
        {
            int a = Number(), b = Number();
            if (seen.Add((Math.Min(a, b), Math.Max(a, b))))
            {
                pairs.Add((a, b));
            }
        }
        int[] order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        int validation = count / 10, train = count - validation;
        var (x, y) = Encode(order.Take(train).Select(i => pairs[i]).ToList());
        var (vx, vy) = Encode(order.Skip(train).Select(i => pairs[i]).ToList());
        log.WriteLine($"{count:N0} distinct questions of up to {Digits} digits, reversed; train {train:N0}, validation {validation:N0}");
        log.Write(AdditionModel.Summary());

        var model = new AdditionModel();
        var history = new List<float>();
        var curves = new History(); // the epochs' loss and validation accuracies, for the picture
        var adam = new Adam();
        var predictions = new float[validation * AdditionModel.OutputSize];
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            History h = model.Fit(x, y, epochs: 1, batchSize: 32, optimizer: adam, verbose: 0, seed: epoch);
            history.Add(h.Loss[0]);
            model.Predict(vx, predictions, validation);
            var (characters, exact) = Accuracy(predictions, vy, validation);
            log.WriteLine($"Epoch {epoch}/{epochs} - loss: {h.Loss[0]:0.0000} - per-character validation accuracy: {Percent(characters)} - exact match: {Percent(exact)} - {clock.Elapsed.TotalSeconds:0} s");
            curves.Append(new Dictionary<string, float> { ["loss"] = h.Loss[0], ["val_character_accuracy"] = (float)characters, ["val_exact_match"] = (float)exact });
        }
        if (pictures is not null)
        {
            string path = Path.Combine(pictures, "training.png");
            curves.SavePlot(path);
            log.WriteLine($"training curves: {path}");
        }

        model.Predict(vx, predictions, validation);
        var (characterAccuracy, exactMatch) = Accuracy(predictions, vy, validation);
        for (int i = 0; i < Math.Min(8, validation); i++)
        {
            string question = Question(vx, i), expected = Answer(vy, i), got = Predicted(predictions, i);
            log.WriteLine($"Q {new string(question.Reverse().ToArray()).TrimEnd(),-8} T {expected.TrimEnd(),-5} {(got == expected ? "☑" : "☒")} {got.TrimEnd()}");
        }
        log.WriteLine($"per-character validation accuracy: {Percent(characterAccuracy)}");
        log.WriteLine($"exact-match accuracy: {Percent(exactMatch)}");
        log.WriteLine($"wall time: {clock.Elapsed.TotalSeconds:0.0} s");
        return new Result(train, validation, characterAccuracy, exactMatch, clock.Elapsed, history);
    }

    /// <summary><c>99.2%</c>.</summary>
    public static string Percent(double fraction) => (fraction * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%";

    private static int Pow10(int n)
    {
        int p = 1;
        for (int i = 0; i < n; i++)
        {
            p *= 10;
        }
        return p;
    }

    /// <summary>One-hot reversed questions and the answer's class indices.</summary>
    public static (float[] X, float[] Y) Encode(IReadOnlyList<(int A, int B)> pairs)
    {
        var x = new float[pairs.Count * AdditionModel.InputSize];
        var y = new float[pairs.Count * AdditionModel.TargetSize];
        for (int i = 0; i < pairs.Count; i++)
        {
            string question = $"{pairs[i].A}+{pairs[i].B}".PadRight(QuestionLength);
            string answer = (pairs[i].A + pairs[i].B).ToString(System.Globalization.CultureInfo.InvariantCulture).PadRight(AnswerLength);
            for (int t = 0; t < QuestionLength; t++)
            {
                x[i * AdditionModel.InputSize + t * Symbols + Alphabet.IndexOf(question[QuestionLength - 1 - t])] = 1;
            }
            for (int t = 0; t < AnswerLength; t++)
            {
                y[i * AnswerLength + t] = Alphabet.IndexOf(answer[t]);
            }
        }
        return (x, y);
    }

    /// <summary>Share of answer characters right, and of answers right in every character.</summary>
    public static (double Characters, double Exact) Accuracy(float[] predictions, float[] targets, int count)
    {
        int characters = 0, exact = 0;
        for (int i = 0; i < count; i++)
        {
            bool all = true;
            for (int t = 0; t < AnswerLength; t++)
            {
                bool right = ArgMax(predictions.AsSpan((i * AnswerLength + t) * Symbols, Symbols)) == (int)targets[i * AnswerLength + t];
                characters += right ? 1 : 0;
                all &= right;
            }
            exact += all ? 1 : 0;
        }
        return ((double)characters / (count * AnswerLength), (double)exact / count);
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++)
        {
            if (row[j] > row[best])
            {
                best = j;
            }
        }
        return best;
    }

    private static string Question(float[] x, int i)
    {
        var s = new StringBuilder();
        for (int t = 0; t < QuestionLength; t++)
        {
            s.Append(Alphabet[ArgMax(x.AsSpan(i * AdditionModel.InputSize + t * Symbols, Symbols))]);
        }
        return s.ToString();
    }

    /// <summary>The answer of question <paramref name="i"/> from class indices.</summary>
    private static string Answer(float[] targets, int i)
        => new(Enumerable.Range(0, AnswerLength).Select(t => Alphabet[(int)targets[i * AnswerLength + t]]).ToArray());

    /// <summary>The answer of question <paramref name="i"/> from the predicted distributions (the likeliest character of each).</summary>
    private static string Predicted(float[] predictions, int i)
        => new(Enumerable.Range(0, AnswerLength).Select(t => Alphabet[ArgMax(predictions.AsSpan((i * AnswerLength + t) * Symbols, Symbols))]).ToArray());
}
