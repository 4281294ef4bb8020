using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace StaticRnn.Generator.Tests;

/// <summary>
/// Runs where .NET runs: samples/Streaming published with NativeAOT (no trimming or AOT warnings) prints what the JIT
/// build prints (losses, RMSE), timings aside. The generated code and the runtime use no reflection.
/// </summary>
public sealed partial class NativeAotTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("staticrnn-aot-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheStreamingSamplePublishedWithNativeAotPrintsWhatTheJitBuildPrints()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "StaticRnn.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("StaticRnn.sln not found above the test assembly");
        }
        string project = Path.Combine(root, "samples", "Streaming", "Streaming.csproj"), published = Path.Combine(_dir, "native");
        // gcc links here (Debian's clang is not installed); NativeAot=true is the sample's switch for PublishAot.
        var (code, text) = DotnetCli.Run(_dir, output, null, "publish", project, "-c", "Release", "-r", "linux-x64", "-p:NativeAot=true", "-p:CppCompilerAndLinker=gcc", "-o", published);
        Assert.Equal(0, code);
        Assert.DoesNotMatch(@"warning (IL|AOT)\d+", text);
        string native = Run(Path.Combine(published, "Streaming"));
        string jit = Run("dotnet", "run", "-c", "Release", "--project", project);
        Assert.Contains("next-sample RMSE", native);
        Assert.Equal(WithoutTimings(jit), WithoutTimings(native));
    }

    private string Run(string file, params string[] args)
    {
        var (code, standardOutput, _) = DotnetCli.RunProgram(file, _dir, output, null, TimeSpan.FromMinutes(3), args);
        Assert.Equal(0, code);
        return standardOutput;
    }

    /// <summary>The output with the per-epoch milliseconds and the streaming speed taken out.</summary>
    private static string WithoutTimings(string text) => Timings().Replace(text.ReplaceLineEndings("\n"), "");

    [GeneratedRegex(@" - \d+ ms(?=\n)| one call each: [^\n]*")]
    private static partial Regex Timings();
}
