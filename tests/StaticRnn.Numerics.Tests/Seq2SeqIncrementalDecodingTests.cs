using Xunit;

namespace StaticRnn.Numerics.Tests;

/// <summary>
/// Greedy decoding runs the decoder one step at a time (each layer's step kernel, or its whole forward kernel when it has
/// none). The oracle is the teacher-forced forward pass (<c>Predict</c>), which runs every step at once: fed the tokens
/// decoded so far, its most probable next token must be the one decoded, for every decoder layer kind and for untrained
/// weights (no task to hide a wrong step behind). Beam search keeps one decoder state per beam and copies it to the
/// beams that extend it; its oracle is the same search run over <c>Predict</c> of every prefix.
/// </summary>
public class Seq2SeqIncrementalDecodingTests
{
    public static TheoryData<string> Models => new() { nameof(S2sLstmAttention), nameof(S2sGruConcat), nameof(S2sStateOnly), nameof(S2sTransformer), nameof(S2sTransformerPreNorm), nameof(S2sStepKinds), nameof(S2sCausalBlocks) };

    [Theory]
    [MemberData(nameof(Models))]
    public void GreedyAndBeamDecodingEqualDecodingOverTeacherForcedPredict(string model)
    {
        switch (model)
        {
            case nameof(S2sLstmAttention): Check<S2sLstmAttention>(); break;
            case nameof(S2sGruConcat): Check<S2sGruConcat>(); break;
            case nameof(S2sStateOnly): Check<S2sStateOnly>(); break;
            case nameof(S2sTransformer): Check<S2sTransformer>(); break;
            case nameof(S2sTransformerPreNorm): Check<S2sTransformerPreNorm>(); break;
            case nameof(S2sStepKinds): Check<S2sStepKinds>(); break;
            case nameof(S2sCausalBlocks): Check<S2sCausalBlocks>(); break;
            default: throw new ArgumentOutOfRangeException(nameof(model));
        }
    }

    private static void Check<T>() where T : ISeq2SeqNetwork<T>, new()
    {
        const int count = 9; // more than one shard
        int s = T.SourceLength, t = T.TargetLength;
        var random = new SeededRandom(7);
        var sources = new int[count * s];
        for (int p = 0; p < count; p++)
        {
            int length = 1 + random.NextInt(s); // the rest is padding
            for (int i = 0; i < length; i++)
            {
                sources[p * s + i] = 1 + random.NextInt(T.SourceVocabulary - 1);
            }
        }
        int decodedSteps = 0;
        foreach (int seed in new[] { 3, 11 })
        {
            var model = new T();
            model.InitializeWeights(seed);
            var generated = new int[count * t];
            model.Generate(sources, generated, count);
            for (int p = 0; p < count; p++)
            {
                int[] expected = DecodingOracle.Greedy(model, sources.AsSpan(p * s, s), out int steps);
                decodedSteps += steps;
                Assert.Equal(expected, generated[(p * t)..((p + 1) * t)]);
                var beam = new int[t];
                model.BeamSearch(sources.AsSpan(p * s, s), beam, 1);
                Assert.Equal(expected, beam);
                model.BeamSearch(sources.AsSpan(p * s, s), beam, 3);
                Assert.Equal(DecodingOracle.BeamSearch(model, sources.AsSpan(p * s, s), 3), beam);
            }
        }
        // Untrained models rarely pick the end token at once: most samples decode several steps.
        Assert.True(decodedSteps >= 2 * count * 2, $"{decodedSteps} steps decoded");
    }
}

/// <summary>Decoding written plainly over teacher-forced <c>Predict</c>: every prefix run from the start, no decoder state kept.</summary>
internal static class DecodingOracle
{
    /// <summary>Greedy decoding of one source: at each step the most probable id (never 0) after the ids so far; <paramref name="steps"/> decoded.</summary>
    public static int[] Greedy<T>(T model, ReadOnlySpan<int> source, out int steps) where T : ISeq2SeqNetwork<T>
    {
        int t = T.TargetLength, v = T.TargetVocabulary;
        var probabilities = new float[t * v];
        var inputs = new int[t];
        var decoded = new int[t];
        inputs[0] = T.StartToken;
        steps = 0;
        for (int step = 0; step < t; step++)
        {
            model.Predict(source, inputs, probabilities);
            int best = 1;
            for (int id = 2; id < v; id++)
            {
                best = probabilities[step * v + id] > probabilities[step * v + best] ? id : best;
            }
            decoded[step] = best;
            steps++;
            if (best == T.EndToken || step == t - 1)
            {
                break;
            }
            inputs[step + 1] = best;
        }
        return decoded;
    }

    /// <summary>
    /// Beam search written plainly over teacher-forced <c>Predict</c> (every prefix run from the start, no decoder state
    /// kept): all extensions of the live prefixes ranked by log-probability, the best <paramref name="width"/> kept; a
    /// prefix ending in the end token (or at the decoder's length) is finished; the search stops when the best finished
    /// sequence beats every live prefix.
    /// </summary>
    public static int[] BeamSearch<T>(T model, ReadOnlySpan<int> source, int width) where T : ISeq2SeqNetwork<T>
    {
        int t = T.TargetLength, v = T.TargetVocabulary;
        var live = new List<(List<int> Tokens, double Score)> { (new List<int>(), 0) };
        var probabilities = new float[t * v];
        (List<int> Tokens, double Score) best = (new List<int>(), double.NegativeInfinity);
        for (int step = 0; step < t && live.Count > 0; step++)
        {
            var candidates = new List<(List<int> Tokens, double Score)>();
            foreach (var (tokens, score) in live)
            {
                var inputs = new int[t];
                inputs[0] = T.StartToken;
                for (int i = 0; i < tokens.Count; i++)
                {
                    inputs[i + 1] = tokens[i];
                }
                model.Predict(source, inputs, probabilities);
                for (int token = 1; token < v; token++)
                {
                    candidates.Add((new List<int>(tokens) { token }, score + Math.Log(Math.Max(probabilities[step * v + token], 1e-30f))));
                }
            }
            var kept = candidates.OrderByDescending(c => c.Score).Take(width).ToList(); // a stable sort: ties keep beam, then token order
            foreach (var c in kept.Where(c => c.Tokens[^1] == T.EndToken || step == t - 1))
            {
                best = c.Score > best.Score ? c : best;
            }
            live = kept.Where(c => c.Tokens[^1] != T.EndToken && step < t - 1 && c.Score > best.Score).ToList();
        }
        var output = new int[t];
        best.Tokens.CopyTo(output);
        return output;
    }
}
