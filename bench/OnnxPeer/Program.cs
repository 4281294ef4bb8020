// ONNX Runtime CPU peer benchmark for StaticRnn (inference only).
//
// Loads the models that bench/peers/export_onnx.py exported with torch.onnx.export, checks each
// against the PyTorch reference output stored next to it (NAME.check.json), then times
// InferenceSession.RunWithBinding over preallocated, pinned input and output buffers the way
// bench/peers/torch_bench.py times PyTorch: warm-up calls, then rounds of N calls (N calibrated so
// a round lasts about 0.15 s), median microseconds per call. Each model runs with 1 and with 2
// intra-op threads (inter-op 1, sequential execution, ORT_ENABLE_ALL).
//
// Usage: OnnxPeer [--root DIR] [--models DIR] [--out FILE] [--cases a,b,...] [--quick]
//   --root    repository root (default: found by walking up from the program's location)
//   --models  directory of the .onnx and .check.json files (default ROOT/bench/peers/onnx)
//   --out     result file (default ROOT/bench/results/peers-onnx.json)
//   --cases   only these cases (letters a-h)
//   --quick   short smoke run that writes no file

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace OnnxPeer;

internal static class Program
{
    private const int Rounds = 15;
    private const int WarmupCalls = 200;
    private const double RoundTargetSeconds = 0.15;
    private static readonly CaseSpec[] AllCases =
    [
        new("a", 32, "a_b32", "predict", 0),
        new("b", 1, "b_b1", "predict", 0),
        new("b", 32, "b_b32", "predict", 0),
        new("c", 1, "c_b1", "predict", 0),
        new("c", 32, "c_b32", "predict", 0),
        new("d", 64, "d_b64", "predict", 0),
        new("e", 32, "e_b32", "predict", 0),
        new("g", 32, "g_b32", "predict", 0),
        new("h", 1, "h_b1", "predict", 0),
        new("f", 1, "f_h8", "step", 8),
        new("f", 1, "f_h16", "step", 16),
        new("f", 1, "f_h32", "step", 32),
        new("f", 1, "f_h64", "step", 64),
    ];

    private static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (Exception ex) when (ex is CheckFailedException or ArgumentException or FileNotFoundException or DirectoryNotFoundException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    private static int Run(string[] args)
    {
        string? root = null, models = null, output = null, only = null;
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--root": root = NextArg(args, ref i); break;
                case "--models": models = NextArg(args, ref i); break;
                case "--out": output = NextArg(args, ref i); break;
                case "--cases": only = NextArg(args, ref i); break;
                case "--quick": quick = true; break;
                case "-h" or "--help":
                    Console.WriteLine("usage: OnnxPeer [--root DIR] [--models DIR] [--out FILE] [--cases a,b,...] [--quick]");
                    return 0;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }

        root = Path.GetFullPath(root ?? FindRepoRoot());
        models = Path.GetFullPath(models ?? Path.Combine(root, "bench", "peers", "onnx"));
        output = Path.GetFullPath(output ?? Path.Combine(root, "bench", "results", "peers-onnx.json"));
        if (!Directory.Exists(models))
        {
            throw new DirectoryNotFoundException($"no model directory {models}: run bench/peers/export_onnx.py (or bench/peers/run-onnx.sh) first");
        }

        var cases = AllCases;
        if (only is not null)
        {
            var wanted = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            cases = [.. AllCases.Where(c => wanted.Contains(c.Case))];
            if (cases.Length == 0)
            {
                throw new ArgumentException($"--cases '{only}' selects nothing (cases are a-f)");
            }
        }

        var (rounds, warmup, target) = quick ? (3, 20, 0.02) : (Rounds, WarmupCalls, RoundTargetSeconds);

        string ortVersion = OrtEnv.Instance().GetVersionString();
        string cpu = CpuModel();
        Console.WriteLine($"onnxruntime {ortVersion} (Microsoft.ML.OnnxRuntime), .NET {Environment.Version}");
        Console.WriteLine($"CPU: {cpu}, Environment.ProcessorCount={Environment.ProcessorCount}");
        double[] loadStart = LoadAverage();
        Console.WriteLine($"load average at start: {FormatLoad(loadStart)}");

        var rows = new List<Row>();
        foreach (var spec in cases)
        {
            var check = CheckData.Load(Path.Combine(models, spec.File + ".check.json"));
            var row = new Row(spec);
            foreach (int threads in (int[])[1, 2])
            {
                using var bench = ModelBench.Create(Path.Combine(models, spec.File + ".onnx"), threads, new CaseSpecView(spec.File, spec.Op, spec.Hidden), check);
                double diff;
                try
                {
                    diff = bench.Verify();
                }
                catch (CheckFailedException ex)
                {
                    throw new CheckFailedException($"CHECK FAILED for {spec.File}.onnx with {threads} intra-op thread(s): {ex.Message}");
                }
                var m = Measure(bench.Call, rounds, warmup, target);
                row.Set(threads, m);
                Console.WriteLine(
                    $"  case {spec.Case} batch {spec.Batch,2} {spec.Label,-9} threads={threads}: {m.MedianUs,10:F2} us" +
                    $"  (rounds {m.MinUs:F1}..{m.MaxUs:F1}; {rounds} rounds x {m.CallsPerRound} calls;" +
                    $" check max|diff| {diff:E1}; managed alloc {m.AllocBytesPerCall:F1} B/call)");
            }
            rows.Add(row);
        }

        double[] loadEnd = LoadAverage();
        string method =
            $"median over {rounds} rounds of N calls (N calibrated so a round lasts ~{Fmt(target)}s), after {warmup} warm-up calls; " +
            "System.Diagnostics.Stopwatch; float32; InferenceSession.RunWithBinding over an OrtIoBinding of preallocated " +
            "OrtValues on pinned managed arrays (inputs constant; for step, the h/c outputs of one call are the inputs of " +
            "the next via ping-pong buffers); SessionOptions: GraphOptimizationLevel ORT_ENABLE_ALL, ORT_SEQUENTIAL, " +
            "InterOpNumThreads 1, IntraOpNumThreads 1 or 2, CPU execution provider; models exported by torch.onnx.export " +
            "(TorchScript exporter, opset 14, fixed shapes) and checked against PyTorch's output (max abs diff <= 1e-4)";

        if (!quick)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            File.WriteAllText(output, ToJson(ortVersion, cpu, method, loadStart, loadEnd, rows));
            Console.WriteLine();
            Console.WriteLine($"wrote {Path.GetRelativePath(Environment.CurrentDirectory, output)}");
        }

        Console.WriteLine();
        Console.WriteLine($"load average at end: {FormatLoad(loadEnd)}");
        Console.WriteLine();
        Console.WriteLine($"ONNX Runtime {ortVersion} CPU, float32, median us per call");
        Console.WriteLine();
        Console.WriteLine("| case | batch | op | hidden | 1 thread (us) | 2 threads (us) | best (us) |");
        Console.WriteLine("|------|------:|----|-------:|--------------:|---------------:|----------:|");
        foreach (var r in rows)
        {
            string hidden = r.Spec.Hidden > 0 ? r.Spec.Hidden.ToString(CultureInfo.InvariantCulture) : "";
            Console.WriteLine(
                $"| {r.Spec.Case} | {r.Spec.Batch} | {r.Spec.Op} | {hidden} | {Fmt2(r.One.MedianUs)} | {Fmt2(r.Two.MedianUs)} | {Fmt2(r.BestUs)} |");
        }
        return 0;
    }

    private static string NextArg(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new ArgumentException($"{args[i]} needs a value");
        }
        return args[++i];
    }

    /// <summary>Walks up from the program's directory, then from the working directory, to the directory holding bench/peers/export_onnx.py.</summary>
    private static string FindRepoRoot()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "bench", "peers", "export_onnx.py")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new DirectoryNotFoundException("cannot find the repository root (a directory with bench/peers/export_onnx.py); pass --root");
    }

    // ----------------------------------------------------------------------------------------
    // Timing
    // ----------------------------------------------------------------------------------------

    private static Measurement Measure(Action call, int rounds, int warmup, double targetSeconds)
    {
        for (int i = 0; i < warmup; i++)
        {
            call();
        }

        // Calibrate calls per round so that one round lasts about targetSeconds.
        long n = 1;
        double dt;
        while (true)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (long i = 0; i < n; i++)
            {
                call();
            }
            dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (dt >= targetSeconds / 4 || n >= 1 << 20)
            {
                break;
            }
            n *= 2;
        }
        n = Math.Max(1, (long)(n * targetSeconds / Math.Max(dt, 1e-9)));

        var perCallUs = new double[rounds];
        long alloc0 = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < rounds; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (long i = 0; i < n; i++)
            {
                call();
            }
            perCallUs[r] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / n;
        }
        long alloc = GC.GetAllocatedBytesForCurrentThread() - alloc0;
        return new Measurement(Median(perCallUs), perCallUs.Min(), perCallUs.Max(), n, (double)alloc / (rounds * n));
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    // ----------------------------------------------------------------------------------------
    // Environment description
    // ----------------------------------------------------------------------------------------

    private static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':') + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return "unknown";
    }

    private static double[] LoadAverage()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return [.. parts.Take(3).Select(p => double.Parse(p, CultureInfo.InvariantCulture))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return [];
        }
    }

    private static string FormatLoad(double[] load) => string.Join(' ', load.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)));

    private static string Fmt(double v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Fmt2(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

    private static double R2(double v) => Math.Round(v, 2);

    private static string ToJson(string ortVersion, string cpu, string method, double[] loadStart, double[] loadEnd, List<Row> rows)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("onnxruntime_version", ortVersion);
            w.WriteString("cpu", cpu);
            w.WriteString("date", DateTime.Now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            w.WriteString("method", method);
            WriteNumbers(w, "loadavg_start", loadStart);
            WriteNumbers(w, "loadavg_end", loadEnd);
            w.WriteStartArray("cases");
            foreach (var r in rows)
            {
                w.WriteStartObject();
                w.WriteString("case", r.Spec.Case);
                w.WriteNumber("batch", r.Spec.Batch);
                w.WriteString("op", r.Spec.Op);
                if (r.Spec.Hidden > 0)
                {
                    w.WriteNumber("hidden", r.Spec.Hidden);
                }
                w.WriteNumber("us_1thread", R2(r.One.MedianUs));
                WriteNumbers(w, "rounds_min_max_1", [r.One.MinUs, r.One.MaxUs]);
                w.WriteNumber("calls_per_round_1", r.One.CallsPerRound);
                w.WriteNumber("us_2threads", R2(r.Two.MedianUs));
                WriteNumbers(w, "rounds_min_max_2", [r.Two.MinUs, r.Two.MaxUs]);
                w.WriteNumber("calls_per_round_2", r.Two.CallsPerRound);
                w.WriteNumber("us_best", R2(r.BestUs));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteNumbers(Utf8JsonWriter w, string name, double[] values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            w.WriteNumberValue(R2(v));
        }
        w.WriteEndArray();
    }

    private sealed record CaseSpec(string Case, int Batch, string File, string Op, int Hidden)
    {
        public string Label => Hidden > 0 ? $"{Op} h={Hidden}" : Op;
    }

    private readonly record struct Measurement(double MedianUs, double MinUs, double MaxUs, long CallsPerRound, double AllocBytesPerCall);

    private sealed class Row(CaseSpec spec)
    {
        public CaseSpec Spec { get; } = spec;
        public Measurement One { get; private set; }
        public Measurement Two { get; private set; }
        public double BestUs => Math.Min(R2(One.MedianUs), R2(Two.MedianUs));

        public void Set(int threads, Measurement m)
        {
            if (threads == 1)
            {
                One = m;
            }
            else
            {
                Two = m;
            }
        }
    }
}

internal sealed class CheckFailedException(string message) : Exception(message);
