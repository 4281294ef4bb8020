using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace StaticRnn.Benchmarks;

/// <summary>
/// The measured peak that the report compares achieved GFLOP/s against. How: one thread runs
/// <see cref="Chains"/> independent accumulators, each updated by a fused multiply-add per iteration
/// (<c>c = c·m + a</c>, which converges to a normal float: no denormals, no overflow). With more chains than an FMA's
/// latency times the FMA units per cycle (Zen 4: 4 × 2 = 8), the loop runs at the FMA throughput of one core; the loop
/// counter and branch take other ports. Everything stays in registers (12 accumulators + 2 constants ≤ 16 ymm).
/// BDN reports the time of one vector FMA instruction (OperationsPerInvoke = Chains · Iterations); one FMA is
/// 2 flops per lane, so GFLOP/s per core = <see cref="Flops256"/> (or <see cref="Flops512"/>) / ns. Both cores: × 2.
/// </summary>
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class PeakFlopsBenchmarks
{
    public const int Chains = 12, Iterations = 1 << 16;

    /// <summary>Flops of one <c>Vector256&lt;float&gt;</c> FMA: 8 lanes × (multiply + add).</summary>
    public const int Flops256 = 16;

    /// <summary>Flops of one <c>Vector512&lt;float&gt;</c> FMA: 16 lanes × (multiply + add).</summary>
    public const int Flops512 = 32;

    // Fields, so the JIT sees no constants to fold.
    private float _multiplier = 0.999f, _addend = 1e-3f;

    [GlobalSetup(Target = nameof(Fma512))]
    public void Setup512()
    {
        if (!Avx512F.IsSupported)
        {
            throw new NotSupportedException("This CPU has no AVX-512: no Vector512 peak.");
        }
    }

    [Benchmark(OperationsPerInvoke = Chains * Iterations), BenchmarkCategory("peak Vector256 FMA")]
    public float Fma256()
    {
        if (!Fma.IsSupported)
        {
            throw new NotSupportedException("This CPU has no FMA.");
        }
        return Run<Vector256<float>, Ops256>(_multiplier, _addend);
    }

    [Benchmark(OperationsPerInvoke = Chains * Iterations), BenchmarkCategory("peak Vector512 FMA")]
    public float Fma512() => Run<Vector512<float>, Ops512>(_multiplier, _addend);

    /// <summary>The chains, written out so that each is its own register; a struct type argument gets its own compiled copy.</summary>
    private static float Run<TVector, TOps>(float multiplier, float addend) where TOps : IVectorOps<TVector>
    {
        TVector m = TOps.Create(multiplier), a = TOps.Create(addend);
        TVector c0 = TOps.Create(0.00f), c1 = TOps.Create(0.01f), c2 = TOps.Create(0.02f), c3 = TOps.Create(0.03f);
        TVector c4 = TOps.Create(0.04f), c5 = TOps.Create(0.05f), c6 = TOps.Create(0.06f), c7 = TOps.Create(0.07f);
        TVector c8 = TOps.Create(0.08f), c9 = TOps.Create(0.09f), c10 = TOps.Create(0.10f), c11 = TOps.Create(0.11f);
        for (int i = 0; i < Iterations; i++)
        {
            c0 = TOps.FusedMultiplyAdd(c0, m, a);
            c1 = TOps.FusedMultiplyAdd(c1, m, a);
            c2 = TOps.FusedMultiplyAdd(c2, m, a);
            c3 = TOps.FusedMultiplyAdd(c3, m, a);
            c4 = TOps.FusedMultiplyAdd(c4, m, a);
            c5 = TOps.FusedMultiplyAdd(c5, m, a);
            c6 = TOps.FusedMultiplyAdd(c6, m, a);
            c7 = TOps.FusedMultiplyAdd(c7, m, a);
            c8 = TOps.FusedMultiplyAdd(c8, m, a);
            c9 = TOps.FusedMultiplyAdd(c9, m, a);
            c10 = TOps.FusedMultiplyAdd(c10, m, a);
            c11 = TOps.FusedMultiplyAdd(c11, m, a);
        }
        // A plain tree of adds: a span of the chains here would make the JIT spill them in the loop.
        TVector s0 = TOps.Add(TOps.Add(c0, c1), TOps.Add(c2, c3));
        TVector s1 = TOps.Add(TOps.Add(c4, c5), TOps.Add(c6, c7));
        TVector s2 = TOps.Add(TOps.Add(c8, c9), TOps.Add(c10, c11));
        return TOps.Sum(TOps.Add(TOps.Add(s0, s1), s2));
    }

    /// <summary>The operations the chains need, as static members so that each struct gets its own inlined code.</summary>
    private interface IVectorOps<TVector>
    {
        static abstract TVector Create(float value);
        static abstract TVector FusedMultiplyAdd(TVector a, TVector b, TVector c);
        static abstract TVector Add(TVector a, TVector b);
        static abstract float Sum(TVector v);
    }

    private readonly struct Ops256 : IVectorOps<Vector256<float>>
    {
        public static Vector256<float> Create(float value) => Vector256.Create(value);
        public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);
        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
        public static float Sum(Vector256<float> v) => Vector256.Sum(v);
    }

    private readonly struct Ops512 : IVectorOps<Vector512<float>>
    {
        public static Vector512<float> Create(float value) => Vector512.Create(value);
        public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
        public static float Sum(Vector512<float> v) => Vector512.Sum(v);
    }
}
