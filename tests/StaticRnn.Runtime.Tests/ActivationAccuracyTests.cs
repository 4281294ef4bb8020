using System.Runtime.Intrinsics;
using StaticRnn.Kernels;
using Xunit;

namespace StaticRnn.Runtime.Tests;

/// <summary>The vector activations against double-precision <see cref="Math"/> on a dense grid, lanes filled with different values.</summary>
public class ActivationAccuracyTests
{
    /// <summary>Every float32 result is within this many units of float32 precision (2^-24 relative) of the exact value.</summary>
    private const double Ulps = 4;

    [Fact]
    public void ExpIsWithinFourUlpOnItsRange()
        => AssertClose(VectorMath.Exp, Math.Exp, -87, 88, relativeOnly: true);

    [Fact]
    public void ExpClampsOutsideItsRangeToFiniteValues()
    {
        Vector256<float> e = VectorMath.Exp(Vector256.Create(-1000f, -88f, 88.5f, 1000f, float.MaxValue, float.MinValue, 0f, 1f));
        for (int lane = 0; lane < 8; lane++)
        {
            Assert.True(float.IsFinite(e[lane]) && e[lane] > 0, $"lane {lane}: {e[lane]}");
        }
        Assert.Equal(1f, e[6]);
    }

    [Fact]
    public void SigmoidIsAccurate() => AssertClose(VectorMath.Sigmoid, x => 1 / (1 + Math.Exp(-x)), -30, 30, relativeOnly: false);

    [Fact]
    public void TanhIsAccurate() => AssertClose(VectorMath.Tanh, Math.Tanh, -20, 20, relativeOnly: false);

    [Fact]
    public void SaturatedActivationsReachTheirLimits()
    {
        Assert.Equal(1f, VectorMath.Tanh(50f));
        Assert.Equal(-1f, VectorMath.Tanh(-50f));
        Assert.Equal(1f, VectorMath.Sigmoid(100f));
        Assert.True(VectorMath.Sigmoid(-100f) is >= 0f and < 1e-30f);
    }

    private static void AssertClose(Func<Vector256<float>, Vector256<float>> f, Func<double, double> exact, double from, double to, bool relativeOnly)
    {
        const int Points = 200_003;
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < Points; i += 8)
        {
            var x = Vector256.Create(Enumerable.Range(0, 8).Select(l => (float)(from + (to - from) * Math.Min(i + l, Points - 1) / (Points - 1))).ToArray());
            Vector256<float> y = f(x);
            for (int lane = 0; lane < 8; lane++)
            {
                double want = exact(x[lane]);
                // Relative error in float32 ulps; near zero (sigmoid's and tanh's small outputs) an absolute ulp of 1 counts too.
                double scale = relativeOnly ? Math.Abs(want) : Math.Max(Math.Abs(want), 1e-3);
                double error = Math.Abs(y[lane] - want) / (scale * Math.Pow(2, -24));
                if (error > worst)
                {
                    (worst, worstAt) = (error, x[lane]);
                }
            }
        }
        Assert.True(worst <= Ulps, $"worst error {worst:F2} ulp at x = {worstAt}");
    }
}
