using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using StaticRnn.Analyzers;
using StaticRnn.CodeFixes;

namespace StaticRnn.Analyzers.Tests;

/// <summary>
/// Test harness: the analyzer (and code fix) over sources that reference the StaticRnn runtime. References come from
/// the running .NET itself, so no reference-assembly package is downloaded. SRNN100 (the info summary) is off unless
/// a test asks for it, so every other test states exactly the diagnostics it expects.
/// </summary>
internal static class Verify
{
    private static readonly MetadataReference[] s_references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator)
        .Where(p => Path.GetFileName(p) is var n && (n.StartsWith("System.", StringComparison.Ordinal) || n is "netstandard.dll" or "mscorlib.dll"))
        .Append(typeof(SequentialAttribute).Assembly.Location)
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToArray();

    public const string Usings = "using StaticRnn;\n";

    public static async Task Analyzer(string source, bool withSummary = false, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<NetworkAnalyzer, DefaultVerifier>
        {
            TestCode = Usings + source,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.TestState.AdditionalReferences.AddRange(s_references);
        if (!withSummary)
        {
            test.DisabledDiagnostics.Add("SRNN100");
        }
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    public static async Task CodeFix(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new CSharpCodeFixTest<NetworkAnalyzer, NetworkCodeFixProvider, DefaultVerifier>
        {
            TestCode = Usings + source,
            FixedCode = Usings + fixedSource,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.TestState.AdditionalReferences.AddRange(s_references);
        test.FixedState.AdditionalReferences.AddRange(s_references);
        test.DisabledDiagnostics.Add("SRNN100");
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }
}
