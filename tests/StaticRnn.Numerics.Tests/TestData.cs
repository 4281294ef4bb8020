using StaticRnn;

namespace StaticRnn.Numerics.Tests;

/// <summary>Seeded test data and the small definitions the training tests check against.</summary>
internal static class TestData
{
    /// <summary><paramref name="count"/> values drawn by <paramref name="draw"/> from a generator seeded with <paramref name="seed"/>.</summary>
    public static float[] Random(int count, int seed, Func<SeededRandom, float> draw)
    {
        var r = new SeededRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = draw(r);
        }
        return values;
    }

    /// <summary>The index of the first largest value.</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            best = row[i] > row[best] ? i : best;
        }
        return best;
    }
}
