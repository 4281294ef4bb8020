using CsCheck;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace StaticRnn.Fuzz.Tests;

/// <summary>
/// Random <c>[Seq2Seq]</c> declarations: a random encoder (LSTM or GRU, one or two directions, 1-3 layers' worth of
/// sizes) and a decoder started from its states with attention over its outputs, either as written (no diagnostic) or
/// with one connection mistake: a missing stack, a state width or kind that does not fit, attention over an encoder
/// that returns only its last state, a head of the wrong vocabulary, a bidirectional decoder layer. Each must give
/// exactly its diagnostic on its line, without a generator or analyzer exception or an error in generated code.
/// </summary>
public sealed class Seq2SeqDeclarationFuzzTests(ITestOutputHelper output)
{
    private const int PerCompilation = 8;

    private static readonly string[] s_mistakes =
        ["none", "no Decoder", "state width", "state kind", "encoder returns its last state", "head vocabulary", "bidirectional decoder layer"];

    internal sealed record Case(string Mistake, List<string> Lines, string Id, int Line);

    internal static Case Make(int[] c)
    {
        int at = 0;
        int Choose(int n) => at < c.Length ? c[at++] % n : 0;
        string mistake = s_mistakes[Choose(s_mistakes.Length)];
        bool lstm = Choose(2) == 0, bidirectional = Choose(2) == 0;
        int units = 1 + Choose(12), sourceVocabulary = 4 + Choose(30), targetVocabulary = 4 + Choose(30);
        int sourceLength = 2 + Choose(10), targetLength = 2 + Choose(10), dims = 1 + Choose(16);
        int width = bidirectional ? 2 * units : units;
        string kind = lstm ? "Lstm" : "Gru";
        var lines = new List<string> { "[Seq2Seq]", "public partial class NAME", "{" };
        lines.Add($"    [Sequential({sourceLength})]");
        lines.Add($"    [Embedding({sourceVocabulary}, {dims}, MaskZero = true)]");
        bool returnSequences = mistake != "encoder returns its last state";
        lines.Add($"    [{kind}({units}{(returnSequences ? ", ReturnSequences = true" : "")}{(bidirectional ? ", Bidirectional = true" : "")})]");
        lines.Add("    public partial class Encoder;");
        int decoderRecurrent = -1, attention = -1, head = -1;
        if (mistake != "no Decoder")
        {
            string decoderKind = mistake == "state kind" ? (lstm ? "Gru" : "Lstm") : kind;
            int decoderUnits = mistake == "state width" ? width + 1 + Choose(4) : width;
            string bidi = mistake == "bidirectional decoder layer" ? ", Bidirectional = true" : "";
            lines.Add("");
            lines.Add($"    [Sequential({targetLength})]");
            lines.Add($"    [Embedding({targetVocabulary}, {dims}, MaskZero = true)]");
            lines.Add($"    [{decoderKind}({decoderUnits}, ReturnSequences = true{bidi})]");
            decoderRecurrent = lines.Count - 1;
            lines.Add("    [Attention]");
            attention = lines.Count - 1;
            int classes = mistake == "head vocabulary" ? targetVocabulary + (Choose(2) == 0 ? 1 : -1) : targetVocabulary;
            lines.Add($"    [Dense({classes}, Activation = Activation.Softmax)]");
            head = lines.Count - 1;
            lines.Add("    public partial class Decoder;");
        }
        lines.Add("}");
        return mistake switch
        {
            "none" => new(mistake, lines, "", -1),
            "no Decoder" => new(mistake, lines, "SRNN010", 0),
            // A decoder layer wider than the encoder's states is first seen where attention compares the two widths; that
            // one message names the fix (the units the decoder layer needs).
            "state width" => new(mistake, lines, "SRNN011", attention),
            "state kind" => new(mistake, lines, "SRNN011", decoderRecurrent),
            "encoder returns its last state" => new(mistake, lines, "SRNN012", attention),
            "head vocabulary" => new(mistake, lines, "SRNN013", head),
            _ => new(mistake, lines, "SRNN014", decoderRecurrent),
        };
    }

    [Fact]
    public void RandomSeq2SeqDeclarationsGiveTheirDiagnosticAndNothingElse()
    {
        var seen = new Dictionary<string, int>();
        Gen<int[][]> cases = Gen.Int[0, 1 << 16].Array[16].Array[PerCompilation];
        string Print(int[][] all) => string.Join("\n", all.Select(Make).Select((c, i) => $"// {c.Mistake}: expect {(c.Id.Length == 0 ? "nothing" : c.Id)}\n" + string.Join("\n", c.Lines).Replace("NAME", "Bad" + i, StringComparison.Ordinal)));
        FuzzRun.Sample(cases, all => Check([.. all.Select(Make)], seen), Print, _ => "", output, (FuzzRun.Cases / 2 + PerCompilation - 1) / PerCompilation);
        output.WriteLine($"{seen.Values.Sum()} Seq2Seq declarations: " + string.Join(", ", seen.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
    }

    private static void Check(Case[] cases, Dictionary<string, int> seen)
    {
        var text = new System.Text.StringBuilder("using StaticRnn;\n");
        var starts = new int[cases.Length];
        int line = 1;
        for (int i = 0; i < cases.Length; i++)
        {
            starts[i] = line + 2;
            string block = $"namespace Fuzz{i}\n{{\n{string.Join("\n", cases[i].Lines).Replace("NAME", "Bad" + i, StringComparison.Ordinal)}\n}}\n";
            line += block.Count(ch => ch == '\n');
            text.Append(block);
        }
        Diagnostic[] reported = InvalidDeclarationFuzzTests.Reported(InMemoryCompiler.Compile(text.ToString(), emit: false));
        var failures = new List<string>();
        for (int i = 0; i < cases.Length; i++)
        {
            Case c = cases[i];
            int end = starts[i] + c.Lines.Count;
            Diagnostic[] mine = [.. reported.Where(d => d.Location.GetLineSpan().StartLinePosition.Line is int l && l >= starts[i] && l < end)];
            bool right = c.Id.Length == 0
                ? mine.Length == 0
                : mine.Length == 1 && mine[0].Id == c.Id && mine[0].Location.GetLineSpan().StartLinePosition.Line == starts[i] + c.Line;
            if (!right)
            {
                failures.Add($"Bad{i} ({c.Mistake}), expected {(c.Id.Length == 0 ? "nothing" : $"{c.Id} on line {c.Line}")}:\n{string.Join("\n", c.Lines)}\ngot:\n"
                    + string.Join("\n", mine.Select(d => $"  line {d.Location.GetLineSpan().StartLinePosition.Line - starts[i]}: {d.Id} {d.GetMessage()}")));
            }
            seen[c.Mistake] = seen.GetValueOrDefault(c.Mistake) + 1;
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
