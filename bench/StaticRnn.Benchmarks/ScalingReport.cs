using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ScottPlot;

namespace StaticRnn.Benchmarks;

/// <summary>
/// <c>--scaling</c>: runs <see cref="ScalingBenchmarks{TNetwork}"/> for every network and batch size, then writes
/// bench/results/scaling.md (time per call and per sample-step) and scaling.png (time per sample-step against the batch,
/// one line per T, one panel per layer size).
/// </summary>
public static class ScalingReport
{
    private static readonly (string Case, int Units, int Steps, Type Network)[] s_networks =
    [
        ("b", 32, 10, typeof(ScaleB10)), ("b", 32, 30, typeof(ScaleB30)), ("b", 32, 100, typeof(ScaleB100)), ("b", 32, 300, typeof(ScaleB300)), ("b", 32, 1000, typeof(ScaleB1000)),
        ("d", 128, 10, typeof(ScaleD10)), ("d", 128, 30, typeof(ScaleD30)), ("d", 128, 100, typeof(ScaleD100)), ("d", 128, 300, typeof(ScaleD300)), ("d", 128, 1000, typeof(ScaleD1000)),
    ];

    public static int Run(string results)
    {
        // Short, fixed iteration counts: 50 cases, the largest about a second per call.
        IConfig config = DefaultConfig.Instance.AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1).AsDefault())
            .WithArtifactsPath(Path.Combine(results, "artifacts-scaling"));
        Summary[] summaries = BenchmarkRunner.Run(s_networks.Select(n => typeof(ScalingBenchmarks<>).MakeGenericType(n.Network)).ToArray(), config);
        var rows = new List<(string Case, int Units, int Steps, int Batch, double Ns)>();
        foreach (BenchmarkReport report in summaries.SelectMany(s => s.Reports))
        {
            if (report.ResultStatistics is not { } statistics)
            {
                Console.Error.WriteLine($"error: no result for {report.BenchmarkCase.DisplayInfo}");
                return 1;
            }
            Type network = report.BenchmarkCase.Descriptor.Type.GetGenericArguments()[0];
            var n = s_networks.Single(x => x.Network == network);
            int batch = (int)report.BenchmarkCase.Parameters["Batch"];
            rows.Add((n.Case, n.Units, n.Steps, batch, statistics.Mean));
        }
        File.WriteAllText(Path.Combine(results, "scaling.md"), Table(rows));
        Picture(rows, Path.Combine(results, "scaling.png"));
        Console.WriteLine($"wrote {Path.Combine(results, "scaling.md")} and scaling.png");
        return 0;
    }

    private static string Table(List<(string Case, int Units, int Steps, int Batch, double Ns)> rows)
    {
        int[] batches = rows.Select(r => r.Batch).Distinct().Order().ToArray();
        var text = new StringBuilder();
        text.AppendLine("# Scaling: Predict time per sample-step against T and batch");
        text.AppendLine();
        text.AppendLine("BenchmarkDotNet (2 warm-up and 5 measured iterations per case), `dotnet run -c Release --project bench/StaticRnn.Benchmarks -- --scaling bench/results`.");
        text.AppendLine("Case b's LSTM(32) and case d's LSTM(128) over (T, 8) inputs, then Dense(1). Each cell: the mean time of one Predict call,");
        text.AppendLine("then that time divided by batch × T (ns per sample-step).");
        foreach (var group in rows.GroupBy(r => (r.Case, r.Units)))
        {
            text.AppendLine();
            text.AppendLine($"## Case {group.Key.Case}: LSTM({group.Key.Units})");
            text.AppendLine();
            text.AppendLine("| T | " + string.Join(" | ", batches.Select(b => $"batch {b}")) + " |");
            text.AppendLine("| ---: | " + string.Join(" | ", batches.Select(_ => "---:")) + " |");
            foreach (var steps in group.GroupBy(r => r.Steps).OrderBy(g => g.Key))
            {
                var cells = batches.Select(b => steps.Single(r => r.Batch == b)).Select(r => $"{Time(r.Ns)} ({r.Ns / (r.Batch * r.Steps):0.0} ns)");
                text.AppendLine($"| {steps.Key} | " + string.Join(" | ", cells) + " |");
            }
        }
        return text.ToString();
    }

    private static string Time(double ns) => ns >= 1e6 ? $"{ns / 1e6:0.00} ms" : $"{ns / 1e3:0.0} µs";

    private static void Picture(List<(string Case, int Units, int Steps, int Batch, double Ns)> rows, string path)
    {
        var figure = new Multiplot();
        figure.AddPlots(2);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        int[] batches = rows.Select(r => r.Batch).Distinct().Order().ToArray();
        double[] positions = batches.Select(b => Math.Log2(b)).ToArray();
        Color[] palette = new ScottPlot.Palettes.Category10().Colors;
        int panel = 0;
        foreach (var group in rows.GroupBy(r => (r.Case, r.Units)))
        {
            Plot plot = figure.GetPlot(panel++);
            plot.Font.Set("DejaVu Sans");
            int line = 0;
            foreach (var steps in group.GroupBy(r => r.Steps).OrderBy(g => g.Key))
            {
                double[] ys = batches.Select(b => steps.Single(r => r.Batch == b)).Select(r => r.Ns / (r.Batch * r.Steps)).ToArray();
                var scatter = plot.Add.Scatter(positions, ys);
                scatter.LegendText = $"T = {steps.Key}";
                scatter.Color = palette[line++ % palette.Length];
                scatter.LineWidth = 2;
                scatter.MarkerSize = 6;
            }
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, batches.Select(b => b.ToString(CultureInfo.InvariantCulture)).ToArray());
            plot.Title($"Case {group.Key.Case}: LSTM({group.Key.Units}) → Dense(1), Predict");
            plot.XLabel("batch");
            plot.YLabel("ns per sample-step");
            plot.Axes.SetLimitsY(0, rows.Where(r => r.Units == group.Key.Units).Max(r => r.Ns / (r.Batch * r.Steps)) * 1.1);
            plot.ShowLegend(Alignment.UpperRight);
        }
        string temporary = path + ".tmp";
        figure.SavePng(temporary, 1400, 560);
        File.Move(temporary, path, overwrite: true);
    }
}
