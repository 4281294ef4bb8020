using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace StaticRnn.Samples.SensorFleet;

/// <summary>
/// A private Redis for one run: Debian's redis-server on a free loopback port, its files in a temporary folder,
/// stopped (and the folder deleted) on dispose. Redis holds the cluster's membership and every grain's state.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private RedisServer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The connection string for StackExchange.Redis.</summary>
    public string Connection => $"127.0.0.1:{Port}";

    /// <summary>Starts redis-server; throws with what to install when it is not on the PATH.</summary>
    public static RedisServer Start()
    {
        string? server = FindOnPath("redis-server")
            ?? throw new InvalidOperationException("redis-server was not found on the PATH. Install it (Debian: apt-get install redis-server) or pass --redis HOST:PORT of a running Redis.");
        string folder = Directory.CreateTempSubdirectory("sensorfleet-redis-").FullName;
        int port = FreePort();
        var start = new ProcessStartInfo(server)
        {
            // In memory only: the silos come and go, Redis stays for the run.
            ArgumentList = { "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", folder, "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new RedisServer(process, folder, port);
        var deadline = Stopwatch.StartNew();
        while (!Answers(port))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                redis.Dispose();
                throw new InvalidOperationException($"redis-server did not answer on port {port} within 20 s.");
            }
            Thread.Sleep(50);
        }
        return redis;
    }

    /// <summary>A TCP port that was free a moment ago on the loopback interface.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // left for the system's temporary-file cleaning
        }
    }

    private static bool Answers(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            using NetworkStream stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var reply = new byte[7];
            int read = stream.Read(reply);
            return reply.AsSpan(0, read).StartsWith("+PONG"u8);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string? FindOnPath(string name)
    {
        string[] folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Concat(["/usr/bin", "/usr/local/bin", "/usr/sbin"]).ToArray();
        return folders.Select(f => Path.Combine(f, name)).FirstOrDefault(File.Exists);
    }
}
