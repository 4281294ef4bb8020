using BenchmarkDotNet.Attributes;

namespace StaticRnn.Benchmarks;

/// <summary>
/// The orthogonal initializer on an Lstm(512)'s recurrent kernel, (512, 2048): the runtime's blocked right-looking
/// Gram-Schmidt against the textbook left-looking loop it replaced (the same arithmetic, so the same bits; checked
/// before timing).
/// </summary>
[MemoryDiagnoser]
public class InitializerBenchmarks
{
    private const int Rows = 512, Cols = 2048;
    private readonly float[] _weights = new float[Rows * Cols];

    [GlobalSetup]
    public void Setup()
    {
        Orthogonal();
        float[] fast = (float[])_weights.Clone();
        Textbook();
        if (!fast.AsSpan().SequenceEqual(_weights))
        {
            throw new InvalidOperationException("the two orthogonal initializers disagree");
        }
    }

    [Benchmark]
    public void Orthogonal() => Initializers.Orthogonal(_weights, Rows, Cols, new SeededRandom(1));

    /// <summary>The floor: the (512 × 2048) standard normals alone (Box-Muller), which every version draws.</summary>
    [Benchmark]
    public double Normals()
    {
        var random = new SeededRandom(1);
        double sum = 0;
        for (int i = 0; i < Rows * Cols; i++) sum += random.NextNormal();
        return sum;
    }

    [Benchmark(Baseline = true)]
    public void Textbook()
    {
        var random = new SeededRandom(1);
        int n = Math.Max(Rows, Cols), m = Math.Min(Rows, Cols);
        var a = new double[n * m];
        for (int i = 0; i < a.Length; i++) a[i] = random.NextNormal();
        for (int j = 0; j < m; j++)
        {
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += a[i * m + j] * a[i * m + k];
                for (int i = 0; i < n; i++) a[i * m + j] -= dot * a[i * m + k];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += a[i * m + j] * a[i * m + j];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++) a[i * m + j] /= norm;
        }
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Cols; c++) _weights[r * Cols + c] = (float)a[c * m + r];
        }
    }
}
