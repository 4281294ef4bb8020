using System.Diagnostics;

namespace StaticRnn.Samples.SensorFleet;

/// <summary>A silo in a child process (this program with the <c>silo</c> command); its output goes to a log file.</summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StreamWriter _log;
    private readonly string _logPath;

    private SiloProcess(int number, Process process, string logPath)
    {
        Number = number;
        _process = process;
        _logPath = logPath;
        _log = new StreamWriter(logPath) { AutoFlush = true };
    }

    public int Number { get; }

    public int Pid => _process.Id;

    public static SiloProcess Start(int number, string redis, string cluster, string weightsPath, string folder)
    {
        // The silo is this assembly run by the same dotnet host (dotnet SensorFleet.dll silo ...), also when the fleet
        // is started from a test.
        string dll = typeof(SiloProcess).Assembly.Location;
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            ArgumentList =
            {
                "exec", dll, "silo", "--redis", redis, "--cluster", cluster, "--port", RedisServer.FreePort().ToString(),
                "--gateway", RedisServer.FreePort().ToString(), "--weights", weightsPath,
            },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"silo {number} did not start.");
        var silo = new SiloProcess(number, process, Path.Combine(folder, $"silo{number}.log"));
        process.OutputDataReceived += (_, e) => silo.Line(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => silo._ready.TrySetException(new InvalidOperationException($"silo {number} exited with code {process.ExitCode} before it was ready."));
        return silo;
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.WriteLine(line);
        }
        if (line == FleetSilo.Ready)
        {
            _ready.TrySetResult();
        }
    }

    public async Task WaitReady(TimeSpan timeout)
    {
        Task first = await Task.WhenAny(_ready.Task, Task.Delay(timeout));
        if (first != _ready.Task)
        {
            throw new TimeoutException($"silo {Number} was not ready within {timeout.TotalSeconds:0} s.");
        }
        await _ready.Task;
    }

    /// <summary>SIGKILL: no goodbye to the cluster, as when a machine dies.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>A graceful stop: standard input closes and the silo leaves the cluster.</summary>
    public void Stop()
    {
        if (_process.HasExited)
        {
            return;
        }
        _process.StandardInput.Close();
        if (!_process.WaitForExit(15_000))
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public string LogTail()
    {
        lock (_log)
        {
            _log.Flush();
            string[] lines = File.ReadAllLines(_logPath);
            return string.Join(Environment.NewLine, lines.TakeLast(40));
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
