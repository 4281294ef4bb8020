using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace StaticRnn.Benchmarks;

/// <summary>
/// Case i: samples/G2P's model. 18 letter ids → Embedding(28, 64) → Bidirectional(LSTM(64)), whose final states seed
/// 19 phoneme steps of Embedding(87, 64) → LSTM(128) → Attention([context, query]) → Dense(87, softmax); teacher-forced
/// sparse crossentropy over the non-padding targets, Adam.
/// </summary>
[Seq2Seq(StartToken = 1, EndToken = 2, ExpectedParameters = 194_583)]
public partial class G2PCase
{
    [Sequential(18)]
    [Embedding(28, 64, MaskZero = true)]
    [Lstm(64, ReturnSequences = true, Bidirectional = true)]
    public partial class Encoder;

    [Sequential(19)]
    [Embedding(87, 64, MaskZero = true)]
    [Lstm(128, ReturnSequences = true)]
    [Attention(ConcatenateQuery = true)]
    [Dense(87, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary>
/// Case i: a teacher-forced train step at batch 64, greedy decoding of 1,000 words and beam search (width 4) of 100
/// words. Every word has 8 letters and 7 phonemes (then the end token), CMUdict's means, as in the PyTorch peer
/// (bench/peers/torch_bench.py); decoding runs all 19 target steps of every word (the end token is suppressed, on both
/// sides).
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class G2PSeq2SeqBenchmarks
{
    public const int Batch = 64, Words = 1000, Letters = 8, Phonemes = 7;
    private G2PCase _model = null!;
    private Adam _adam = null!;
    private int[] _sources = [], _targets = [], _words = [], _generated = [], _beam = [];

    /// <summary><paramref name="count"/> sources of <see cref="Letters"/> ids in 1..27 and targets of <see cref="Phonemes"/> ids in 3..86, then the end token.</summary>
    public static (int[] Sources, int[] Targets) Pairs(SeededRandom random, int count)
    {
        var sources = new int[count * G2PCase.SourceLength];
        var targets = new int[count * G2PCase.TargetLength];
        for (int p = 0; p < count; p++)
        {
            for (int i = 0; i < Letters; i++)
            {
                sources[p * G2PCase.SourceLength + i] = 1 + random.NextInt(27);
            }
            for (int i = 0; i < Phonemes; i++)
            {
                targets[p * G2PCase.TargetLength + i] = 3 + random.NextInt(84);
            }
            targets[p * G2PCase.TargetLength + Phonemes] = G2PCase.EndToken;
        }
        return (sources, targets);
    }

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(9);
        (_sources, _targets) = Pairs(r, Batch);
        (_words, _) = Pairs(r, Words);
        _generated = new int[Words * G2PCase.TargetLength];
        _beam = new int[G2PCase.TargetLength];
        _model = new G2PCase();
        _adam = new Adam();
        for (int i = 0; i < 20; i++)
        {
            _model.TrainStep(_sources, _targets, Batch, _adam);
        }
        // Decoding costs what the model decides: an untrained model may end every word at once, or never. The end
        // token's output bias is pushed down so that every word runs the full TargetLength steps, here and in the
        // PyTorch peer (the worst case of decoding, the same work on both sides).
        WeightInfo bias = _model.Weights.Single(w => w.Name.StartsWith("dense", StringComparison.Ordinal) && w.Name.EndsWith("/bias", StringComparison.Ordinal));
        _model.Parameters[bias.Offset + G2PCase.EndToken] = -1e4f;
        _model.Generate(_words, _generated, Words);
        if (Array.IndexOf(_generated, 0) >= 0 || Array.IndexOf(_generated, G2PCase.EndToken) >= 0)
        {
            throw new InvalidOperationException("decoding stopped early; the benchmark would not measure full-length decoding");
        }
    }

    [Benchmark, BenchmarkCategory("i TrainStep")]
    public float TrainStepGenerated() => _model.TrainStep(_sources, _targets, Batch, _adam);

    [Benchmark, BenchmarkCategory("i Generate")]
    public void Generate1000() => _model.Generate(_words, _generated, Words);

    /// <summary>Beam search of width 4 for 100 words, one after the other (one thread), every word all 19 steps.</summary>
    [Benchmark, BenchmarkCategory("i BeamSearch")]
    public void BeamSearch4For100()
    {
        for (int i = 0; i < 100; i++)
        {
            _model.BeamSearch(_words.AsSpan(i * G2PCase.SourceLength, G2PCase.SourceLength), _beam, 4);
        }
    }
}
