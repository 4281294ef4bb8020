using System.Globalization;
using System.Text;
using CsCheck;
using Microsoft.CodeAnalysis;
using StaticRnn.Numerics.Tests;
using Xunit;
using Xunit.Abstractions;

namespace StaticRnn.Fuzz.Tests;

/// <summary>
/// Random valid stacks over every generated layer kind and option, compiled in memory with the generator and the
/// analyzers, then run: outputs, loss and gradients must equal the float64 reference interpreter (finite differences of
/// it for the gradients), and the parameter count an independent count. CI runs a fixed set of seeds; tests/fuzz.sh runs
/// as many random ones as asked. A failure is shrunk by CsCheck to a small stack and printed as a declaration.
/// </summary>
public sealed class ValidStackFuzzTests(ITestOutputHelper output)
{
    private const int PerCompilation = 8;
    private static readonly Gen<int[][]> s_tapes = Gen.Int[0, 1 << 16].Array[72].Array[PerCompilation];

    [Fact]
    public void RandomStacksMatchTheReferenceInterpreter()
    {
        var counts = new Counts();
        FuzzRun.Sample(s_tapes, tapes => Check(Build(tapes), counts), Print, Shrink, output, samples: (FuzzRun.Cases + PerCompilation - 1) / PerCompilation);
        output.WriteLine(counts.ToString());
        Assert.True(counts.Networks >= FuzzRun.Cases / 2, $"only {counts.Networks} networks checked");
    }

    [Fact]
    public void StatefulTwinsFedOneStepPerCallMatchTheWholeSequence()
    {
        int networks = 0;
        Stack[] Streamable(int[][] tapes) => [.. tapes.Select(t => new StackBuilder(t).BuildStreamable())];
        string PrintStreamable(int[][] tapes) => string.Join("\n", Streamable(tapes).Select((s, i) => s.Declaration("Net" + i)));
        FuzzRun.Sample(s_tapes, tapes => networks += CheckStreaming(Streamable(tapes)), PrintStreamable, PrintStreamable, output,
            samples: (FuzzRun.Cases / 4 + PerCompilation - 1) / PerCompilation);
        output.WriteLine($"{networks} stateful twins streamed step by step");
    }

    [Fact]
    public void PaddedSamplesGiveWhatTheirTokensGiveAlone()
    {
        int networks = 0;
        Stack[] Masked(int[][] tapes) => [.. tapes.Select(t => new StackBuilder(t).BuildMasked())];
        string PrintMasked(int[][] tapes) => string.Join("\n", Masked(tapes).Select((s, i) => s.Declaration("Net" + i)));
        FuzzRun.Sample(s_tapes, tapes => networks += CheckMasking(Masked(tapes)), PrintMasked, PrintMasked, output,
            samples: (FuzzRun.Cases / 4 + PerCompilation - 1) / PerCompilation);
        output.WriteLine($"{networks} masked stacks checked against their unpadded twins");
    }

    /// <summary>
    /// Each masked stack of input T beside twins of input 1 .. T - 1 with the same weights: a batch of samples padded at
    /// the end with id 0 gives, for each sample, what its real tokens give alone (the real steps of a sequence output).
    /// </summary>
    private static int CheckMasking(Stack[] stacks)
    {
        var source = new StringBuilder("using StaticRnn;\nnamespace Fuzz;\n");
        for (int i = 0; i < stacks.Length; i++)
        {
            int steps = stacks[i].InputShape[0];
            for (int length = 1; length <= steps; length++)
            {
                string name = length == steps ? $"Net{i}" : $"Net{i}L{length}";
                source.Append(stacks[i].Declaration(name).Replace($"[Sequential({steps})]", $"[Sequential({length})]", StringComparison.Ordinal));
                source.Append(ProbeSource(name, name + "Probe"));
            }
        }
        InMemoryCompiler.Result compiled = InMemoryCompiler.Compile(source.ToString(), emit: true);
        try
        {
            AssertCompiledCleanly(compiled);
            for (int i = 0; i < stacks.Length; i++)
            {
                Stack stack = stacks[i];
                int steps = stack.InputShape[0], classes = stack.Classes;
                IProbe Probe(int length) => (IProbe)Activator.CreateInstance(compiled.Assembly!.GetType(length == steps ? $"Fuzz.Net{i}Probe" : $"Fuzz.Net{i}L{length}Probe")!)!;
                var random = new SeededRandom(FuzzRun.StableHash(stack.ToString()));
                IProbe padded = Probe(steps);
                padded.Parameters = [.. padded.Parameters.Select(v => v + (float)random.NextDouble(-0.05, 0.05))];
                var (outputRows, followsInput) = OutputRows(stack);
                int[] lengths = [1 + random.NextInt(steps), 1 + random.NextInt(steps), steps];
                float[][] tokens = [.. lengths.Select(l => Enumerable.Range(0, l).Select(_ => (float)(1 + random.NextInt(stack.Vocabulary - 1))).ToArray())];
                float[] batch = [.. tokens.SelectMany(t => t.Concat(Enumerable.Repeat(0f, steps - t.Length)))];
                var y = new float[lengths.Length * outputRows * classes];
                padded.Predict(batch, y, lengths.Length);
                for (int b = 0; b < lengths.Length; b++)
                {
                    IProbe alone = Probe(lengths[b]);
                    alone.Parameters = padded.Parameters;
                    int rows = followsInput ? lengths[b] : outputRows;
                    var expected = new float[rows * classes];
                    alone.Predict(tokens[b], expected, 1);
                    Close(expected, y.AsSpan(b * outputRows * classes, rows * classes).ToArray(), 1e-4, 1e-5, $"Net{i} sample {b} ({lengths[b]} of {steps} tokens)");
                }
            }
            return stacks.Length;
        }
        finally
        {
            compiled.Context?.Unload();
        }
    }

    /// <summary>Output rows per sample, and whether they are the input's steps (no layer collapsed the sequence).</summary>
    private static (int Rows, bool FollowsInput) OutputRows(Stack stack)
    {
        int rows = stack.InputShape[0];
        bool follows = true;
        static bool Collapses(Reference.Layer? layer) => layer switch
        {
            Reference.PoolingLayer => true,
            Reference.RnnLayer { ReturnSequences: false } or Reference.LstmLayer { ReturnSequences: false } or Reference.GruLayer { ReturnSequences: false } => true,
            Reference.BidirectionalLayer b => Collapses(b.Inner),
            _ => false,
        };
        foreach (FuzzLayer layer in stack.Layers)
        {
            if (Collapses(layer.Reference))
            {
                (rows, follows) = (1, false);
            }
            else if (layer.Reference is Reference.RepeatLayer repeat)
            {
                rows = repeat.N;
            }
        }
        return (rows, follows);
    }

    /// <summary>
    /// Each stack beside its <c>Stateful = true</c> twin of input (1, features) with the same weights: the twin fed one
    /// step per call (a batch of 2 streams) gives the whole-sequence network's outputs, step by step or at the end.
    /// </summary>
    private static int CheckStreaming(Stack[] stacks)
    {
        var source = new StringBuilder("using StaticRnn;\nnamespace Fuzz;\n");
        for (int i = 0; i < stacks.Length; i++)
        {
            int steps = stacks[i].InputShape[0], features = stacks[i].InputShape[1];
            source.Append(stacks[i].Declaration("Net" + i));
            source.Append(stacks[i].Declaration("Step" + i).Replace($"[Sequential({steps}, {features})]", $"[Sequential(1, {features}, Stateful = true)]", StringComparison.Ordinal));
            foreach (string name in (string[])[$"Net{i}", $"Step{i}"])
            {
                source.Append(ProbeSource(name, name + "Probe"));
            }
        }
        InMemoryCompiler.Result compiled = InMemoryCompiler.Compile(source.ToString(), emit: true);
        try
        {
            AssertCompiledCleanly(compiled);
            for (int i = 0; i < stacks.Length; i++)
            {
                var whole = (IProbe)Activator.CreateInstance(compiled.Assembly!.GetType($"Fuzz.Net{i}Probe")!)!;
                var step = (IProbe)Activator.CreateInstance(compiled.Assembly!.GetType($"Fuzz.Step{i}Probe")!)!;
                Assert.Equal(whole.ParameterCount, step.ParameterCount);
                var random = new SeededRandom(FuzzRun.StableHash(stacks[i].ToString()));
                whole.Parameters = [.. whole.Parameters.Select(v => v + (float)random.NextDouble(-0.05, 0.05))];
                step.Parameters = whole.Parameters;
                int steps = stacks[i].InputShape[0], features = stacks[i].InputShape[1], classes = stacks[i].Classes;
                const int batch = 2;
                float[] x = [.. Enumerable.Range(0, batch * steps * features).Select(_ => (float)random.NextDouble(-1, 1))];
                bool sequence = stacks[i].Layers.Where(l => l.Reference is Reference.RnnLayer or Reference.LstmLayer or Reference.GruLayer)
                    .All(l => l.Attribute.Contains("ReturnSequences = true", StringComparison.Ordinal));
                var y = new float[batch * (sequence ? steps : 1) * classes];
                whole.Predict(x, y, batch);
                var yt = new float[batch * classes];
                for (int t = 0; t < steps; t++)
                {
                    float[] xt = [.. Enumerable.Range(0, batch).SelectMany(b => x.AsSpan((b * steps + t) * features, features).ToArray())];
                    step.Predict(xt, yt, batch);
                    if (!sequence && t < steps - 1)
                    {
                        continue;
                    }
                    float[] expected = [.. Enumerable.Range(0, batch).SelectMany(b => y.AsSpan((b * (sequence ? steps : 1) + (sequence ? t : 0)) * classes, classes).ToArray())];
                    Close(expected, yt, 1e-4, 1e-5, $"Step{i} output at step {t}");
                }
            }
            return stacks.Length;
        }
        finally
        {
            compiled.Context?.Unload();
        }
    }

    /// <summary>
    /// The first failing stack of a failing compilation, shrunk: each choice of its tape set to 0 or halved while the
    /// stack still fails (choice 0 is always the simpler option), then printed as a declaration with its failure.
    /// </summary>
    private static string Shrink(int[][] tapes)
    {
        string? Failure(int[] tape)
        {
            try
            {
                Check([new StackBuilder(tape).Build()], new Counts());
                return null;
            }
            catch (Exception e)
            {
                return e.Message;
            }
        }
        foreach (int[] original in tapes)
        {
            if (Failure(original) is not { } message)
            {
                continue;
            }
            int[] tape = (int[])original.Clone();
            for (bool smaller = true; smaller;)
            {
                smaller = false;
                for (int i = 0; i < tape.Length; i++)
                {
                    foreach (int candidate in (int[])[0, tape[i] / 2, tape[i] - 1])
                    {
                        if (candidate >= tape[i] || candidate < 0)
                        {
                            continue;
                        }
                        int keep = tape[i];
                        tape[i] = candidate;
                        if (Failure(tape) is { } still)
                        {
                            message = still;
                            smaller = true;
                            break;
                        }
                        tape[i] = keep;
                    }
                }
            }
            return $"Shrunk to:\n{new StackBuilder(tape).Build().Declaration("Net0")}{message}\ntape: [{string.Join(", ", tape)}]";
        }
        return "No stack fails alone: the failure needs the others of its compilation.";
    }

    private static Stack[] Build(int[][] tapes) => [.. tapes.Select(t => new StackBuilder(t).Build())];

    private static string Print(int[][] tapes) => string.Join("\n", Build(tapes).Select((s, i) => s.Declaration("Net" + i)));

    internal sealed class Counts
    {
        public int Networks, Gradients, Compilations;
        public readonly Dictionary<string, int> Kinds = [];

        public override string ToString()
            => $"{Networks} networks in {Compilations} compilations, {Gradients} gradient entries checked; layers: "
               + string.Join(", ", Kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"));
    }

    /// <summary>A probe class for network <paramref name="network"/>: what the checks call, as plain arrays.</summary>
    private static string ProbeSource(string network, string probe) => $$"""
        public sealed class {{probe}} : StaticRnn.Fuzz.Tests.IProbe
        {
            private readonly {{network}} _network = new();
            public int ParameterCount => {{network}}.ParameterCount;
            public string Summary => {{network}}.Summary();
            public float[] Parameters { get => _network.Parameters.ToArray(); set => global::System.MemoryExtensions.CopyTo(value, _network.Parameters); }
            public void Predict(float[] inputs, float[] outputs, int batchSize) => _network.Predict(inputs, outputs, batchSize);
            public float ComputeLoss(float[] inputs, float[] targets, int batchSize) => _network.ComputeLoss(inputs, targets, batchSize);
            public float Gradients(float[] inputs, float[] targets, int batchSize, float[] gradients) => _network.Gradients(inputs, targets, batchSize, gradients);
        }

        """;

    /// <summary>
    /// Valid stacks compile without a generator or analyzer exception, without errors, and without warnings other than
    /// SRNN008 (products past the unrolling budget emitted as loops: information about speed, not a problem).
    /// </summary>
    internal static void AssertCompiledCleanly(InMemoryCompiler.Result compiled)
    {
        Assert.True(compiled.Crashes.Count == 0, "the generator or an analyzer threw:\n" + string.Join("\n", compiled.Crashes));
        Diagnostic[] unexpected = [.. compiled.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "SRNN008")];
        Assert.True(unexpected.Length == 0, "diagnostics on valid stacks:\n" + string.Join("\n", unexpected.Select(d => d.ToString())));
        Assert.NotNull(compiled.Assembly);
    }

    internal static void Check(Stack[] stacks, Counts counts)
    {
        var source = new StringBuilder("using StaticRnn;\nnamespace Fuzz;\n");
        for (int i = 0; i < stacks.Length; i++)
        {
            // Any class a user may write: public or internal, sealed or not.
            source.Append(stacks[i].Declaration("Net" + i).Replace("public partial class", (i % 4) switch
            {
                0 => "public partial class",
                1 => "internal sealed partial class",
                2 => "partial class",
                _ => "public sealed partial class",
            }, StringComparison.Ordinal));
            source.Append(ProbeSource("Net" + i, "Probe" + i));
        }
        InMemoryCompiler.Result compiled = InMemoryCompiler.Compile(source.ToString(), emit: true);
        try
        {
            AssertCompiledCleanly(compiled);
            counts.Compilations++;
            for (int i = 0; i < stacks.Length; i++)
            {
                var probe = (IProbe)Activator.CreateInstance(compiled.Assembly!.GetType($"Fuzz.Probe{i}")!)!;
                CheckOne(stacks[i], probe, i, counts);
                counts.Networks++;
                foreach (FuzzLayer layer in stacks[i].Layers)
                {
                    string kind = layer.Attribute.Split('(')[0];
                    counts.Kinds[kind] = counts.Kinds.GetValueOrDefault(kind) + 1;
                }
            }
        }
        finally
        {
            compiled.Context?.Unload();
        }
    }

    private static void CheckOne(Stack stack, IProbe probe, int index, Counts counts)
    {
        string name = "Net" + index;
        Assert.True(stack.ParameterCount == probe.ParameterCount, $"{name}: ParameterCount {probe.ParameterCount}, Keras counts {stack.ParameterCount}");
        Assert.Contains($"Total params: {stack.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)}", probe.Summary);

        const int batch = 2;
        int inputSize = stack.InputShape.Aggregate(1, (a, b) => a * b);
        var random = new SeededRandom(FuzzRun.StableHash(stack.ToString()));
        float[] inputs = [.. Enumerable.Range(0, batch * inputSize).Select(_ => stack.Vocabulary > 0 ? random.NextInt(stack.Vocabulary) : (float)random.NextDouble(-1, 1))];
        Reference.Layer[] layers = stack.ReferenceLayers;
        Assert.True(probe.Parameters.All(float.IsFinite), $"{name}: initial weights not finite");
        // Keras's initial weights, each moved a little: zero biases would put a ReLU exactly on its kink, where the
        // derivative (0 in Keras) and a finite difference (half the slope) cannot agree.
        probe.Parameters = [.. probe.Parameters.Select(v => v + (float)random.NextDouble(-0.05, 0.05))];
        double[] p = [.. probe.Parameters.Select(v => (double)v)];
        double[][] rows = Reference.Forward(layers, p, inputs.AsSpan(0, inputSize), stack.InputShape);
        int outputSize = rows.Length * rows[0].Length;
        float[] expected = [.. Enumerable.Range(0, batch).SelectMany(s => Reference.Forward(layers, p, inputs.AsSpan(s * inputSize, inputSize), stack.InputShape).SelectMany(r => r)).Select(v => (float)v)];
        var outputs = new float[batch * outputSize];
        probe.Predict(inputs, outputs, batch);
        Close(expected, outputs, 1e-3, 1e-4, $"{name} output");

        float[] targets = Targets(stack, rows.Length, batch, random);
        double loss = Reference.Loss(layers, p, inputs, targets, batch, stack.InputShape, stack.Loss);
        Close([(float)loss], [probe.ComputeLoss(inputs, targets, batch)], 1e-3, 1e-5, $"{name} loss");
        if (stack.Random)
        {
            return; // dropout masks differ per training call
        }
        var gradients = new float[probe.ParameterCount];
        float trained = probe.Gradients(inputs, targets, batch, gradients);
        Close([(float)loss], [trained], 1e-3, 1e-5, $"{name} loss of Gradients");
        // Every entry of small networks, an even spread of 160 of larger ones.
        counts.Gradients += FiniteDifferences.Check(p, gradients, () => Reference.Loss(layers, p, inputs, targets, batch, stack.InputShape, stack.Loss), 160, name);
    }

    private static float[] Targets(Stack stack, int rows, int batch, SeededRandom random)
    {
        int classes = stack.Classes;
        return stack.Loss switch
        {
            Loss.SparseCategoricalCrossentropy => [.. Enumerable.Range(0, batch * rows).Select(_ => (float)random.NextInt(classes))],
            Loss.CategoricalCrossentropy => [.. Enumerable.Range(0, batch * rows).SelectMany(_ => { int c = random.NextInt(classes); return Enumerable.Range(0, classes).Select(k => k == c ? 1f : 0f); })],
            Loss.BinaryCrossentropy => [.. Enumerable.Range(0, batch * rows * classes).Select(_ => (float)random.NextInt(2))],
            _ => [.. Enumerable.Range(0, batch * rows * classes).Select(_ => (float)random.NextDouble(-1, 1))],
        };
    }

    private static void Close(float[] expected, float[] actual, double relative, double absolute, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = absolute + relative * Math.Abs(expected[i]);
            Assert.True(Math.Abs(actual[i] - expected[i]) <= allowed, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
