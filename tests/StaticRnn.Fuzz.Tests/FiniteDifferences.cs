using Xunit;

namespace StaticRnn.Fuzz.Tests;

/// <summary>The gradient check every numeric fuzz test uses: generated gradients against central differences of a float64 reference loss.</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// Checks <paramref name="gradients"/> against central differences of <paramref name="loss"/> (which reads
    /// <paramref name="p"/>) at every parameter of a small model, an even spread of <paramref name="entries"/> of a larger
    /// one; returns how many were checked.
    /// </summary>
    public static int Check(double[] p, float[] gradients, Func<double> loss, int entries, string name)
    {
        double Derivative(int j, double h)
        {
            double keep = p[j];
            p[j] = keep + h;
            double up = loss();
            p[j] = keep - h;
            double down = loss();
            p[j] = keep;
            return (up - down) / (2 * h);
        }
        int step = Math.Max(1, p.Length / entries);
        var numeric = new Dictionary<int, double>();
        for (int j = 0; j < p.Length; j += step)
        {
            numeric[j] = Derivative(j, 1e-5);
        }
        double largest = numeric.Values.DefaultIfEmpty(0).Max(Math.Abs);
        foreach (var (j, fd) in numeric)
        {
            bool Near(double d) => Math.Abs(gradients[j] - d) <= 2e-3 * Math.Abs(d) + 2e-4 * largest + 1e-6;
            // A ReLU or hard-sigmoid kink within h of the point spoils one difference; other step sizes tell.
            Assert.True(Near(fd) || Near(Derivative(j, 1e-7)) || Near(Derivative(j, 1e-3)),
                $"{name}: d loss/d parameter {j} of {p.Length}: generated {gradients[j]:R}, finite difference {fd:R} (largest {largest:E2})");
        }
        return numeric.Count;
    }
}
