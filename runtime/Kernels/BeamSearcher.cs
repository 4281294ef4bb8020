namespace StaticRnn.Kernels;

/// <summary>A decoder that gives the next-token probabilities for a prefix, one source at a time (a generated Seq2Seq model).</summary>
public interface IDecoderSteps
{
    /// <summary>
    /// Runs the decoder on <paramref name="decoderInputs"/> (the start token, then the tokens so far, then 0) and writes
    /// the probabilities of the token after step <paramref name="step"/> into <paramref name="probabilities"/>.
    /// </summary>
    void NextTokenProbabilities(ReadOnlySpan<int> decoderInputs, int step, Span<float> probabilities);
}

/// <summary>
/// Beam search over a decoder: keeps the <see cref="Width"/> most probable prefixes (sum of log-probabilities), extends
/// each by its most probable next tokens, and moves a prefix that produces the end token to the finished ones. It stops
/// when the best finished sequence beats every live prefix (log-probabilities only fall as a prefix grows) or at the
/// decoder's length. Token 0 (padding) is never produced. All buffers are allocated here, once: a search allocates nothing.
/// </summary>
public sealed class BeamSearcher
{
    private readonly int _length, _vocabulary;
    private readonly int[] _inputs, _nextInputs;      // per beam: the decoder input row (start token, tokens so far, zeros)
    private readonly double[] _scores, _nextScores;
    private readonly int[] _candidateBeam, _candidateToken;
    private readonly double[] _candidateScore;
    private readonly float[] _probabilities;
    private readonly int[] _best;

    /// <param name="width">Beams kept at each step (1 is greedy decoding).</param>
    /// <param name="length">Decoder steps: the longest output.</param>
    /// <param name="vocabulary">Target tokens the decoder chooses from.</param>
    public BeamSearcher(int width, int length, int vocabulary)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabulary, 2);
        Width = width;
        _length = length;
        _vocabulary = vocabulary;
        _inputs = new int[width * length];
        _nextInputs = new int[width * length];
        _scores = new double[width];
        _nextScores = new double[width];
        _candidateBeam = new int[width];
        _candidateToken = new int[width];
        _candidateScore = new double[width];
        _probabilities = new float[vocabulary];
        _best = new int[length];
    }

    /// <summary>Beams kept at each step.</summary>
    public int Width { get; }

    /// <summary>
    /// Decodes one source (which <paramref name="decoder"/> has already encoded): writes the most probable sequence found,
    /// ending with <paramref name="endToken"/> when it was produced, then zeros, into <paramref name="output"/>, and returns
    /// its log-probability.
    /// </summary>
    public double Search(IDecoderSteps decoder, int startToken, int endToken, Span<int> output)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        if (output.Length != _length)
        {
            throw new ArgumentException($"output has {output.Length} elements; expected {_length} (the decoder's length).", nameof(output));
        }
        int live = 1, length = _length, width = Width;
        Array.Clear(_inputs);
        _inputs[0] = startToken;
        _scores[0] = 0;
        double bestScore = double.NegativeInfinity;
        int bestLength = 0;
        for (int step = 0; step < length && live > 0; step++)
        {
            // The best `width` (beam, token) extensions of all live beams, kept sorted by score, best first.
            int candidates = 0;
            for (int b = 0; b < live; b++)
            {
                decoder.NextTokenProbabilities(_inputs.AsSpan(b * length, length), step, _probabilities);
                for (int token = 1; token < _vocabulary; token++)
                {
                    double score = _scores[b] + Math.Log(Math.Max(_probabilities[token], 1e-30f));
                    if (candidates == width && score <= _candidateScore[width - 1])
                    {
                        continue;
                    }
                    int at = candidates < width ? candidates++ : width - 1;
                    while (at > 0 && _candidateScore[at - 1] < score)
                    {
                        _candidateScore[at] = _candidateScore[at - 1];
                        _candidateBeam[at] = _candidateBeam[at - 1];
                        _candidateToken[at] = _candidateToken[at - 1];
                        at--;
                    }
                    _candidateScore[at] = score;
                    _candidateBeam[at] = b;
                    _candidateToken[at] = token;
                }
            }
            int next = 0;
            for (int c = 0; c < candidates; c++)
            {
                double score = _candidateScore[c];
                ReadOnlySpan<int> from = _inputs.AsSpan(_candidateBeam[c] * length, length);
                int token = _candidateToken[c];
                if (token == endToken || step == length - 1)
                {
                    // A finished sequence (or one that reached the decoder's length): the tokens after the start, then this one.
                    if (score > bestScore)
                    {
                        bestScore = score;
                        bestLength = step + 1;
                        from.Slice(1, step).CopyTo(_best);
                        _best[step] = token;
                    }
                    continue;
                }
                Span<int> to = _nextInputs.AsSpan(next * length, length);
                from.CopyTo(to);
                to[step + 1] = token;
                _nextScores[next++] = score;
            }
            // Scores only fall as a prefix grows: once the best finished sequence beats every live prefix, it wins.
            live = 0;
            for (int b = 0; b < next; b++)
            {
                if (_nextScores[b] > bestScore)
                {
                    _nextInputs.AsSpan(b * length, length).CopyTo(_inputs.AsSpan(live * length, length));
                    _scores[live++] = _nextScores[b];
                }
            }
        }
        output.Clear();
        _best.AsSpan(0, bestLength).CopyTo(output);
        return bestScore;
    }
}
