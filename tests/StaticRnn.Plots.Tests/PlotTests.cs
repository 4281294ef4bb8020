using SkiaSharp;
using StaticRnn;
using StaticRnn.Plots;
using Xunit;

namespace StaticRnn.Plots.Tests;

[Sequential(6, 3, Loss = Loss.SparseCategoricalCrossentropy)]
[Gru(8)]
[Dense(3, Activation = Activation.Softmax)]
public partial class PlotClassifier;

/// <summary>
/// The pictures, decoded again: the training curves of a real Fit (its size, and the curves' colours drawn over many
/// pixels), and a confusion matrix (its counts, and a dark cell where a class is mostly right).
/// </summary>
public sealed class PlotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("staticrnn-plots-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (float[] X, float[] Y) Data(int samples)
    {
        var random = new SeededRandom(5);
        var x = new float[samples * 18];
        var y = new float[samples];
        for (int s = 0; s < samples; s++)
        {
            y[s] = random.NextInt(3);
            for (int t = 0; t < 6; t++)
            {
                for (int f = 0; f < 3; f++)
                {
                    x[s * 18 + t * 3 + f] = (f == (int)y[s] ? 0.8f : 0f) + (float)random.NextDouble(-0.5, 0.5);
                }
            }
        }
        return (x, y);
    }

    /// <summary>Pixels of <paramref name="bitmap"/> within a small distance of <paramref name="colour"/>.</summary>
    private static int Count(SKBitmap bitmap, SKColor colour)
    {
        int n = 0;
        for (int y = 0; y < bitmap.Height; y++)
        {
            for (int x = 0; x < bitmap.Width; x++)
            {
                SKColor p = bitmap.GetPixel(x, y);
                n += Math.Abs(p.Red - colour.Red) + Math.Abs(p.Green - colour.Green) + Math.Abs(p.Blue - colour.Blue) < 40 ? 1 : 0;
            }
        }
        return n;
    }

    [Fact]
    public void TrainingCurvesOfAFitAreDrawn()
    {
        var (x, y) = Data(120);
        var network = new PlotClassifier();
        History history = network.Fit(x, y, epochs: 12, batchSize: 16, optimizer: new Adam(0.02f), validationSplit: 0.25, verbose: 0, metrics: [Metric.Accuracy]);
        string path = Path.Combine(_dir, "curves.png");
        history.SavePlot(path, 800, 500);
        using SKBitmap bitmap = SKBitmap.Decode(path);
        Assert.Equal(800, bitmap.Width);
        Assert.Equal(500, bitmap.Height);
        // Category10's first two colours: the loss pair (blue) and the accuracy pair (orange).
        Assert.True(Count(bitmap, new SKColor(0x1f, 0x77, 0xb4)) > 500, "the loss curves");
        Assert.True(Count(bitmap, new SKColor(0xff, 0x7f, 0x0e)) > 500, "the accuracy curves");
        Assert.Throws<ArgumentException>(() => new History().SavePlot(path));
    }

    [Fact]
    public void AConfusionMatrixCountsAndShadesEachCell()
    {
        int[] actual = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        int[] predicted = [0, 0, 0, 1, 1, 1, 2, 2, 1];
        string path = Path.Combine(_dir, "confusion.png");
        int[,] counts = TrainingPlots.SaveConfusionMatrix(path, actual, predicted, ["ham", "spam", "other"], 600);
        Assert.Equal(new[,] { { 3, 0, 0 }, { 0, 3, 0 }, { 0, 1, 2 } }, counts);
        using SKBitmap bitmap = SKBitmap.Decode(path);
        Assert.Equal(600, bitmap.Width);
        // The cells span the box of the coloured pixels (the diagonal has a corner at each end). Sampled beside each
        // count: the larger the cell's share of its row, the darker; a zero is white.
        int left = int.MaxValue, top = int.MaxValue, right = 0, bottom = 0;
        for (int yy = 0; yy < bitmap.Height; yy++)
        {
            for (int xx = 0; xx < bitmap.Width; xx++)
            {
                SKColor p = bitmap.GetPixel(xx, yy);
                if (p.Blue > p.Red + 30)
                {
                    (left, top, right, bottom) = (Math.Min(left, xx), Math.Min(top, yy), Math.Max(right, xx), Math.Max(bottom, yy));
                }
            }
        }
        double Brightness(int row, int column)
        {
            double w = (right - left) / 3.0, h = (bottom - top) / 3.0;
            SKColor p = bitmap.GetPixel((int)(left + (column + 0.8) * w), (int)(top + (row + 0.5) * h));
            return (p.Red + p.Green + p.Blue) / 3.0;
        }
        Assert.True(Brightness(0, 0) < Brightness(2, 2), "share 1 darker than share 2/3");
        Assert.True(Brightness(2, 2) < Brightness(2, 1), "share 2/3 darker than share 1/3");
        Assert.True(Brightness(2, 1) < Brightness(0, 1), "share 1/3 darker than a zero");
        Assert.True(Brightness(0, 1) > 250, "a zero is white");
        Assert.Throws<ArgumentException>(() => TrainingPlots.SaveConfusionMatrix(path, actual, predicted.AsSpan(1), ["a", "b", "c"]));
        Assert.Throws<ArgumentException>(() => TrainingPlots.SaveConfusionMatrix(path, [3], [0], ["a", "b", "c"]));
    }
}
