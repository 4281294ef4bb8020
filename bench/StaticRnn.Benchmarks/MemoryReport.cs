using System.Globalization;
using System.Text;
using System.Text.Json;
using StaticRnn.Kernels;

namespace StaticRnn.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/StaticRnn.Benchmarks -- --memory</c>: the bytes each training case's network
/// holds once it has trained (managed bytes allocated by constructing it and an Adam optimizer and running one
/// TrainStep at the benchmark's batch: parameters, gradients, optimizer slots, tapes, per-shard scratch), beside
/// PyTorch's peak resident-memory growth for the same case when bench/results/peers-torch-memory.json exists
/// (<c>python3 bench/peers/torch_bench.py --memory</c>). Writes bench/results/memory.md.
/// </summary>
public static class MemoryReport
{
    private sealed record Row(string Case, int Batch, int Parameters, long Bytes);

    public static void Run(string resultsDirectory)
    {
        // The shard workers and the types' static tables are created before the first measurement.
        Measure<SeedModel>("warm-up", 128);
        var rows = new List<Row>
        {
            Measure<SeedModel>("a", 32),
            Measure<LstmCase>("b", 32),
            Measure<GruCase>("c", 32),
            Measure<LstmLargeCase>("d", 64),
            Measure<EmbeddingLstmCase>("e", 32),
            Measure<TransformerClassifierCase>("g", 32),
            Measure<MultiHeadAttentionCase>("h", 32),
            MeasureG2P("i", 64),
        };
        Dictionary<string, (int Parameters, long Bytes)> torch = Torch(Path.Combine(resultsDirectory, "peers-torch-memory.json"));
        var md = new StringBuilder();
        md.AppendLine("# Memory per training case");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Written by `dotnet run -c Release --project bench/StaticRnn.Benchmarks -- --memory` on {DateTime.UtcNow:yyyy-MM-dd}, ShardRunner.Threads = {ShardRunner.Threads}.");
        md.AppendLine("StaticRnn: managed bytes allocated by constructing the network and an `Adam`, then one `TrainStep` at the batch");
        md.AppendLine("below (every buffer it will ever use: parameters and gradient, Adam's two slots, tapes and work rows, the");
        md.AppendLine("scratch of every shard the batch runs as). PyTorch: growth of the process's peak resident set over 20 train");
        md.AppendLine("steps in a fresh interpreter (model, data, Adam, autograd's saved tensors, allocator caches), one thread.");
        md.AppendLine();
        md.AppendLine("| case | batch | parameters | StaticRnn | of which parameters + gradient + Adam | PyTorch parameters | PyTorch peak RSS growth |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (Row r in rows)
        {
            long fixedPart = 4L * 4 * r.Parameters;
            string peer = torch.TryGetValue(r.Case, out var t) ? $"{t.Parameters:N0} | {MiB(t.Bytes)}" : "– | –";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Case} | {r.Batch} | {r.Parameters:N0} | {MiB(r.Bytes)} | {MiB(fixedPart)} | {peer} |");
        }
        string text = md.ToString();
        Console.Write(text);
        string path = Path.Combine(resultsDirectory, "memory.md");
        File.WriteAllText(path, text);
        Console.WriteLine($"wrote {path}");
    }

    private static string MiB(long bytes) => bytes < 1048576
        ? (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB"
        : (bytes / 1048576.0).ToString("0.00", CultureInfo.InvariantCulture) + " MiB";

    private static Row Measure<TNet>(string name, int batch) where TNet : IStaticNetwork<TNet>, new()
    {
        var r = new SeededRandom(5);
        var x = new float[batch * TNet.InputSize];
        var y = new float[batch * TNet.TargetSize];
        for (int i = 0; i < x.Length; i++) x[i] = TNet.Vocabulary > 0 ? r.NextInt(TNet.Vocabulary) : (float)r.NextDouble(-1, 1);
        for (int i = 0; i < y.Length; i++) y[i] = TNet.Loss == Loss.SparseCategoricalCrossentropy ? r.NextInt(TNet.OutputShape[^1]) : (float)r.NextDouble(0, 1);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var net = new TNet();
        var adam = new Adam();
        net.TrainStep(x, y, batch, adam);
        long bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
        GC.KeepAlive(net);
        return new Row(name, batch, TNet.ParameterCount, bytes);
    }

    private static Row MeasureG2P(string name, int batch)
    {
        var (sources, targets) = G2PSeq2SeqBenchmarks.Pairs(new SeededRandom(5), batch);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var net = new G2PCase();
        var adam = new Adam();
        net.TrainStep(sources, targets, batch, adam);
        long bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
        GC.KeepAlive(net);
        return new Row(name, batch, G2PCase.ParameterCount, bytes);
    }

    private static Dictionary<string, (int, long)> Torch(string path)
    {
        var rows = new Dictionary<string, (int, long)>();
        if (!File.Exists(path))
        {
            Console.WriteLine($"no {path}: run python3 bench/peers/torch_bench.py --memory for the PyTorch column");
            return rows;
        }
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        foreach (JsonElement row in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            rows[row.GetProperty("case").GetString()!] = (row.GetProperty("parameters").GetInt32(), row.GetProperty("rss_growth_bytes").GetInt64());
        }
        return rows;
    }
}
