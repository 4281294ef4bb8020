using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using StaticRnn;
using StaticRnn.Benchmarks;

if (args is ["--memory", ..])
{
    // Not a benchmark: the bytes each training case holds (MemoryReport), written to bench/results/memory.md.
    string results = args.Length > 1 ? args[1] : Path.Combine("bench", "results");
    if (!Directory.Exists(results))
    {
        Console.Error.WriteLine($"error: no folder {results}; run from the repository root or pass the results folder after --memory");
        return 1;
    }
    MemoryReport.Run(results);
    return 0;
}
if (args is ["--scaling", ..])
{
    // The T × batch sweep of cases b and d (ScalingReport), written to bench/results/scaling.md and scaling.png.
    string results = args.Length > 1 ? args[1] : Path.Combine("bench", "results");
    if (!Directory.Exists(results))
    {
        Console.Error.WriteLine($"error: no folder {results}; run from the repository root or pass the results folder after --scaling");
        return 1;
    }
    return ScalingReport.Run(results);
}
// Every benchmark class but the scaling sweep, which --scaling runs on its own (50 cases).
Type[] suite = typeof(SeedModelBenchmarks).Assembly.GetExportedTypes()
    .Where(t => t != typeof(ScalingBenchmarks<>) && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkAttribute), inherit: true))).ToArray();
BenchmarkSwitcher.FromTypes(suite).Run(args);
return 0;

namespace StaticRnn.Benchmarks
{
    /// <summary>Case a of the speed plan: (10, 8) → SimpleRnn(5, seq) → SimpleRnn(3) → Dense(10), batch 32, MSE, Adam.</summary>
    [Sequential(10, 8)]
    [SimpleRnn(5, ReturnSequences = true)]
    [SimpleRnn(3)]
    [Dense(10)]
    public partial class SeedModel;

    [MemoryDiagnoser]
    [CategoriesColumn]
    [GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
    public class SeedModelBenchmarks
    {
        private const int Batch = 32;
        private SeedModel _generated = null!;
        private ScalarSeedModel _scalar = null!;
        private Adam _adam = null!;
        private readonly float[] _x = new float[Batch * SeedModel.InputSize];
        private readonly float[] _y = new float[Batch * SeedModel.TargetSize];
        private readonly float[] _out = new float[Batch * SeedModel.OutputSize];

        [GlobalSetup]
        public void Setup()
        {
            var r = new SeededRandom(1);
            for (int i = 0; i < _x.Length; i++) _x[i] = (float)r.NextDouble(-1, 1);
            for (int i = 0; i < _y.Length; i++) _y[i] = (float)r.NextDouble(-1, 1);
            _generated = new SeedModel();
            _scalar = new ScalarSeedModel(_generated.Parameters);
            _adam = new Adam();
            float a = _generated.ComputeLoss(_x, _y, Batch), b = new ScalarSeedModel(_generated.Parameters).TrainStep(_x, _y, Batch);
            if (Math.Abs(a - b) > 1e-4f * Math.Abs(a))
            {
                throw new InvalidOperationException($"The baseline computes a different loss ({b}) than the generated code ({a}).");
            }
        }

        [Benchmark(Baseline = true), BenchmarkCategory("Predict")]
        public void PredictScalar() => _scalar.Predict(_x, _out, Batch);

        [Benchmark, BenchmarkCategory("Predict")]
        public void PredictGenerated() => _generated.Predict(_x, _out, Batch);

        [Benchmark(Baseline = true), BenchmarkCategory("TrainStep")]
        public float TrainStepScalar() => _scalar.TrainStep(_x, _y, Batch);

        [Benchmark, BenchmarkCategory("TrainStep")]
        public float TrainStepGenerated() => _generated.TrainStep(_x, _y, Batch, _adam);
    }
}
