using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using StaticRnn.Kernels;

namespace StaticRnn.Benchmarks;

/// <summary>
/// Cases a and b at batch 32 on a machine another process is using: <see cref="BusyProcesses"/> shell busy-loops
/// (<c>sh -c 'while :; do :; done'</c>, each holding a core for as long as the scheduler lets it) run during the
/// measurement, beside runs with <see cref="ShardRunner.Threads"/> = 1 (the caller alone) and the default. A call should
/// never take much longer than the caller alone would: shards that no worker claims are run by the caller.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
public class SharedMachineBenchmarks
{
    private const int Batch = 32;
    private readonly List<Process> _busy = [];
    private SeedModel _a = null!;
    private LstmCase _b = null!;
    private Adam _aAdam = null!, _bAdam = null!;
    private float[] _ax = [], _ay = [], _aOut = [], _bx = [], _by = [], _bOut = [];
    private int _savedThreads;

    /// <summary>Busy-loop processes started before the measurement (0: an idle machine).</summary>
    [Params(0, 1, 2)]
    public int BusyProcesses { get; set; }

    /// <summary>ShardRunner.Threads: 1, or 0 for the default (the processor count).</summary>
    [Params(0, 1)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(3);
        _ax = Data.Uniform(r, Batch * SeedModel.InputSize);
        _ay = Data.Uniform(r, Batch * SeedModel.TargetSize);
        _aOut = new float[Batch * SeedModel.OutputSize];
        _bx = Data.Uniform(r, Batch * LstmCase.InputSize);
        _by = Data.Uniform(r, Batch);
        _bOut = new float[Batch];
        (_a, _b, _aAdam, _bAdam) = (new SeedModel(), new LstmCase(), new Adam(), new Adam());
        _savedThreads = ShardRunner.Threads;
        ShardRunner.Threads = Threads == 0 ? Environment.ProcessorCount : Threads;
        for (int i = 0; i < BusyProcesses; i++)
        {
            var start = new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]) { UseShellExecute = false };
            _busy.Add(Process.Start(start) ?? throw new InvalidOperationException("could not start a busy-loop process"));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Process p in _busy)
        {
            p.Kill();
            p.WaitForExit();
            p.Dispose();
        }
        _busy.Clear();
        ShardRunner.Threads = _savedThreads;
    }

    [Benchmark, BenchmarkCategory("a TrainStep")]
    public float SeedModelTrainStep() => _a.TrainStep(_ax, _ay, Batch, _aAdam);

    [Benchmark, BenchmarkCategory("a Predict")]
    public void SeedModelPredict() => _a.Predict(_ax, _aOut, Batch);

    [Benchmark, BenchmarkCategory("b TrainStep")]
    public float LstmTrainStep() => _b.TrainStep(_bx, _by, Batch, _bAdam);

    [Benchmark, BenchmarkCategory("b Predict")]
    public void LstmPredict() => _b.Predict(_bx, _bOut, Batch);
}
