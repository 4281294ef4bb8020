using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using StaticRnn.Generator;

namespace StaticRnn.GeneratorBenchmarks;

/// <summary>
/// The generator as the IDE runs it: a warm <see cref="CSharpGeneratorDriver"/> (the JIT has compiled the generator,
/// the driver holds the previous run's cached steps) asked to run again after an edit. Three edits:
/// <list type="bullet">
/// <item>the seed model's layer size changes, so its one network is parsed, built and emitted again;</item>
/// <item>every network of a 20-network project changes, so all 20 are regenerated (divide by 20 for one network);</item>
/// <item>a file without networks changes in that project, so every network step must come from the cache.</item>
/// </list>
/// Each benchmark alternates between two versions of the edited text, so every call is a real edit.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private const string SeedModel = """
        using StaticRnn;
        namespace Demo;
        [Sequential(10, 8)]
        [SimpleRnn(5, ReturnSequences = true)]
        [SimpleRnn(3)]
        [Dense(SIZE)]
        public partial class SeedModel;
        """;

    /// <summary>The layer stacks of the 20-network project: every generated layer kind once or more.</summary>
    private static readonly string[] s_networks =
    [
        "[Sequential(10, 8)] [SimpleRnn(5, ReturnSequences = true)] [SimpleRnn(3)] [Dense(SIZE)]",
        "[Sequential(8)] [Dense(SIZE, Activation = Activation.Relu)] [Dense(3)]",
        "[Sequential(6, 4, Loss = Loss.BinaryCrossentropy)] [SimpleRnn(4, Activation = Activation.Relu, ReturnSequences = true, GoBackwards = true)] [Dense(SIZE, Activation = Activation.Sigmoid)]",
        "[Sequential(5, 3, Loss = Loss.SparseCategoricalCrossentropy)] [SimpleRnn(6, UseBias = false)] [Dense(SIZE, Activation = Activation.Softmax)]",
        "[Sequential(3, 11)] [SimpleRnn(13)] [Dense(9, Activation = Activation.Tanh)] [Dense(SIZE)]",
        "[Sequential(6, 4)] [Lstm(5, ReturnSequences = true)] [Lstm(3, GoBackwards = true)] [Dense(SIZE)]",
        "[Sequential(10, 8)] [Lstm(32)] [Dense(SIZE)]",
        "[Sequential(6, 5)] [PositionEmbedding] [TransformerEncoder(1, 4, 7, NormalizeFirst = true, DropoutRate = 0)] [Dense(SIZE)]",
        "[Sequential(6, 4, Loss = Loss.BinaryCrossentropy)] [Gru(7, ResetAfter = false, ReturnSequences = true)] [Dense(SIZE, Activation = Activation.Sigmoid)]",
        "[Sequential(10, 8)] [Gru(32)] [Dense(SIZE)]",
        "[Sequential(5, 3)] [Lstm(4, Bidirectional = true, ReturnSequences = true)] [Dense(SIZE)]",
        "[Sequential(6, 4, Loss = Loss.SparseCategoricalCrossentropy)] [Lstm(5, Bidirectional = true, Merge = MergeMode.Sum)] [Dense(SIZE, Activation = Activation.Softmax)]",
        "[Sequential(4, 3, Loss = Loss.BinaryCrossentropy)] [Gru(6, ResetAfter = false, Bidirectional = true, Merge = MergeMode.Mul, ReturnSequences = true)] [Dense(SIZE, Activation = Activation.Sigmoid)]",
        "[Sequential(8, Loss = Loss.BinaryCrossentropy)] [Embedding(6, 5)] [Lstm(4)] [Dense(SIZE, Activation = Activation.Sigmoid)]",
        "[Sequential(6, Loss = Loss.SparseCategoricalCrossentropy)] [Embedding(9, 4)] [Gru(3, Bidirectional = true, ReturnSequences = true)] [GlobalAveragePooling1D] [Dense(SIZE, Activation = Activation.Softmax)]",
        "[Sequential(6, 4, Stateful = true)] [Dropout(0.3)] [Lstm(5, ReturnSequences = true)] [Dropout(0.2)] [Gru(3)] [Dense(SIZE)]",
        "[Sequential(100, Loss = Loss.BinaryCrossentropy)] [Embedding(10000, 64)] [Lstm(64)] [Dense(SIZE, Activation = Activation.Sigmoid)]",
        "[Sequential(64, 64)] [MultiHeadAttention(4, 16, Causal = true)] [Attention(UseScale = true)] [Dense(SIZE)]",
        "[Sequential(200, Loss = Loss.SparseCategoricalCrossentropy)] [TokenAndPositionEmbedding(20000, 200, 32)] [TransformerEncoder(2, 32, 32)] [GlobalAveragePooling1D] [Dropout(0.1)] [Dense(20, Activation = Activation.Relu)] [Dropout(0.1)] [Dense(SIZE, Activation = Activation.Softmax)]",
        "[Sequential(7, 12)] [Lstm(128)] [RepeatVector(4)] [Lstm(128, ReturnSequences = true)] [LayerNormalization] [Dense(SIZE, Activation = Activation.Softmax)]",
    ];

    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.Latest);
    private static readonly MetadataReference[] s_references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator)
        .Where(p => Path.GetFileName(p) is var n && (n.StartsWith("System.", StringComparison.Ordinal) || n is "netstandard.dll" or "mscorlib.dll"))
        .Append(typeof(SequentialAttribute).Assembly.Location)
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToArray();

    private GeneratorDriver _seedDriver = null!, _projectDriver = null!, _unrelatedDriver = null!;
    private CSharpCompilation[] _seed = null!, _project = null!, _unrelated = null!;
    private int _seedTurn, _projectTurn, _unrelatedTurn;

    [GlobalSetup]
    public void Setup()
    {
        _seed = [Compile([SeedModel.Replace("SIZE", "10")]), Compile([SeedModel.Replace("SIZE", "11")])];
        string[] Project(string size) => s_networks.Select((n, i) => $"using StaticRnn;\nnamespace Demo;\n{n.Replace("SIZE", size)}\npublic partial class Net{i};").ToArray();
        _project = [Compile(Project("2")), Compile(Project("3"))];
        CSharpCompilation baseProject = _project[0];
        SyntaxTree helper = CSharpSyntaxTree.ParseText("namespace Demo; public static class Helper { public static int Value => 1; }", s_parse, "Helper.cs");
        _unrelated =
        [
            baseProject.AddSyntaxTrees(helper),
            baseProject.AddSyntaxTrees(helper.WithChangedText(SourceText.From("namespace Demo; public static class Helper { public static int Value => 2; }"))),
        ];
        _seedDriver = Warm(_seed);
        _projectDriver = Warm(_project);
        _unrelatedDriver = Warm(_unrelated);
    }

    /// <summary>One network regenerated after an edit that changes its shape.</summary>
    [Benchmark]
    public GeneratorDriver SeedModelEdit() => _seedDriver = _seedDriver.RunGenerators(_seed[++_seedTurn & 1]);

    /// <summary>All 20 networks of a project regenerated (each one edited).</summary>
    [Benchmark]
    public GeneratorDriver TwentyNetworksEdited() => _projectDriver = _projectDriver.RunGenerators(_project[++_projectTurn & 1]);

    /// <summary>An edit in a file without networks: every network comes from the cache.</summary>
    [Benchmark]
    public GeneratorDriver UnrelatedEdit() => _unrelatedDriver = _unrelatedDriver.RunGenerators(_unrelated[++_unrelatedTurn & 1]);

    private static CSharpCompilation Compile(string[] sources) => CSharpCompilation.Create(
        "GeneratorBenchmark",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, s_parse, $"Net{i}.cs")),
        s_references,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

    /// <summary>A driver that has run both versions a few times, and checks each produced every network's file.</summary>
    private static GeneratorDriver Warm(CSharpCompilation[] versions)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new RnnGenerator().AsSourceGenerator()], parseOptions: s_parse);
        for (int i = 0; i < 10; i++)
        {
            driver = driver.RunGenerators(versions[i & 1]);
        }
        GeneratorDriverRunResult result = driver.GetRunResult();
        int networks = versions[0].SyntaxTrees.Count(t => t.ToString().Contains("[Sequential(", StringComparison.Ordinal));
        if (result.GeneratedTrees.Length != networks || result.Diagnostics.Length != 0)
        {
            throw new InvalidOperationException($"expected {networks} generated files and no diagnostics, got {result.GeneratedTrees.Length} and {string.Join("; ", result.Diagnostics)}");
        }
        return driver;
    }
}
