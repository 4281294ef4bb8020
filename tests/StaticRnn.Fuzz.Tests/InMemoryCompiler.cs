using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace StaticRnn.Fuzz.Tests;

/// <summary>What the fuzzer calls on a compiled network (implemented by a probe class compiled beside it).</summary>
public interface IProbe
{
    int ParameterCount { get; }
    string Summary { get; }
    float[] Parameters { get; set; }
    void Predict(float[] inputs, float[] outputs, int batchSize);
    float ComputeLoss(float[] inputs, float[] targets, int batchSize);
    float Gradients(float[] inputs, float[] targets, int batchSize, float[] gradients);
}

/// <summary>
/// Compiles user code as the compiler would for a project with the StaticRnn package: the generator, then the
/// analyzers, then C#; collects every diagnostic, including a generator's or analyzer's own exception (CS8785, AD0001),
/// and loads the result into a collectible context.
/// </summary>
public static class InMemoryCompiler
{
    private static readonly MetadataReference[] s_references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator)
        .Where(p => Path.GetFileName(p) is var n && (n.StartsWith("System.", StringComparison.Ordinal) || n is "netstandard.dll" or "mscorlib.dll"))
        .Append(typeof(SequentialAttribute).Assembly.Location)
        .Append(typeof(IProbe).Assembly.Location)
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToArray();

    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<DiagnosticAnalyzer> s_analyzers = [.. typeof(StaticRnn.Analyzers.NetworkAnalyzer).Assembly.GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)];

    public sealed record Result(ImmutableArray<Diagnostic> Diagnostics, Assembly? Assembly, IReadOnlyList<string> Crashes, AssemblyLoadContext? Context = null);

    /// <summary>The files the generator writes for <paramref name="source"/> (for reading a failing case's code).</summary>
    public static IReadOnlyList<(string Name, string Text)> Generated(string source)
    {
        CSharpCompilation compilation = CSharpCompilation.Create("Fuzz", [CSharpSyntaxTree.ParseText(source, s_parse, path: "Fuzz.cs")], s_references);
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new StaticRnn.Generator.RnnGenerator().AsSourceGenerator()], parseOptions: s_parse).RunGenerators(compilation);
        return [.. driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString()))];
    }

    /// <summary>Runs generator, analyzers and compiler over <paramref name="source"/>; emits and loads it when it has no errors.</summary>
    public static Result Compile(string source, bool emit)
    {
        var crashes = new List<string>();
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Fuzz" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source, s_parse, path: "Fuzz.cs")],
            s_references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new StaticRnn.Generator.RnnGenerator().AsSourceGenerator()], parseOptions: s_parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        foreach (GeneratorRunResult run in driver.GetRunResult().Results)
        {
            if (run.Exception is not null)
            {
                crashes.Add($"generator: {run.Exception}");
            }
        }
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), (e, analyzer, d) => crashes.Add($"{analyzer.GetType().Name}: {e}"),
            concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> analyzerDiagnostics = output.WithAnalyzers(s_analyzers, options).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        ImmutableArray<Diagnostic> all = generatorDiagnostics.AddRange(output.GetDiagnostics()).AddRange(analyzerDiagnostics);
        crashes.AddRange(all.Where(d => d.Id is "CS8785" or "AD0001").Select(d => d.ToString()));
        if (!emit || all.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            return new Result(all, null, crashes);
        }
        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        if (!emitted.Success)
        {
            return new Result(all.AddRange(emitted.Diagnostics), null, crashes);
        }
        stream.Position = 0;
        var context = new AssemblyLoadContext(compilation.AssemblyName, isCollectible: true);
        return new Result(all, context.LoadFromStream(stream), crashes, context);
    }
}
