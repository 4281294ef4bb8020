using StaticRnn.Kernels;
using Xunit;

namespace StaticRnn.Runtime.Tests;

/// <summary>
/// The backward-pass products against plain double loops over the same gate layout: Keras matrix columns
/// g·units + u, delta rows padded per gate to the stride with zero padding lanes, buffers padded past their end.
/// </summary>
public class ProductsTests
{
    private const int Padding = 16;

    [Theory]
    [InlineData(4, 32, 8, 10, false)] // LSTM(32): 2-block column tiles, 4-row tiles
    [InlineData(3, 12, 7, 5, false)] // GRU(12): units not a multiple of 8, odd rows, a 1-block remainder
    [InlineData(1, 5, 3, 1, true)] // one gate, one step, input read backwards
    [InlineData(2, 24, 9, 4, true)]
    public void OuterProductsMatchPlainLoops(int gates, int units, int rows, int steps, bool backwards)
    {
        var random = new SeededRandom(7);
        int stride = (units + 7) / 8 * 8, rowLength = gates * units, vectorStride = rows + 3, deltaStride = gates * stride + 8;
        float[] gradient = Fill(rows * rowLength + Padding, random);
        float[] vectors = Fill(steps * vectorStride, random);
        float[] deltas = Deltas(gates, units, stride, deltaStride, steps, random);
        double[] expected = gradient.Select(v => (double)v).ToArray();
        for (int t = 0; t < steps; t++)
        {
            int row = backwards ? (steps - 1 - t) * vectorStride : t * vectorStride;
            for (int i = 0; i < rows; i++)
            {
                for (int g = 0; g < gates; g++)
                {
                    for (int u = 0; u < units; u++)
                    {
                        expected[i * rowLength + g * units + u] += (double)vectors[row + i] * deltas[t * deltaStride + g * stride + u];
                    }
                }
            }
        }

        int first = backwards ? (steps - 1) * vectorStride : 0;
        Products.AddOuterProducts(ref gradient[0], rowLength, gates, units, stride, ref vectors[first], backwards ? -vectorStride : vectorStride, rows,
            ref deltas[0], deltaStride, steps);

        for (int i = 0; i < gradient.Length; i++)
        {
            Assert.True(Math.Abs(gradient[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"G[{i}] = {gradient[i]}, expected {expected[i]}");
        }
    }

    [Theory]
    [InlineData(4, 32, 32, false)] // four 8-row tiles
    [InlineData(3, 12, 13, true)] // one tile and five single rows, accumulating
    [InlineData(1, 5, 5, false)]
    [InlineData(2, 20, 8, true)]
    public void DotRowsMatchPlainLoops(int gates, int units, int rows, bool accumulate)
    {
        var random = new SeededRandom(11);
        int stride = (units + 7) / 8 * 8, rowLength = gates * units;
        float[] matrix = Fill(rows * rowLength + Padding, random);
        float[] deltas = Deltas(gates, units, stride, gates * stride, 1, random);
        float[] output = Fill(rows + Padding, random);
        float[] before = (float[])output.Clone();
        var expected = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            expected[i] = accumulate ? output[i] : 0;
            for (int g = 0; g < gates; g++)
            {
                for (int u = 0; u < units; u++)
                {
                    expected[i] += (double)matrix[i * rowLength + g * units + u] * deltas[g * stride + u];
                }
            }
        }

        Products.DotRows(ref output[0], ref matrix[0], rowLength, gates, units, stride, rows, ref deltas[0], accumulate);

        for (int i = 0; i < rows; i++)
        {
            Assert.True(Math.Abs(output[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"out[{i}] = {output[i]}, expected {expected[i]}");
        }
        Assert.Equal(before.AsSpan(rows).ToArray(), output.AsSpan(rows).ToArray()); // nothing written past the last row
    }

    [Fact]
    public void SumEachAddsTheLanesOfEachArgument()
    {
        var v = Enumerable.Range(0, 8).Select(j => System.Runtime.Intrinsics.Vector256.Create(Enumerable.Range(0, 8).Select(l => (float)(j * 100 + l * l)).ToArray())).ToArray();
        var sums = Products.SumEach(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        for (int j = 0; j < 8; j++)
        {
            Assert.Equal(j * 800 + 140f, sums[j]);
        }
    }

    private static float[] Fill(int length, SeededRandom random)
        => Enumerable.Range(0, length).Select(_ => (float)random.NextDouble(-1, 1)).ToArray();

    /// <summary>Delta rows of the generated layout: per gate <paramref name="units"/> values, then zeros up to the stride.</summary>
    private static float[] Deltas(int gates, int units, int stride, int deltaStride, int steps, SeededRandom random)
    {
        var deltas = new float[steps * deltaStride + Padding];
        for (int t = 0; t < steps; t++)
        {
            for (int g = 0; g < gates; g++)
            {
                for (int u = 0; u < units; u++)
                {
                    deltas[t * deltaStride + g * stride + u] = (float)random.NextDouble(-1, 1);
                }
            }
        }
        return deltas;
    }
}
