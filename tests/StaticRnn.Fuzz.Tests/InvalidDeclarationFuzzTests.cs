using CsCheck;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace StaticRnn.Fuzz.Tests;

/// <summary>
/// Random invalid declarations: a random valid stack with one mistake put in (a size out of range, a layer on an
/// input of the wrong rank, an embedding out of place, a wrong expected count, a missing or repeated attribute, an
/// attribute on the wrong target, a non-constant argument, a class of the wrong shape). Each must give exactly the
/// expected diagnostic at the expected line, never an exception in the generator or an analyzer (CS8785, AD0001), and
/// never an error inside generated code.
/// </summary>
public sealed class InvalidDeclarationFuzzTests(ITestOutputHelper output)
{
    private const int PerCompilation = 8;
    // A property, not a field: it reads Mistakes, which is initialized further down.
    private static Gen<(int[] Tape, int Mistake, int Pick)[]> Cases =>
        Gen.Select(Gen.Int[0, 1 << 16].Array[72], Gen.Int[0, Mistakes.Count - 1], Gen.Int[0, 1 << 16]).Array[PerCompilation];

    /// <summary>A declaration with its mistake, and the diagnostic it must give (id, and the line it must be on; -1: the class line).</summary>
    internal sealed record Case(string Mistake, List<string> Lines, string ClassLine, string Id, int Line, string? Prelude = null)
    {
        public string Source(string name) => $"{Prelude}{string.Join("\n", Lines)}\n{ClassLine.Replace("NAME", name, StringComparison.Ordinal)}\n";
    }

    private delegate Case? Mistake(Stack stack, List<string> lines, int pick);

    /// <summary>The mistakes; each returns null when it does not apply to the stack (another one is used then).</summary>
    private static readonly List<(string Name, Mistake Apply)> Mistakes =
    [
        ("units 0 or negative", (stack, lines, pick) =>
        {
            int at = lines.FindIndex(1, l => l.StartsWith("[Dense(", StringComparison.Ordinal) || l.StartsWith("[Lstm(", StringComparison.Ordinal) || l.StartsWith("[Gru(", StringComparison.Ordinal) || l.StartsWith("[SimpleRnn(", StringComparison.Ordinal));
            if (at < 0) return null;
            int open = lines[at].IndexOf('('), end = lines[at].IndexOfAny([',', ')'], open);
            lines[at] = lines[at][..(open + 1)] + (pick % 2 == 0 ? "0" : $"-{1 + pick % 50}") + lines[at][end..];
            return new("units 0 or negative", lines, "public partial class NAME;", "SRNN003", at);
        }),
        ("input dimension 0 or negative", (stack, lines, pick) =>
        {
            int[] shape = (int[])stack.InputShape.Clone();
            shape[pick % shape.Length] = pick % 3 == 0 ? 0 : -(1 + pick % 9);
            lines[0] = ReplaceShape(lines[0], shape);
            return new("input dimension 0 or negative", lines, "public partial class NAME;", "SRNN003", 0);
        }),
        ("input of 2^31 floats", (stack, lines, pick) =>
        {
            if (stack.Vocabulary > 0) return null;
            int[] shape = (int[])stack.InputShape.Clone();
            shape[0] = 1 << 30;
            lines[0] = ReplaceShape(lines[0], shape);
            return new("input of 2^31 floats", lines, "public partial class NAME;", "SRNN003", 0);
        }),
        ("a recurrent layer on a vector", (stack, lines, pick) =>
        {
            int at = stack.Vocabulary > 0 ? 2 : 1;
            if (stack.InputShape.Length == 2 || stack.Vocabulary > 0)
            {
                lines.Insert(at, "[GlobalAveragePooling1D]");
                at++;
            }
            lines.Insert(at, pick % 2 == 0 ? "[Lstm(3)]" : "[Gru(2, ReturnSequences = true)]");
            return new("a recurrent layer on a vector", lines, "public partial class NAME;", "SRNN002", at);
        }),
        ("an embedding that is not first", (stack, lines, pick) =>
        {
            int at = 1 + 1 + pick % (lines.Count - 1);
            lines.Insert(Math.Min(at, lines.Count), "[Embedding(10, 4)]");
            return new("an embedding that is not first", lines, "public partial class NAME;", "SRNN007", lines.IndexOf("[Embedding(10, 4)]"));
        }),
        ("an embedding on float sequences", (stack, lines, pick) =>
        {
            if (stack.Vocabulary > 0 || stack.InputShape.Length != 2) return null;
            lines.Insert(1, "[Embedding(10, 4)]");
            return new("an embedding on float sequences", lines, "public partial class NAME;", "SRNN007", 1);
        }),
        ("a wrong ExpectedParameters", (stack, lines, pick) =>
        {
            string wrong = (stack.ParameterCount + 1 + pick % 100).ToString(System.Globalization.CultureInfo.InvariantCulture);
            lines[0] = lines[0].Contains("ExpectedParameters", StringComparison.Ordinal)
                ? System.Text.RegularExpressions.Regex.Replace(lines[0], @"ExpectedParameters = \d+", "ExpectedParameters = " + wrong)
                : lines[0].Replace(")]", $", ExpectedParameters = {wrong})]", StringComparison.Ordinal);
            return new("a wrong ExpectedParameters", lines, "public partial class NAME;", "SRNN004", 0);
        }),
        ("a wrong layer ExpectedParameters", (stack, lines, pick) =>
        {
            int at = lines.FindIndex(1, l => l.StartsWith("[Dense(", StringComparison.Ordinal));
            if (at < 0) return null;
            lines[at] = lines[at].Replace(")]", $", ExpectedParameters = {100000 + pick})]", StringComparison.Ordinal);
            return new("a wrong layer ExpectedParameters", lines, "public partial class NAME;", "SRNN004", at);
        }),
        ("no layers", (stack, lines, pick) => new("no layers", [lines[0]], "public partial class NAME;", "SRNN005", 0)),
        ("layers without [Sequential]", (stack, lines, pick) => new("layers without [Sequential]", lines.Skip(1).ToList(), "public partial class NAME;", "SRNN005", 0)),
        ("a dropout rate of 1 or more", (stack, lines, pick) =>
        {
            lines.Insert(lines.Count, pick % 2 == 0 ? "[Dropout(1)]" : "[Dropout(-0.25)]");
            return new("a dropout rate out of [0, 1)", lines, "public partial class NAME;", "SRNN003", lines.Count - 1);
        }),
        ("no heads", (stack, lines, pick) =>
        {
            if (stack.InputShape.Length != 2 && stack.Vocabulary == 0) return null;
            lines.Insert(stack.Vocabulary > 0 ? 2 : 1, pick % 2 == 0 ? "[MultiHeadAttention(0, 4)]" : "[TransformerEncoder(2, 0, 8)]");
            return new("no heads or no key size", lines, "public partial class NAME;", "SRNN003", stack.Vocabulary > 0 ? 2 : 1);
        }),
        ("a non-constant argument", (stack, lines, pick) =>
        {
            int at = lines.FindIndex(1, l => l.StartsWith("[Dense(", StringComparison.Ordinal));
            if (at < 0) return null;
            int open = lines[at].IndexOf('('), end = lines[at].IndexOfAny([',', ')'], open);
            lines[at] = lines[at][..(open + 1)] + "Sizes.Units" + lines[at][end..];
            return new("a non-constant argument", lines, "public partial class NAME;", "CS0182", at, "static class Sizes { public static int Units = 3; }\n");
        }),
        ("[Sequential] twice", (stack, lines, pick) =>
        {
            lines.Insert(1, lines[0]);
            return new("[Sequential] twice", lines, "public partial class NAME;", "CS0579", 1);
        }),
        ("[Sequential] on a method", (stack, lines, pick) =>
            new("[Sequential] on a method", ["// the attribute is on a method"], "public partial class NAME { [Sequential(4)] public void M() { } }", "CS0592", -1)),
        ("a layer of 2^20 units", (stack, lines, pick) =>
        {
            lines[0] = System.Text.RegularExpressions.Regex.Replace(lines[0], @", ExpectedParameters = \d+", "");
            lines.Add("[Dense(4096)]");
            lines.Add("[Dense(1048576)]");
            return new("a layer of 2^20 units", lines, "public partial class NAME;", "SRNN003", lines.Count - 1);
        }),
        ("file-local", (stack, lines, pick) => new("file-local", lines, "file partial class NAME;", "SRNN001", -1)),
        ("not partial", (stack, lines, pick) => new("not partial", lines, "public class NAME;", "SRNN001", -1)),
        ("generic", (stack, lines, pick) => new("generic", lines, "public partial class NAME<T>;", "SRNN001", -1)),
        ("static", (stack, lines, pick) => new("static", lines, "public static partial class NAME;", "SRNN001", -1)),
        ("a record", (stack, lines, pick) => new("a record", lines, "public partial record NAME;", "SRNN001", -1)),
        ("a struct", (stack, lines, pick) => new("a struct", lines, "public partial struct NAME;", "CS0592", 0)),
        ("nested in a class that is not partial", (stack, lines, pick) =>
            new("nested in a class that is not partial", lines.Select(l => "    " + l).Prepend("public class OuterNAME\n{").ToList(), "    public partial class NAME;\n}", "SRNN001", -1)),
        ("with a parameterless constructor", (stack, lines, pick) =>
            new("with a parameterless constructor", lines, "public partial class NAME { public NAME() { } }", "SRNN015", -1)),
        ("layers on two partial declarations", (stack, lines, pick) =>
        {
            int last = lines.Count - 1;
            if (last < 2) return null;
            string moved = lines[last];
            lines.RemoveAt(last);
            return new("layers on two partial declarations", lines, $"public partial class NAME;\n{moved}\npublic partial class NAME;", "SRNN006", -1);
        }),
    ];

    private static string ReplaceShape(string sequential, int[] shape)
    {
        int open = sequential.IndexOf('('), end = sequential.IndexOfAny([',', ')'], open);
        // The shape is every leading integer argument.
        string rest = sequential[(open + 1)..];
        int skip = 0;
        foreach (string part in rest.Split(','))
        {
            string trimmed = part.Trim().TrimEnd(')', ']');
            if (!int.TryParse(trimmed, out _))
            {
                break;
            }
            skip++;
        }
        string[] parts = rest.Split(',');
        string tail = string.Join(",", parts.Skip(skip));
        string shapeText = string.Join(", ", shape);
        return skip == parts.Length ? $"[Sequential({shapeText})]" : $"[Sequential({shapeText},{tail}";
    }

    internal static Case Make((int[] Tape, int Mistake, int Pick) c)
    {
        Stack stack = new StackBuilder(c.Tape).Build();
        for (int k = 0; k < Mistakes.Count; k++)
        {
            var (_, apply) = Mistakes[(c.Mistake + k) % Mistakes.Count];
            List<string> lines = [.. stack.Declaration("X").Split('\n').Where(l => l.StartsWith('['))];
            if (apply(stack, lines, c.Pick) is { } made)
            {
                return made;
            }
        }
        throw new InvalidOperationException("no mistake applies");
    }

    [Fact]
    public void RandomInvalidDeclarationsGiveTheirDiagnosticAndNothingElse()
    {
        var seen = new Dictionary<string, int>();
        FuzzRun.Sample(Cases, cases => Check([.. cases.Select(Make)], seen), Print, _ => "", output, (FuzzRun.Cases + PerCompilation - 1) / PerCompilation);
        output.WriteLine($"{seen.Values.Sum()} invalid declarations: " + string.Join(", ", seen.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
    }

    private static string Print((int[], int, int)[] cases) => string.Join("\n", cases.Select(Make).Select((c, i) => $"// {c.Mistake}: expect {c.Id}\n{c.Source("Bad" + i)}"));

    /// <summary>
    /// What a user sees of declarations with mistakes: every error and StaticRnn diagnostic but the informational ones
    /// (and SRNN008, speed information), after checking that neither the generator nor an analyzer threw and that no error
    /// lies inside generated code.
    /// </summary>
    internal static Diagnostic[] Reported(InMemoryCompiler.Result compiled)
    {
        Assert.True(compiled.Crashes.Count == 0, "the generator or an analyzer threw:\n" + string.Join("\n", compiled.Crashes));
        Diagnostic[] inGenerated = [.. compiled.Diagnostics.Where(d => d.Location.SourceTree is { } tree && tree.FilePath != "Fuzz.cs" && d.Severity == DiagnosticSeverity.Error)];
        Assert.True(inGenerated.Length == 0, "errors inside generated code:\n" + string.Join("\n", inGenerated.Select(d => d.ToString())));
        return [.. compiled.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error || d.Id.StartsWith("SRNN", StringComparison.Ordinal) && d.Id != "SRNN008" && d.Severity != DiagnosticSeverity.Info)];
    }

    /// <summary>Compiles the cases together (each class its own name, each in its own namespace) and checks each one's diagnostics.</summary>
    private static void Check(Case[] cases, Dictionary<string, int> seen)
    {
        var text = new System.Text.StringBuilder("using StaticRnn;\n");
        var starts = new int[cases.Length];
        var ends = new int[cases.Length];
        int line = 1;
        for (int i = 0; i < cases.Length; i++)
        {
            string block = $"namespace Fuzz{i}\n{{\n{cases[i].Source("Bad" + i)}}}\n";
            starts[i] = line + 2 + (cases[i].Prelude?.Count(c => c == '\n') ?? 0);
            line += block.Count(c => c == '\n');
            ends[i] = line;
            text.Append(block);
        }
        Diagnostic[] reported = Reported(InMemoryCompiler.Compile(text.ToString(), emit: false));
        var failures = new List<string>();
        for (int i = 0; i < cases.Length; i++)
        {
            Case c = cases[i];
            Diagnostic[] mine = [.. reported.Where(d => d.Location.GetLineSpan().StartLinePosition.Line is int l && l >= starts[i] && l < ends[i])];
            int classLine = starts[i] + c.Lines.Count + (c.Mistake.StartsWith("nested", StringComparison.Ordinal) ? 1 : 0);
            int expectedLine = c.Line >= 0 ? starts[i] + c.Line + (c.Mistake.StartsWith("nested", StringComparison.Ordinal) ? 1 : 0) : classLine;
            string Describe() => $"Bad{i} ({c.Mistake}), expected {c.Id} on line {expectedLine - starts[i]}:\n{c.Source("Bad" + i)}got:\n"
                + string.Join("\n", mine.Select(d => $"  line {d.Location.GetLineSpan().StartLinePosition.Line - starts[i]}: {d.Id} {d.GetMessage()}"));
            // The expected diagnostic, at the expected line, and nothing else: a mistake is one message, not a cascade
            // (a misused attribute may repeat the same C# error for each attribute it concerns).
            bool right = mine.Length > 0 && mine.All(d => d.Id == c.Id)
                && mine.Any(d => d.Location.GetLineSpan().StartLinePosition.Line == expectedLine)
                && (mine.Length == 1 || c.Id.StartsWith("CS", StringComparison.Ordinal));
            if (!right)
            {
                failures.Add(Describe());
            }
            seen[c.Mistake] = seen.GetValueOrDefault(c.Mistake) + 1;
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
