using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace StaticRnn.Benchmarks;

/// <summary>
/// Case j: case i's task as a Transformer encoder-decoder. 18 letter ids → TokenAndPositionEmbedding(28, 18, 64) →
/// TransformerEncoder(4 heads of 16, feed-forward 128); 19 phoneme steps of TokenAndPositionEmbedding(87, 19, 64) →
/// TransformerDecoder(4 heads of 16, feed-forward 128) → Dense(87, softmax).
/// </summary>
[Seq2Seq(StartToken = 1, EndToken = 2)]
public partial class G2PTransformerCase
{
    [Sequential(18)]
    [TokenAndPositionEmbedding(28, 18, 64, MaskZero = true)]
    [TransformerEncoder(4, 16, 128)]
    public partial class Encoder;

    [Sequential(19)]
    [TokenAndPositionEmbedding(87, 19, 64, MaskZero = true)]
    [TransformerDecoder(4, 16, 128)]
    [Dense(87, Activation = Activation.Softmax)]
    public partial class Decoder;
}

/// <summary>
/// Case j: greedy decoding of 1,000 words and beam search (width 4) of 100 words with the Transformer decoder, every
/// word all 19 target steps (the end token suppressed), words as in case i. Decoding runs the decoder one step at a
/// time; its cost per step is what the decoder's step kernels make it (a key/value cache, or the whole prefix again).
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class TransformerDecodingBenchmarks
{
    public const int Words = 1000;
    private G2PTransformerCase _model = null!;
    private int[] _words = [], _generated = [], _beam = [];

    [GlobalSetup]
    public void Setup()
    {
        (_words, _) = G2PSeq2SeqBenchmarks.Pairs(new SeededRandom(9), Words);
        _generated = new int[Words * G2PTransformerCase.TargetLength];
        _beam = new int[G2PTransformerCase.TargetLength];
        _model = new G2PTransformerCase();
        WeightInfo bias = _model.Weights.Single(w => w.Name.StartsWith("dense", StringComparison.Ordinal) && w.Name.EndsWith("/bias", StringComparison.Ordinal));
        _model.Parameters[bias.Offset + G2PTransformerCase.EndToken] = -1e4f;
        _model.Generate(_words, _generated, Words);
        if (Array.IndexOf(_generated, 0) >= 0 || Array.IndexOf(_generated, G2PTransformerCase.EndToken) >= 0)
        {
            throw new InvalidOperationException("decoding stopped early; the benchmark would not measure full-length decoding");
        }
    }

    [Benchmark, BenchmarkCategory("j Generate")]
    public void Generate1000() => _model.Generate(_words, _generated, Words);

    /// <summary>Beam search of width 4 for 100 words, one after the other (one thread), every word all 19 steps.</summary>
    [Benchmark, BenchmarkCategory("j BeamSearch")]
    public void BeamSearch4For100()
    {
        for (int i = 0; i < 100; i++)
        {
            _model.BeamSearch(_words.AsSpan(i * G2PTransformerCase.SourceLength, G2PTransformerCase.SourceLength), _beam, 4);
        }
    }
}
