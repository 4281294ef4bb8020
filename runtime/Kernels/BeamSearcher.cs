namespace StaticRnn.Kernels;

/// <summary>
/// A decoder that runs one step at a time from a state a caller keeps (a generated Seq2Seq model), so that beam search
/// holds one state per beam and copies it when a beam is extended.
/// </summary>
public interface IDecoderSteps
{
    /// <summary>Floats of one beam's decoder state: its decoder input ids and its decoder's tape.</summary>
    int DecoderStateLength { get; }

    /// <summary>Writes the decoder's state before step 0, for the source encoded last, into <paramref name="state"/>.</summary>
    void StartState(Span<float> state);

    /// <summary>
    /// Runs decoder step <paramref name="step"/> on <paramref name="token"/> (the start token at step 0, else the token
    /// chosen at the step before), the earlier steps on <paramref name="state"/>, and writes the probabilities of the
    /// next token into <paramref name="probabilities"/>.
    /// </summary>
    void Step(Span<float> state, int step, int token, Span<float> probabilities);
}

/// <summary>
/// Beam search over a decoder: keeps the <see cref="Width"/> most probable prefixes (sum of log-probabilities), extends
/// each by its most probable next tokens, and moves a prefix that produces the end token to the finished ones. It stops
/// when the best finished sequence beats every live prefix (log-probabilities only fall as a prefix grows) or at the
/// decoder's length. Token 0 (padding) is never produced. Each live prefix keeps its decoder's state, so a step runs one
/// decoder step per beam; an extended prefix starts from a copy of its parent's state. All buffers are allocated here,
/// once: a search allocates nothing.
/// </summary>
public sealed class BeamSearcher
{
    private readonly int _length, _vocabulary, _stateLength;
    private int[] _tokens, _nextTokens;               // per beam: the tokens chosen so far
    private float[] _states, _nextStates;             // per beam: the decoder's state
    private readonly double[] _scores, _nextScores;
    private readonly int[] _candidateBeam, _candidateToken;
    private readonly double[] _candidateScore;
    private readonly float[] _probabilities;
    private readonly int[] _best;

    /// <param name="width">Beams kept at each step (1 is greedy decoding).</param>
    /// <param name="length">Decoder steps: the longest output.</param>
    /// <param name="vocabulary">Target tokens the decoder chooses from.</param>
    /// <param name="stateLength">Floats of one beam's decoder state (<see cref="IDecoderSteps.DecoderStateLength"/>).</param>
    public BeamSearcher(int width, int length, int vocabulary, int stateLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabulary, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stateLength);
        Width = width;
        _length = length;
        _vocabulary = vocabulary;
        _stateLength = stateLength;
        _tokens = new int[width * length];
        _nextTokens = new int[width * length];
        _states = new float[(long)width * stateLength];
        _nextStates = new float[(long)width * stateLength];
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
        if (decoder.DecoderStateLength != _stateLength)
        {
            throw new ArgumentException($"the decoder's state has {decoder.DecoderStateLength} floats; this searcher was made for {_stateLength}.", nameof(decoder));
        }
        int live = 1, length = _length, width = Width;
        decoder.StartState(State(_states, 0));
        _scores[0] = 0;
        double bestScore = double.NegativeInfinity;
        int bestLength = 0;
        for (int step = 0; step < length && live > 0; step++)
        {
            // The best `width` (beam, token) extensions of all live beams, kept sorted by score, best first.
            int candidates = 0;
            for (int b = 0; b < live; b++)
            {
                decoder.Step(State(_states, b), step, step == 0 ? startToken : _tokens[b * length + step - 1], _probabilities);
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
            // Finished sequences first (a sequence that produced the end token, or reached the decoder's length): the
            // tokens chosen before, then this one.
            for (int c = 0; c < candidates; c++)
            {
                int token = _candidateToken[c];
                if ((token == endToken || step == length - 1) && _candidateScore[c] > bestScore)
                {
                    bestScore = _candidateScore[c];
                    bestLength = step + 1;
                    _tokens.AsSpan(_candidateBeam[c] * length, step).CopyTo(_best);
                    _best[step] = token;
                }
            }
            // Scores only fall as a prefix grows: a prefix that does not beat the best finished sequence is dropped. The
            // others continue from their parent's state and tokens.
            int next = 0;
            for (int c = 0; c < candidates; c++)
            {
                int token = _candidateToken[c];
                if (token == endToken || step == length - 1 || _candidateScore[c] <= bestScore)
                {
                    continue;
                }
                int parent = _candidateBeam[c];
                _tokens.AsSpan(parent * length, step).CopyTo(_nextTokens.AsSpan(next * length));
                _nextTokens[next * length + step] = token;
                State(_states, parent).CopyTo(State(_nextStates, next));
                _nextScores[next++] = _candidateScore[c];
            }
            (_tokens, _nextTokens) = (_nextTokens, _tokens);
            (_states, _nextStates) = (_nextStates, _states);
            _nextScores.AsSpan(0, next).CopyTo(_scores);
            live = next;
        }
        output.Clear();
        _best.AsSpan(0, bestLength).CopyTo(output);
        return bestScore;
    }

    private Span<float> State(float[] states, int beam) => states.AsSpan(beam * _stateLength, _stateLength);
}
