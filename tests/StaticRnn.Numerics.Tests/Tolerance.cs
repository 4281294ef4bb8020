using Xunit;

namespace StaticRnn.Numerics.Tests;

internal static class Tolerance
{
    /// <summary>
    /// Asserts |actual - expected| ≤ absolute + relative·|expected| element by element, naming the first element that
    /// is off and the worst error.
    /// </summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, double absolute, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            double allowed = absolute + relative * Math.Abs(e);
            if (!(Math.Abs(a - e) <= allowed))
            {
                Assert.Fail($"{what}[{i}]: expected {e:R}, got {a:R} (|diff| {Math.Abs(a - e):E2} > {allowed:E2})");
            }
        }
    }
}
