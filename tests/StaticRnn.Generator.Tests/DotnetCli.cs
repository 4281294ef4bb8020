using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace StaticRnn.Generator.Tests;

/// <summary>Runs the real <c>dotnet</c> CLI (or a program it built) in a folder of its own, as a user would, and returns its exit code and output.</summary>
internal static class DotnetCli
{
    public static (int ExitCode, string Output) Run(string directory, ITestOutputHelper output, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var (code, standardOutput, standardError) = RunProgram("dotnet", directory, output, environment, TimeSpan.FromMinutes(5), args);
        return (code, standardOutput + standardError);
    }

    /// <summary>Runs <paramref name="file"/> outside the test host's MSBuild and VSTest variables; fails the test when it outlives <paramref name="timeout"/>.</summary>
    public static (int ExitCode, string StandardOutput, string StandardError) RunProgram(string file, string directory, ITestOutputHelper output,
        IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        // The test host runs under MSBuild/VSTest variables that must not leak into a separate build.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish in {timeout.TotalMinutes:0} minutes");
        }
        output.WriteLine(stdout.Result + stderr.Result);
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
