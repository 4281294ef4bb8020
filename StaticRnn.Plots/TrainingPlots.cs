using ScottPlot;

namespace StaticRnn.Plots;

/// <summary>PNG pictures of training: the curves of a <see cref="History"/>, and confusion matrices of classifiers.</summary>
public static class TrainingPlots
{
    private const string Font = "DejaVu Sans";

    /// <summary>
    /// Draws the losses of <paramref name="history"/> (<c>loss</c>, <c>val_loss</c>) against the epoch on the left axis and
    /// its metrics (<c>accuracy</c>, <c>val_accuracy</c>, <c>mae</c>, ...) on the right one, validation curves dashed, and
    /// writes the picture to <paramref name="pngPath"/> (a temporary file renamed into place).
    /// </summary>
    public static void SavePlot(this History history, string pngPath, int width = 800, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentException.ThrowIfNullOrEmpty(pngPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        if (history.Epochs == 0)
        {
            throw new ArgumentException("The history has no epochs to draw.", nameof(history));
        }
        var plot = new Plot();
        plot.Font.Set(Font);
        bool metrics = false;
        Color[] palette = new ScottPlot.Palettes.Category10().Colors;
        // One colour per quantity: loss and val_loss share one, accuracy and val_accuracy another.
        var quantities = new List<string>();
        foreach (string key in history.Keys)
        {
            IReadOnlyList<float> values = history[key];
            double[] xs = Enumerable.Range(1, values.Count).Select(e => (double)e).ToArray();
            var line = plot.Add.Scatter(xs, values.Select(v => (double)v).ToArray());
            string name = key.StartsWith("val_", StringComparison.Ordinal) ? key[4..] : key;
            if (!quantities.Contains(name))
            {
                quantities.Add(name);
            }
            line.Color = palette[quantities.IndexOf(name) % palette.Length];
            line.LegendText = key;
            line.LineWidth = 2;
            line.MarkerSize = history.Epochs <= 30 ? 5 : 0;
            if (key.StartsWith("val_", StringComparison.Ordinal))
            {
                line.LinePattern = LinePattern.Dashed;
            }
            if (!name.Contains("loss", StringComparison.Ordinal))
            {
                line.Axes.YAxis = plot.Axes.Right;
                metrics = true;
            }
        }
        plot.Title("Training");
        plot.XLabel("epoch");
        plot.YLabel("loss");
        if (metrics)
        {
            plot.Axes.Right.Label.Text = "metric";
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, pngPath, width, height);
    }

    /// <summary>
    /// Draws the confusion matrix of a classifier (rows the true class, columns the predicted one, each cell its count and
    /// shaded by its share of the row) and writes it to <paramref name="pngPath"/>. Returns the counts, [true, predicted].
    /// </summary>
    public static int[,] SaveConfusionMatrix(string pngPath, ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, IReadOnlyList<string> classNames, int size = 600)
    {
        ArgumentException.ThrowIfNullOrEmpty(pngPath);
        ArgumentNullException.ThrowIfNull(classNames);
        int n = classNames.Count;
        if (n < 2)
        {
            throw new ArgumentException("A confusion matrix needs at least two classes.", nameof(classNames));
        }
        if (actual.Length != predicted.Length || actual.IsEmpty)
        {
            throw new ArgumentException($"actual has {actual.Length} classes and predicted {predicted.Length}; they must be equally long and not empty.", nameof(predicted));
        }
        var counts = new int[n, n];
        for (int i = 0; i < actual.Length; i++)
        {
            if ((uint)actual[i] >= (uint)n || (uint)predicted[i] >= (uint)n)
            {
                throw new ArgumentException($"Sample {i} has the classes {actual[i]} (true) and {predicted[i]} (predicted); classes are 0 to {n - 1}.", nameof(actual));
            }
            counts[actual[i], predicted[i]]++;
        }
        var shares = new double[n, n];
        for (int r = 0; r < n; r++)
        {
            int row = 0;
            for (int c = 0; c < n; c++)
            {
                row += counts[r, c];
            }
            for (int c = 0; c < n; c++)
            {
                shares[r, c] = row == 0 ? 0 : (double)counts[r, c] / row;
            }
        }
        var plot = new Plot();
        plot.Font.Set(Font);
        // Blues runs from dark (0) to light (1): drawn on 1 - share, a cell is the darker the larger its share of the row.
        var shading = new double[n, n];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                shading[r, c] = 1 - shares[r, c];
            }
        }
        var map = plot.Add.Heatmap(shading);
        map.Colormap = new ScottPlot.Colormaps.Blues();
        map.ManualRange = new ScottPlot.Range(0, 1);
        // Heatmap cells sit at integer positions, row 0 at the top when the data's rows run downwards.
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                var label = plot.Add.Text(counts[r, c].ToString(System.Globalization.CultureInfo.InvariantCulture), c, n - 1 - r);
                label.LabelFontSize = 16;
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontColor = shares[r, c] > 0.5 ? Colors.White : Colors.Black;
            }
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, n).Select(c => (double)c).ToArray(), classNames.ToArray());
        plot.Axes.Left.SetTicks(Enumerable.Range(0, n).Select(r => (double)(n - 1 - r)).ToArray(), classNames.ToArray());
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.Title("Confusion matrix");
        Save(plot, pngPath, size, size);
        return counts;
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        StaticRnn.Kernels.AtomicFile.Write(full, temporary => plot.SavePng(temporary, width, height), ".tmp.png");
    }
}
