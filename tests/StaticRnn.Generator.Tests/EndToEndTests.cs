using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace StaticRnn.Generator.Tests;

/// <summary>
/// A user project outside this repository, built with the real SDK: the runtime as a reference, the generator and the
/// analyzers as analyzers (what the NuGet package gives a user). A rank error stops the build with SRNN002 and its
/// fix; the corrected project builds warning-free and runs.
/// </summary>
public sealed class EndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("staticrnn-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Broken = """
        using StaticRnn;

        Console.WriteLine(Detector.Summary());

        [Sequential(10, 8)]
        [SimpleRnn(5)]
        [SimpleRnn(3)]
        [Dense(1, Activation = Activation.Sigmoid)]
        public partial class Detector;
        """;

    [Fact]
    public void RankErrorFailsTheBuildAndTheFixedProjectRuns()
    {
        string bin = AppContext.BaseDirectory;
        File.WriteAllText(Path.Combine(_dir, "User.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="StaticRnn" HintPath="{Path.Combine(bin, "StaticRnn.dll")}" />
                <Analyzer Include="{Path.Combine(bin, "StaticRnn.Generator.dll")}" />
                <Analyzer Include="{Path.Combine(bin, "StaticRnn.Analyzers.dll")}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(_dir, "Program.cs"), Broken);
        var (code, text) = Dotnet("build", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        Assert.NotEqual(0, code);
        Assert.Contains("error SRNN002: Layer 2 'simple_rnn_1' (SimpleRNN) expects a 3-D input (batch, timesteps, features) but layer 1 'simple_rnn' (SimpleRNN) outputs (None, 5)", text);
        Assert.Contains("set ReturnSequences = true on layer 1", text);
        // The generator stays silent on the invalid network: no cascade of errors from half-generated code.
        Assert.DoesNotContain(".g.cs", text);

        File.WriteAllText(Path.Combine(_dir, "Program.cs"), Broken.Replace("[SimpleRnn(5)]", "[SimpleRnn(5, ReturnSequences = true)]"));
        (code, text) = Dotnet("run", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        Assert.Equal(0, code);
        Assert.Contains("Total params: 101 (404.00 B)", text);
    }

    private (int ExitCode, string Output) Dotnet(params string[] args) => DotnetCli.Run(_dir, output, null, args);
}
