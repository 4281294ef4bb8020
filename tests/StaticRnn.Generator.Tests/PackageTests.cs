using Xunit;
using Xunit.Abstractions;

namespace StaticRnn.Generator.Tests;

/// <summary>
/// The package path as a user meets it: the runtime project and the side packages packed into a local feed, then a
/// fresh console project in a folder outside the repository with nothing but PackageReferences (its own NuGet cache, so
/// no earlier copy of a package is used) declares, summarizes, trains and exports a network to ONNX.
/// </summary>
public sealed class PackageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("staticrnn-package-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void APackedProjectOutsideTheRepositoryTrainsANetwork()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "StaticRnn.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("StaticRnn.sln not found above the test assembly");
        }
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        string feed = Path.Combine(_dir, "feed"), app = Path.Combine(_dir, "app");
        Directory.CreateDirectory(app);
        var (code, text) = DotnetCli.Run(_dir, output, null, "pack", Path.Combine(root, "runtime", "StaticRnn.csproj"), "-c", configuration, "--no-build", "-o", feed);
        Assert.Equal(0, code);
        Assert.DoesNotContain("warning", text, StringComparison.OrdinalIgnoreCase);
        Assert.True(File.Exists(Path.Combine(feed, "StaticRnn.0.1.0.nupkg")));
        Assert.True(File.Exists(Path.Combine(feed, "StaticRnn.0.1.0.snupkg")));
        // The side packages beside it, packed the same way.
        foreach (string side in new[] { "StaticRnn.Onnx", "StaticRnn.Plots" })
        {
            (code, text) = DotnetCli.Run(_dir, output, null, "pack", Path.Combine(root, side, side + ".csproj"), "-c", configuration, "--no-build", "-o", feed);
            Assert.Equal(0, code);
            Assert.DoesNotContain("warning", text, StringComparison.OrdinalIgnoreCase);
            Assert.True(File.Exists(Path.Combine(feed, side + ".0.1.0.nupkg")), side);
        }

        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <add key="staticrnn-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "App.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="StaticRnn" Version="0.1.0" />
                <PackageReference Include="StaticRnn.Onnx" Version="0.1.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using StaticRnn;
            using StaticRnn.Onnx;

            Console.Write(Detector.Summary());
            var r = new SeededRandom(1);
            var x = new float[64 * Detector.InputSize];
            var y = new float[64 * Detector.TargetSize];
            for (int i = 0; i < x.Length; i++) x[i] = (float)r.NextDouble(-1, 1);
            for (int i = 0; i < 64; i++) y[i] = x[i * Detector.InputSize] > 0 ? 1 : 0;
            var net = new Detector();
            History h = net.Fit(x, y, epochs: 30, batchSize: 16, optimizer: new Adam(0.01f), verbose: 0);
            Console.WriteLine($"first loss {h.Loss[0]:0.0000}, last loss {h.Loss[^1]:0.0000}");
            net.ExportOnnx("detector.onnx");
            Console.WriteLine($"onnx {new FileInfo("detector.onnx").Length} bytes");

            [Sequential(10, 8, Loss = Loss.BinaryCrossentropy)]
            [Lstm(8, ReturnSequences = true)]
            [Gru(4)]
            [Dense(1, Activation = Activation.Sigmoid)]
            public partial class Detector;
            """);
        var cache = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_dir, "nuget-cache") };
        (code, text) = DotnetCli.Run(app, output, cache, "run", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        Assert.Equal(0, code);
        Assert.Contains("Total params: 717 (2.80 KB)", text);
        var onnx = System.Text.RegularExpressions.Regex.Match(text, @"onnx (\d+) bytes");
        Assert.True(onnx.Success && int.Parse(onnx.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 717 * 4, text); // every weight in it
        var match = System.Text.RegularExpressions.Regex.Match(text, @"first loss (\d+\.\d+), last loss (\d+\.\d+)");
        Assert.True(match.Success, text);
        Assert.True(double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) < double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), "training lowered the loss");
    }
}
