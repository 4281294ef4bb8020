namespace StaticRnn.Benchmarks;

/// <summary>
/// What each benchmark's GlobalSetup checks before timing anything: the scalar baseline computes the same numbers as
/// the generated code (to a relative 1e-4), so the two timings are of the same math.
/// </summary>
internal static class Agreement
{
    public const double Tolerance = 1e-4;

    /// <summary>Throws unless ‖baseline - generated‖ ≤ 1e-4 ‖generated‖ (Euclidean norms).</summary>
    public static void Check(string what, ReadOnlySpan<float> generated, ReadOnlySpan<float> baseline)
    {
        double difference = 0, norm = 0;
        for (int i = 0; i < generated.Length; i++)
        {
            difference += (baseline[i] - (double)generated[i]) * (baseline[i] - (double)generated[i]);
            norm += generated[i] * (double)generated[i];
        }
        if (generated.Length != baseline.Length || !(Math.Sqrt(difference) <= Tolerance * Math.Sqrt(norm)))
        {
            throw new InvalidOperationException(
                $"The baseline computes a different {what} ({Show(baseline)}) than the generated code ({Show(generated)}).");
        }
    }

    public static void Check(string what, float generated, float baseline) => Check(what, [generated], [baseline]);

    private static string Show(ReadOnlySpan<float> values) => values.Length == 1 ? values[0].ToString("R") : $"{values.Length} values, first {values[0]:R}";
}

/// <summary>Seeded inputs and targets.</summary>
internal static class Data
{
    public static float[] Uniform(SeededRandom random, int count, double min = -1, double max = 1)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)random.NextDouble(min, max);
        return values;
    }

    public static int[] Tokens(SeededRandom random, int count, int vocabulary)
    {
        var values = new int[count];
        for (int i = 0; i < count; i++) values[i] = random.NextInt(vocabulary);
        return values;
    }
}
