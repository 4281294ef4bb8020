using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Parsing;

/// <summary>The parsed <c>[Seq2Seq]</c> declaration (null when it cannot be built), the class's place, and the problems found before shape inference.</summary>
internal sealed record ParsedSeq2Seq(Seq2SeqDecl? Model, HierarchyInfo Hierarchy, EquatableArray<Problem> Problems);

/// <summary>
/// Turns a <c>[Seq2Seq]</c> class and its nested <c>Encoder</c> and <c>Decoder</c> stacks into a <see cref="Seq2SeqDecl"/>.
/// Each stack is parsed by <see cref="NetworkParser"/>; its own problems (SRNN001, SRNN006) are reported on the stack.
/// </summary>
internal static class Seq2SeqParser
{
    public const string Seq2SeqAttribute = "StaticRnn.Seq2SeqAttribute";
    public const string EncoderName = "Encoder", DecoderName = "Decoder";

    public static AttributeData? FindSeq2Seq(INamedTypeSymbol type)
        => type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Seq2SeqAttribute);

    /// <summary>Whether <paramref name="type"/> is the Encoder or Decoder stack of a <c>[Seq2Seq]</c> class (the model generates it, not the stack).</summary>
    public static bool IsStack(INamedTypeSymbol type)
        => type.Name is EncoderName or DecoderName && type.ContainingType is { } outer && FindSeq2Seq(outer) is not null;

    public static ParsedSeq2Seq Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var problems = new List<Problem>();
        HierarchyInfo hierarchy = NetworkParser.Hierarchy(type);
        string? notPartial = NetworkParser.WhyNotPartial(type);
        if (notPartial is not null)
        {
            problems.Add(new Problem(DiagnosticIds.NotPartial, ProblemTarget.Class, -1, notPartial.Replace("[Sequential]", "[Seq2Seq]"),
                Fix: NetworkParser.CanMakePartial(type) ? FixKinds.MakePartial : null));
        }
        if (notPartial is null && NetworkParser.WhyConstructorsConflict(type) is { } conflict)
        {
            problems.Add(new Problem(DiagnosticIds.ConstructorConflict, ProblemTarget.Class, -1, conflict));
        }
        if (NetworkParser.FindSequential(type) is not null)
        {
            problems.Add(new Problem(DiagnosticIds.Seq2SeqStacks, ProblemTarget.Seq2Seq, -1,
                $"'{type.Name}' has both [Seq2Seq] and [Sequential]; a [Seq2Seq] model declares its two stacks as nested classes Encoder and Decoder: move [Sequential] and the layers there"));
        }
        AttributeData attribute = FindSeq2Seq(type)!;
        NetworkDecl? encoder = Stack(type, EncoderName, problems, cancellationToken);
        NetworkDecl? decoder = Stack(type, DecoderName, problems, cancellationToken);
        if (problems.Count > 0 || encoder is null || decoder is null)
        {
            return new ParsedSeq2Seq(null, hierarchy, new EquatableArray<Problem>(problems));
        }
        var model = new Seq2SeqDecl(type.Name,
            NetworkParser.Named(attribute, "StartToken", 1),
            NetworkParser.Named(attribute, "EndToken", 2),
            NetworkParser.Named(attribute, "ExpectedParameters", 0),
            NetworkParser.Named(attribute, "Seed", 0),
            encoder, decoder);
        return new ParsedSeq2Seq(model, hierarchy, new EquatableArray<Problem>(problems));
    }

    /// <summary>The nested stack <paramref name="name"/> parsed, or null (SRNN010 when it is missing or not a <c>[Sequential]</c> class).</summary>
    private static NetworkDecl? Stack(INamedTypeSymbol type, string name, List<Problem> problems, CancellationToken cancellationToken)
    {
        INamedTypeSymbol? stack = type.GetTypeMembers(name).FirstOrDefault();
        string example = name == EncoderName
            ? "[Sequential(sourceLength)] [Embedding(sourceVocabulary, 64, MaskZero = true)] [Lstm(128, ReturnSequences = true)] public partial class Encoder;"
            : "[Sequential(targetLength)] [Embedding(targetVocabulary, 64, MaskZero = true)] [Lstm(128, ReturnSequences = true)] [Attention] [Dense(targetVocabulary, Activation = Activation.Softmax)] public partial class Decoder;";
        if (stack is null)
        {
            problems.Add(new Problem(DiagnosticIds.Seq2SeqStacks, ProblemTarget.Seq2Seq, -1,
                $"'{type.Name}' has no nested class {name}; declare its stack inside '{type.Name}', e.g. {example}"));
            return null;
        }
        if (NetworkParser.FindSequential(stack) is null)
        {
            problems.Add(new Problem(DiagnosticIds.Seq2SeqStacks, ProblemTarget.Seq2Seq, -1,
                $"'{type.Name}.{name}' has no [Sequential(...)] with its input length; declare it as a stack over token ids, e.g. {example}"));
            return null;
        }
        // Its own problems (not partial, split declarations, unbound attributes) are reported on the stack itself.
        return NetworkParser.Parse(stack, cancellationToken).Network;
    }
}
