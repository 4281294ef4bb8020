using System.Collections.Generic;
using System.Linq;

namespace StaticRnn.Generator.Model;

/// <summary>
/// The <c>[Seq2Seq]</c> attribute and its two nested stacks as written. A stack is null when the class does not declare
/// it (the parser reports SRNN010).
/// </summary>
internal sealed record Seq2SeqDecl(string ClassName, int StartToken, int EndToken, int ExpectedParameters, int Seed, NetworkDecl? Encoder, NetworkDecl? Decoder);

/// <summary>
/// A whole sequence-to-sequence model after shape inference: the two stacks (the decoder's layers know what they attend
/// over and which recurrent layers link the stacks), the special tokens, and the seed. One parameter buffer holds the
/// encoder's weights, then the decoder's; each stack's own offsets start at 0.
/// </summary>
internal sealed record Seq2SeqSpec(string ClassName, int StartToken, int EndToken, int Seed, NetworkSpec Encoder, NetworkSpec Decoder)
{
    public int ParameterCount => Encoder.ParameterCount + Decoder.ParameterCount;

    /// <summary>Token ids per source sequence.</summary>
    public int SourceLength => Encoder.InputSize;

    /// <summary>Token ids per target sequence (the decoder's steps).</summary>
    public int TargetLength => Decoder.InputSize;

    public int SourceVocabulary => Encoder.Vocabulary;

    /// <summary>Target token ids, which are also the decoder's output classes.</summary>
    public int TargetVocabulary => Decoder.Vocabulary;

    /// <summary>Index of the encoder layer whose final states seed the decoder, or -1.</summary>
    public int SeedingLayer => IndexOf(Encoder, StateLink.SeedsDecoder);

    /// <summary>Index of the decoder layer the encoder's states seed, or -1.</summary>
    public int SeededLayer => IndexOf(Decoder, StateLink.SeededByEncoder);

    private static int IndexOf(NetworkSpec stack, StateLink link)
    {
        for (int i = 0; i < stack.Layers.Count; i++)
        {
            if (stack.Layers[i].StateLink == link)
            {
                return i;
            }
        }
        return -1;
    }
}

/// <summary>The outcome of building a Seq2Seq model: the spec when valid, and the problems of the outer class and of each stack.</summary>
internal sealed record Seq2SeqBuildResult(Seq2SeqSpec? Spec, EquatableArray<Problem> Outer, EquatableArray<Problem> Encoder, EquatableArray<Problem> Decoder)
{
    public bool HasErrors => Outer.Concat(Encoder).Concat(Decoder).Any(p => p.IsError);
}

/// <summary>
/// Builds both stacks with <see cref="NetworkBuilder"/> (the decoder knowing the encoder's output) and checks what only
/// the pair can get wrong: the state link, the attention's target, per-step classes at the end of the decoder, causal
/// decoder layers and the special tokens.
/// </summary>
internal static class Seq2SeqBuilder
{
    public static Seq2SeqBuildResult Build(Seq2SeqDecl decl)
    {
        var outer = new List<Problem>();
        if (decl.Encoder is null || decl.Decoder is null)
        {
            return new Seq2SeqBuildResult(null, Empty, Empty, Empty);
        }
        var namer = new KerasNamer();
        BuildResult encoder = NetworkBuilder.Build(decl.Encoder, new StackContext(namer, IsDecoder: false, EquatableArray<int>.Empty, false, ""));
        var encoderProblems = encoder.Problems.ToList();
        var decoderProblems = new List<Problem>();
        NetworkSpec? enc = encoder.Spec;
        LayerSpec? encoderLast = enc?.Layers[enc.Layers.Count - 1];
        StackContext decoderContext = enc is null
            ? new StackContext(namer, IsDecoder: true, EquatableArray<int>.Empty, false, "")
            : new StackContext(namer, IsDecoder: true, enc.OutputShape, enc.OutputMasked, "the encoder's " + Describe(encoderLast!));
        BuildResult decoder = NetworkBuilder.Build(decl.Decoder, decoderContext);
        decoderProblems.AddRange(decoder.Problems);
        NetworkSpec? dec = decoder.Spec;

        CheckStack(decl.Encoder, enc, "Encoder", encoderProblems);
        CheckStack(decl.Decoder, dec, "Decoder", decoderProblems);
        if (enc is null || dec is null)
        {
            return Result(null);
        }

        CheckDecoderOutput(decl.Decoder, dec, decoderProblems); // a layer that looks ahead: SRNN014 from NetworkBuilder

        int seeding = LastIndex(enc.Layers, l => l.IsRecurrent), seeded = FirstIndex(dec.Layers, l => l.IsRecurrent);
        bool linked = seeding >= 0 && seeded >= 0 && Link(enc.Layers[seeding], dec.Layers[seeded], decoderProblems);
        if (!linked && !dec.Layers.Any(l => l.UsesMemory) && !(seeding >= 0 && seeded >= 0))
        {
            decoderProblems.Add(new Problem(DiagnosticIds.NothingToAttend, ProblemTarget.Sequential, -1,
                $"The decoder of '{decl.ClassName}' sees nothing of the source: it has no [Attention] or [TransformerDecoder] over the encoder's output, and {(seeding < 0 ? "the encoder has no recurrent layer" : "the decoder has no recurrent layer")} whose states could link them; add [Attention] after a recurrent decoder layer, or recurrent layers to both stacks"));
        }

        int vocabulary = dec.Vocabulary;
        foreach (var (name, token) in new[] { ("StartToken", decl.StartToken), ("EndToken", decl.EndToken) })
        {
            if (token < 1 || token >= vocabulary)
            {
                outer.Add(new Problem(DiagnosticIds.BadArgument, ProblemTarget.Seq2Seq, -1,
                    $"'{decl.ClassName}': {name} = {NetworkBuilder.Count(token)} is not a target token; it must be between 1 and {NetworkBuilder.Count(vocabulary - 1)} (0 is padding, and the decoder's vocabulary is {NetworkBuilder.Count(vocabulary)})"));
            }
        }
        if (decl.StartToken == decl.EndToken)
        {
            outer.Add(new Problem(DiagnosticIds.BadArgument, ProblemTarget.Seq2Seq, -1,
                $"'{decl.ClassName}': StartToken and EndToken are both {NetworkBuilder.Count(decl.StartToken)}; decoding would stop at its first input, so give them different ids"));
        }

        int total = enc.ParameterCount + dec.ParameterCount;
        string breakdown = $"encoder {NetworkBuilder.Count(enc.ParameterCount)} ({string.Join(", ", enc.Layers.Select(l => $"{l.Name} {NetworkBuilder.Count(l.ParamCount)}"))}) + decoder {NetworkBuilder.Count(dec.ParameterCount)} ({string.Join(", ", dec.Layers.Select(l => $"{l.Name} {NetworkBuilder.Count(l.ParamCount)}"))})";
        if (decl.ExpectedParameters != 0 && decl.ExpectedParameters != total)
        {
            outer.Add(new Problem(DiagnosticIds.ParameterMismatch, ProblemTarget.Seq2Seq, -1,
                $"'{decl.ClassName}' has {NetworkBuilder.Count(total)} parameters, not the expected {NetworkBuilder.Count(decl.ExpectedParameters)}: {breakdown} = {NetworkBuilder.Count(total)}",
                ComputedValue: total, Fix: FixKinds.ExpectedParameters));
        }
        outer.Add(new Problem(DiagnosticIds.Summary, ProblemTarget.Seq2Seq, -1, $"'{decl.ClassName}': {NetworkBuilder.Count(total)} parameters, {breakdown}"));

        if (outer.Concat(encoderProblems).Concat(decoderProblems).Any(p => p.IsError))
        {
            return Result(null);
        }
        if (linked)
        {
            enc = Relink(enc, seeding, StateLink.SeedsDecoder);
            dec = Relink(dec, seeded, StateLink.SeededByEncoder);
        }
        return Result(new Seq2SeqSpec(decl.ClassName, decl.StartToken, decl.EndToken, decl.Seed, enc, dec));

        Seq2SeqBuildResult Result(Seq2SeqSpec? spec)
            => new(spec, new EquatableArray<Problem>(outer), new EquatableArray<Problem>(encoderProblems), new EquatableArray<Problem>(decoderProblems));
    }

    private static readonly EquatableArray<Problem> Empty = EquatableArray<Problem>.Empty;

    /// <summary>What each stack must be: token ids in, no carried state.</summary>
    private static void CheckStack(NetworkDecl decl, NetworkSpec? spec, string role, List<Problem> problems)
    {
        if (decl.Stateful)
        {
            problems.Add(new Problem(DiagnosticIds.Seq2SeqStacks, ProblemTarget.Sequential, -1,
                $"The {role} of a [Seq2Seq] model cannot be Stateful: each source sequence starts from zero states; remove Stateful = true"));
        }
        if (spec is not null && !spec.TakesTokens)
        {
            problems.Add(new Problem(DiagnosticIds.Seq2SeqStacks, ProblemTarget.Sequential, -1,
                $"The {role} of a [Seq2Seq] model reads token ids, so its first layer must be [Embedding] or [TokenAndPositionEmbedding], not {NetworkBuilder.Label(spec.Layers[0])}"));
        }
    }

    /// <summary>The decoder ends in a softmax Dense over its own vocabulary, one row per step.</summary>
    private static void CheckDecoderOutput(NetworkDecl decl, NetworkSpec dec, List<Problem> problems)
    {
        LayerSpec last = dec.Layers[dec.Layers.Count - 1];
        int vocabulary = dec.Vocabulary, steps = dec.InputSize;
        string fix = $"end the decoder with [Dense({NetworkBuilder.Count(vocabulary)}, Activation = Activation.Softmax)] after layers that return every step";
        if (dec.OutputShape.Count != 2 || dec.OutputShape[0] != steps)
        {
            problems.Add(new Problem(DiagnosticIds.DecoderOutput, ProblemTarget.Layer, last.Index,
                $"{NetworkBuilder.Label(last)} ends the decoder with {NetworkBuilder.KerasShape(dec.OutputShape)}, but the decoder predicts one token for each of its {NetworkBuilder.Count(steps)} steps, (None, {NetworkBuilder.Count(steps)}, {NetworkBuilder.Count(vocabulary)}); {fix}"));
            return;
        }
        if (last is not DenseSpec { Activation: ActivationKind.Softmax } || dec.OutputShape[1] != vocabulary)
        {
            problems.Add(new Problem(DiagnosticIds.DecoderOutput, ProblemTarget.Layer, last.Index,
                $"{NetworkBuilder.Label(last)} ends the decoder with {NetworkBuilder.KerasShape(dec.OutputShape)}{(last is DenseSpec { Activation: ActivationKind.Softmax } ? "" : " without a softmax")}, but each step predicts one of the {NetworkBuilder.Count(vocabulary)} target tokens that {NetworkBuilder.Label(dec.Layers[0])} reads; {fix}"));
        }
        if (decl.Loss is not (LossKind.MeanSquaredError or LossKind.SparseCategoricalCrossentropy))
        {
            problems.Add(new Problem(DiagnosticIds.DecoderOutput, ProblemTarget.Sequential, -1,
                $"A [Seq2Seq] decoder trains with sparse categorical crossentropy on the target ids, not {decl.Loss}; remove Loss from its [Sequential]"));
        }
    }

    /// <summary>Whether the encoder layer's final states can seed the decoder layer; else SRNN011 naming both.</summary>
    private static bool Link(LayerSpec encoder, LayerSpec decoder, List<Problem> problems)
    {
        RecurrentSpec from = encoder is BidirectionalSpec b ? b.Inner : (RecurrentSpec)encoder;
        if (decoder is not RecurrentSpec to)
        {
            return false; // a Bidirectional decoder layer: SRNN014 already
        }
        int units = encoder is BidirectionalSpec ? 2 * from.Units : from.Units;
        string source = $"the encoder's {Describe(encoder)}";
        if ((from is LstmSpec) != (to is LstmSpec))
        {
            problems.Add(new Problem(DiagnosticIds.StacksDoNotFit, ProblemTarget.Layer, decoder.Index,
                $"{NetworkBuilder.Label(decoder)} starts from the final states of {source}, but {(from is LstmSpec ? "an LSTM carries h and c" : "an LSTM needs h and c")} while {(from is LstmSpec ? $"a {to.KerasType} carries only h" : $"a {from.KerasType} gives only h")}; use the same kind of layer on both sides (LSTM with LSTM; GRU or SimpleRNN with GRU or SimpleRNN)"));
            return false;
        }
        if (units != to.Units)
        {
            string bidirectional = encoder is BidirectionalSpec ? $" (both directions of {NetworkBuilder.Count(from.Units)}, concatenated)" : "";
            problems.Add(new Problem(DiagnosticIds.StacksDoNotFit, ProblemTarget.Layer, decoder.Index,
                $"{NetworkBuilder.Label(decoder)} has {NetworkBuilder.Count(to.Units)} units but starts from the final states of {source}, which are {NetworkBuilder.Count(units)} wide{bidirectional}; give it {NetworkBuilder.Count(units)} units"));
            return false;
        }
        return true;
    }

    private static NetworkSpec Relink(NetworkSpec stack, int index, StateLink link)
    {
        var layers = stack.Layers.ToArray();
        layers[index] = layers[index] switch
        {
            BidirectionalSpec b => b with { StateLink = link, Forward = b.Forward! with { StateLink = link }, Backward = b.Backward! with { StateLink = link } },
            LayerSpec l => l with { StateLink = link },
        };
        return stack with { Layers = new EquatableArray<LayerSpec>(layers) };
    }

    private static string Describe(LayerSpec layer) => $"layer {NetworkBuilder.Count(layer.Position + 1)} '{layer.Name}' ({layer.KerasType})";

    private static int LastIndex(IReadOnlyList<LayerSpec> layers, System.Func<LayerSpec, bool> match)
    {
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            if (match(layers[i]))
            {
                return i;
            }
        }
        return -1;
    }

    private static int FirstIndex(IReadOnlyList<LayerSpec> layers, System.Func<LayerSpec, bool> match)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (match(layers[i]))
            {
                return i;
            }
        }
        return -1;
    }
}
